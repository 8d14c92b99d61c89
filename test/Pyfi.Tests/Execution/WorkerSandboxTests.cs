using System.Diagnostics;
using Pyfi.Grains.Code;
using Pyfi.Grains.Python;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// Hostile or buggy code inside a real Python worker, spoken to directly: it cannot make a call receive
/// another call's result, it runs under its limits, and nothing it starts outlives its call or its worker.
/// </summary>
public sealed class WorkerSandboxTests : IAsyncLifetime
{
    private const string Module = SandboxCode.Module;


    private readonly TempDirectory _folder = new("pyfi-sandbox");
    private PythonWorker _worker = null!;

    public async Task InitializeAsync()
    {
        await LocalWorker.WriteAsync(_folder, Module, SandboxCode.Source);
        _worker = await StartAsync(LocalWorker.DefaultLimits);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task AFunctionThatForksNeverShiftsAResult()
    {
        for (var round = 0; round < 3; round++)
        {
            // Written behind each other, as a slot with a backlog writes them: the forked children must not
            // read the requests after theirs nor answer them.
            string[] values = [$"parent-A{round}", $"B{round}", $"C{round}", $"D{round}", $"parent-E{round}", $"F{round}"];
            string[] functions = ["fork_and_exit", "echo", "fork_and_return", "echo", "fork_and_exit", "echo"];
            var calls = values.Select((v, i) => _worker.CallAsync(functions[i], $"[\"{v}\"]", null, TimeSpan.FromSeconds(20))).ToArray();

            var results = await Task.WhenAll(calls);

            Assert.Equal(values.Select(v => $"\"{v}\""), results.Select(r => r.Result));
        }

        Assert.False(_worker.HasExited);
    }

    [Fact]
    public async Task ALineWrittenOnTheProtocolPipeStopsTheWorkerAndFailsOnlyTheCallThatWroteIt()
    {
        var writer = _worker.CallAsync("write_line", $"[{Json(SandboxCode.ForgedReply)}, \"A\"]", null, null);
        var behind = _worker.CallAsync("echo", "[\"B\"]", null, null);

        var violation = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => writer);
        var notStarted = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => behind);

        Assert.True(violation.Started);
        Assert.Equal(FailureKinds.WorkerProtocolViolation.Name, violation.Kind);
        Assert.StartsWith("the worker wrote a reply to a request it was not running", violation.Message);
        Assert.False(notStarted.Started);
        await Poll.UntilAsync(() => _worker.HasExited, TimeSpan.FromSeconds(5), "the worker to be stopped");
    }

    [Fact]
    public async Task AReplyIsAcceptedOnceSoACallForgingItsOwnNeverReachesTheNextCall()
    {
        var forger = _worker.CallAsync("forge_own_reply", "[\"A\"]", null, null);
        var next = _worker.CallAsync("echo", "[\"B\"]", null, null);

        // The forger's own code said what its result is; the worker's real reply for it is then one too many.
        Assert.Equal("\"forged\"", (await forger).Result);
        var violation = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => next);
        Assert.Equal(FailureKinds.WorkerProtocolViolation.Name, violation.Kind);
    }

    [Fact]
    public async Task ALineThatIsNotJsonFailsTheCallAtOnceWithAClearError()
    {
        var watch = Stopwatch.StartNew();

        var violation = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => _worker.CallAsync("write_line", "[\"hello, silo\", \"A\"]", null, TimeSpan.FromSeconds(30)));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal(FailureKinds.WorkerProtocolViolation.Name, violation.Kind);
        Assert.Equal("the worker wrote a line that is not a reply ('hello, silo') on its protocol pipe; it was stopped", violation.Message);
    }

    [Fact]
    public async Task AMemoryHogFailsWithMemoryLimitExceededAndTheWorkerServesTheNextCall()
    {
        await using var worker = await StartAsync(LocalWorker.DefaultLimits with { MemoryBytes = 256L << 20 });

        var allocation = await worker.CallAsync("hog", "[1024]", null, TimeSpan.FromSeconds(30));
        var growth = await worker.CallAsync("grow", "[]", null, TimeSpan.FromSeconds(30));
        var after = await worker.CallAsync("echo", "[\"after\"]", null, TimeSpan.FromSeconds(30));

        foreach (var reply in new[] { allocation, growth })
        {
            Assert.False(reply.Ok);
            Assert.Equal(FailureKinds.MemoryLimitExceeded.Name, reply.Error!.Type);
            Assert.Equal("the call needed more memory than the worker's limit of 256 MiB (the processor's --memory, else PYFI_WORKER_MEMORY)", reply.Error.Message);
        }

        Assert.Equal("\"after\"", after.Result);
        Assert.False(worker.HasExited);
    }

    [Fact]
    public async Task AResultLargerThanThePayloadLimitFailsWithResultTooLarge()
    {
        await using var worker = await StartAsync(LocalWorker.DefaultLimits with { MaxPayloadBytes = 1L << 20 });

        var large = await worker.CallAsync("big", "[2000000]", null, TimeSpan.FromSeconds(30));
        var after = await worker.CallAsync("big", "[10]", null, TimeSpan.FromSeconds(30));

        Assert.Equal(FailureKinds.ResultTooLarge.Name, large.Error!.Type);
        Assert.Equal("the result of big() is 2000002 bytes of JSON, more than the 1 MiB a result may be (PYFI_MAX_PAYLOAD)", large.Error.Message);
        Assert.Equal("\"xxxxxxxxxx\"", after.Result);
    }

    [Fact]
    public async Task AResultUpToThePayloadLimitArrivesWholeAndTheNextCallsToo()
    {
        var large = _worker.CallAsync("big", "[15000000]", null, TimeSpan.FromSeconds(30));
        var behind = _worker.CallAsync("echo", "[\"small\"]", null, TimeSpan.FromSeconds(30));

        Assert.Equal(15_000_002, (await large).Result!.Length);
        Assert.Equal("\"small\"", (await behind).Result);
        Assert.Equal("\"again\"", (await _worker.CallAsync("echo", "[\"again\"]", null, TimeSpan.FromSeconds(30))).Result);
    }

    [Fact]
    public async Task ALineLongerThanAnyReplyMayBeIsNeverReadWhole()
    {
        await using var worker = await StartAsync(LocalWorker.DefaultLimits with { MaxPayloadBytes = 1L << 20 });

        // 1 MiB of result + 4 MiB for output and errors: past that the silo stops reading and stops the worker.
        var violation = await Assert.ThrowsAsync<PythonWorkerExitedException>(() => worker.CallAsync("write_without_end", $"[{64 << 20}]", null, TimeSpan.FromSeconds(30)));

        Assert.True(violation.Started);
        Assert.Equal(FailureKinds.ResultTooLarge.Name, violation.Kind);
        Assert.Equal("the worker's reply is longer than 5 MiB: the result is larger than PYFI_MAX_PAYLOAD (1 MiB); the worker was stopped", violation.Message);
    }

    [Fact]
    public async Task OutputThatIsNotValidUnicodeIsKeptEscaped()
    {
        var reply = await _worker.CallAsync("undecodable", "[]", null, TimeSpan.FromSeconds(10));

        Assert.Equal("1", reply.Result);
        Assert.Equal("caf\\udce9\n", reply.Output);
    }

    [Fact]
    public async Task WhatACallLeavesRunningIsKilledWhenTheCallEnds()
    {
        var spawned = int.Parse((await _worker.CallAsync("spawn", $"[{Json(_folder.File("spawned"))}, 0]", null, TimeSpan.FromSeconds(10))).Result!);
        var daemon = int.Parse((await _worker.CallAsync("double_fork", "[]", null, TimeSpan.FromSeconds(10))).Result!);

        // Killed before the reply was written: gone by the time the call has its result.
        Assert.False(Processes.IsRunning(spawned), $"process {spawned} started with start_new_session is still running");
        Assert.False(Processes.IsRunning(daemon), $"double-forked process {daemon} is still running");
    }

    [Fact]
    public async Task WhatTheModuleStartedWhenImportedLivesAsLongAsItsWorker()
    {
        await LocalWorker.WriteAsync(_folder, "helper", """
            import subprocess

            HELPER = subprocess.Popen(['sleep', '1000'])

            def helper():
                return HELPER.pid

            def spawn():
                return subprocess.Popen(['sleep', '1000']).pid
            """);
        var worker = await StartAsync(LocalWorker.DefaultLimits, "helper");

        var helper = int.Parse((await worker.CallAsync("helper", "[]", null, TimeSpan.FromSeconds(10))).Result!);
        var spawned = int.Parse((await worker.CallAsync("spawn", "[]", null, TimeSpan.FromSeconds(10))).Result!);
        Assert.True(Processes.IsRunning(helper), "the module's helper was killed after a call");
        Assert.False(Processes.IsRunning(spawned), $"process {spawned} started by a call is still running");

        await worker.DisposeAsync();

        await Poll.UntilAsync(() => !Processes.IsRunning(helper), TimeSpan.FromSeconds(5), $"the module's helper {helper} to end with its worker");
    }

    [Fact]
    public async Task ACallPastItsTimeLimitIsKilledWithEverythingItStarted()
    {
        var pidFile = _folder.File("timed-out");

        var call = _worker.CallAsync("spawn", $"[{Json(pidFile)}, 60]", null, TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => call);

        var grandchild = int.Parse(await File.ReadAllTextAsync(pidFile));
        await Poll.UntilAsync(() => !Processes.IsRunning(grandchild), TimeSpan.FromSeconds(5), $"process {grandchild} to be killed with its worker");
        Assert.True(_worker.HasExited);
    }

    [Fact]
    public async Task AWorkerStoppedDuringACallTakesWhatItStartedWithIt()
    {
        var pidFile = _folder.File("stopped");
        var call = _worker.CallAsync("spawn", $"[{Json(pidFile)}, 60]", null, null);
        await Poll.UntilAsync(() => File.Exists(pidFile), TimeSpan.FromSeconds(10), "the call to start its process");
        var grandchild = int.Parse(await File.ReadAllTextAsync(pidFile));

        await _worker.DisposeAsync();

        await Assert.ThrowsAsync<PythonWorkerExitedException>(() => call);
        await Poll.UntilAsync(() => !Processes.IsRunning(grandchild), TimeSpan.FromSeconds(5), $"process {grandchild} to be killed with its worker");
    }

    [Fact]
    public async Task TheWorkerIsAProcessGroupOfItsOwnUnderItsLimits()
    {
        await using var worker = await StartAsync(LocalWorker.DefaultLimits with { MemoryBytes = 256L << 20 });

        var stat = await File.ReadAllTextAsync($"/proc/{worker.ProcessId}/stat");
        var limits = await File.ReadAllLinesAsync($"/proc/{worker.ProcessId}/limits");

        Assert.Equal(worker.ProcessId.ToString(), stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2]);
        Assert.Matches(@"^Max address space\s+268435456\s+268435456\s+bytes", limits.Single(l => l.StartsWith("Max address space", StringComparison.Ordinal)));
        Assert.Matches(@"^Max core file size\s+0\s+0\s+bytes", limits.Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal)));
        Assert.Matches(@"^Max open files\s+4096\s+4096\s+files", limits.Single(l => l.StartsWith("Max open files", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AModuleTheInterpreterFindsOutsideTheCheckoutIsRefused()
    {
        var os = await Assert.ThrowsAsync<DeploymentException>(() => StartAsync(LocalWorker.DefaultLimits, "os"));

        // The checkout has a json.py, but the interpreter has json already: the worker sees where it came from.
        await File.WriteAllTextAsync(_folder.File("code/json.py"), "def dumps(x):\n    return 'mine'\n");
        var json = await Assert.ThrowsAsync<DeploymentException>(() => StartAsync(LocalWorker.DefaultLimits, "json"));

        Assert.Equal("module 'os' is not a file of the repository at commit 0123456789ab", os.Message);
        Assert.StartsWith("module 'json' cannot be imported: ImportError: module 'json' was imported from /", json.Message);
        Assert.EndsWith("json/__init__.py, not from the repository", json.Message);
    }

    private Task<PythonWorker> StartAsync(WorkerLimits limits, string module = Module) => LocalWorker.StartAsync(_folder, module, limits);

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
