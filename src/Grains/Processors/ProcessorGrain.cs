using Pyfi.Grains.Model;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Processors;

/// <summary>One processor (see <see cref="IProcessorGrain"/>).</summary>
public sealed class ProcessorGrain([PersistentState("processor", StorageNames.Model)] IPersistentState<ProcessorState> state)
    : DefinitionGrain<ProcessorSpec, ProcessorState>(state), IProcessorGrain;
