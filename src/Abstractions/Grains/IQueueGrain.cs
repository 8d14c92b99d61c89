namespace Pyfi;

/// <summary>One queue, keyed by its name.</summary>
public interface IQueueGrain : IDefinitionOwner<QueueSpec>;
