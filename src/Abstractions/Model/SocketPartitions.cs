using System.Buffers.Binary;

namespace Pyfi;

/// <summary>
/// How a socket's calls spread over its partitions (<see cref="SocketSpec.Partitions"/>): each partition is a socket
/// grain of its own with its own queue in SQL, slots and writes, keyed <c>name</c> (partition 0, the socket's own grain)
/// or <c>name@p</c>; the row's <c>Socket</c> column holds that key, so each partition pages, counts and resumes only
/// its calls. A call's id says its partition (ids of a partitioned socket are version-8 GUIDs whose last byte is it;
/// any other id is partition 0), so finding a call's partition never needs a lookup.
/// </summary>
public static class SocketPartitions
{
    /// <summary>Most partitions a socket may have.</summary>
    public const int Max = 64;

    /// <summary>Between a socket's name and its partition's number in a partition's key (names never hold it).</summary>
    public const char Separator = '@';

    /// <summary>The grain key (and queue name in SQL) of <paramref name="socket"/>'s <paramref name="partition"/>.</summary>
    public static string Key(string socket, int partition) => partition == 0 ? socket : $"{socket}{Separator}{partition}";

    /// <summary>The socket and partition a key names.</summary>
    public static (string Socket, int Partition) Parse(string key)
    {
        var at = key.LastIndexOf(Separator);
        return at > 0 && int.TryParse(key.AsSpan(at + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is > 0 and < Max
            ? (key[..at], p)
            : (key, 0);
    }

    /// <summary>The partition call <paramref name="id"/> belongs to.</summary>
    public static int Of(Guid id)
    {
        if (id.Version != 8) return 0;
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes[15] < Max ? bytes[15] : 0;
    }

    /// <summary>The key of the partition that holds <paramref name="call"/>.</summary>
    public static string KeyOf(CallInfo call) => Key(call.Socket, Of(call.Id));

    /// <summary>The key of the partition of <paramref name="socket"/> that holds call <paramref name="id"/>.</summary>
    public static string KeyOf(string socket, Guid id) => Key(socket, Of(id));

    /// <summary>A new call id for <paramref name="partition"/> of a partitioned socket: random, with the partition in it.</summary>
    public static Guid NewId(int partition)
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        bytes[15] = (byte)partition;
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Every key <paramref name="socket"/>'s calls can be stored under (what a query by socket looks through).</summary>
    public static string[] AllKeys(string socket) => [.. Enumerable.Range(0, Max).Select(p => Key(socket, p))];

    /// <summary>
    /// <paramref name="partition"/>'s part of <paramref name="total"/> (concurrency, the queue bound) shared over
    /// <paramref name="partitions"/>: an even share, the first ones one more while a remainder lasts.
    /// </summary>
    public static int Share(int total, int partitions, int partition) =>
        partitions <= 1 ? total : total / partitions + (partition < total % partitions ? 1 : 0);

    /// <summary>
    /// The partition of <paramref name="partitions"/> a submission with idempotency key <paramref name="key"/> goes to:
    /// the same on every silo and after every restart (a hash of the key, not .NET's per-process one), so a
    /// submission sent again finds its first call in the same partition.
    /// </summary>
    public static int ForKey(string key, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return (int)(hash % (uint)Math.Max(1, partitions));
    }
}
