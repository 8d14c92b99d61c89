namespace Pyfi.Grains.Registry;

/// <summary>
/// What the registry persists: every committed definition, the revision counter, and the definitions whose
/// owning grain may not have received the latest change yet.
/// </summary>
public sealed class RegistryState
{
    /// <summary>Revision of the last committed change; each change takes the next number.</summary>
    public long Revision { get; set; }

    /// <summary>Queues by name.</summary>
    public Dictionary<string, Definition<QueueSpec>> Queues { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Processors by name.</summary>
    public Dictionary<string, Definition<ProcessorSpec>> Processors { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Sockets by name.</summary>
    public Dictionary<string, Definition<SocketSpec>> Sockets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Plugs by name.</summary>
    public Dictionary<string, Definition<PlugSpec>> Plugs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Schedules by name.</summary>
    public Dictionary<string, Definition<ScheduleSpec>> Schedules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Definitions committed here but perhaps not yet pushed to their grain (<c>kind:name</c>). Pushing is
    /// idempotent, so an entry left over after a crash is simply pushed again.
    /// </summary>
    public HashSet<string> Unsynced { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A copy to change, so a failed write leaves the state that is stored.</summary>
    public RegistryState Clone() => new()
    {
        Revision = Revision,
        Queues = new(Queues, StringComparer.Ordinal),
        Processors = new(Processors, StringComparer.Ordinal),
        Sockets = new(Sockets, StringComparer.Ordinal),
        Plugs = new(Plugs, StringComparer.Ordinal),
        Schedules = new(Schedules, StringComparer.Ordinal),
        Unsynced = new(Unsynced, StringComparer.Ordinal),
    };
}
