using System.Collections.Immutable;

namespace Pyfi.Grains.Registry;

/// <summary>
/// One plan being made (see <see cref="NetworkPlanner"/>): the network as it is, the one declared, and the problems and
/// changes found so far.
/// </summary>
/// <param name="current">The registry's state now.</param>
/// <param name="declared">What the file declares.</param>
/// <param name="prune">Whether what the file lacks is deleted.</param>
/// <param name="repositoryRefusal">Why a processor's repository is not allowed (<c>PYFI_REPOS</c>), or <see langword="null"/> when it is.</param>
internal sealed class NetworkPlanning(RegistryState current, NetworkSpec declared, bool prune, Func<string, string?> repositoryRefusal)
{
    private readonly List<string> _problems = [];
    private readonly List<NetworkChange> _changes = [];
    private readonly Dictionary<string, HashSet<string>> _declaredNames = NetworkKinds.All.ToDictionary(
        k => k.Name, k => k.Names(declared).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The registry's state now.</summary>
    public RegistryState Current { get; } = current;

    /// <summary>What the file declares.</summary>
    public NetworkSpec Declared { get; } = declared;

    /// <summary>Whether what the file lacks is deleted.</summary>
    public bool Prune { get; } = prune;

    /// <summary>Why <paramref name="repository"/> is not allowed, or <see langword="null"/>.</summary>
    public string? RepositoryRefusal(string repository) => repositoryRefusal(repository);

    /// <summary>The problems found, in the order found.</summary>
    public ImmutableArray<string> Problems => [.. _problems];

    /// <summary>The changes found, in the order they will be made.</summary>
    public ImmutableArray<NetworkChange> Changes => [.. _changes];

    /// <summary>Records a problem.</summary>
    public void Problem(string problem) => _problems.Add(problem);

    /// <summary>Records a change.</summary>
    public void Change(NetworkChange change) => _changes.Add(change);

    /// <summary>Whether a definition of <paramref name="kind"/> named <paramref name="name"/> exists once the plan is made: declared, or (without prune) in the network.</summary>
    public bool WillExist(string kind, string name) =>
        _declaredNames.TryGetValue(kind, out var names) && names.Contains(name) || !Prune && Exists(kind, name);

    /// <summary>Why a reference to what will not exist is wrong, in words.</summary>
    public string Missing(string kind, string name) => Prune && Exists(kind, name)
        ? $"{kind} '{name}' is not in the file, and --prune deletes it"
        : $"{kind} '{name}' is neither in the file nor in the network";

    private bool Exists(string kind, string name) => NetworkKinds.All.Any(k => k.Name == kind && k.Has(Current, name));
}
