using Pyfi.Client;
using Pyfi.Client.Workflows;
using Pyfi.Tests.Infrastructure;
using static Pyfi.Client.Workflows.Flow;

namespace Pyfi.Tests.Python;

/// <summary>
/// The Python client (<c>clients/python</c>, package <c>pyfi-client</c>) installed offline in a fresh venv and run
/// against a real silo over TLS: its own unittest suite, and the seed's example giving what the .NET client and
/// <c>pyfi flow run -f</c> give for the same workflow.
/// </summary>
public sealed class PythonClientTests(PythonClientFixture fixture) : IClassFixture<PythonClientFixture>
{
    private static readonly string Tests = Path.Combine(PythonClientFixture.Package, "tests");

    [Fact]
    public async Task PipInstallsThePackageInAFreshVenvWithNoIndexAndItsVersionIsTheRepositorys()
    {
        var version = await fixture.PythonAsync(fixture.Scratch, TimeSpan.FromSeconds(30), "-c", "import pyfi.client; print(pyfi.client.__version__)");

        Assert.Contains("Successfully installed pyfi-client-" + PyfiVersion.Current, fixture.Install.StandardOutput);
        Assert.Equal(PyfiVersion.Current + "\n", version.StandardOutput);
    }

    [Fact]
    public async Task ThePackagesOwnTestsPassAgainstARealSilo()
    {
        // Run from a folder of their own, so `pyfi` is the installed package, not the source folder.
        var run = await fixture.PythonAsync(fixture.Scratch, TimeSpan.FromMinutes(5), "-m", "unittest", "discover", "-v", "-s", Tests, "-t", Tests);

        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, $"the Python client's tests failed:\n{output}\n--- the silo's log:\n{fixture.Silo.Output}");
        Assert.Matches(@"Ran \d+ tests", output);
        Assert.DoesNotContain("skipped", output);
        Assert.DoesNotContain("ResourceWarning", output);
    }

    [Fact]
    public async Task TheSeedsExamplePrintsWhatTheDotNetClientAndFlowRunGiveForTheSameWorkflow()
    {
        var python = await fixture.PythonAsync(Tests, TimeSpan.FromMinutes(2), "seed_example.py");
        var cli = await fixture.Cli.OkAsync("flow", "run", "-f", SeedFile());
        string dotnet;
        await using (var pyfi = await PyfiClient.ConnectAsync(new PyfiClientOptions
        {
            Gateways = fixture.Silo.Gateway, Token = fixture.Silo.AdminToken, TlsCa = fixture.Certificates.Authority, ConnectTimeout = TimeSpan.FromSeconds(60),
        }))
        {
            var socket = pyfi.Socket<string, string>(PythonClientFixture.DoSomething);
            PyfiStep do_something(string message) => socket.Bind(message);
            var _pipeline = Pipeline(do_something("One"), do_something("Two"), Parallel(do_something("Four"), do_something("Five")), do_something("Three"));
            var _parallel = Parallel(_pipeline, do_something("Six"), do_something("Seven"));
            var _funnel = Funnel(do_something("Eight"), _parallel, do_something("Nine"));
            dotnet = await (await pyfi.StartAsync(_funnel(do_something("Four")))).GetAsync<string>(TimeSpan.FromMinutes(1));
        }

        Assert.True(python.ExitCode == 0, python.StandardError);
        Assert.Equal(Workflows.WorkflowTests.SeedResult, dotnet);
        Assert.Equal(dotnet + "\n", cli.Stdout);
        Assert.Equal("FUNNEL:  " + dotnet + "\n", python.StandardOutput);
    }

    [Fact]
    public async Task TheReadmesPythonExamplesRunAsWritten()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var seed = PythonBlocks(readme[readme.IndexOf("\n## Python\n", StringComparison.Ordinal)..]).First();
        // The package's README: its calls and workflows (the model's example names a repository on the internet).
        var package = PythonBlocks(File.ReadAllText(Path.Combine(PythonClientFixture.Package, "README.md"))).Where(b => !b.Contains("model.", StringComparison.Ordinal)).ToList();

        Assert.Equal("FUNNEL:  " + Workflows.WorkflowTests.SeedResult + "\n", await RunAsync(seed));
        Assert.Equal(2, package.Count);
        Assert.Equal("Message: One\nMessage: Two\n", await RunAsync(package[0]));
        Assert.Equal("FUNNEL:  " + Workflows.WorkflowTests.SeedResult + "\n", await RunAsync(package[1]));
    }

    private static IEnumerable<string> PythonBlocks(string markdown) =>
        System.Text.RegularExpressions.Regex.Matches(markdown, "```python\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Select(m => m.Groups[1].Value);

    private async Task<string> RunAsync(string script)
    {
        var file = Path.Combine(fixture.Scratch, $"readme-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(file, script);
        var run = await fixture.PythonAsync(fixture.Scratch, TimeSpan.FromMinutes(2), file);
        Assert.True(run.ExitCode == 0, $"{script}\n---\n{run.StandardOutput}{run.StandardError}");
        return run.StandardOutput;
    }

    // The seed's workflow as a flow file, on the README's socket name.
    private string SeedFile()
    {
        var file = Path.Combine(fixture.Scratch, "seed.yaml");
        File.WriteAllText(file, """
            funnel:
              - {socket: pyfi.processors.sample.do_something, args: [Eight]}
              - parallel:
                  - pipeline:
                      - {socket: pyfi.processors.sample.do_something, args: [One]}
                      - {socket: pyfi.processors.sample.do_something, args: [Two]}
                      - parallel:
                          - {socket: pyfi.processors.sample.do_something, args: [Four]}
                          - {socket: pyfi.processors.sample.do_something, args: [Five]}
                      - {socket: pyfi.processors.sample.do_something, args: [Three]}
                  - {socket: pyfi.processors.sample.do_something, args: [Six]}
                  - {socket: pyfi.processors.sample.do_something, args: [Seven]}
              - {socket: pyfi.processors.sample.do_something, args: [Nine]}
            final: {socket: pyfi.processors.sample.do_something, args: [Four]}
            """);
        return file;
    }
}
