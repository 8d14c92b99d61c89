using Npgsql;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// A group commit on PostgreSQL written as a few multi-row statements (<see cref="PostgresWriteGroup"/>), on a real
/// server: a group of many calls with several changes each lands exactly as the same writes one at a time; a guard
/// that does not hold changes nothing and says so; a group that fails leaves nothing; and a call's changes apply in
/// the order they were made, each under its own guard, layer after layer.
/// </summary>
public sealed class PostgresCallGroupTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private PostgresDatabase _db = null!;
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        await SchemaInstaller.ApplyAsync(_db.Database);
        _source = NpgsqlDataSource.Create(_db.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static CallInfo Queued(int i, string? key = null) => new()
    {
        Id = Guid.NewGuid(), Socket = $"s{i % 3}", Processor = "p", Function = "f", Created = Now.AddMilliseconds(i), Key = key,
        Workflow = i % 4 == 0 ? Guid.NewGuid() : null, Run = i % 5 == 0 ? Guid.NewGuid() : null,
    };

    private static CallInfo Running(CallInfo call, int attempt) =>
        call with { State = CallState.Running, Attempts = attempt, Started = Now, LeaseUntil = Now.AddSeconds(30), Slot = "s#0" };

    private static CallInfo Ended(CallInfo running, CallState state) =>
        running with { State = state, Result = "1", Finished = Now.AddSeconds(1), LeaseUntil = null };

    private static CallWrite Insert(CallInfo call) => new(CallWriteKind.Insert, call, default, 0);

    private static CallWrite Move(CallInfo next, CallState from, int fromAttempt) => new(CallWriteKind.Transition, next, from, fromAttempt);

    private static CallWrite Renew(CallInfo call, int attempt, DateTimeOffset until) => new(CallWriteKind.Renew, call with { LeaseUntil = until }, CallState.Running, attempt);

    private Task CommitAsync(string service, IReadOnlyList<CallWrite> group) => PostgresWriteGroup.CommitAsync(_source, service, group, CancellationToken.None);

    // Each write's outcome, once the group has committed.
    private static bool[] Outcomes(IEnumerable<CallWrite> writes) => [.. writes.Select(w => w.Done.Task.IsCompletedSuccessfully ? w.Done.Task.Result : throw new InvalidOperationException("no outcome"))];

    // Every column of a service's rows, by id (positions only as whether there is one: they name transactions).
    private async Task<List<string>> RowsAsync(string service, string lease = "LeaseUntil")
    {
        await using var command = _source.CreateCommand(
            $"SELECT concat_ws('|', Id, Socket, State, Attempt, {lease}, IdemKey, Workflow, Created, Finished, Version, Payload, Run, Deliver, EndPos IS NOT NULL) " +
            "FROM PyfiCalls WHERE ServiceId = $1 ORDER BY Id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = service });
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    // Many calls, each inserted, started, renewed and ended (some cancelled while queued, some with a stale end), the
    // calls' writes interleaved as callers make them; and writes the guards refuse.
    private static List<CallWrite> ManyCallsWithSeveralChanges(int calls)
    {
        var perCall = new List<List<CallWrite>>();
        for (var i = 0; i < calls; i++)
        {
            var call = Queued(i, i % 7 == 0 ? $"k{i}" : null);
            var running = Running(call, 1);
            List<CallWrite> writes = (i % 6) switch
            {
                0 => [Insert(call), Move(Ended(call, CallState.Cancelled), CallState.Queued, 0), Move(running, CallState.Queued, 0)],
                1 => [Insert(call), Move(running, CallState.Queued, 0), Renew(running, 1, Now.AddMinutes(1)), Move(Ended(running, CallState.Succeeded), CallState.Running, 1)],
                2 => [Insert(call), Move(running, CallState.Queued, 0), Move(Ended(running, CallState.Failed), CallState.Running, 2), Renew(running, 1, Now.AddMinutes(2))],
                3 => [Insert(call), Move(running, CallState.Queued, 0), Move(call with { Attempts = 1 }, CallState.Running, 1), Move(Running(call, 2), CallState.Queued, 1),
                    Move(Ended(Running(call, 2), CallState.Succeeded) with { Deliveries = [new PlugDelivery("p", "t", 1)] }, CallState.Running, 2)],
                4 => [Insert(call), Insert(call with { State = CallState.Succeeded }), Move(Ended(running, CallState.Succeeded), CallState.Queued, 0)],
                _ => [Insert(call)],
            };
            perCall.Add(writes);
        }

        // Round robin over the calls: each call's writes stay in order, while the group holds everyone's at once.
        var group = new List<CallWrite>();
        for (var k = 0; perCall.Any(w => w.Count > k); k++)
        {
            foreach (var writes in perCall)
            {
                if (writes.Count > k) group.Add(writes[k]);
            }
        }

        return group;
    }

    private static List<CallWrite> Fresh(IEnumerable<CallWrite> writes) => [.. writes.Select(w => new CallWrite(w.Kind, w.Call, w.From, w.FromAttempt))];

    [Fact]
    public async Task AGroupOfManyCallsWithSeveralChangesEachLandsAsTheSameWritesOneByOne()
    {
        var group = ManyCallsWithSeveralChanges(300);
        var oneByOne = Fresh(group);

        await CommitAsync("group", group);
        foreach (var write in oneByOne) await CommitAsync("single", [write]);

        Assert.Equal(Outcomes(oneByOne), Outcomes(group));
        var single = await RowsAsync("single");
        Assert.Equal(300, single.Count);
        Assert.Equal(single, await RowsAsync("group"));
        // Five layers (calls of kind 3 have five writes), each of at most three statements: not one per write.
        Assert.Equal(5, PostgresWriteGroup.Plan(group).Max(s => s.Layer) + 1);
        Assert.True(PostgresWriteGroup.Plan(group).Count <= 15);
    }

    [Fact]
    public async Task AChangeWhoseGuardDoesNotHoldChangesNothingAndIsToldSo()
    {
        var call = Queued(1, "key");
        var running = Running(call, 2);
        await CommitAsync("test", [Insert(call), Move(running, CallState.Queued, 0)]);
        var before = await RowsAsync("test", lease: "NULL");

        CallWrite[] refused =
        [
            Move(Ended(running, CallState.Succeeded), CallState.Running, 1),   // an attempt no longer current
            Move(Ended(running, CallState.Succeeded), CallState.Queued, 1),    // the state it expects is gone
            Renew(running, 1, Now.AddHours(1)),                                // a lease of an attempt no longer current
            Insert(call),                                                      // the id is taken
            Insert(Queued(2, "key") with { Socket = call.Socket }),            // the socket's key is taken
            Move(Ended(Running(Queued(3), 1), CallState.Failed), CallState.Running, 1), // no such call
        ];
        var accepted = Renew(running, 2, Now.AddHours(2));
        await CommitAsync("test", [.. refused, accepted]);

        Assert.All(Outcomes(refused), o => Assert.False(o));
        Assert.True(Outcomes([accepted]).Single());
        Assert.Equal(before, await RowsAsync("test", lease: "NULL"));
        Assert.Equal([Now.AddHours(2).UtcDateTime], (await _db.QueryAsync("SELECT LeaseUntil FROM PyfiCalls")).Cast<DateTime>());
    }

    [Fact]
    public async Task AGroupThatFailsLeavesNothingAndTellsNoOutcome()
    {
        var stored = Queued(1);
        await CommitAsync("test", [Insert(stored)]);
        var before = await RowsAsync("test");

        // The refused write is its call's second, so it runs in the last statement, after the others have changed rows.
        var refused = Queued(3) with { Socket = new string('x', 201) };   // longer than the column: the server refuses it
        var group = new List<CallWrite>
        {
            Insert(Queued(2)),
            Move(Running(stored, 1), CallState.Queued, 0),
            Move(Running(refused, 1), CallState.Queued, 0),
            Insert(refused),
        };
        Assert.Equal(CallWriteKind.Insert, PostgresWriteGroup.Plan(group)[^1].Kind);
        Assert.Equal(1, PostgresWriteGroup.Plan(group)[^1].Layer);

        await Assert.ThrowsAsync<PostgresException>(() => CommitAsync("test", group));

        Assert.Equal(before, await RowsAsync("test"));
        Assert.All(group, w => Assert.False(w.Done.Task.IsCompleted));
    }

    [Fact]
    public async Task ACallsChangesApplyInTheOrderMadeEachUnderItsOwnGuard()
    {
        var call = Queued(1);
        var first = Running(call, 1);
        var second = Running(call, 2);
        var group = new List<CallWrite>
        {
            Insert(call),
            Move(first, CallState.Queued, 0),
            Move(Running(call, 9), CallState.Queued, 0),     // made after the start: its guard no longer holds
            Move(call with { Attempts = 1 }, CallState.Running, 1),
            Move(second, CallState.Queued, 1),
            Renew(second, 2, Now.AddMinutes(5)),
            Move(Ended(second, CallState.Succeeded), CallState.Running, 2),
            Move(Ended(second, CallState.Failed), CallState.Running, 2), // a second end: the first already moved the row
        };

        await CommitAsync("test", group);

        Assert.Equal([true, true, false, true, true, true, true, false], Outcomes(group));
        var stored = StoredCall.Read((string)(await _db.QueryAsync($"SELECT Payload FROM PyfiCalls WHERE Id = '{call.Id}'")).Single()!, null);
        Assert.Equal(CallState.Succeeded, stored.State);
        Assert.Equal(2, stored.Attempts);
        // Inserted at version 1, then four transitions held; a renewal changes only the lease.
        Assert.Equal([5L], (await _db.QueryAsync($"SELECT Version FROM PyfiCalls WHERE Id = '{call.Id}'")).Select(v => (long)(int)v!));
        Assert.Equal(8, PostgresWriteGroup.Plan(group).Count);
    }

    [Fact]
    public async Task EndsArePositionedInTheOrderTheGroupHoldsThem()
    {
        var calls = Enumerable.Range(0, 6).Select(i => Queued(i)).ToList();
        var group = new List<CallWrite>();
        group.AddRange(calls.Select(Insert));
        // Ends made in the order 5, 4, ... 0, each in layer 1 of its call.
        group.AddRange(Enumerable.Reverse(calls).Select(c => Move(Ended(c, CallState.Succeeded), CallState.Queued, 0)));

        await CommitAsync("test", group);

        var byPosition = await _db.QueryAsync("SELECT Id FROM PyfiCalls ORDER BY EndPos");
        Assert.Equal(Enumerable.Reverse(calls).Select(c => (object?)c.Id), byPosition);
        Assert.Equal(1L, (await _db.QueryAsync("SELECT count(DISTINCT EndPos / 1024) FROM PyfiCalls")).Single());
    }

    [Fact]
    public async Task RetentionRemovesCallsEndedBeforeTheCutoffFoundByWhenTheyWereCreated()
    {
        await using var store = CallStore.Create(_db.Database, "test");
        var cutoff = Now.AddHours(1);
        CallInfo Call(DateTimeOffset created, DateTimeOffset? finished) => new()
        {
            Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = created,
            State = finished is null ? CallState.Queued : CallState.Succeeded, Finished = finished,
        };
        var old = Call(Now, Now.AddMinutes(1));
        var endedLate = Call(Now, cutoff.AddMinutes(1));       // created before the cutoff, ended after it
        var open = Call(Now, null);
        var young = Call(cutoff.AddMinutes(1), cutoff.AddMinutes(2));
        foreach (var call in new[] { old, endedLate, open, young }) Assert.True(await store.InsertAsync(call));

        Assert.Equal(1, await store.DeleteEndedBeforeAsync(cutoff, 100));

        Assert.Null(await store.ReadAsync(old.Id));
        foreach (var kept in new[] { endedLate, open, young }) Assert.NotNull(await store.ReadAsync(kept.Id));
        Assert.Equal(0L, (await _db.QueryAsync("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_pyficalls_finished'")).Single());
    }

    [Fact]
    public async Task AStoreWithSeveralWritersKeepsEachCallsWritesInOrderAndOneCallPerKey()
    {
        await using var store = CallStore.Create(_db.Database, "writers", writers: 4);
        Assert.Equal(4, store.Writers);

        // 400 calls at once, each inserted, started, ended: a call's three writes go through one writer in order.
        var ended = await Task.WhenAll(Enumerable.Range(0, 400).Select(async i =>
        {
            var queued = Queued(i);
            var running = Running(queued, 1);
            return await store.InsertAsync(queued) && await store.TransitionAsync(running, CallState.Queued, 0)
                && await store.TransitionAsync(Ended(running, CallState.Succeeded), CallState.Running, 1);
        }));
        Assert.All(ended, Assert.True);

        // Two submissions with one key on one socket, different ids (so most likely different writers) at once, many
        // times over: one stored each time, and the other told so.
        for (var round = 0; round < 50; round++)
        {
            var first = Queued(3, $"key-{round}");
            var second = Queued(3, $"key-{round}");
            var stored = await Task.WhenAll(store.InsertAsync(first), store.InsertAsync(second));
            Assert.Equal(1, stored.Count(s => s));
        }

        var rows = await RowsAsync("writers");
        Assert.Equal(450, rows.Count);
        Assert.Equal(400, rows.Count(r => r.Contains("|Succeeded|", StringComparison.Ordinal)));
    }
}
