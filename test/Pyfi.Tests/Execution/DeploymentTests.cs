using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>Code from git into checkouts and Python environments: what goes wrong says so clearly, and new commits deploy.</summary>
public sealed class DeploymentTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task ARepositoryThatDoesNotExistIsTheProcessorsErrorAndTheCallsError()
    {
        var missing = fixture.Scratch.File("no-such-repo");
        await AddAsync("gone", "-g", missing, "-m", SampleCode.Module);

        var run = await Cli.RunAsync(["task", "run", "-s", "gone.noop", "-d", "1"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"pyfi: gone.noop failed: DeploymentFailed: processor 'gone' cannot run: repository '{missing}' does not exist", run.Stderr.Trim());
        var processor = await ProcessorAsync("gone");
        Assert.Equal("error", processor.GetProperty("status").GetString());
        Assert.Equal($"repository '{missing}' does not exist", processor.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ABranchThatDoesNotExistIsAClearError()
    {
        await AddAsync("nobranch", "-g", fixture.Repository.FileUrl, "-m", SampleCode.Module, "-b", "no-such-branch");

        var run = await Cli.RunAsync(["task", "run", "-s", "nobranch.noop", "-d", "1"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"branch 'no-such-branch' does not exist in repository '{fixture.Repository.FileUrl}'", run.Stderr);
    }

    [Fact]
    public async Task ACommitThatDoesNotExistIsAClearError()
    {
        await AddAsync("nocommit", "-g", fixture.Repository.Path, "-m", SampleCode.Module, "--commit", "deadbeefdeadbeef");

        var run = await Cli.RunAsync(["task", "run", "-s", "nocommit.noop", "-d", "1"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"commit 'deadbeefdeadbeef' does not exist in repository '{fixture.Repository.Path}'", run.Stderr);
    }

    [Fact]
    public async Task AModuleThatDoesNotExistIsAClearError()
    {
        await AddAsync("nomodule", "-g", fixture.Repository.Path, "-m", "pyfi.processors.missing");

        var run = await Cli.RunAsync(["task", "run", "-s", "nomodule.noop", "-d", "1"]);

        Assert.Equal(1, run.ExitCode);
        var commit = (await fixture.Repository.GitAsync("rev-parse", "HEAD")).Trim();
        Assert.Contains($"module 'pyfi.processors.missing' is not a file of the repository at commit {commit[..12]}", run.Stderr);
        Assert.Equal("error", (await ProcessorAsync("nomodule")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RequirementsAreInstalledIntoTheProcessorsOwnEnvironment()
    {
        using var repository = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["requirements.txt"] = "./wheels/pyfi_dep-0.1-py3-none-any.whl\n",
            ["withdep.py"] = "import pyfi_dep\n\ndef answer():\n    return pyfi_dep.ANSWER\n",
        });
        Wheel.Build(Path.Combine(repository.Path, "wheels"), "pyfi_dep", "0.1", "ANSWER = 42\n");
        await repository.CommitAsync(new Dictionary<string, string>(), "add the wheel");
        await AddAsync("withdep", "-g", repository.Path, "-m", "withdep", "-t", "answer");

        var run = await Cli.RunAsync(["task", "run", "-s", "withdep.answer", "--nodata"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("42", run.Stdout.Trim());
    }

    [Fact]
    public async Task ARequirementNoIndexServesIsTheProcessorsErrorNotAHang()
    {
        using var repository = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["requirements.txt"] = "pyfi-package-that-exists-nowhere==9.9\n",
            ["nodep.py"] = "def answer():\n    return 1\n",
        });
        await AddAsync("nodep", "-g", repository.Path, "-m", "nodep", "-t", "answer");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var run = await Cli.RunAsync(["task", "run", "-s", "nodep.answer", "--nodata"], timeout: TimeSpan.FromMinutes(3));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("could not install requirements.txt", run.Stderr);
        Assert.Contains("pyfi-package-that-exists-nowhere", run.Stderr);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ANewCommitDeploysWhileCallsOnTheOldOneFinishOnTheirCode()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files("old"));
        await AddAsync("moving", "-g", repository.Path, "-m", SampleCode.Module, "-t", "slow_version");
        var first = (await repository.GitAsync("rev-parse", "HEAD")).Trim();
        var second = await repository.CommitAsync(SampleCode.Files("new"), "new version");
        Assert.Equal("old", (await Cli.OkAsync("task", "run", "-s", "moving.slow_version", "-d", "0")).Stdout.Trim());

        var running = Cli.RunAsync(["task", "run", "-s", "moving.slow_version", "-d", "3", "-v"]);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await Cli.OkAsync("update", "processor", "-n", "moving", "--commit", second);
        var after = await Cli.RunAsync(["task", "run", "-s", "moving.slow_version", "-d", "0", "-v"]);
        var before = await running;

        Assert.Equal("old", before.Stdout.Trim());
        Assert.Contains($"commit {first[..12]}", before.Stderr);
        Assert.Equal("new", after.Stdout.Trim());
        Assert.Contains($"commit {second[..12]}", after.Stderr);
        Assert.Equal(second, (await ProcessorAsync("moving")).GetProperty("commit").GetString());
    }

    private async Task AddAsync(string processor, params string[] args)
    {
        var function = args.SkipWhile(a => a != "-t").Skip(1).FirstOrDefault() ?? "noop";
        var processorArgs = args.TakeWhile(a => a != "-t").ToArray();
        await Cli.OkAsync(["add", "processor", "-n", processor, .. processorArgs]);
        await Cli.OkAsync("add", "socket", "-n", $"{processor}.{function}", "-q", "q", "-pn", processor, "-t", function);
    }

    private async Task<JsonElement> ProcessorAsync(string name) =>
        JsonDocument.Parse((await Cli.OkAsync("ls", "processor", "-n", name, "--json")).Stdout).RootElement;
}
