using System.Collections.Immutable;

namespace Pyfi.Grains.Registry;

/// <summary>
/// The kinds a network file holds, in dependency order: a kind refers only to kinds before it, so additions are made
/// in this order and deletions in the reverse one. A new kind (schedules, issue 15) is one more row here, a list in
/// <see cref="NetworkSpec"/>, and its key in the tool's <c>NetworkFile</c>.
/// </summary>
internal static class NetworkKinds
{
    /// <summary>Queues.</summary>
    public static readonly NetworkKind<QueueSpec> Queues = new()
    {
        Name = ModelKind.Queue,
        Plural = "queues",
        Permission = PyfiPermission.Operate,
        Table = s => s.Queues,
        Of = n => n.Queues,
        With = (n, list) => n with { Queues = list },
        NameOf = q => q.Name,
        Validate = ModelRules.Validate,
    };

    /// <summary>Processors: the only kind that says which code runs, so the only one that needs develop.</summary>
    public static readonly NetworkKind<ProcessorSpec> Processors = new()
    {
        Name = ModelKind.Processor,
        Plural = "processors",
        Permission = PyfiPermission.Develop,
        Table = s => s.Processors,
        Of = n => n.Processors,
        With = (n, list) => n with { Processors = list },
        NameOf = p => p.Name,
        Validate = ModelRules.Validate,
        Same = (a, b) => a with { Hosts = [] } == b with { Hosts = [] } && a.Hosts.SequenceEqual(b.Hosts, StringComparer.Ordinal),
        // PYFI_REPOS, as `pyfi add/update processor` check it: for a new processor, or a changed repository.
        CheckAll = (planning, declared) => declared
            .Where(d => d.Current?.Repository != d.Spec.Repository && planning.RepositoryRefusal(d.Spec.Repository) is not null)
            .Select(d => $"{d.Path}: processor '{d.Spec.Name}': {planning.RepositoryRefusal(d.Spec.Repository)}"),
    };

    /// <summary>Sockets.</summary>
    public static readonly NetworkKind<SocketSpec> Sockets = new()
    {
        Name = ModelKind.Socket,
        Plural = "sockets",
        Permission = PyfiPermission.Operate,
        Table = s => s.Sockets,
        Of = n => n.Sockets,
        With = (n, list) => n with { Sockets = list },
        NameOf = s => s.Name,
        Validate = ModelRules.Validate,
        Same = (a, b) => WithoutLists(a) == WithoutLists(b) && a.Retry.NonRetryable.SequenceEqual(b.Retry.NonRetryable, StringComparer.Ordinal),
        References = s => [(ModelKind.Queue, s.Queue), (ModelKind.Processor, s.Processor)],
        // A function's shape depends on its processor's runtime: the declared processor's, else the network's.
        CheckAll = (planning, declared) => declared.SelectMany(d =>
        {
            var runtime = planning.Declared.Processors.FirstOrDefault(p => p.Name == d.Spec.Processor)?.Runtime
                ?? planning.Current.Processors.GetValueOrDefault(d.Spec.Processor)?.Spec.Runtime;
            try
            {
                if (planning.Current.Sockets.GetValueOrDefault(d.Spec.Name) is { } current) ModelRules.Validate(current.Spec, d.Spec);
                if (runtime is null) return [];
                ModelRules.Function($"socket '{d.Spec.Name}'", runtime.Value, d.Spec.Function);
                return Array.Empty<string>();
            }
            catch (InvalidSpecException e)
            {
                return [$"{d.Path}: {e.Message}"];
            }
        }),
    };

    /// <summary>Plugs.</summary>
    public static readonly NetworkKind<PlugSpec> Plugs = new()
    {
        Name = ModelKind.Plug,
        Plural = "plugs",
        Permission = PyfiPermission.Operate,
        Table = s => s.Plugs,
        Of = n => n.Plugs,
        With = (n, list) => n with { Plugs = list },
        NameOf = p => p.Name,
        Validate = ModelRules.Validate,
        References = p => [(ModelKind.Socket, p.Source), (ModelKind.Socket, p.Target)],
        CheckAll = PlugCycles,
    };

    /// <summary>Schedules: after sockets, which they call.</summary>
    public static readonly NetworkKind<ScheduleSpec> Schedules = new()
    {
        Name = ModelKind.Schedule,
        Plural = "schedules",
        Permission = PyfiPermission.Operate,
        Table = s => s.Schedules,
        Of = n => n.Schedules,
        With = (n, list) => n with { Schedules = list },
        NameOf = s => s.Name,
        // Its fields, then its times as a silo reads them (the cron expression, the time zone), as pyfi add schedule.
        Validate = s =>
        {
            ModelRules.Validate(s);
            Pyfi.Grains.Schedules.ScheduleTimes.Of(s);
            return s;
        },
        // Arguments are JSON: the same values however they were spaced (a Python literal's JSON, a file's).
        Same = (a, b) => a with { Args = "", Kwargs = null } == b with { Args = "", Kwargs = null }
            && SameJson(a.Args, b.Args) && SameJson(a.Kwargs, b.Kwargs),
        References = s => [(ModelKind.Socket, s.Socket)],
    };

    /// <summary>Every kind, in dependency order.</summary>
    public static readonly ImmutableArray<INetworkKind> All = [Queues, Processors, Sockets, Plugs, Schedules];

    private static bool SameJson(string? a, string? b) =>
        a is null || b is null ? a == b : System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(a), System.Text.Json.Nodes.JsonNode.Parse(b));

    private static SocketSpec WithoutLists(SocketSpec s) => s with { Retry = s.Retry with { NonRetryable = [] } };

    // Every cycle the plugs would hold once applied must have a plug with a hop limit. The plugs that stay as they are
    // come first, then each declared plug that is new or changed, one at a time (as `pyfi add plug` would add them), so
    // a cycle is named once, at the plug that closes it.
    private static IEnumerable<string> PlugCycles(NetworkPlanning planning, IReadOnlyList<(string Path, PlugSpec Spec, PlugSpec? Current)> declared)
    {
        var declaredNames = declared.Select(d => d.Spec.Name).ToHashSet(StringComparer.Ordinal);
        var kept = planning.Prune ? [] : planning.Current.Plugs.Values.Select(d => d.Spec).Where(p => !declaredNames.Contains(p.Name));
        var plugs = kept.Concat(declared.Where(d => d.Current is not null && Plugs.Same(d.Current, d.Spec)).Select(d => d.Spec)).ToList();
        foreach (var (path, spec, current) in declared.Where(d => d.Current is null || !Plugs.Same(d.Current, d.Spec)))
        {
            string? problem = null;
            try
            {
                PlugGraph.CheckCycles(plugs, spec);
            }
            catch (InvalidSpecException e)
            {
                problem = $"{path}: {e.Message}";
            }

            if (problem is not null) yield return problem;
            else plugs.Add(spec);
        }
    }
}
