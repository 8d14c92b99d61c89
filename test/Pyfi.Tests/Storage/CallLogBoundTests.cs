using Microsoft.Data.Sqlite;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// The calls' write-ahead log stays under its limit while writes never pause and readers list the backlog beside
/// them (before, the background PASSIVE checkpoints never emptied it: 3.1 GB for 200,000 queued calls). The store
/// runs on a real SQLite file with the smallest limit a silo accepts, so the log must be emptied many times over.
/// </summary>
[Trait("Category", "Fast")]
public sealed class CallLogBoundTests : IAsyncLifetime
{
    private const long Limit = 4L * 1024 * 1024;
    private readonly TempDirectory _data = new("pyfi-wal");
    private PyfiDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = PyfiDatabase.From(new PyfiStorageOptions { WalLimit = Limit }, _data.Path);
        await SchemaInstaller.ApplyAsync(_database);
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheLogStaysUnderItsLimitUnderContinuousWritesWithReadersBeside()
    {
        var wal = _database.CallsFile + "-wal";
        var store = CallStore.Create(_database, "wal-test");
        using var done = new CancellationTokenSource();
        long largest = 0;
        var sampled = 0;
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var info = new FileInfo(wal);
                if (info.Exists) largest = Math.Max(largest, info.Length);
                sampled++;
                await Task.Delay(1);
            }
        });

        // Readers the way a silo reads: a socket's whole backlog (its activation), listings, single calls.
        var listed = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                listed += (await store.ListAsync("wal.busy", [CallState.Queued, CallState.Running], int.MaxValue)).Count;
                await store.QueryAsync(new CallQuery { Socket = "wal.busy", Limit = 50 });
            }
        })).ToList();

        // Writers that never pause: each call is stored, then started, then ended, as a socket stores them.
        var args = $"[\"{new string('x', 1000)}\"]";
        var written = 0;
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (new FileInfo(_database.CallsFile).Length < 4 * Limit)
            {
                var call = new CallInfo { Id = Guid.NewGuid(), Socket = "wal.busy", Processor = "p", Function = "f", Args = args, Created = DateTimeOffset.UtcNow };
                Assert.True(await store.InsertAsync(call));
                var running = call with { State = CallState.Running, Attempts = 1, LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(1) };
                Assert.True(await store.TransitionAsync(running, CallState.Queued, 0));
                if (Interlocked.Increment(ref written) % 2 == 0)
                {
                    Assert.True(await store.TransitionAsync(running with { State = CallState.Succeeded, Result = "1", Finished = DateTimeOffset.UtcNow }, CallState.Running, 1));
                }
            }
        })).ToList();

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await Task.WhenAll(readers);
        await sampler;
        await store.DisposeAsync();

        // Every page of the calls' file went through the log, four times the limit of them: the log was emptied
        // again and again, and at no moment it was looked at did it hold more than the limit.
        Assert.True(new FileInfo(_database.CallsFile).Length >= 4 * Limit);
        Assert.True(listed > 0 && sampled > 100, $"readers listed {listed} calls, the log was looked at {sampled} times");
        Assert.True(largest <= Limit, $"the log reached {largest} bytes, over its limit of {Limit} ({written} calls written)");
    }
}
