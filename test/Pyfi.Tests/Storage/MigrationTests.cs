using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pyfi.Storage;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// Versioned schema migrations: each applied once and recorded, a database from before them adopted, one made by a
/// newer Pyfi refused; and today's silo started on databases made by a85bc27 (Fixtures/make-a85bc27.sh) finds
/// their definitions, calls and workflows.
/// </summary>
public sealed class MigrationTests
{
    private static readonly string Fixtures = Path.Combine(TestEnvironment.RepositoryRoot, "test", "Pyfi.Tests", "Storage", "Fixtures", "a85bc27");

    [Fact]
    public async Task EachMigrationIsAppliedOnceAndRecorded()
    {
        using var data = new TempDirectory("pyfi-schema");
        var database = PyfiDatabase.From(new PyfiStorageOptions(), data.Path);

        var first = await SchemaInstaller.ApplyAsync(database);
        var again = await SchemaInstaller.ApplyAsync(database);
        await SchemaInstaller.VerifyAsync(database);

        Assert.Equal([1, 2, 3, 4, 5], first[0].Applied);
        Assert.Equal([1, 2, 3, 4, 5], first[1].Applied);
        Assert.All(again, s => Assert.Empty(s.Applied));
        Assert.Equal(["0001-Main", "0002-Persistence", "0003-Reminders", "0004-Tokens", "0005-Definitions"], await SqliteColumnAsync(database.SqliteFile, "SELECT Name FROM PyfiSchema ORDER BY Version"));
        Assert.Equal(["0001-Calls", "0002-Runs", "0003-Follow", "0004-Queue", "0005-PartitionKeys"], await SqliteColumnAsync(database.CallsFile, "SELECT Name FROM PyfiSchema ORDER BY Version"));
    }

    [Fact]
    public async Task ASiloThatMayNotChangeTheSchemaSaysWhatToRun()
    {
        using var data = new TempDirectory("pyfi-schema");
        var database = PyfiDatabase.From(new PyfiStorageOptions(), data.Path);

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => SchemaInstaller.VerifyAsync(database));

        Assert.Equal($"{database.SqliteFile} has schema version 0, this build of Pyfi needs 5: run `pyfi db init` (or deploy/postgres/init-db.sh) first, "
            + "or let the silo apply it (Pyfi:Storage:ApplySchema)", refused.Message);
        Assert.False(File.Exists(database.SqliteFile), "verifying creates nothing");
    }

    [Fact]
    public async Task ADatabaseMadeByANewerPyfiIsRefusedAndLeftAsItIs()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await SchemaInstaller.ApplyAsync(db.Database);
        await db.QueryAsync("INSERT INTO PyfiSchema (Version, Name) VALUES (99, '0099-FromTheFuture')");

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => SchemaInstaller.ApplyAsync(db.Database));

        Assert.Equal($"{db.Database.Describe()} has schema version 99, newer than this build of Pyfi knows (12): run the Pyfi that made it, or restore a backup made for this one", refused.Message);
        Assert.Equal((long)SchemaInstaller.Migrations(SchemaName.Postgres).Count + 1, (await db.QueryAsync("SELECT count(*) FROM PyfiSchema")).Single());
    }

    [Fact]
    public async Task ASiloRefusesToStartOnAFileMadeByANewerPyfiWithOneLine()
    {
        using var data = new TempDirectory("pyfi-schema");
        var database = PyfiDatabase.From(new PyfiStorageOptions(), data.Path);
        await SchemaInstaller.ApplyAsync(database);
        await SqliteExecuteAsync(database.CallsFile, "INSERT INTO PyfiSchema (Version, Name) VALUES (6, '0006-FromTheFuture')");

        await using var silo = await SiloProcess.StartAsync(data.Path, waitForReady: false);
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        Assert.Equal($"pyfi silo: could not run: {database.CallsFile} has schema version 6, newer than this build of Pyfi knows (5): run the Pyfi that made it, or restore a backup made for this one",
            Assert.Single(Lines(silo.Output)));
    }

    [Fact]
    public async Task TodaysSiloFindsEverythingInSqliteFilesMadeByA85bc27()
    {
        using var data = new TempDirectory("pyfi-a85");
        File.Copy(Path.Combine(Fixtures, "pyfi.db"), Path.Combine(data.Path, "pyfi.db"));
        File.Copy(Path.Combine(Fixtures, "pyfi-calls.db"), Path.Combine(data.Path, "pyfi-calls.db"));
        Assert.Empty(await SqliteColumnAsync(Path.Combine(data.Path, "pyfi.db"), "SELECT name FROM sqlite_master WHERE name IN ('PyfiSchema', 'PyfiTokens')"));
        SqliteConnection.ClearAllPools();

        await using var silo = await SiloProcess.StartAsync(data.Path);

        await FindsEverythingAsync(silo.Cli(), Path.Combine(Fixtures, "expected.json"));
        Assert.Equal(["0001-Main", "0002-Persistence", "0003-Reminders", "0004-Tokens", "0005-Definitions"], await SqliteColumnAsync(Path.Combine(data.Path, "pyfi.db"), "SELECT Name FROM PyfiSchema ORDER BY Version"));
        Assert.Equal(["0001-Calls", "0002-Runs", "0003-Follow", "0004-Queue", "0005-PartitionKeys"], await SqliteColumnAsync(Path.Combine(data.Path, "pyfi-calls.db"), "SELECT Name FROM PyfiSchema ORDER BY Version"));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task TodaysSiloFindsEverythingInAPostgresDatabaseMadeByA85bc27()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using (var connection = new NpgsqlConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var restore = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(Fixtures, "postgres.sql")), connection);
            await restore.ExecuteNonQueryAsync();
        }

        Assert.Equal(0L, (await db.QueryAsync("SELECT count(*) FROM pg_tables WHERE tablename IN ('pyfischema', 'pyfitokens')")).Single());
        using var data = new TempDirectory("pyfi-a85");

        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = db.ConnectionString });

        await FindsEverythingAsync(silo.Cli(), Path.Combine(Fixtures, "expected-postgres.json"));
        Assert.Equal(["0001-Main", "0002-Clustering", "0003-Persistence", "0004-Reminders", "0005-Calls", "0006-Tokens", "0007-Runs", "0008-Follow", "0009-CallIndexes", "0010-Queue", "0011-Definitions", "0012-PartitionKeys"],
            (await db.QueryAsync("SELECT Name FROM PyfiSchema ORDER BY Version")).Cast<string>());
    }

    // The definitions, every call with its state and result, every workflow with its result and steps; and the
    // network takes changes (a definition, a token: a table the migrations added).
    private static async Task FindsEverythingAsync(PyfiCli cli, string expectedFile)
    {
        var expected = JsonDocument.Parse(await File.ReadAllTextAsync(expectedFile)).RootElement;
        foreach (var kind in new[] { "queues", "processors", "sockets" })
        {
            var listed = JsonDocument.Parse((await cli.OkAsync("ls", kind, "--json")).Stdout).RootElement.EnumerateArray()
                .Select(d => d.GetProperty("spec").GetProperty("name").GetString()).Order(StringComparer.Ordinal);
            Assert.Equal(expected.GetProperty(kind).EnumerateArray().Select(e => e.GetString()), listed);
        }

        foreach (var call in expected.GetProperty("calls").EnumerateArray())
        {
            var id = call.GetProperty("id").GetString()!;
            var shown = (await cli.OkAsync("ls", "call", "--id", id)).Stdout;
            Assert.Contains(call.GetProperty("socket").GetString()!, shown);
            Assert.Contains(call.GetProperty("state").GetString()!, shown);
            var result = await cli.RunAsync(["task", "result", "--id", id]);
            if (call.TryGetProperty("result", out var value))
            {
                Assert.True(result.ExitCode == 0, result.ToString());
                Assert.Equal(value.GetString(), result.Stdout.Trim());
            }
            else
            {
                Assert.Equal(1, result.ExitCode);
                Assert.Contains(call.GetProperty("error").GetString()!, result.Stderr);
            }
        }

        foreach (var flow in expected.GetProperty("workflows").EnumerateArray())
        {
            var id = flow.GetProperty("id").GetString()!;
            var result = JsonDocument.Parse((await cli.OkAsync("flow", "result", "--id", id, "--json")).Stdout).RootElement;
            Assert.Equal(Compact(flow.GetProperty("result").GetString()!), Compact(result.GetProperty("result").GetString()!));
            var steps = JsonDocument.Parse((await cli.OkAsync("ls", "calls", "--json")).Stdout).RootElement.EnumerateArray()
                .Count(c => c.TryGetProperty("workflow", out var w) && w.GetString() == id);
            Assert.Equal(flow.GetProperty("steps").GetInt32(), steps);
        }

        await cli.OkAsync("add", "queue", "-n", "after.migration");
        Assert.Contains("admin", (await cli.OkAsync("token", "ls")).Stdout);
    }

    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static async Task<List<string>> SqliteColumnAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = new SqliteCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    private static async Task SqliteExecuteAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = new SqliteCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static IEnumerable<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
