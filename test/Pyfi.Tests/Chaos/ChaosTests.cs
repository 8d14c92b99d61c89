using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Chaos;

/// <summary>
/// Calls that are never lost, under real failures: a silo killed with SIGKILL mid-load and started again,
/// Python workers killed at random, a poison call that kills its interpreter every time. Real silo processes,
/// real Python, SQLite on disk. Each run prints submitted / succeeded / failed / lost / duplicated.
/// "Duplicated" counts calls whose side effect (a line appended to a file) happened twice: an attempt cut
/// off by a kill after its effect but before its end was stored runs again (at-least-once execution, one end).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    // With partitions too: each partition's calls are taken up again by their own key after the restart.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ASiloKilledWithAThousandCallsInFlightFinishesEveryCallAfterARestart(int partitions)
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-chaos");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        var ledger = new ChaosLedger(partitions == 1 ? "silo-kill" : $"silo-kill-{partitions}-partitions", "chaos", Path.Combine(data.Path, "effects.txt"));
        try
        {
            var cli = silo.Cli();
            await DefineAsync(cli, repository, "append", "-c", "2", "--max-attempts", "5", "--backoff", "100ms", "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await using (var client = await silo.ConnectAsync())
            {
                await ledger.SubmitAsync(client, 1000, 0.002);
            }

            await Poll.UntilAsync(() => ledger.EffectsSoFar() >= 150, TimeSpan.FromSeconds(60), "150 calls to run");
            var before = ledger.EffectsSoFar();
            await silo.KillAsync();
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            await using var after = await silo.ConnectAsync();
            var counts = await ledger.SettleAsync(() => after, TimeSpan.FromSeconds(120));
            counts.Report(output, $"{before} had run when the silo was killed; duplicated = attempts cut off by the kill after their side effect, none ended twice");

            Assert.Equal(1000, counts.Submitted);
            Assert.Equal(0, counts.Lost);
            Assert.Equal(1000, counts.Succeeded);
            Assert.Equal(0, counts.SucceededWithoutEffect);
            // Only attempts whose end was not yet stored at the kill can have run twice: a slot takes its next call
            // as soon as Python answers, while the last one's end is being committed. Measured 4-8; a regression
            // that ran calls again wholesale would show hundreds.
            Assert.InRange(counts.Duplicated, 0, 30);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task PythonWorkersKilledAtRandomEvery200MsLoseNoCall()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-chaos");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await DefineAsync(cli, repository, "append", "-c", "2", "--max-attempts", "50", "--backoff", "10ms", "--max-backoff", "200ms");
        // The processor's environment is built first: the killer is for workers running calls. (A Python process
        // killed while the venv is being made fails the deployment, and every call queued behind it with
        // DeploymentFailed; seen once in CI when the killer got there first. See the closing note of issue 5.)
        await cli.OkAsync("task", "run", "-s", "chaos", "-d", $"['{Path.Combine(data.Path, "warm.txt")}', 'warm']");
        var ledger = new ChaosLedger("worker-kills", "chaos", Path.Combine(data.Path, "effects.txt"));
        await using var client = await silo.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var kills = KillWorkersAsync(data.Path, TimeSpan.FromMilliseconds(200), stop.Token);
        // 10 ms each on two slots: five seconds of calls at least, so the killer gets at them many times.
        await ledger.SubmitAsync(client, 1000, 0.01);
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(180));
        await stop.CancelAsync();
        var killed = await kills;
        counts.Report(output, $"{killed} Python workers killed");

        Assert.True(killed >= 10, $"only {killed} workers were killed: the run did not exercise anything");
        Assert.Equal(0, counts.Lost);
        Assert.Equal(1000, counts.Succeeded);
        Assert.Equal(0, counts.SucceededWithoutEffect);
        Assert.InRange(counts.Duplicated, 0, killed);
    }

    [Fact]
    public async Task APoisonCallEndsFailedAfterItsAttemptsWithoutBlockingTheCallsBehindIt()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-chaos");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await DefineAsync(cli, repository, "maybe_poison", "-c", "1", "--max-attempts", "3", "--backoff", "300ms");
        await using var client = await silo.ConnectAsync();
        var socket = client.Cluster.GetGrain<ISocketGrain>("chaos");

        var clock = Stopwatch.StartNew();
        var poison = await socket.RunAsync(new CallRequest { Socket = "chaos", Args = "[\"poison\"]" }, TimeSpan.Zero);
        var behind = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => socket.RunAsync(new CallRequest { Socket = "chaos", Args = $"[{i}]" }, TimeSpan.Zero)));
        var ended = await Task.WhenAll(behind.Select(c => WaitEndAsync(client, c.Id)));
        var behindDone = clock.Elapsed;
        var poisoned = await WaitEndAsync(client, poison.Id);
        var succeeded = ended.Count(c => c.State == CallState.Succeeded);
        new ChaosCounts("poison", 51, succeeded, ended.Count(c => c.State == CallState.Failed) + (poisoned.State == CallState.Failed ? 1 : 0),
            ended.Count(c => !c.State.IsFinal()), 0, 0, clock.Elapsed).Report(output, $"the 50 behind ended after {behindDone.TotalSeconds:0.0} s");
        if (behindDone > TimeSpan.FromSeconds(5))
        {
            output.WriteLine(string.Join('\n', silo.Output.Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(40)));
        }

        Assert.Equal(CallState.Failed, poisoned.State);
        Assert.Equal("WorkerDied", poisoned.Error!.Type);
        Assert.Equal(3, poisoned.Attempts);
        Assert.Contains("(attempt 3 of 3)", poisoned.Error.Message);
        Assert.Equal(2, poisoned.History.Length);
        Assert.Equal(50, succeeded);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString()), ended.Select(c => c.Result));
    }

    private static async Task DefineAsync(PyfiCli cli, GitRepository repository, string function, params string[] options)
    {
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync(["add", "socket", "-n", "chaos", "-q", "q", "-pn", "sample", "-t", function, .. options]);
    }

    private static async Task<CallInfo> WaitEndAsync(PyfiClient client, Guid id)
    {
        var call = client.Call(id);
        try
        {
            return await call.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            return await call.InfoAsync();
        }
    }

    // Kills one of this silo's Python workers (by its command line naming the data folder) every period.
    private static async Task<int> KillWorkersAsync(string dataPath, TimeSpan period, CancellationToken cancellationToken)
    {
        var killed = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(period, cancellationToken);
                var workers = PythonProcesses.Of(dataPath);
                if (workers.Count == 0) continue;
                try
                {
                    Process.GetProcessById(workers[Random.Shared.Next(workers.Count)]).Kill();
                    killed++;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // It exited meanwhile.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return killed;
    }
}
