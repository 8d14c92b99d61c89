namespace Pyfi.Storage.Sqlite;

/// <summary>
/// Lets the reads of one SQLite file in this process run side by side, and stops new ones while the log is being
/// emptied. A TRUNCATE checkpoint can only finish once no read is using the log; reads that keep overlapping (two
/// listings in a loop are enough) would otherwise hold it off for ever, which is how SQLite's documentation says a
/// log grows without bound. While <see cref="Close"/> holds the gate closed, reads wait (for about the
/// checkpoint's time); the checkpoint itself waits, boundedly, for the reads already in flight.
/// </summary>
public sealed class ReadGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _closed;

    /// <summary>Waits while the gate is closed, then lets the read in.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task closed;
            lock (_lock)
            {
                if (_closed is null) return;
                closed = _closed.Task;
            }

            await closed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Closes the gate to new reads until the returned handle is disposed.</summary>
    public IDisposable Close()
    {
        lock (_lock)
        {
            _closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new Reopen(this);
        }
    }

    private void Open()
    {
        TaskCompletionSource? closed;
        lock (_lock)
        {
            closed = _closed;
            _closed = null;
        }

        closed?.TrySetResult();
    }

    private sealed class Reopen(ReadGate gate) : IDisposable
    {
        public void Dispose() => gate.Open();
    }
}
