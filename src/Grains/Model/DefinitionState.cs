namespace Pyfi.Grains.Model;

/// <summary>What a definition-owning grain persists, at the least: the definition the registry pushed.</summary>
/// <typeparam name="TSpec">The kind of definition.</typeparam>
public interface IDefinitionState<TSpec> where TSpec : class
{
    /// <summary>The committed definition; <see langword="null"/> before the first push.</summary>
    Definition<TSpec>? Definition { get; set; }
}
