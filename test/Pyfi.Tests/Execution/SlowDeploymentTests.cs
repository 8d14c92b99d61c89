using System.Diagnostics;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// A deployment is long work that runs outside any grain call: calls wait for one in progress however long it takes
/// (past Orleans' 30 s response timeout), and run once it is done.
/// </summary>
public sealed class SlowDeploymentTests
{
    // Orleans' response timeout is 30 s: a deployment awaited inside a grain call failed its calls then.
    private static readonly TimeSpan PastResponseTimeout = TimeSpan.FromSeconds(35);

    [Fact]
    public async Task CallsWaitForARequirementsInstallHeldPastTheResponseTimeoutThenSucceed()
    {
        using var data = new TempDirectory("pyfi-slowdeploy");
        using var wheels = new TempDirectory("pyfi-slowdeploy-wheels");
        await using var index = new HeldPackageIndex(Wheel.Build(wheels.Path, "pyfi_held", "0.1", "ANSWER = 42\n"));
        using var repository = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["requirements.txt"] = $"--index-url {index.Url}\npyfi_held==0.1\n",
            ["held.py"] = "import pyfi_held\n\ndef answer(n):\n    return pyfi_held.ANSWER + n\n",
        });
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await cli.OkAsync("add", "queue", "-n", "q");
        await cli.OkAsync("add", "processor", "-n", "held", "-g", repository.Path, "-m", "held");
        await cli.OkAsync("add", "socket", "-n", "answer", "-q", "q", "-pn", "held", "-t", "answer", "-c", "2");

        var ids = new List<string>();
        for (var n = 0; n < 3; n++) ids.Add((await cli.OkAsync("task", "run", "-s", "answer", "-d", $"{n}", "--no-wait")).Stdout.Trim());
        await index.Asked.WaitAsync(TimeSpan.FromMinutes(2));
        var held = Stopwatch.StartNew();

        // Held past the response timeout, every call stays queued and the processor deploying: nothing failed. (Looked
        // at through a .NET client, every second: the tool's listings are tested elsewhere, and a process per look
        // would load a busy host.)
        await using (var client = await silo.ConnectAsync())
        {
            while (held.Elapsed < PastResponseTimeout)
            {
                foreach (var id in ids) Assert.Equal(CallState.Queued, (await client.Call(Guid.Parse(id)).InfoAsync()).State);
                Assert.Equal(ProcessorStatus.Deploying, (await client.Registry.GetProcessorAsync("held")).Status);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        index.Release();
        for (var n = 0; n < ids.Count; n++)
        {
            var result = await cli.RunAsync(["task", "result", "--id", ids[n], "--wait"], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal($"{42 + n}", result.Stdout.Trim());
        }

        silo.AssertNoWarnings();
    }
}
