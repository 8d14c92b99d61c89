using System.Globalization;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// A Pyfi network on a fresh PostgreSQL database for tests of several silos: the sample repository, silo processes
/// each on its own data folder (<c>PYFI_CORES</c> each), and the CLI set up with queue <c>q</c> and processor
/// <c>sample</c>. Disposing it stops the silos and removes their folders and the database.
/// </summary>
public sealed class PostgresNetwork : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly List<TempDirectory> _folders = [];
    private readonly string _name;
    private readonly int _cores;

    private PostgresNetwork(string name, int cores, PostgresDatabase database, GitRepository repository)
    {
        _name = name;
        _cores = cores;
        Database = database;
        Repository = repository;
    }

    /// <summary>The network's database.</summary>
    public PostgresDatabase Database { get; }

    /// <summary>The sample processor's repository.</summary>
    public GitRepository Repository { get; }

    /// <summary>Makes the database and the repository; no silo runs yet.</summary>
    public static async Task<PostgresNetwork> CreateAsync(string name, int cores = 2) =>
        new(name, cores, await PostgresDatabase.CreateAsync(), await GitRepository.CreateAsync(SampleCode.Files()));

    /// <summary>Starts a silo of the network on a data folder of its own (<paramref name="extra"/> adds or overrides settings).</summary>
    public async Task<SiloProcess> StartSiloAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var folder = new TempDirectory($"pyfi-{_name}");
        _folders.Add(folder);
        var environment = new Dictionary<string, string>
        {
            ["PYFI_STORAGE"] = "postgres",
            ["PYFI_POSTGRES"] = Database.ConnectionString,
            ["PYFI_CORES"] = _cores.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        var silo = await SiloProcess.StartAsync(folder.Path, environment);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>The data folder of <paramref name="silo"/> (its venvs, so its Python workers, are under it).</summary>
    public string DataOf(SiloProcess silo) => _folders[_silos.IndexOf(silo)].Path;

    /// <summary>The admin token the network's first silo made.</summary>
    public string AdminToken => _silos.Count > 0 ? _silos[0].AdminToken : throw new InvalidOperationException("no silo has started yet");

    /// <summary>The CLI pointed at <paramref name="silo"/>, with the network's admin token.</summary>
    public PyfiCli Cli(SiloProcess silo) => silo.Cli(AdminToken);

    /// <summary>A .NET client connected to <paramref name="silo"/>, with the network's admin token.</summary>
    public Task<Pyfi.Client.PyfiClient> ConnectAsync(SiloProcess silo) => silo.ConnectAsync(AdminToken);

    /// <summary>The CLI pointed at <paramref name="silo"/>, after adding queue <c>q</c> and processor <c>sample</c>.</summary>
    public async Task<PyfiCli> AddSampleAsync(SiloProcess silo)
    {
        var cli = Cli(silo);
        await SampleCode.AddAsync(cli, Repository);
        return cli;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) await silo.DisposeAsync();
        foreach (var folder in _folders) folder.Dispose();
        Repository.Dispose();
        await Database.DisposeAsync();
    }
}
