using System.Text.Json;
using Pyfi.Grains.Storage;
using Pyfi.Storage.Definitions;

namespace Pyfi.Grains.Registry;

/// <summary>
/// The registry's state as rows of <see cref="DefinitionStore"/>: the whole catalogue from the rows it loads, and
/// a commit as the rows it changes. Specs are stored as the same JSON grain state uses (named by property, enums
/// by name, no .NET type names).
/// </summary>
internal static class RegistryRows
{
    /// <summary>The state the stored <paramref name="catalogue"/> holds.</summary>
    public static RegistryState ToState(StoredCatalogue catalogue)
    {
        var state = new RegistryState { Revision = catalogue.Revision, Unsynced = new(catalogue.Unsynced, StringComparer.Ordinal) };
        foreach (var row in catalogue.Definitions)
        {
            var stamp = new ModelStamp(row.Revision, row.Created, row.Updated);
            switch (row.Kind)
            {
                case ModelKind.Queue: state.Queues[row.Name] = new(Spec<QueueSpec>(row), stamp); break;
                case ModelKind.Processor: state.Processors[row.Name] = new(Spec<ProcessorSpec>(row), stamp); break;
                case ModelKind.Socket: state.Sockets[row.Name] = new(Spec<SocketSpec>(row), stamp); break;
                case ModelKind.Plug: state.Plugs[row.Name] = new(Spec<PlugSpec>(row), stamp); break;
                case ModelKind.Schedule: state.Schedules[row.Name] = new(Spec<ScheduleSpec>(row), stamp); break;
                default: throw new InvalidOperationException($"the stored catalogue has a definition of unknown kind '{row.Kind}' ({row.Name})");
            }
        }

        return state;
    }

    /// <summary>The rows that make <paramref name="before"/> into <paramref name="after"/> (a copy of it, changed).</summary>
    public static CatalogueChange Diff(RegistryState before, RegistryState after)
    {
        var upserts = new List<StoredDefinition>();
        var deletes = new List<DefinitionKey>();
        Diff(ModelKind.Queue, before.Queues, after.Queues, upserts, deletes);
        Diff(ModelKind.Processor, before.Processors, after.Processors, upserts, deletes);
        Diff(ModelKind.Socket, before.Sockets, after.Sockets, upserts, deletes);
        Diff(ModelKind.Plug, before.Plugs, after.Plugs, upserts, deletes);
        Diff(ModelKind.Schedule, before.Schedules, after.Schedules, upserts, deletes);
        return new CatalogueChange(after.Revision, [.. after.Unsynced], upserts, deletes);
    }

    /// <summary>Every row of <paramref name="state"/> (an older build's one-row catalogue, carried over).</summary>
    public static CatalogueChange All(RegistryState state) => Diff(new RegistryState(), state);

    // A definition changed is a new Definition object (they are immutable records), so comparing references finds
    // the changes without comparing specs.
    private static void Diff<TSpec>(string kind, Dictionary<string, Definition<TSpec>> before, Dictionary<string, Definition<TSpec>> after,
        List<StoredDefinition> upserts, List<DefinitionKey> deletes) where TSpec : class
    {
        foreach (var (name, definition) in after)
        {
            if (before.TryGetValue(name, out var was) && ReferenceEquals(was, definition)) continue;
            upserts.Add(new StoredDefinition(kind, name, definition.Stamp.Revision, definition.Stamp.Created, definition.Stamp.Updated,
                JsonSerializer.Serialize(definition.Spec, JsonGrainStateSerializer.Options)));
        }

        foreach (var name in before.Keys)
        {
            if (!after.ContainsKey(name)) deletes.Add(new DefinitionKey(kind, name));
        }
    }

    private static TSpec Spec<TSpec>(StoredDefinition row) =>
        JsonSerializer.Deserialize<TSpec>(row.Spec, JsonGrainStateSerializer.Options)
        ?? throw new InvalidOperationException($"the stored {row.Kind} '{row.Name}' has no spec");
}
