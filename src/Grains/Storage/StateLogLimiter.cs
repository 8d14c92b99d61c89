using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Storage;
using Pyfi.Storage.Sqlite;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Keeps the write-ahead log of the embedded <c>pyfi.db</c> (grain state, reminders, tokens) below
/// <see cref="PyfiDatabase.WalLimit"/>. Orleans' providers write it through pooled connections whose automatic
/// checkpoints are PASSIVE, which never empty the log while writes keep coming (see <see cref="SqliteWal"/>).
/// Every second this looks at the log's size and, past a quarter of the limit, empties it (TRUNCATE), waiting at
/// most a second for writers and readers. (The calls' file, <c>pyfi-calls.db</c>, is bounded by its own writer.)
/// </summary>
internal sealed partial class StateLogLimiter(PyfiDatabase database, TimeProvider time, ILogger<StateLogLimiter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(1);
    private const int BusyTimeoutMs = 30_000;

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StateLogLimiter), ServiceLifecycleStage.RuntimeInitialize, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Provider == StorageProvider.Sqlite) _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task LoopAsync()
    {
        var wal = SqliteWal.LogOf(database.SqliteFile);
        var warned = false;
        using var timer = new PeriodicTimer(Period, time);
        SqliteConnection? connection = null;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var size = SqliteWal.Size(wal);
                if (size < database.WalLimit / 4) continue;
                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(database.ConnectionString);
                        await connection.OpenAsync(_stopping.Token);
                    }

                    var emptied = await SqliteWal.TruncateAsync(connection, Wait, BusyTimeoutMs, _stopping.Token);
                    if (!emptied && size >= database.WalLimit && !warned) LogHeld(wal, size / (1024 * 1024), database.WalLimit / (1024 * 1024));
                    warned = !emptied && size >= database.WalLimit;
                }
                catch (SqliteException e)
                {
                    // Grain storage reports a file that fails to the grains that use it; here it is only logged, once.
                    if (!warned) LogFailed(wal, StorageFaults.Describe(e, database.SqliteFile));
                    warned = true;
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The log {Wal} is {SizeMb} MB (limit {LimitMb} MB) and could not be emptied: a reader or writer held it past a second. Close long reads of the file (an open sqlite3 shell?)")]
    private partial void LogHeld(string wal, long sizeMb, long limitMb);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not empty the log {Wal}: {Reason}")]
    private partial void LogFailed(string wal, string reason);
}
