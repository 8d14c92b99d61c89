namespace Pyfi;

/// <summary>A definition as the registry committed it: what the user asked for and when.</summary>
/// <typeparam name="TSpec">The kind of definition (<see cref="QueueSpec"/>, <see cref="ProcessorSpec"/>, <see cref="SocketSpec"/>).</typeparam>
/// <param name="Spec">The definition itself.</param>
/// <param name="Stamp">Its revision and timestamps.</param>
[GenerateSerializer, Immutable, Alias("pyfi.Definition`1")]
public sealed record Definition<TSpec>(TSpec Spec, ModelStamp Stamp) where TSpec : class;
