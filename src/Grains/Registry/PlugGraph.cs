namespace Pyfi.Grains.Registry;

/// <summary>
/// The rules a set of plugs must keep as a whole, checked by the registry before it commits one: a plug that closes a
/// cycle (a run could come back to a socket it passed) must carry a hop limit, so every run ends. Plain, so the fast
/// tier tests it.
/// </summary>
public static class PlugGraph
{
    /// <summary>
    /// Throws <see cref="InvalidSpecException"/> naming the cycle when <paramref name="plug"/>, added to (or replacing
    /// its namesake in) <paramref name="plugs"/>, closes a cycle in which no plug has a hop limit.
    /// </summary>
    public static void CheckCycles(IEnumerable<PlugSpec> plugs, PlugSpec plug)
    {
        var edges = plugs.Where(p => p.Name != plug.Name).Append(plug)
            .ToLookup(p => p.Source, StringComparer.Ordinal);
        // A cycle through the new plug is a path from its target back to its source.
        if (PathBack(edges, plug.Target, plug.Source) is not { } path) return;
        var cycle = path.Prepend(plug).ToList();
        if (cycle.Any(p => p.MaxHops is not null)) return;
        var sockets = string.Join(" -> ", cycle.Select(p => p.Source).Append(plug.Source));
        throw new InvalidSpecException(
            $"plug '{plug.Name}' closes a cycle ({sockets}, through plug{(cycle.Count == 1 ? "" : "s")} {string.Join(", ", cycle.Select(p => $"'{p.Name}'"))}); give one of them --max-hops so every run ends");
    }

    // The plugs of one path from `from` to `to` (breadth first: the shortest), or null when there is none.
    private static List<PlugSpec>? PathBack(ILookup<string, PlugSpec> edges, string from, string to)
    {
        if (from == to) return [];
        var via = new Dictionary<string, PlugSpec>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var next = new Queue<string>([from]);
        while (next.TryDequeue(out var socket))
        {
            foreach (var edge in edges[socket])
            {
                if (!seen.Add(edge.Target)) continue;
                via[edge.Target] = edge;
                if (edge.Target == to)
                {
                    var path = new List<PlugSpec>();
                    for (var at = to; at != from; at = via[at].Source) path.Insert(0, via[at]);
                    return path;
                }

                next.Enqueue(edge.Target);
            }
        }

        return null;
    }
}
