using System.Collections.Concurrent;

namespace Pyfi.Client.Calls;

/// <summary>
/// Where a client sends a socket's submissions. A partitioned socket's own grain passes a submission on to the
/// partition its key goes to (<see cref="SocketPartitions.ForKey"/>): one more message and grain turn a call, on the
/// silo of the own grain. A client that knows how many partitions the socket has sends each straight there.
/// </summary>
/// <remarks>
/// The count is asked of the socket's own grain in the background, once and again after <see cref="Refresh"/>; until
/// it is known a submission goes to the own grain as before. A count that is behind is safe: a socket only grows, a
/// partition stores what it is sent, and an idempotency key is unique across a socket's partitions in SQL, so a
/// submission sent again by a newer count is answered with its first call wherever that is.
/// </remarks>
public sealed class SocketRoutes
{
    /// <summary>How long a socket's partition count is used before it is asked again.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(10);

    // Sockets remembered at most: past it the table starts again (a client naming ever new sockets costs asks, not memory).
    internal const int MaxSockets = 4096;

    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _refreshTicks;

    /// <summary>Routes asked on <paramref name="time"/>'s clock (the system's by default).</summary>
    public SocketRoutes(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _refreshTicks = (long)(Refresh.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>
    /// The grain <paramref name="request"/> (with its key) goes to: the partition its key goes to when the socket's
    /// count is known, else the socket's own grain (which sends it on).
    /// </summary>
    public ISocketGrain For(IGrainFactory grains, CallRequest request)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(request);
        var route = RouteOf(request.Socket);
        AskIfDue(grains, request.Socket, route);
        var keys = Volatile.Read(ref route.Keys);
        var key = keys is { Length: > 1 } && request.Key is { } callKey ? keys[SocketPartitions.ForKey(callKey, keys.Length)] : request.Socket;
        return grains.GetGrain<ISocketGrain>(key);
    }

    /// <summary>How many partitions <paramref name="socket"/> has as last asked, or <see langword="null"/> before an answer.</summary>
    public int? PartitionsOf(string socket) =>
        _routes.TryGetValue(socket, out var route) && Volatile.Read(ref route.Keys) is { } keys ? keys.Length : null;

    private Route RouteOf(string socket)
    {
        if (_routes.TryGetValue(socket, out var route)) return route;
        if (_routes.Count >= MaxSockets) _routes.Clear();
        return _routes.GetOrAdd(socket, _ => new Route());
    }

    private void AskIfDue(IGrainFactory grains, string socket, Route route)
    {
        if (_time.GetTimestamp() < Volatile.Read(ref route.AskAfter) || Interlocked.Exchange(ref route.Asking, 1) == 1) return;
        _ = AskAsync(grains, socket, route);
    }

    private async Task AskAsync(IGrainFactory grains, string socket, Route route)
    {
        try
        {
            var partitions = await grains.GetGrain<ISocketGrain>(socket).GetPartitionsAsync().ConfigureAwait(false);
            if (Volatile.Read(ref route.Keys)?.Length != partitions)
            {
                Volatile.Write(ref route.Keys, [.. Enumerable.Range(0, Math.Clamp(partitions, 1, SocketPartitions.Max)).Select(p => SocketPartitions.Key(socket, p))]);
            }
        }
#pragma warning disable CA1031 // Any failure (an unknown socket, a silo lost, a refusal) leaves the route as it was: the submission itself says what went wrong.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref route.AskAfter, _time.GetTimestamp() + _refreshTicks);
            Volatile.Write(ref route.Asking, 0);
        }
    }

    // A socket's partitions' grain keys as last asked (null: not known; made once per count, not per submission),
    // when to ask again, and whether an ask is on its way.
    private sealed class Route
    {
        public string[]? Keys;
        public long AskAfter;
        public int Asking;
    }
}
