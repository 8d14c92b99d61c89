using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// A grain that owns one definition, keyed by its name. It holds the definition the registry committed
/// (and its own runtime state). Definitions change only through <see cref="IRegistryGrain"/>, which calls
/// <see cref="ApplyAsync"/> and <see cref="RemoveAsync"/>; both are idempotent.
/// </summary>
/// <typeparam name="TSpec">The kind of definition.</typeparam>
public interface IDefinitionOwner<TSpec> : IGrainWithStringKey where TSpec : class
{
    /// <summary>The committed definition, or <see langword="null"/> when it does not exist.</summary>
    [ReadOnly] Task<Definition<TSpec>?> GetDefinitionAsync();

    /// <summary>Stores <paramref name="definition"/> unless the same or a newer revision is already stored.</summary>
    Task ApplyAsync(Definition<TSpec> definition);

    /// <summary>Removes the definition and the grain's stored state.</summary>
    Task RemoveAsync();
}
