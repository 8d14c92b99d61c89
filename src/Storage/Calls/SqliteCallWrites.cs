using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pyfi.Storage.Calls;

/// <summary>
/// The calls writer's three statements (a new call, a guarded change, a lease's renewal), prepared once for its
/// connection and bound through SQLite's own API. Every call costs two or three of these writes; through
/// <see cref="SqliteCommand"/> each re-prepared its statement per batch and made an object, a UTF-8 copy and often a
/// string per parameter (measured: ~4 KB a noop call, bench/README "allocs.sh"). Here ids and times are formatted
/// on the stack, text is bound as UTF-16 spans that SQLite converts itself, and the payload's JSON is written into
/// one buffer the writer reuses. Used by one writer at a time, inside its transaction; disposed with its connection.
/// </summary>
internal sealed class SqliteCallWrites : IDisposable
{
    // Parameters by number, the same in all three statements (each uses some of them).
    private const int Service = 1, Id = 2, Socket = 3, State = 4, Attempt = 5, Lease = 6, Key = 7, Workflow = 8, Created = 9,
        Finished = 10, Payload = 11, Run = 12, EndPos = 13, Deliver = 14, FromState = 15, FromAttempt = 16;

    private const int InitialBuffer = 4096;
    private const int KeepBuffer = 256 * 1024;
    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffffffZ";

    private readonly sqlite3 _db;
    private readonly string _service;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _transition;
    private readonly sqlite3_stmt _renew;
    private readonly Utf8JsonWriter _writer;

    // Reused from call to call; a buffer a large call grew past KeepBuffer is let go after it.
    private ArrayBufferWriter<byte> _json = new(InitialBuffer);

    public SqliteCallWrites(SqliteConnection connection, string serviceId)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the calls' writer is not open");
        _service = serviceId;
        _writer = new Utf8JsonWriter(_json);
        _insert = Prepare("INSERT INTO PyfiCalls (ServiceId, Id, Socket, State, Attempt, LeaseUntil, IdemKey, Workflow, Created, Finished, Version, Payload, Run, Deliver, EndPos) " +
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, 0, ?13) ON CONFLICT DO NOTHING");
        _transition = Prepare("UPDATE PyfiCalls SET State = ?4, Attempt = ?5, LeaseUntil = ?6, Finished = ?10, Version = Version + 1, Payload = ?11, Deliver = ?14, " +
            "EndPos = COALESCE(EndPos, ?13) WHERE ServiceId = ?1 AND Id = ?2 AND State = ?15 AND Attempt = ?16");
        _renew = Prepare("UPDATE PyfiCalls SET LeaseUntil = ?6 WHERE ServiceId = ?1 AND Id = ?2 AND State = ?15 AND Attempt = ?16");
    }

    /// <summary>
    /// Writes <paramref name="write"/> (with <paramref name="endPosition"/> for an end) in the open transaction;
    /// whether its row changed. Throws <see cref="SqliteException"/> when SQLite refuses it.
    /// </summary>
    public bool Write(CallWrite write, long? endPosition)
    {
        var call = write.Call;
        var statement = write.Kind switch { CallWriteKind.Insert => _insert, CallWriteKind.Transition => _transition, _ => _renew };
        try
        {
            BindText(statement, Service, _service);
            BindGuid(statement, Id, call.Id);
            BindTime(statement, Lease, call.LeaseUntil);
            if (write.Kind != CallWriteKind.Insert)
            {
                BindText(statement, FromState, write.From.ToString());
                Check(raw.sqlite3_bind_int64(statement, FromAttempt, write.FromAttempt));
            }

            if (write.Kind != CallWriteKind.Renew)
            {
                BindText(statement, State, call.State.ToString());
                Check(raw.sqlite3_bind_int64(statement, Attempt, call.Attempts));
                BindTime(statement, Finished, call.Finished);
                Json(statement, call);
                Check(endPosition is { } position ? raw.sqlite3_bind_int64(statement, EndPos, position) : raw.sqlite3_bind_null(statement, EndPos));
                if (write.Kind == CallWriteKind.Transition)
                {
                    Check(raw.sqlite3_bind_int64(statement, Deliver, call.Deliveries.IsEmpty ? 0 : 1));
                }
                else
                {
                    BindText(statement, Socket, SocketPartitions.KeyOf(call));
                    BindText(statement, Key, call.Key);
                    BindGuid(statement, Workflow, call.Workflow);
                    BindTime(statement, Created, call.Created);
                    BindGuid(statement, Run, call.Run);
                }
            }

            var done = raw.sqlite3_step(statement);
            if (done != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(done, _db);
            return raw.sqlite3_changes(_db) == 1;
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>Sortable text, as every time of a call's row is stored (SQLite compares them as strings).</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _insert.Dispose();
        _transition.Dispose();
        _renew.Dispose();
        _writer.Dispose();
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var prepared = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement);
        if (prepared == raw.SQLITE_OK && statement is not null) return statement;
        statement?.Dispose();
        SqliteException.ThrowExceptionForRC(prepared, _db);
        throw new InvalidOperationException("SQLite prepared no statement");
    }

    private void Check(int bound)
    {
        if (bound != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(bound, _db);
    }

    private void BindText(sqlite3_stmt statement, int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(statement, index) : value.Length == 0 ? raw.sqlite3_bind_text(statement, index, "") : raw.sqlite3_bind_text16(statement, index, value.AsSpan()));

    private void BindGuid(sqlite3_stmt statement, int index, Guid? value)
    {
        if (value is not { } id)
        {
            Check(raw.sqlite3_bind_null(statement, index));
            return;
        }

        Span<char> text = stackalloc char[36];
        id.TryFormat(text, out var written);
        Check(raw.sqlite3_bind_text16(statement, index, text[..written]));
    }

    private void BindTime(sqlite3_stmt statement, int index, DateTimeOffset? value)
    {
        if (value is not { } at)
        {
            Check(raw.sqlite3_bind_null(statement, index));
            return;
        }

        Span<char> text = stackalloc char[32];
        at.UtcDateTime.TryFormat(text, out var written, TimestampFormat, CultureInfo.InvariantCulture);
        Check(raw.sqlite3_bind_text16(statement, index, text[..written]));
    }

    // The stored JSON, written into the reused buffer and bound from it (SQLite copies it).
    private void Json(sqlite3_stmt statement, CallInfo call)
    {
        if (_json.Capacity > KeepBuffer) _json = new ArrayBufferWriter<byte>(InitialBuffer);
        else _json.ResetWrittenCount();
        _writer.Reset(_json);
        StoredCall.Write(_writer, call);
        _writer.Flush();
        Check(raw.sqlite3_bind_text(statement, Payload, _json.WrittenSpan));
    }
}
