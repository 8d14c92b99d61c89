namespace Pyfi.Grains.Model;

/// <summary>
/// The part every definition-owning grain shares: keep the newest definition the registry pushed, and
/// drop the stored state when the definition is deleted.
/// </summary>
public abstract class DefinitionGrain<TSpec, TState>(IPersistentState<TState> state) : Grain, IDefinitionOwner<TSpec>
    where TSpec : class
    where TState : class, IDefinitionState<TSpec>, new()
{
    /// <summary>The grain's persisted state.</summary>
    protected IPersistentState<TState> State => state;

    /// <inheritdoc />
    public Task<Definition<TSpec>?> GetDefinitionAsync() => Task.FromResult(state.State.Definition);

    /// <inheritdoc />
    public async Task ApplyAsync(Definition<TSpec> definition)
    {
        if (state.State.Definition is { } current && current.Stamp.Revision >= definition.Stamp.Revision) return;
        var previous = state.State.Definition;
        state.State.Definition = definition;
        await state.WriteStateAsync();
        await OnDefinitionChangedAsync(previous, definition);
    }

    /// <inheritdoc />
    public async Task RemoveAsync()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        DeactivateOnIdle();
    }

    /// <summary>Runs after a new definition is stored; the owner reacts to the change here.</summary>
    protected virtual Task OnDefinitionChangedAsync(Definition<TSpec>? previous, Definition<TSpec> current) => Task.CompletedTask;
}
