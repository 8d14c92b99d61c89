using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Pyfi.Protocol;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// The call store on a temp SQLite file with a fake clock, without processes: a burst of writes committed together
/// with each caller told its own outcome, guarded transitions, and an attempt's start held back so that an end that
/// comes meanwhile makes the two one row write (and a start left alone is written once the deferral has passed).
/// </summary>
[Trait("Category", "Fast")]
public sealed class CallStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _data = new("pyfi-calls");
    private readonly FakeTimeProvider _time = new(Now);
    private PyfiDatabase _database = null!;
    private CallStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = PyfiDatabase.From(new PyfiStorageOptions(), _data.Path);
        await SchemaInstaller.ApplyAsync(_database);
        _store = CallStore.Create(_database, "test", time: _time);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static CallInfo Queued(string? key = null) =>
        new() { Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Now, Key = key };

    private static CallInfo Running(CallInfo call, int attempt) =>
        call with { State = CallState.Running, Attempts = attempt, Started = Now, LeaseUntil = Now.AddSeconds(30), Slot = "s#0" };

    private static CallInfo Succeeded(CallInfo running) =>
        running with { State = CallState.Succeeded, Result = "1", Finished = Now.AddSeconds(1), LeaseUntil = null };

    [Fact]
    public async Task AKeyIsOneSocketsAcrossItsPartitionsAndEachPartitionsRowsAreItsOwn()
    {
        // The same key in partition 0 and partition 2 of socket s: the second is refused, and found under s's name.
        var first = Queued("k");
        var second = Queued("k") with { Id = SocketPartitions.NewId(2) };
        Assert.True(await _store.InsertAsync(first));
        Assert.False(await _store.InsertAsync(second));
        Assert.Equal(first.Id, (await _store.FindByKeyAsync("s", "k"))!.Id);
        // Another socket whose name starts the same is another socket.
        Assert.True(await _store.InsertAsync(Queued("k") with { Socket = "s2" }));

        // A partition's rows are under its key: its queue, its count; a query by the socket sees all of them.
        var third = Queued() with { Id = SocketPartitions.NewId(2) };
        Assert.True(await _store.InsertAsync(third));
        Assert.Equal([third.Id], (await _store.ListQueuedAsync("s@2", null, 10)).Select(c => c.Id));
        Assert.Equal(1, await _store.CountOpenAsync("s@2"));
        Assert.Equal(1, await _store.CountOpenAsync("s"));
        Assert.Equal("s", (await _store.ReadAsync(third.Id))!.Socket);
        Assert.Equal(new[] { first.Id, third.Id }.Order(), (await _store.QueryAsync(new CallQuery { Socket = "s", Limit = 10 })).Select(c => c.Id).Order());
    }

    [Fact]
    public async Task AnEndStoredWithDeliveriesIsFoundUntilTheyAreClearedAndKeptFromRetention()
    {
        var call = Queued() with { Run = Guid.NewGuid(), Hop = 2 };
        Assert.True(await _store.InsertAsync(call));
        var ended = Succeeded(Running(call, 1)) with { Deliveries = [new PlugDelivery("p", "t", 1)] };
        Assert.True(await _store.TransitionAsync(Running(call, 1), CallState.Queued, 0));
        Assert.True(await _store.TransitionAsync(ended, CallState.Running, 1));

        var stored = await _store.ReadAsync(call.Id);
        Assert.Equal([new PlugDelivery("p", "t", 1)], stored!.Deliveries.ToArray());
        Assert.Equal(call.Run, stored.Run);
        Assert.Equal(2, stored.Hop);
        Assert.Equal(["s"], await _store.SocketsWithDeliveriesAsync());
        Assert.Equal([call.Id], (await _store.ListWithDeliveriesAsync("s", 10)).Select(c => c.Id));
        Assert.Equal([call.Id], (await _store.ListByRunAsync(call.Run!.Value, 10)).Select(c => c.Id));
        Assert.Equal([call.Id], (await _store.QueryAsync(new CallQuery { Run = call.Run })).Select(c => c.Id));
        // Retention does not remove an end whose plugs have not made their calls.
        Assert.Equal(0, await _store.DeleteEndedBeforeAsync(Now.AddDays(1), 10));

        Assert.True(await _store.TransitionAsync(ended with { Deliveries = [] }, CallState.Succeeded, 1));
        Assert.Empty(await _store.SocketsWithDeliveriesAsync());
        Assert.Empty(await _store.ListWithDeliveriesAsync("s", 10));
        Assert.True((await _store.ReadAsync(call.Id))!.Deliveries.IsEmpty);
        Assert.Equal(1, await _store.DeleteEndedBeforeAsync(Now.AddDays(1), 10));
    }

    [Fact]
    public async Task EveryWriteOfABurstIsToldItsOwnOutcome()
    {
        var calls = Enumerable.Range(0, 1_000).Select(i => Queued($"k{i}")).ToList();
        var twin = calls[10] with { Id = Guid.NewGuid() };
        var started = Running(calls[20], 1);

        // All at once, without waiting: they share transactions, and each is answered for itself.
        var inserts = calls.Select(_store.InsertAsync).ToList();
        var sameId = _store.InsertAsync(calls[0] with { Args = "[2]" });
        var sameKey = _store.InsertAsync(twin);
        var start = _store.TransitionAsync(started, CallState.Queued, 0);
        var wrongGuard = _store.TransitionAsync(Running(calls[30], 1), CallState.Running, 0);

        Assert.All(await Task.WhenAll(inserts), Assert.True);
        Assert.False(await sameId);
        Assert.False(await sameKey);
        Assert.True(await start);
        Assert.False(await wrongGuard);
        Assert.Equal("[]", (await _store.ReadAsync(calls[0].Id))!.Args);
        Assert.Null(await _store.ReadAsync(twin.Id));
        Assert.Equal(calls[10].Id, (await _store.FindByKeyAsync("s", "k10"))!.Id);
        Assert.Equal(CallState.Running, (await _store.ReadAsync(calls[20].Id))!.State);
        Assert.Equal(CallState.Queued, (await _store.ReadAsync(calls[30].Id))!.State);
        Assert.Equal(999, (await _store.ListAsync("s", [CallState.Queued], int.MaxValue)).Count);
    }

    [Fact]
    public async Task AStartFollowedByItsEndIsOneRowWrite()
    {
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));

        // The clock does not move: the start is still held when its end comes.
        var running = Running(call, 1);
        var start = _store.StartAsync(running);
        var end = _store.TransitionAsync(Succeeded(running), CallState.Running, 1);

        Assert.True(await end);
        Assert.True(await start);
        Assert.Equal((CallState.Succeeded, 1, 2L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task AStartLeftAloneIsWrittenOnceTheDeferralHasPassed()
    {
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));
        var running = Running(call, 1);
        var start = _store.StartAsync(running);

        // A write of another call goes through the writer: the start is not due, so it stays held.
        Assert.True(await _store.InsertAsync(Queued()));
        Assert.False(start.IsCompleted);
        Assert.Equal((CallState.Queued, 0, 1L), await RowAsync(call.Id));

        _time.Advance(CallStore.StartDeferral);

        Assert.True(await start);
        Assert.Equal((CallState.Running, 1, 2L), await RowAsync(call.Id));
        Assert.True(await _store.TransitionAsync(Succeeded(running), CallState.Running, 1));
        Assert.Equal((CallState.Succeeded, 1, 3L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task AWithdrawnStartIsNeverWritten()
    {
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));
        var start = _store.StartAsync(Running(call, 1));

        Assert.False(_store.WithdrawStart(call.Id, 2));
        Assert.True(_store.WithdrawStart(call.Id, 1));
        Assert.False(_store.WithdrawStart(call.Id, 1));

        Assert.False(await start);
        _time.Advance(CallStore.StartDeferral);
        Assert.True(await _store.InsertAsync(Queued()));
        Assert.Equal((CallState.Queued, 0, 1L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task AnEndThatTookItsStartIsGuardedAsTheStartWas()
    {
        // Cancelled while queued; a worker's start and end of attempt 1 come after: neither may change the row.
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));
        Assert.True(await _store.TransitionAsync(call with { State = CallState.Cancelled, Finished = Now, Cancelled = Now }, CallState.Queued, 0));
        var running = Running(call, 1);

        var start = _store.StartAsync(running);
        var end = _store.TransitionAsync(Succeeded(running), CallState.Running, 1);

        // The start is answered with its end's outcome (the clock does not move: alone, it would still be held).
        Assert.False(await start.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(await end);
        Assert.Equal((CallState.Cancelled, 0, 2L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task ALeaseIsRenewedOnlyForTheAttemptThatIsRunning()
    {
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));
        var running = Running(call, 1);
        Assert.True(await _store.TransitionAsync(running, CallState.Queued, 0));

        Assert.True(await _store.RenewAsync(running, 1, Now.AddMinutes(5)));
        Assert.False(await _store.RenewAsync(running, 2, Now.AddMinutes(9)));

        var stored = await _store.ReadAsync(call.Id);
        Assert.Equal(Now.AddMinutes(5), stored!.LeaseUntil);
        Assert.Equal((CallState.Running, 1, 2L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task AStoreClosedWithAStartHeldWritesItFirst()
    {
        var call = Queued();
        Assert.True(await _store.InsertAsync(call));
        var start = _store.StartAsync(Running(call, 1));

        await _store.DisposeAsync();

        Assert.True(await start);
        _store = CallStore.Create(_database, "test", time: _time);
        Assert.Equal((CallState.Running, 1, 2L), await RowAsync(call.Id));
    }

    [Fact]
    public async Task RetentionRemovesOnlyCallsThatEndedBeforeTheCutoffAtMostTheLimitAtATime()
    {
        // What the sweeper does with now minus the retention: ended calls older than that go, whatever their end;
        // calls not ended stay however old, and so do calls that ended since.
        var cutoff = Now.AddHours(-1);
        var old = new List<CallInfo>();
        foreach (var (state, finished) in new[] { (CallState.Succeeded, cutoff.AddSeconds(-1)), (CallState.Failed, cutoff.AddDays(-3)), (CallState.Cancelled, cutoff.AddTicks(-10)) })
        {
            var call = Queued() with { Created = cutoff.AddDays(-7) };
            Assert.True(await _store.InsertAsync(call));
            Assert.True(await _store.TransitionAsync(call with { State = state, Finished = finished }, CallState.Queued, 0));
            old.Add(call);
        }

        var recent = Queued() with { Created = cutoff.AddDays(-7) };
        Assert.True(await _store.InsertAsync(recent));
        Assert.True(await _store.TransitionAsync(recent with { State = CallState.Succeeded, Finished = cutoff.AddSeconds(1) }, CallState.Queued, 0));
        var queued = Queued() with { Created = cutoff.AddDays(-7) };
        Assert.True(await _store.InsertAsync(queued));
        var running = Queued() with { Created = cutoff.AddDays(-7) };
        Assert.True(await _store.InsertAsync(running));
        Assert.True(await _store.TransitionAsync(Running(running, 1), CallState.Queued, 0));

        Assert.Equal(2, await _store.DeleteEndedBeforeAsync(cutoff, 2));
        Assert.Equal(1, await _store.DeleteEndedBeforeAsync(cutoff, 2));
        Assert.Equal(0, await _store.DeleteEndedBeforeAsync(cutoff, 2));

        foreach (var call in old) Assert.Null(await _store.ReadAsync(call.Id));
        Assert.Equal(CallState.Succeeded, (await _store.ReadAsync(recent.Id))!.State);
        Assert.Equal(CallState.Queued, (await _store.ReadAsync(queued.Id))!.State);
        Assert.Equal(CallState.Running, (await _store.ReadAsync(running.Id))!.State);
    }

    [Fact]
    public async Task WritesWaitingWhenATransactionStartsGoIntoItUpToTheMostOneTakes()
    {
        await using var store = new GatedStore();
        var first = store.InsertAsync(Queued());
        await store.Committing.Task;

        // While the first transaction commits, a thousand more writes arrive: they wait for the next ones.
        var waiting = Enumerable.Range(0, 1_000).Select(_ => store.InsertAsync(Queued())).ToList();
        store.Gate.SetResult();

        Assert.True(await first);
        Assert.All(await Task.WhenAll(waiting), Assert.True);
        Assert.Equal([1, GatedStore.Most, 1_000 - GatedStore.Most], store.Batches);
    }

    [Fact]
    public async Task EveryFieldOfACallIsStoredAndReadBack()
    {
        var call = new CallInfo
        {
            Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Args = "[1, {\"a\": [2]}]", Kwargs = "{\"k\": null}",
            State = CallState.Queued, Attempts = 2, Output = "printed", Commit = "abc", Worker = "host:1/42", Slot = "s#3",
            Created = Now, Started = Now.AddSeconds(1), Parent = Guid.NewGuid(), Workflow = Guid.NewGuid(), Key = "k",
            NotBefore = Now.AddSeconds(5), Error = new CallError("ValueError", "bad"), Retry = RetryPolicy.Default with { MaxAttempts = 9 },
            Timeout = TimeSpan.FromSeconds(7), MaxAttempts = 4, Cancelled = null,
            History = [new CallAttempt(1, "host:1/41", Now, Now.AddSeconds(1), new CallError("WorkerDied", "gone"))],
        };

        Assert.True(await _store.InsertAsync(call));

        Assert.Equal(PyfiJson.Serialize(call), PyfiJson.Serialize((await _store.ReadAsync(call.Id))!));
    }

    [Fact]
    public async Task ARowHoldsTextThatSqlitesOwnJsonAndOtherReadersRead()
    {
        var call = Queued(key: "k1") with { Workflow = Guid.NewGuid(), Run = Guid.NewGuid(), Kwargs = "{\"é\": \"ü\"}" };
        Assert.True(await _store.InsertAsync(call));

        await using var connection = new SqliteConnection(_database.CallsConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT typeof(Payload), json_extract(Payload, '$.state'), json_extract(Payload, '$.kwargs'), Id, Socket, IdemKey, Workflow, Run, Created, State FROM PyfiCalls WHERE Id = $id";
        command.Parameters.AddWithValue("$id", call.Id.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(["text", "queued", "{\"é\": \"ü\"}", call.Id.ToString(), "s", "k1", call.Workflow.ToString()!, call.Run.ToString()!, "2026-12-01T12:00:00.0000000Z", "Queued"],
            Enumerable.Range(0, 10).Select(reader.GetString));
    }

    [Fact]
    public async Task ACallOfAMegabyteAndTheSmallOnesAfterItAreEachStoredWhole()
    {
        var large = Queued() with { Args = $"[\"{new string('x', 1024 * 1024)}\"]" };
        var small = Queued() with { Args = "[1]" };

        Assert.True(await _store.InsertAsync(large));
        Assert.True(await _store.InsertAsync(small));
        Assert.True(await _store.TransitionAsync(Succeeded(Running(small, 1)), CallState.Queued, 0));

        Assert.Equal(large.Args, (await _store.ReadAsync(large.Id))!.Args);
        Assert.Equal(PyfiJson.Serialize(Succeeded(Running(small, 1))), PyfiJson.Serialize((await _store.ReadAsync(small.Id))!));
    }

    [Fact]
    public async Task ARunningRowAnEarlierVersionWroteNamesItsSlotAsTheSlot()
    {
        // Before the slot had a field of its own, a running row's worker was the slot (socket#slot).
        var running = Running(Queued(), 1);
        Assert.True(await _store.InsertAsync(running));
        await using (var connection = new SqliteConnection(_database.CallsConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE PyfiCalls SET Payload = replace(Payload, '\"slot\":', '\"worker\":') WHERE Id = $id";
            command.Parameters.AddWithValue("$id", running.Id.ToString());
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var read = (await _store.ReadAsync(running.Id))!;

        Assert.Equal(("s#0", null), (read.Slot, read.Worker));
        Assert.Equal(running.LeaseUntil, read.LeaseUntil);
    }

    // The row's state, attempt and version (how many times it was written), as the file holds it.
    private async Task<(CallState State, int Attempt, long Version)> RowAsync(Guid id)
    {
        await using var connection = new SqliteConnection(_database.CallsConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT State, Attempt, Version FROM PyfiCalls WHERE Id = $id";
        command.Parameters.AddWithValue("$id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"call {id} is not stored");
        return (Enum.Parse<CallState>(reader.GetString(0)), reader.GetInt32(1), reader.GetInt64(2));
    }

    // A store whose transactions are counted instead of written: the first waits at a gate, the others commit at once.
    private sealed class GatedStore() : CallStore("gated")
    {
        public const int Most = MaxBatch;

        public TaskCompletionSource Committing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> Batches { get; } = [];

        protected override async Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
        {
            Batches.Add(batch.Count);
            Committing.TrySetResult();
            await Gate.Task;
            foreach (var write in batch) write.Done.TrySetResult(true);
        }

        public override Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> ListQueuedAsync(string socket, QueueKey? after, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<long> CountOpenAsync(string socket, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<QueueKey?> LastQueuedAsync(string socket, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> ListByWorkflowAsync(Guid workflow, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<string>> SocketsWithDeliveriesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> ListWithDeliveriesAsync(string socket, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> ListByRunAsync(Guid run, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<Guid>> WorkflowsWithOpenCallsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        protected override long EndSpan => throw new NotSupportedException();

        protected override Task<long> EndedThroughAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        protected override Task<IReadOnlyList<EndedRow>> ReadEndsAsync(FollowTarget target, long after, long through, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
