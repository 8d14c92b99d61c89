using Microsoft.Data.Sqlite;
using Npgsql;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// A socket's queue read a page at a time (<see cref="CallStore.ListQueuedAsync"/>) on SQLite and on a real
/// PostgreSQL: pages follow one another in exactly the order <see cref="QueueKey"/> compares in memory (the socket's
/// window relies on it), calls accepted in the same microsecond ordered by id, only the socket's queued calls, served
/// by the queue index; the open count and the last queued place.
/// </summary>
public sealed class QueuePageTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task PagesFollowEachOtherInQueueOrderWithNothingSkippedOrTwice(StorageProvider provider)
    {
        await using var backend = await Backend.CreateAsync(provider);
        var store = backend.Store;
        // Ten calls a microsecond: their ids order them.
        var queued = Enumerable.Range(0, 2500).Select(i => Call("s", Now.AddTicks(i / 10 * 10))).ToList();
        var running = Enumerable.Range(0, 3).Select(i => Call("s", Now.AddTicks(i)) with { State = CallState.Running, Attempts = 1, LeaseUntil = Now.AddMinutes(1) }).ToList();
        var ended = Call("s", Now) with { State = CallState.Succeeded, Finished = Now.AddSeconds(1) };
        var other = Enumerable.Range(0, 50).Select(i => Call("other", Now.AddTicks(i * 10))).ToList();
        var inserts = await Task.WhenAll(queued.Concat(running).Append(ended).Concat(other).Select(store.InsertAsync));
        Assert.All(inserts, Assert.True);

        var read = new List<CallInfo>();
        QueueKey? after = null;
        var pages = 0;
        while (true)
        {
            var page = await store.ListQueuedAsync("s", after, 1000);
            pages++;
            read.AddRange(page);
            if (page.Count < 1000) break;
            after = QueueKey.Of(page[^1]);
        }

        Assert.Equal(3, pages);
        Assert.Equal(queued.OrderBy(QueueKey.Of).Select(c => c.Id).ToList(), read.Select(c => c.Id).ToList());
        Assert.Equal(2503L, await store.CountOpenAsync("s"));
        Assert.Equal(queued.Max(QueueKey.Of), await store.LastQueuedAsync("s"));
        Assert.Null(await store.LastQueuedAsync("none"));
        Assert.Empty(await store.ListQueuedAsync("s", queued.Max(QueueKey.Of), 1000));
        Assert.Contains("ix_pyficalls_queue", (await backend.PlanAsync()).ToLowerInvariant());
    }

    private static CallInfo Call(string socket, DateTimeOffset created) =>
        new() { Id = Guid.NewGuid(), Socket = socket, Processor = "p", Function = "f", Created = created };

    // A call store on a fresh SQLite file or PostgreSQL database, and the plan of a page's query there.
    private sealed class Backend : IAsyncDisposable
    {
        private TempDirectory? _data;
        private PostgresDatabase? _postgres;
        private PyfiDatabase _database = null!;

        public CallStore Store { get; private set; } = null!;

        public static async Task<Backend> CreateAsync(StorageProvider provider)
        {
            var backend = new Backend();
            if (provider == StorageProvider.Postgres)
            {
                backend._postgres = await PostgresDatabase.CreateAsync();
                backend._database = backend._postgres.Database;
            }
            else
            {
                backend._data = new TempDirectory("pyfi-queue");
                backend._database = PyfiDatabase.From(new PyfiStorageOptions(), backend._data.Path);
            }

            await SchemaInstaller.ApplyAsync(backend._database);
            backend.Store = CallStore.Create(backend._database, "test");
            return backend;
        }

        public async Task<string> PlanAsync()
        {
            if (_postgres is { } postgres)
            {
                await using var connection = new NpgsqlConnection(postgres.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "SET enable_seqscan = off; EXPLAIN SELECT Payload FROM PyfiCalls WHERE ServiceId = 'test' AND Socket = 's' AND State = 'Queued' AND (Created, Id) > (now(), gen_random_uuid()) ORDER BY Created, Id LIMIT 1000", connection);
                await using var reader = await command.ExecuteReaderAsync();
                var lines = new List<string>();
                while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
                return string.Join('\n', lines);
            }

            await using var sqlite = new SqliteConnection(_database.CallsConnectionString);
            await sqlite.OpenAsync();
            await using var plan = sqlite.CreateCommand();
            plan.CommandText = "EXPLAIN QUERY PLAN SELECT Payload FROM PyfiCalls WHERE ServiceId = 'test' AND Socket = 's' AND State = 'Queued' AND (Created, Id) > ('x', 'y') ORDER BY Created, Id LIMIT 1000";
            await using var rows = await plan.ExecuteReaderAsync();
            var details = new List<string>();
            while (await rows.ReadAsync()) details.Add(rows.GetString(3));
            return string.Join('\n', details);
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            SqliteConnection.ClearAllPools();
            _data?.Dispose();
            if (_postgres is { } postgres) await postgres.DisposeAsync();
        }
    }
}
