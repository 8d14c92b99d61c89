using Microsoft.Data.Sqlite;
using Npgsql;
using Pyfi.Storage;
using Pyfi.Storage.Definitions;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// The registry's catalogue store: nothing stored until the first commit; a commit writes the definitions it names
/// and the counters, and a load gives back exactly what was written; a commit at a version that is no longer the
/// stored one writes nothing; a commit that fails half-way writes nothing; two networks in one database stay apart.
/// </summary>
public abstract class DefinitionStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(123450);

    private DefinitionStore _store = null!;

    /// <summary>The database under test, with the schema applied.</summary>
    protected abstract Task<PyfiDatabase> CreateDatabaseAsync();

    /// <summary>Runs <paramref name="sql"/> on the database (to make a write fail).</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>SQL that makes inserting a definition named <c>poison</c> fail.</summary>
    protected abstract string PoisonTrigger { get; }

    public async Task InitializeAsync() => _store = new DefinitionStore(Database = await CreateDatabaseAsync(), "net-a");

    public abstract Task DisposeAsync();

    private PyfiDatabase Database { get; set; } = null!;

    private static StoredDefinition Row(string kind, string name, long revision, string spec = "{}") =>
        new(kind, name, revision, At, At.AddSeconds(revision), spec);

    [Fact]
    public async Task NothingIsStoredUntilTheFirstCommit()
    {
        Assert.Null(await _store.LoadAsync());
    }

    [Fact]
    public async Task ACommitWritesTheRowsItNamesAndALoadGivesThemBackExactly()
    {
        var queue = Row("queue", "q1", 1, """{"Name":"q1","Type":"Fanout"}""");
        var processor = Row("processor", "p1", 2, """{"Name":"p1"}""");
        var socket = Row("socket", "s1", 3, """{"Name":"s1","Queue":"q1"}""");
        var first = await _store.CommitAsync(0, new CatalogueChange(3, ["socket:s1"], [queue, processor, socket], []));

        var changed = socket with { Revision = 4, Updated = At.AddSeconds(4), Spec = """{"Name":"s1","Queue":"q1","Concurrency":2}""" };
        var second = await _store.CommitAsync(first, new CatalogueChange(4, [], [changed], [new DefinitionKey("processor", "p1")]));
        var loaded = await _store.LoadAsync();

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.NotNull(loaded);
        Assert.Equal(2, loaded.Version);
        Assert.Equal(4, loaded.Revision);
        Assert.Empty(loaded.Unsynced);
        Assert.Equal([queue, changed], loaded.Definitions.OrderBy(d => d.Kind, StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheUnsyncedSetIsStoredWhole()
    {
        await _store.CommitAsync(0, new CatalogueChange(1, ["socket:b", "plugs:a", "queue:c"], [Row("queue", "c", 1)], []));

        Assert.Equal(["plugs:a", "queue:c", "socket:b"], (await _store.LoadAsync())!.Unsynced);
    }

    [Fact]
    public async Task ACommitAtAVersionThatIsNoLongerStoredWritesNothing()
    {
        var version = await _store.CommitAsync(0, new CatalogueChange(1, [], [Row("queue", "q1", 1)], []));
        await _store.CommitAsync(version, new CatalogueChange(2, [], [Row("queue", "q2", 2)], []));

        await Assert.ThrowsAsync<DefinitionConflictException>(() => _store.CommitAsync(version, new CatalogueChange(3, [], [Row("queue", "q3", 3)], [new DefinitionKey("queue", "q1")])));
        await Assert.ThrowsAsync<DefinitionConflictException>(() => _store.CommitAsync(0, new CatalogueChange(3, [], [Row("queue", "q3", 3)], [])));

        var loaded = (await _store.LoadAsync())!;
        Assert.Equal(2, loaded.Version);
        Assert.Equal(["q1", "q2"], loaded.Definitions.Select(d => d.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ACommitThatFailsHalfWayWritesNothing()
    {
        var version = await _store.CommitAsync(0, new CatalogueChange(1, [], [Row("queue", "q1", 1)], []));
        await ExecuteAsync(PoisonTrigger);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _store.CommitAsync(version,
            new CatalogueChange(4, ["queue:q2"], [Row("queue", "q2", 2), Row("queue", "poison", 3), Row("queue", "q4", 4)], [new DefinitionKey("queue", "q1")])));

        var loaded = (await _store.LoadAsync())!;
        Assert.Equal(version, loaded.Version);
        Assert.Equal(1, loaded.Revision);
        Assert.Equal([Row("queue", "q1", 1)], loaded.Definitions);
    }

    [Fact]
    public async Task TwoNetworksInOneDatabaseStayApart()
    {
        var other = new DefinitionStore(Database, "net-b");
        await _store.CommitAsync(0, new CatalogueChange(1, [], [Row("queue", "q", 1, """{"Name":"a"}""")], []));
        await other.CommitAsync(0, new CatalogueChange(5, [], [Row("queue", "q", 5, """{"Name":"b"}""")], []));
        await other.CommitAsync(1, new CatalogueChange(6, [], [], [new DefinitionKey("queue", "q")]));

        Assert.Equal([Row("queue", "q", 1, """{"Name":"a"}""")], (await _store.LoadAsync())!.Definitions);
        Assert.Empty((await other.LoadAsync())!.Definitions);
    }

    [Fact]
    public async Task TenThousandDefinitionsCommitTogetherAndLoadAgain()
    {
        var rows = Enumerable.Range(0, 10_000).Select(i => Row("socket", $"s{i:D5}", i + 1)).ToList();
        var version = await _store.CommitAsync(0, new CatalogueChange(10_000, [], rows, []));
        version = await _store.CommitAsync(version, new CatalogueChange(10_001, [], [Row("socket", "s00042", 10_001, """{"changed":true}""")], []));

        var loaded = (await _store.LoadAsync())!;

        Assert.Equal(10_000, loaded.Definitions.Count);
        Assert.Equal("""{"changed":true}""", loaded.Definitions.Single(d => d.Name == "s00042").Spec);
        Assert.Equal(2, loaded.Version);
    }
}

/// <summary>The store on a temp SQLite file (the embedded default).</summary>
[Trait("Category", "Fast")]
public sealed class SqliteDefinitionStoreTests : DefinitionStoreTests
{
    private readonly TempDirectory _data = new("pyfi-definitions");
    private PyfiDatabase _database = null!;

    protected override async Task<PyfiDatabase> CreateDatabaseAsync()
    {
        _database = PyfiDatabase.From(new PyfiStorageOptions(), _data.Path);
        await SchemaInstaller.ApplyAsync(_database);
        return _database;
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqliteCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override string PoisonTrigger =>
        "CREATE TRIGGER poison BEFORE INSERT ON PyfiDefinitions WHEN NEW.Name = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END;";

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The store on PostgreSQL (a database of its own on the test server).</summary>
public sealed class PostgresDefinitionStoreTests : DefinitionStoreTests
{
    private PostgresDatabase _db = null!;

    protected override async Task<PyfiDatabase> CreateDatabaseAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        await SchemaInstaller.ApplyAsync(_db.Database);
        return _db.Database;
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override string PoisonTrigger => """
        CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.Name = 'poison' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER poison BEFORE INSERT ON PyfiDefinitions FOR EACH ROW EXECUTE FUNCTION poison();
        """;

    public override async Task DisposeAsync() => await _db.DisposeAsync();
}
