using System.Collections.Immutable;

namespace Pyfi.Grains.Registry;

/// <summary>
/// One kind of definition as a network file sees it (see <see cref="NetworkKinds"/>): where the registry keeps it,
/// where a <see cref="NetworkSpec"/> holds it, its rules, what it refers to and who may change it. The planner works on
/// these alone, so a new kind is a new row, not another copy of the planner.
/// </summary>
internal interface INetworkKind
{
    /// <summary>The kind as messages name it: <c>queue</c>.</summary>
    string Name { get; }

    /// <summary>The permission adding, changing or deleting one needs.</summary>
    PyfiPermission Permission { get; }

    /// <summary>The names <paramref name="network"/> declares of this kind.</summary>
    IEnumerable<string> Names(NetworkSpec network);

    /// <summary>Whether <paramref name="state"/> has a definition of this kind named <paramref name="name"/>.</summary>
    bool Has(RegistryState state, string name);

    /// <summary>Checks the declared definitions of this kind and adds the changes they make (see <see cref="NetworkPlanning"/>).</summary>
    void Plan(NetworkPlanning planning);

    /// <summary>The deletions with prune: what the network has of this kind and the file lacks.</summary>
    void PlanDeletions(NetworkPlanning planning);

    /// <summary>Makes <paramref name="change"/> in <paramref name="next"/>, taking its stamp from <paramref name="stamp"/>.</summary>
    void Commit(RegistryState next, NetworkSpec declared, NetworkChange change, Func<ModelStamp?, ModelStamp> stamp);

    /// <summary><paramref name="into"/> with the definitions of this kind that <paramref name="state"/> has and <paramref name="names"/> names (all when null), by name.</summary>
    NetworkSpec Export(RegistryState state, NetworkSpec into, ISet<string>? names = null);
}

/// <summary>A row of <see cref="NetworkKinds"/>.</summary>
/// <typeparam name="TSpec">The definition's record.</typeparam>
internal sealed class NetworkKind<TSpec> : INetworkKind where TSpec : class
{
    /// <inheritdoc />
    public required string Name { get; init; }

    /// <summary>The file's key for the kind, which a problem's path starts with: <c>queues</c>.</summary>
    public required string Plural { get; init; }

    /// <inheritdoc />
    public required PyfiPermission Permission { get; init; }

    /// <summary>The registry's definitions of this kind.</summary>
    public required Func<RegistryState, Dictionary<string, Definition<TSpec>>> Table { get; init; }

    /// <summary>The definitions of this kind a network holds.</summary>
    public required Func<NetworkSpec, ImmutableArray<TSpec>> Of { get; init; }

    /// <summary>A network with these definitions of this kind.</summary>
    public required Func<NetworkSpec, ImmutableArray<TSpec>, NetworkSpec> With { get; init; }

    /// <summary>A definition's name.</summary>
    public required Func<TSpec, string> NameOf { get; init; }

    /// <summary>The model's rules for one definition (<see cref="ModelRules"/>): throws <see cref="InvalidSpecException"/>.</summary>
    public required Func<TSpec, TSpec> Validate { get; init; }

    /// <summary>Whether two definitions are the same (records compare their lists by reference, so lists are compared here by content).</summary>
    public Func<TSpec, TSpec, bool> Same { get; init; } = (a, b) => a.Equals(b);

    /// <summary>The definitions one refers to, by kind and name.</summary>
    public Func<TSpec, IEnumerable<(string Kind, string Name)>> References { get; init; } = _ => [];

    /// <summary>
    /// Checks that need the whole network (a plug's cycles, a processor's repository): given the declared definitions
    /// that pass their rules, with their paths and what the network has under their names, returns problems.
    /// </summary>
    public Func<NetworkPlanning, IReadOnlyList<(string Path, TSpec Spec, TSpec? Current)>, IEnumerable<string>> CheckAll { get; init; } = (_, _) => [];

    /// <inheritdoc />
    public void Plan(NetworkPlanning planning)
    {
        var declared = Declared(planning.Declared);
        var current = Table(planning.Current);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var valid = new List<(string Path, TSpec Spec, TSpec? Current)>();
        for (var i = 0; i < declared.Length; i++)
        {
            var path = $"{Plural}[{i}]";
            if (declared[i] is not { } spec)
            {
                planning.Problem($"{path}: is empty");
                continue;
            }

            try
            {
                Validate(spec);
            }
            catch (InvalidSpecException e)
            {
                planning.Problem($"{path}: {e.Message}");
                continue;
            }

            var name = NameOf(spec);
            if (seen.TryGetValue(name, out var first))
            {
                planning.Problem($"{path}: {Name} '{name}' is declared twice (also at {first})");
                continue;
            }

            seen[name] = path;
            foreach (var (kind, target) in References(spec))
            {
                if (!planning.WillExist(kind, target)) planning.Problem($"{path}: {Name} '{name}': {planning.Missing(kind, target)}");
            }

            valid.Add((path, spec, current.GetValueOrDefault(name)?.Spec));
        }

        foreach (var problem in CheckAll(planning, valid)) planning.Problem(problem);
        foreach (var (_, spec, now) in valid)
        {
            if (now is null) planning.Change(new NetworkChange(Name, NameOf(spec), NetworkAction.Add));
            else if (!Same(now, spec)) planning.Change(new NetworkChange(Name, NameOf(spec), NetworkAction.Change));
        }
    }

    /// <inheritdoc />
    public void PlanDeletions(NetworkPlanning planning)
    {
        var declared = Declared(planning.Declared).Where(s => s is not null).Select(NameOf).ToHashSet(StringComparer.Ordinal);
        foreach (var name in Table(planning.Current).Keys.Where(n => !declared.Contains(n)).Order(StringComparer.Ordinal))
        {
            planning.Change(new NetworkChange(Name, name, NetworkAction.Delete));
        }
    }

    /// <inheritdoc />
    public void Commit(RegistryState next, NetworkSpec declared, NetworkChange change, Func<ModelStamp?, ModelStamp> stamp)
    {
        var table = Table(next);
        if (change.Action == NetworkAction.Delete)
        {
            table.Remove(change.Name);
            stamp(null); // a deletion takes a revision too: the pushes it makes (a plug set) must be newer than the last
            return;
        }

        var spec = Declared(declared).First(s => s is not null && NameOf(s) == change.Name);
        table[change.Name] = new Definition<TSpec>(spec, stamp(table.GetValueOrDefault(change.Name)?.Stamp));
    }

    /// <inheritdoc />
    public NetworkSpec Export(RegistryState state, NetworkSpec into, ISet<string>? names = null) =>
        With(into, [.. Table(state).Values.Select(d => d.Spec).Where(s => names?.Contains(NameOf(s)) != false).OrderBy(NameOf, StringComparer.Ordinal)]);

    /// <inheritdoc />
    public IEnumerable<string> Names(NetworkSpec network) => Declared(network).Where(s => s is not null).Select(NameOf);

    /// <inheritdoc />
    public bool Has(RegistryState state, string name) => Table(state).ContainsKey(name);

    // A list the wire left out (JSON null) is an empty one.
    private ImmutableArray<TSpec> Declared(NetworkSpec network) => Of(network) is { IsDefault: false } list ? list : [];
}
