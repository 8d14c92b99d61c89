using System.Collections.Immutable;

namespace Pyfi.Grains.Registry;

/// <summary>
/// Plans <c>pyfi apply -f</c>: compares the network a file declares with the registry's state and says every problem
/// with the file, or the changes that make the network what it declares. Plain (no grain, no clock), so the fast tier
/// tests it; the registry runs it and commits its changes in the same turn, so the check and the change see one state.
/// </summary>
/// <remarks>
/// The file is the whole truth for what it declares: a definition in it is made exactly as written, a field it leaves
/// out taking its default (as <c>pyfi add</c> without the flag), so the same file always gives the same network. What
/// the file does not declare is left alone, or with prune deleted.
/// </remarks>
internal static class NetworkPlanner
{
    /// <summary>The plan for making <paramref name="current"/> what <paramref name="declared"/> says.</summary>
    public static NetworkPlan Plan(RegistryState current, NetworkSpec declared, bool prune, Func<string, string?> repositoryRefusal)
    {
        var planning = new NetworkPlanning(current, declared, prune, repositoryRefusal);
        foreach (var kind in NetworkKinds.All) kind.Plan(planning);
        if (prune)
        {
            foreach (var kind in NetworkKinds.All.Reverse()) kind.PlanDeletions(planning);
        }

        var changes = planning.Changes;
        var before = new NetworkSpec();
        foreach (var kind in NetworkKinds.All)
        {
            var names = changes.Where(c => c.Kind == kind.Name && c.Action != NetworkAction.Add).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            before = kind.Export(current, before, names);
        }

        return new NetworkPlan { Changes = changes, Problems = planning.Problems, Before = before, Revision = current.Revision };
    }

    /// <summary>
    /// Throws <see cref="NotAllowedException"/> when <paramref name="role"/> lacks what a change of <paramref name="plan"/>
    /// needs, naming each such change: "role operator cannot add processors (p1) or change processors (p2)".
    /// </summary>
    public static void Authorize(NetworkPlan plan, PyfiRole role)
    {
        var refused = plan.Changes
            .Where(c => !role.Allows(NetworkKinds.All.First(k => k.Name == c.Kind).Permission))
            .GroupBy(c => (c.Action, c.Kind))
            .Select(g => $"{Verb(g.Key.Action)} {g.Key.Kind}s ({string.Join(", ", g.Select(c => c.Name))})")
            .ToList();
        if (refused.Count > 0) throw new NotAllowedException(role, string.Join(" or ", refused));
    }

    /// <summary>Makes the changes of <paramref name="plan"/> in <paramref name="next"/>, each stamped by <paramref name="stamp"/>.</summary>
    public static void Commit(RegistryState next, NetworkSpec declared, NetworkPlan plan, Func<ModelStamp?, ModelStamp> stamp)
    {
        foreach (var change in plan.Changes) NetworkKinds.All.First(k => k.Name == change.Kind).Commit(next, declared, change, stamp);
    }

    /// <summary>
    /// The registry's keys of what <paramref name="plan"/>'s changes push, in the order to push them: each queue,
    /// processor and socket changed, and the plug sets of the sockets a changed plug leaves or whose targets it changes
    /// (before and after: <paramref name="before"/> and <paramref name="after"/> are the states either side).
    /// </summary>
    public static string[] Pushes(NetworkPlan plan, RegistryState before, RegistryState after)
    {
        var keys = new List<string>();
        var plugs = new List<PlugSpec>();
        foreach (var change in plan.Changes)
        {
            if (change.Kind != ModelKind.Plug)
            {
                keys.Add(ModelKind.Key(change.Kind, change.Name));
                continue;
            }

            if (before.Plugs.TryGetValue(change.Name, out var was)) plugs.Add(was.Spec);
            if (after.Plugs.TryGetValue(change.Name, out var now)) plugs.Add(now.Spec);
        }

        // Whether a target is a join, and its positions, is in the plug set of every socket with a plug into it.
        var targets = plugs.Select(p => p.Target).ToHashSet(StringComparer.Ordinal);
        var sources = plugs.Select(p => p.Source)
            .Concat(before.Plugs.Values.Concat(after.Plugs.Values).Select(d => d.Spec).Where(p => targets.Contains(p.Target)).Select(p => p.Source))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        keys.AddRange(sources.Select(s => ModelKind.Key(ModelKind.PlugsOf, s)));
        return [.. keys.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Every definition of <paramref name="state"/>, by kind in dependency order and by name.</summary>
    public static NetworkSpec Export(RegistryState state) =>
        NetworkKinds.All.Aggregate(new NetworkSpec(), (network, kind) => kind.Export(state, network));

    private static string Verb(NetworkAction action) => action switch
    {
        NetworkAction.Add => "add",
        NetworkAction.Change => "change",
        _ => "delete",
    };
}
