using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// A real silo with the sample processor, a socket on it, and a token of each role made by its admin with the CLI.
/// </summary>
public sealed class SecuredSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-secure");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The sample repository.</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>A token of each role (the admin's is the one the silo made).</summary>
    public Dictionary<PyfiRole, string> Tokens { get; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Repository = await GitRepository.CreateAsync(SampleCode.Files());
        Silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var admin = Silo.Cli();
        await SampleCode.AddAsync(admin, Repository);
        await SampleCode.AddSocketsAsync(admin, "do_this");
        Tokens[PyfiRole.Admin] = Silo.AdminToken;
        foreach (var role in Enum.GetValues<PyfiRole>().Where(r => r != PyfiRole.Admin))
        {
            Tokens[role] = (await admin.OkAsync("token", "create", "-n", $"the-{role.Name()}", "--role", role.Name())).Stdout.Trim();
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Repository.Dispose();
        _data.Dispose();
    }
}
