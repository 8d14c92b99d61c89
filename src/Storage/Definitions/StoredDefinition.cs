namespace Pyfi.Storage.Definitions;

/// <summary>One row of <c>PyfiDefinitions</c>: a definition of the registry's catalogue and its stamp.</summary>
/// <param name="Kind">queue, processor, socket, plug or schedule.</param>
/// <param name="Name">The definition's name, unique within its kind.</param>
/// <param name="Revision">The registry revision that last changed it.</param>
/// <param name="Created">When it was first committed.</param>
/// <param name="Updated">When it was last changed.</param>
/// <param name="Spec">The spec as JSON named by property.</param>
public sealed record StoredDefinition(string Kind, string Name, long Revision, DateTimeOffset Created, DateTimeOffset Updated, string Spec);

/// <summary>The key of one row of <c>PyfiDefinitions</c>.</summary>
/// <param name="Kind">queue, processor, socket, plug or schedule.</param>
/// <param name="Name">The definition's name.</param>
public readonly record struct DefinitionKey(string Kind, string Name);

/// <summary>The catalogue as stored (see <see cref="DefinitionStore.LoadAsync"/>).</summary>
/// <param name="Version">How many commits it has had: the version the next commit expects.</param>
/// <param name="Revision">The last revision the registry gave out.</param>
/// <param name="Unsynced">Definitions (<c>kind:name</c>) committed but perhaps not yet pushed to their grains.</param>
/// <param name="Definitions">Every definition, in no particular order.</param>
public sealed record StoredCatalogue(long Version, long Revision, IReadOnlyList<string> Unsynced, IReadOnlyList<StoredDefinition> Definitions);

/// <summary>One commit of the registry (see <see cref="DefinitionStore.CommitAsync"/>).</summary>
/// <param name="Revision">The last revision given out once it is committed.</param>
/// <param name="Unsynced">The definitions not yet pushed to their grains once it is committed (the whole set).</param>
/// <param name="Upserts">Definitions added or changed.</param>
/// <param name="Deletes">Definitions removed.</param>
public sealed record CatalogueChange(long Revision, IReadOnlyCollection<string> Unsynced, IReadOnlyList<StoredDefinition> Upserts, IReadOnlyList<DefinitionKey> Deletes);

/// <summary>
/// A commit refused because the stored catalogue is no longer at the version the registry read: another registry
/// activation wrote meanwhile. Nothing was written; the registry reads the catalogue again before its next change.
/// </summary>
public sealed class DefinitionConflictException(long expected)
    : Exception($"the registry's catalogue was changed elsewhere (expected version {expected})");
