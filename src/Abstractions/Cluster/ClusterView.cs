using System.Collections.Immutable;

namespace Pyfi;

/// <summary>One worker slot as its silo last reported it (<c>pyfi ls workers</c>).</summary>
/// <param name="Worker">The slot's grain key, <c>socket#slot</c>.</param>
/// <param name="Socket">The socket it runs calls of.</param>
/// <param name="Slot">Its slot number in the socket.</param>
/// <param name="Silo">The silo it is on (Orleans address).</param>
/// <param name="Host">The silo's host (<c>PYFI_HOSTNAME</c>).</param>
/// <param name="Pid">The Python process it has rented, if any.</param>
/// <param name="Running">Attempts running on it now.</param>
/// <param name="CallsDone">Attempts it has run to an answer since it was activated.</param>
/// <param name="Since">When it was activated (took its core).</param>
[GenerateSerializer, Immutable, Alias("pyfi.WorkerInfo")]
public sealed record WorkerInfo(
    [property: Id(0)] string Worker,
    [property: Id(1)] string Socket,
    [property: Id(2)] int Slot,
    [property: Id(3)] string Silo,
    [property: Id(4)] string Host,
    [property: Id(5)] int? Pid,
    [property: Id(6)] int Running,
    [property: Id(7)] long CallsDone,
    [property: Id(8)] DateTimeOffset Since);

/// <summary>What a silo reports of itself and its host every few seconds (<c>pyfi ls agents</c>, <c>pyfi ls nodes</c>).</summary>
[GenerateSerializer, Immutable, Alias("pyfi.AgentInfo")]
public sealed record AgentInfo
{
    /// <summary>The silo (Orleans address).</summary>
    [Id(0)] public required string Silo { get; init; }

    /// <summary>Its host (<c>PYFI_HOSTNAME</c>, by default the machine's name).</summary>
    [Id(1)] public required string Host { get; init; }

    /// <summary>Cores it offers to worker slots (<c>PYFI_CORES</c>).</summary>
    [Id(2)] public int Cores { get; init; }

    /// <summary>Cores its workers hold now.</summary>
    [Id(3)] public int CoresBusy { get; init; }

    /// <summary>The machine's logical processors.</summary>
    [Id(4)] public int Processors { get; init; }

    /// <summary>The machine's memory, MB.</summary>
    [Id(5)] public long MemoryMb { get; init; }

    /// <summary>The machine's available memory, MB.</summary>
    [Id(6)] public long MemoryAvailableMb { get; init; }

    /// <summary>The machine's load average over one minute.</summary>
    [Id(7)] public double Load { get; init; }

    /// <summary>The silo process's resident memory, MB.</summary>
    [Id(8)] public long SiloMemoryMb { get; init; }

    /// <summary>When the silo started.</summary>
    [Id(9)] public DateTimeOffset Started { get; init; }

    /// <summary>When this was reported.</summary>
    [Id(10)] public DateTimeOffset Reported { get; init; }

    /// <summary>Its worker slots.</summary>
    [Id(11)] public ImmutableArray<WorkerInfo> Workers { get; init; } = [];

    /// <summary>Its sockets' figures since it started (see <see cref="SocketMetrics"/>).</summary>
    [Id(12)] public ImmutableArray<SocketMetrics> Sockets { get; init; } = [];

    /// <summary>Seconds its slots have spent executing attempts since it started, those running at <see cref="Reported"/> included.</summary>
    [Id(13)] public double ExecutedSeconds { get; init; }
}

/// <summary>One host of the cluster: its silos' reports together (<c>pyfi ls nodes</c>).</summary>
/// <param name="Host">The host's name.</param>
/// <param name="Silos">Silos on it.</param>
/// <param name="Cores">Cores its silos offer.</param>
/// <param name="CoresBusy">Cores their workers hold.</param>
/// <param name="Processors">Its logical processors.</param>
/// <param name="MemoryMb">Its memory, MB.</param>
/// <param name="MemoryAvailableMb">Its available memory, MB.</param>
/// <param name="Load">Its load average over one minute.</param>
[GenerateSerializer, Immutable, Alias("pyfi.NodeInfo")]
public sealed record NodeInfo(
    [property: Id(0)] string Host,
    [property: Id(1)] int Silos,
    [property: Id(2)] int Cores,
    [property: Id(3)] int CoresBusy,
    [property: Id(4)] int Processors,
    [property: Id(5)] long MemoryMb,
    [property: Id(6)] long MemoryAvailableMb,
    [property: Id(7)] double Load)
{
    /// <summary>The hosts of <paramref name="agents"/>, one per host name.</summary>
    public static NodeInfo[] Of(IEnumerable<AgentInfo> agents) =>
    [
        .. agents.GroupBy(a => a.Host, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var latest = g.MaxBy(a => a.Reported)!;
            return new NodeInfo(g.Key, g.Count(), g.Sum(a => a.Cores), g.Sum(a => a.CoresBusy), latest.Processors, latest.MemoryMb, latest.MemoryAvailableMb, latest.Load);
        }),
    ];
}
