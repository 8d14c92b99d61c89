using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Storage;

/// <summary>
/// A damaged or unopenable SQLite file stops the silo's start with one line that names that file and says what to
/// do; with the start's check off, the operation that reads the damage fails with that line instead. Nowhere does a
/// .NET exception's type reach the user. The files are made by today's schema and calls, then damaged on purpose.
/// </summary>
public sealed partial class CorruptionTests
{
    public enum Damage
    {
        TruncatedCalls,
        GarbagePagesInCalls,
        GarbagePagesInMain,
        NotADatabase,
        Unopenable,
    }

    [Theory]
    [InlineData(Damage.TruncatedCalls, "pyfi-calls.db", "is damaged (")]
    [InlineData(Damage.GarbagePagesInCalls, "pyfi-calls.db", "is damaged (")]
    [InlineData(Damage.GarbagePagesInMain, "pyfi.db", "is damaged (")]
    [InlineData(Damage.NotADatabase, "pyfi-calls.db", "is damaged (file is not a database)")]
    [InlineData(Damage.Unopenable, "pyfi-calls.db", "cannot be opened (unable to open database file): it must be a file the silo's user can read and write")]
    public async Task ADamagedFileStopsTheStartWithOneLineNamingIt(Damage damage, string file, string what)
    {
        using var data = new TempDirectory("pyfi-damage");
        await MakeNetworkFilesAsync(data.Path);
        Inflict(damage, data.Path);

        await using var silo = await SiloProcess.StartAsync(data.Path, waitForReady: false);
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        var line = Assert.Single(Lines(silo.Output));
        var path = Path.Combine(data.Path, file);
        Assert.StartsWith($"pyfi silo: could not run: {path} {what}", line);
        if (what.StartsWith("is damaged", StringComparison.Ordinal))
        {
            Assert.EndsWith($": restore it from a backup, or see what is wrong with: sqlite3 {path} 'PRAGMA integrity_check'", line);
        }

        Assert.DoesNotContain(Path.Combine(data.Path, file == "pyfi.db" ? "pyfi-calls.db" : "pyfi.db"), line);
        Assert.DoesNotMatch(ExceptionType(), silo.Output);
    }

    [Fact]
    public async Task WithTheCheckOffTheCallsThatReadADamagedPageFailWithTheLineNotTheDriversException()
    {
        using var data = new TempDirectory("pyfi-damage");
        await MakeNetworkFilesAsync(data.Path);
        Inflict(Damage.GarbagePagesInCalls, data.Path);

        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_SQLITE_CHECK"] = "00:00:00" });
        var listing = await silo.Cli().RunAsync(["ls", "calls"]);

        Assert.Equal(1, listing.ExitCode);
        var calls = Path.Combine(data.Path, "pyfi-calls.db");
        Assert.StartsWith($"pyfi: the database is unavailable: {calls} is damaged (", Assert.Single(Lines(listing.Stderr)));
        Assert.Contains($"sqlite3 {calls} 'PRAGMA integrity_check'", listing.Stderr);
        Assert.DoesNotMatch(ExceptionType(), listing.Stderr + listing.Stdout);
        await silo.Cli().OkAsync("ls", "queues");
    }

    // The two files of a network as a silo leaves them: today's schema, a few hundred calls (many pages), checkpointed.
    private static async Task MakeNetworkFilesAsync(string dataPath)
    {
        var database = PyfiDatabase.From(new PyfiStorageOptions(), dataPath);
        await SchemaInstaller.ApplyAsync(database);
        await using (var store = CallStore.Create(database, "pyfi"))
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => store.InsertAsync(new CallInfo
            {
                Id = Guid.NewGuid(), Socket = "damage.s", Processor = "p", Function = "f", Args = $"[{i}, \"{new string('x', 200)}\"]",
                Created = DateTimeOffset.UtcNow, State = CallState.Succeeded, Result = "1", Finished = DateTimeOffset.UtcNow,
            })));
        }

        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(database.CallsFile + "-wal"), "the files are whole (no log left beside them)");
    }

    private static void Inflict(Damage damage, string dataPath)
    {
        var calls = Path.Combine(dataPath, "pyfi-calls.db");
        switch (damage)
        {
            case Damage.TruncatedCalls:
                using (var file = new FileStream(calls, FileMode.Open)) file.SetLength(file.Length / 2);
                break;
            case Damage.GarbagePagesInCalls:
                Overwrite(calls, 4096 * 2, 4096 * 3);
                break;
            case Damage.GarbagePagesInMain:
                Overwrite(Path.Combine(dataPath, "pyfi.db"), 4096, 4096 * 3);
                break;
            case Damage.NotADatabase:
                Overwrite(calls, 0, 4096);
                break;
            case Damage.Unopenable:
                // Root reads any file whatever its mode, so a folder stands where the file should be.
                File.Delete(calls);
                Directory.CreateDirectory(calls);
                break;
        }
    }

    private static void Overwrite(string file, long offset, int count)
    {
        using var stream = new FileStream(file, FileMode.Open);
        stream.Position = offset;
        var garbage = new byte[count];
        for (var i = 0; i < count; i++) garbage[i] = (byte)(0xA5 ^ i);
        stream.Write(garbage);
    }

    private static IEnumerable<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"\b[A-Z]\w*Exception\b")]
    private static partial Regex ExceptionType();
}
