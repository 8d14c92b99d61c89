namespace Pyfi.Grains.Workers;

/// <summary>A worker slot's grain key, <c>socket#slot</c>: made by its socket, read by the ledger and the reports.</summary>
public static class WorkerKey
{
    /// <summary>The key of slot <paramref name="slot"/> of <paramref name="socket"/>.</summary>
    public static string Of(string socket, int slot) => $"{socket}#{slot}";

    /// <summary>The socket and slot of <paramref name="key"/> (a key without <c>#</c> is the socket's, slot 0).</summary>
    public static (string Socket, int Slot) Parse(string key)
    {
        var hash = key.LastIndexOf('#');
        return hash < 0 ? (key, 0) : (key[..hash], int.TryParse(key.AsSpan(hash + 1), out var slot) ? slot : 0);
    }

    /// <summary>The socket of the worker grain <paramref name="worker"/>.</summary>
    public static string SocketOf(GrainId worker) => Parse(worker.Key.ToString()!).Socket;
}
