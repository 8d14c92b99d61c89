using CliWrap;
using CliWrap.Buffered;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Python;

/// <summary>
/// One silo speaking TLS with the sample processor (from a real git repository) and its sockets, and one fresh venv
/// with <c>clients/python</c> installed by <c>pip install</c> with no package index: what the Python client's tests run
/// against. The silo and the venv are made at once (a venv and its pip take ~4 s).
/// </summary>
public sealed class PythonClientFixture : IAsyncLifetime
{
    /// <summary>The socket of <c>do_something</c>, named as in the README and the seed's example.</summary>
    public const string DoSomething = "pyfi.processors.sample.do_something";

    private readonly TempDirectory _folder = new("pyfi-python");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The authority of the silo's certificate, and a certificate nobody trusts.</summary>
    public TestCertificates Certificates { get; private set; } = null!;

    /// <summary>The CLI pointed at the silo (trusting its authority), with the admin token.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>The sample repository.</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>A token of role viewer.</summary>
    public string ViewerToken { get; private set; } = null!;

    /// <summary>The venv's interpreter, with pyfi-client installed.</summary>
    public string Python { get; private set; } = null!;

    /// <summary>What <c>pip install clients/python</c> printed.</summary>
    public BufferedCommandResult Install { get; private set; } = null!;

    /// <summary>A folder the tests and the silo's workers share.</summary>
    public string Scratch => Directory.CreateDirectory(_folder.File("scratch")).FullName;

    /// <summary>The package's source folder.</summary>
    public static string Package => Path.Combine(TestEnvironment.RepositoryRoot, "clients", "python");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        FastTier.Refuse("Python and a silo");
        Certificates = TestCertificates.Create(Directory.CreateDirectory(_folder.File("tls")).FullName, "silo");
        var venv = CreateVenvAsync();
        Repository = await GitRepository.CreateAsync(SampleCode.Files());
        Silo = await SiloProcess.StartAsync(Directory.CreateDirectory(_folder.File("data")).FullName, new Dictionary<string, string>
        {
            ["PYFI_CORES"] = "4",
            ["PYFI_TLS_CERT"] = Certificates.Certificate("silo"),
            ["PYFI_TLS_KEY"] = Certificates.Key("silo"),
        });
        try
        {
            Cli = new PyfiCli(Silo.Gateway, new Dictionary<string, string> { ["PYFI_TLS_CA"] = Certificates.Authority }, Silo.AdminToken);
            await SampleCode.AddAsync(Cli, Repository);
            await SampleCode.AddSocketsAsync(Cli, (DoSomething, "do_something"), ("noop", "noop"), ("echo", "echo"), ("fail", "fail"), ("held", "held"));
            ViewerToken = (await Cli.OkAsync("token", "create", "-n", "python-viewer", "--role", "viewer")).Stdout.Trim();
            await venv;
        }
        catch
        {
            // xUnit does not dispose a fixture whose start failed: the silo must not outlive the test run.
            await Silo.DisposeAsync();
            throw;
        }
    }

    // python3 -m venv, then pip install clients/python with no index at all: the in-tree backend needs nothing from one.
    private async Task CreateVenvAsync()
    {
        var venv = _folder.File("venv");
        await Run("python3", ["-m", "venv", venv]);
        Python = Path.Combine(venv, "bin", "python");
        Install = await Run(Python, ["-m", "pip", "install", "--no-index", "--disable-pip-version-check", "--no-input", Package],
            new Dictionary<string, string?> { ["PIP_NO_INDEX"] = "1" });
    }

    private async Task<BufferedCommandResult> Run(string program, string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = await CliWrap.Cli.Wrap(program).WithArguments(args).WithWorkingDirectory(_folder.Path)
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        return result;
    }

    /// <summary>
    /// The environment the Python tests read (<c>clients/python/tests/support.py</c>): the silo, its tokens and
    /// certificates, and the sample's sockets; no other PYFI_* variable of the test run's own.
    /// </summary>
    public Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>();
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("PYFI_", StringComparison.Ordinal)))
        {
            environment[key] = null;
        }

        environment["PYFI_GATEWAY"] = Silo.Gateway;
        environment["PYFI_TOKEN"] = Silo.AdminToken;
        environment["PYFI_TLS_CA"] = Certificates.Authority;
        environment["PYFI_TEST_VIEWER_TOKEN"] = ViewerToken;
        environment["PYFI_TEST_TLS_FINGERPRINT"] = Certificates.Fingerprint("silo");
        environment["PYFI_TEST_TLS_STRANGER"] = Certificates.Certificate("stranger");
        environment["PYFI_TEST_SCRATCH"] = Scratch;
        environment["PYFI_TEST_QUEUE"] = "q";
        environment["PYFI_TEST_PROCESSOR"] = "sample";
        environment["PYFI_TEST_SOCKETS"] = $"do_something={DoSomething},noop=noop,echo=echo,fail=fail,held=held";
        return environment;
    }

    /// <summary>Runs the venv's interpreter with <paramref name="args"/> in <paramref name="directory"/>, in <see cref="Environment"/>.</summary>
    public async Task<BufferedCommandResult> PythonAsync(string directory, TimeSpan timeout, params string[] args)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await CliWrap.Cli.Wrap(Python).WithArguments(args).WithWorkingDirectory(directory)
            .WithEnvironmentVariables(Environment()).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancel.Token);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Repository.Dispose();
        _folder.Dispose();
    }
}
