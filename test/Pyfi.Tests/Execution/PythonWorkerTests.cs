using Pyfi.Grains.Python;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// One real Python worker process, spoken to directly: calls written behind a running one (as a worker grain
/// does when its socket has a backlog) run in order, each with its own time limit, and a process that dies
/// fails the call it was running as started and the calls behind it as not started.
/// </summary>
public sealed class PythonWorkerTests : IAsyncLifetime
{
    private const string Module = "pipelined";

    private readonly TempDirectory _folder = new("pyfi-worker");
    private PythonWorker _worker = null!;

    public async Task InitializeAsync() => _worker = await LocalWorker.StartAsync(_folder, Module, """
        import os, time

        def sleep_then(seconds, value):
            time.sleep(seconds)
            return value

        def die_after(seconds):
            time.sleep(seconds)
            os._exit(7)
        """);

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task CallsWrittenBehindARunningOneRunInOrderAndEachGetsItsOwnTimeLimit()
    {
        // The second call is written while the first runs; its 0.5 s limit counts from its own start, so the
        // 0.4 s it waits behind the first does not count against it.
        var first = _worker.CallAsync("sleep_then", "[0.4, \"first\"]", null, TimeSpan.FromSeconds(5));
        var second = _worker.CallAsync("sleep_then", "[0.3, \"second\"]", null, TimeSpan.FromSeconds(0.5));
        var third = _worker.CallAsync("sleep_then", "[0, \"third\"]", null, null);

        Assert.Equal("\"first\"", (await first).Result);
        Assert.Equal("\"second\"", (await second).Result);
        Assert.Equal("\"third\"", (await third).Result);
    }

    [Fact]
    public async Task AProcessThatDiesFailsItsRunningCallAsStartedAndTheCallsBehindAsNotStarted()
    {
        var running = _worker.CallAsync("die_after", "[0.3]", null, null);
        var behind = _worker.CallAsync("sleep_then", "[0, 1]", null, null);

        var died = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => running);
        var notStarted = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => behind);

        Assert.True(died.Started);
        Assert.False(notStarted.Started);
        Assert.True(_worker.HasExited);
    }

    [Fact]
    public async Task ACallPastItsLimitKillsTheProcessAndTheCallBehindItHasNotStarted()
    {
        var slow = _worker.CallAsync("sleep_then", "[30, 1]", null, TimeSpan.FromSeconds(0.3));
        var behind = _worker.CallAsync("sleep_then", "[0, 2]", null, TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<TimeoutException>(() => slow);
        var notStarted = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => behind);

        Assert.False(notStarted.Started);
        Assert.True(_worker.HasExited);
    }
}
