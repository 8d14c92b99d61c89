using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// Trusted code and hostile or buggy code through a real silo and the real CLI: only allowed repositories, only
/// modules of the repository, environments per requirements, memory limits per processor, calls that never get
/// another call's result, and no process outliving its silo.
/// </summary>
public sealed class SandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task AModuleThatIsNotAFileOfTheRepositoryIsTheProcessorsError()
    {
        var commit = (await fixture.Repository.GitAsync("rev-parse", "HEAD")).Trim();
        await Cli.OkAsync("add", "processor", "-n", "shell", "-g", fixture.Repository.Path, "-m", "os");
        await Cli.OkAsync("add", "processor", "-n", "builtin", "-g", fixture.Repository.Path, "-m", "builtins");
        await Cli.OkAsync("add", "socket", "-n", "shell.system", "-q", "q", "-pn", "shell", "-t", "system");

        var shell = await DeployedAsync("shell");
        var builtin = await DeployedAsync("builtin");
        var owned = fixture.Scratch.File("owned");
        var run = await Cli.RunAsync(["task", "run", "-s", "shell.system", "-d", $"['touch {owned}']"]);

        Assert.Equal("error", shell.GetProperty("status").GetString());
        Assert.Equal($"module 'os' is not a file of the repository at commit {commit[..12]}", shell.GetProperty("error").GetString());
        Assert.Equal($"module 'builtins' is not a file of the repository at commit {commit[..12]}", builtin.GetProperty("error").GetString());
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"pyfi: shell.system failed: DeploymentFailed: processor 'shell' cannot run: module 'os' is not a file of the repository at commit {commit[..12]}", run.Stderr.Trim());
        Assert.False(File.Exists(owned));
    }

    [Fact]
    public async Task ARepositoryPyfiReposDoesNotAllowIsRefusedAndNothingIsStored()
    {
        using var other = await GitRepository.CreateAsync(SampleCode.Files());
        var before = await DefinitionsAsync();

        string[] refused = [other.Path, other.FileUrl, fixture.Repository.Path + "-evil", fixture.Repository.Path + "/../" + Path.GetFileName(other.Path)];
        var adds = new List<CliResult>();
        foreach (var repository in refused) adds.Add(await Cli.RunAsync(["add", "processor", "-n", "elsewhere", "-g", repository, "-m", SampleCode.Module]));
        var update = await Cli.RunAsync(["update", "processor", "-n", "sample", "-g", other.Path]);

        for (var i = 0; i < refused.Length; i++)
        {
            Assert.Equal(1, adds[i].ExitCode);
            Assert.Equal($"pyfi: repository '{refused[i]}' is not allowed here (PYFI_REPOS: {fixture.AllowedRepositories.Replace(";", ", ")})\n", adds[i].Stderr);
        }

        Assert.Equal(1, update.ExitCode);
        Assert.Equal($"pyfi: repository '{other.Path}' is not allowed here (PYFI_REPOS: {fixture.AllowedRepositories.Replace(";", ", ")})\n", update.Stderr);
        Assert.Equal(before, await DefinitionsAsync());
    }

    [Fact]
    public async Task TwoProcessorsOnOneCommitWithDifferentRequirementsHaveTheirOwnEnvironments()
    {
        foreach (var (name, file) in new[] { ("needs-a", "req-a.txt"), ("needs-b", "req-b.txt") })
        {
            await Cli.OkAsync("add", "processor", "-n", name, "-g", fixture.Requirements.Path, "-m", "which", "--requirements", file);
            await Cli.OkAsync("add", "socket", "-n", $"{name}.installed", "-q", "q", "-pn", name, "-t", "installed");
        }

        var a = await Cli.RunAsync(["task", "run", "-s", "needs-a.installed", "--nodata", "--json"], timeout: TimeSpan.FromMinutes(2));
        var b = await Cli.RunAsync(["task", "run", "-s", "needs-b.installed", "--nodata", "--json"], timeout: TimeSpan.FromMinutes(2));

        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.Equal("""["pyfi_dep_a"]""", a.Stdout.Trim());
        Assert.Equal("""["pyfi_dep_b"]""", b.Stdout.Trim());
    }

    [Fact]
    public async Task AMemoryHogFailsWithMemoryLimitExceededAndTheNextCallOnItsSocketSucceeds()
    {
        await Cli.OkAsync("add", "processor", "-n", "hungry", "-g", fixture.Repository.Path, "-m", SandboxCode.Module, "--memory", "256M");
        await Cli.OkAsync("add", "socket", "-n", "hungry.hog", "-q", "q", "-pn", "hungry", "-t", "hog", "--max-attempts", "1");
        var shown = (await Cli.OkAsync("ls", "processor", "-n", "hungry")).Stdout;

        var hog = await Cli.RunAsync(["task", "run", "-s", "hungry.hog", "-d", "1024"]);
        var next = await Cli.RunAsync(["task", "run", "-s", "hungry.hog", "-d", "1"]);
        await Cli.OkAsync("update", "processor", "-n", "hungry", "--memory", "1G");
        var raised = await Cli.RunAsync(["task", "run", "-s", "hungry.hog", "-d", "512"]);

        Assert.Matches(@"Memory\s+256 MiB", shown);
        Assert.Equal(1, hog.ExitCode);
        Assert.StartsWith("pyfi: hungry.hog failed: MemoryLimitExceeded: the call needed more memory than the worker's limit of 256 MiB", hog.Stderr);
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal((1 << 20).ToString(), next.Stdout.Trim());
        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.Equal((512 << 20).ToString(), raised.Stdout.Trim());
    }

    [Fact]
    public async Task NoCallGetsAnotherCallsResultWhenFunctionsForkOrWriteOnTheProtocolPipe()
    {
        // One slot: the calls run behind each other in one worker, as a backlog does.
        await Cli.OkAsync("add", "processor", "-n", "sandboxed", "-g", fixture.Repository.Path, "-m", SandboxCode.Module);
        await Cli.OkAsync("add", "socket", "-n", "sandboxed.act", "-q", "q", "-pn", "sandboxed", "-t", "act", "-c", "1", "--max-attempts", "1");
        (string Kind, string Value)[] calls = [("fork", "parent-A"), ("echo", "B"), ("line", "C"), ("echo", "D"), ("fork", "parent-E"), ("echo", "F")];

        var ids = new List<string>();
        foreach (var (kind, value) in calls) ids.Add((await Cli.OkAsync("task", "run", "-s", "sandboxed.act", "-d", $"['{kind}', '{value}']", "--no-wait")).Stdout.Trim());
        var results = new List<CliResult>();
        foreach (var id in ids) results.Add(await Cli.RunAsync(["task", "result", "--id", id, "--wait"]));

        Assert.Equal(["parent-A", "B"], results.Take(2).Select(r => r.Stdout.Trim()));
        Assert.Equal(1, results[2].ExitCode);
        Assert.StartsWith("pyfi: sandboxed.act failed: WorkerProtocolViolation: the worker wrote a reply to a request it was not running", results[2].Stderr);
        Assert.Equal(["D", "parent-E", "F"], results.Skip(3).Select(r => r.Stdout.Trim()));
    }

    [Fact]
    public async Task WhenTheSiloIsKilledWhatItsWorkersStartedIsKilledToo()
    {
        using var data = new TempDirectory("pyfi-killed-silo");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "1" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, fixture.Repository);
        await cli.OkAsync("add", "processor", "-n", "spawner", "-g", fixture.Repository.Path, "-m", SandboxCode.Module);
        await cli.OkAsync("add", "socket", "-n", "spawner.spawn", "-q", "q", "-pn", "spawner", "-t", "spawn");
        var pidFile = fixture.Scratch.File("spawned-by-killed-silo");

        await cli.OkAsync("task", "run", "-s", "spawner.spawn", "-d", $"['{pidFile}', 600]", "--no-wait");
        await Poll.UntilAsync(() => File.Exists(pidFile), TimeSpan.FromSeconds(60), "the call to start its process");
        var grandchild = int.Parse(await File.ReadAllTextAsync(pidFile));
        var workers = PythonProcesses.Of(data.Path);
        Assert.NotEmpty(workers);
        Assert.True(Processes.IsRunning(grandchild));

        await silo.KillProcessOnlyAsync();

        await Poll.UntilAsync(() => !Processes.IsRunning(grandchild) && workers.All(w => !Processes.IsRunning(w)), TimeSpan.FromSeconds(10),
            $"the worker(s) {string.Join(", ", workers)} and process {grandchild} started with start_new_session to end with their silo");
    }

    // The processor's deployment once it is no longer deploying.
    private async Task<JsonElement> DeployedAsync(string processor)
    {
        JsonElement info = default;
        await Poll.UntilAsync(async () =>
        {
            info = JsonDocument.Parse((await Cli.OkAsync("ls", "processor", "-n", processor, "--json")).Stdout).RootElement;
            return info.GetProperty("status").GetString() != "deploying";
        }, TimeSpan.FromSeconds(60), $"processor {processor} to deploy");
        return info;
    }

    // What is stored: every processor's definition and revision.
    private async Task<string> DefinitionsAsync() => string.Join('\n',
        JsonDocument.Parse((await Cli.OkAsync("ls", "processors", "--json")).Stdout).RootElement.EnumerateArray()
            .Select(p => $"{p.GetProperty("spec").GetRawText()} {p.GetProperty("stamp").GetProperty("revision")}"));
}
