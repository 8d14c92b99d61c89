using System.Security.Cryptography;
using System.Runtime.InteropServices;
using Orleans.Runtime;
using Pyfi.Storage.Tokens;

namespace Pyfi.Grains.Security;

/// <summary>
/// A secret the silos of one network share (kept in <c>PyfiKeys</c>; clients never read the database), with which
/// silos mark the calls they make (<see cref="InternalCallMarker"/>). Orleans' gateway does not say which calls
/// came from a client, and a client picks the sender a call claims to be from, so the mark is how
/// <see cref="ClientAccessFilter"/> tells the network's own calls from a client's. Read right after the schema is
/// applied, before any grain runs.
/// </summary>
public sealed class ClusterKey(TokenStore tokens) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The request-context key a call's mark travels under.</summary>
    public const string MarkKey = "pyfi.internal";

    private const string KeyName = "internal-calls";


    /// <summary>The mark, once read (<see langword="null"/> before).</summary>
    public string? Mark { get; private set; }

    /// <summary>Whether <paramref name="mark"/> is this network's: the same string (it flowed here), or equal to it (constant time).</summary>
    public bool IsOwn(object? mark) =>
        Mark is { } own && mark is string text
        && (ReferenceEquals(text, own) || CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(text.AsSpan()), MemoryMarshal.AsBytes(own.AsSpan())));

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ClusterKey), ServiceLifecycleStage.First + 1, async cancellationToken =>
        {
            var key = await tokens.GetOrAddKeyAsync(KeyName, RandomNumberGenerator.GetBytes(32), cancellationToken);
            Mark = Convert.ToBase64String(key);
        });
}
