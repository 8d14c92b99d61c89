namespace Pyfi.Grains.Model;

/// <summary>
/// The part every definition-owning grain shares: keep the newest definition the registry pushed, and
/// drop the stored state when the definition is deleted.
/// </summary>
public abstract class DefinitionGrain<TSpec, TState>(IPersistentState<TState> state) : Grain, IDefinitionOwner<TSpec>
    where TSpec : class
    where TState : class, IDefinitionState<TSpec>, new()
{
    // Writes of one grain's state must not overlap (each names the ETag the previous one produced), and
    // reentrant owners may start one while another is in flight.
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>The grain's persisted state.</summary>
    protected IPersistentState<TState> State => state;

    /// <summary>The committed definition, or <see langword="null"/>.</summary>
    protected Definition<TSpec>? Definition => state.State.Definition;

    /// <summary>Writes the state; writes never overlap.</summary>
    protected async Task WriteStateAsync()
    {
        await _writing.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <inheritdoc />
    public Task<Definition<TSpec>?> GetDefinitionAsync() => Task.FromResult(state.State.Definition);

    /// <inheritdoc />
    public async Task ApplyAsync(Definition<TSpec> definition)
    {
        if (state.State.Definition is { } current && current.Stamp.Revision >= definition.Stamp.Revision) return;
        var previous = state.State.Definition;
        state.State.Definition = definition;
        await WriteStateAsync();
        await OnDefinitionChangedAsync(previous, definition);
    }

    /// <inheritdoc />
    public async Task RemoveAsync()
    {
        if (state.RecordExists)
        {
            await _writing.WaitAsync();
            try
            {
                await state.ClearStateAsync();
            }
            finally
            {
                _writing.Release();
            }
        }

        await OnRemovedAsync();
        DeactivateOnIdle();
    }

    /// <summary>Runs after the definition was removed.</summary>
    protected virtual Task OnRemovedAsync() => Task.CompletedTask;

    /// <summary>Runs after a new definition is stored; the owner reacts to the change here.</summary>
    protected virtual Task OnDefinitionChangedAsync(Definition<TSpec>? previous, Definition<TSpec> current) => Task.CompletedTask;
}
