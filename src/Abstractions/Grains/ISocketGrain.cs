namespace Pyfi;

/// <summary>One socket, keyed by its name: its definition and, with the execution issue, its queue of calls.</summary>
public interface ISocketGrain : IDefinitionOwner<SocketSpec>;
