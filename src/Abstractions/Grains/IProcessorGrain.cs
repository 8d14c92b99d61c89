namespace Pyfi;

/// <summary>One processor, keyed by its name: its definition and the actual status of its deployment.</summary>
public interface IProcessorGrain : IDefinitionOwner<ProcessorSpec>;
