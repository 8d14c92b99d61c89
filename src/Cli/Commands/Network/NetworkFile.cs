using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Pyfi.Cli.Infrastructure;
using V = Pyfi.Cli.Commands.Network.FileValues;

namespace Pyfi.Cli.Commands.Network;

/// <summary>
/// A network as a file (<c>pyfi apply -f</c>, <c>pyfi export</c>), in YAML or JSON: a mapping of <c>queues</c>,
/// <c>processors</c>, <c>sockets</c> and <c>plugs</c>, each a list of definitions whose keys are the long options of
/// <c>pyfi add</c> and <c>update</c> (<c>gitrepo</c>, <c>max-attempts</c>, <c>on</c>, …). A key left out, or null, is its
/// default, as the option left out of <c>pyfi add</c>. Read within <see cref="BoundedDocument"/>'s bounds; every wrong
/// key or value is a problem with its path (<c>sockets[2].concurency: unknown key, did you mean concurrency?</c>).
/// </summary>
public static class NetworkFile
{
    /// <summary>How files and messages name it.</summary>
    public const string What = "network file";

    private static readonly FileKind<QueueSpec> Queues = new()
    {
        Plural = "queues",
        Name = "queue",
        Empty = new QueueSpec { Name = "" },
        Of = n => n.Queues,
        With = (n, list) => n with { Queues = list },
        NameOf = q => q.Name,
        Fields =
        [
            new("name", q => V.Write(q.Name), (q, v, p) => q with { Name = V.Text(v, p) }, Required: true),
            new("type", q => V.WriteChoice(q.Type), (q, v, p) => q with { Type = V.Choice<QueueType>(v, p) }),
            new("durable", q => V.Write(q.Durable), (q, v, p) => q with { Durable = V.Bool(v, p) }),
        ],
    };

    private static readonly FileKind<ProcessorSpec> Processors = new()
    {
        Plural = "processors",
        Name = "processor",
        Empty = new ProcessorSpec { Name = "", Repository = "", Module = "" },
        Of = n => n.Processors,
        With = (n, list) => n with { Processors = list },
        NameOf = p => p.Name,
        Fields =
        [
            new("name", p => V.Write(p.Name), (p, v, path) => p with { Name = V.Text(v, path) }, Required: true),
            new("gitrepo", p => V.Write(p.Repository), (p, v, path) => p with { Repository = V.Text(v, path) }, Required: true),
            new("module", p => V.Write(p.Module), (p, v, path) => p with { Module = V.Text(v, path) }, Required: true),
            new("runtime", p => V.WriteChoice(p.Runtime), (p, v, path) => p with { Runtime = V.Choice<ProcessorRuntime>(v, path) }),
            new("branch", p => V.Write(p.Branch), (p, v, path) => p with { Branch = V.Text(v, path) }),
            new("commit", p => V.Write(p.Commit), (p, v, path) => p with { Commit = V.Text(v, path) }),
            new("concurrency", p => V.Write(p.Concurrency), (p, v, path) => p with { Concurrency = V.Integer(v, path) }),
            new("requirements", p => V.Write(p.Requirements), (p, v, path) => p with { Requirements = V.Text(v, path) }),
            new("memory", p => V.WriteMemory(p.Memory), (p, v, path) => p with { Memory = V.Memory(v, path) }),
            new("hostname", p => V.WriteList(p.Hosts.IsDefault ? [] : p.Hosts), (p, v, path) => p with { Hosts = [.. V.List(v, path)] }),
            new("enabled", p => V.Write(p.Enabled), (p, v, path) => p with { Enabled = V.Bool(v, path) }),
            new("requested-status", p => V.WriteChoice(p.RequestedStatus), (p, v, path) => p with { RequestedStatus = V.Choice<ProcessorStatus>(v, path) }),
        ],
    };

    private static readonly FileKind<SocketSpec> Sockets = new()
    {
        Plural = "sockets",
        Name = "socket",
        Empty = new SocketSpec { Name = "", Queue = "", Processor = "", Function = "" },
        Of = n => n.Sockets,
        With = (n, list) => n with { Sockets = list },
        NameOf = s => s.Name,
        Fields =
        [
            new("name", s => V.Write(s.Name), (s, v, p) => s with { Name = V.Text(v, p) }, Required: true),
            new("queue", s => V.Write(s.Queue), (s, v, p) => s with { Queue = V.Text(v, p) }, Required: true),
            new("processor", s => V.Write(s.Processor), (s, v, p) => s with { Processor = V.Text(v, p) }, Required: true),
            new("function", s => V.Write(s.Function), (s, v, p) => s with { Function = V.Text(v, p) }, Required: true),
            new("concurrency", s => V.Write(s.Concurrency), (s, v, p) => s with { Concurrency = V.Integer(v, p) }),
            new("timeout", s => V.WriteDuration(s.Timeout), (s, v, p) => s with { Timeout = V.Duration(v, p) }),
            new("max-attempts", s => V.Write(s.Retry.MaxAttempts), (s, v, p) => s with { Retry = s.Retry with { MaxAttempts = V.Integer(v, p) } }),
            new("backoff", s => V.WriteDuration(s.Retry.InitialBackoff), (s, v, p) => s with { Retry = s.Retry with { InitialBackoff = V.Duration(v, p) } }),
            new("max-backoff", s => V.WriteDuration(s.Retry.MaxBackoff), (s, v, p) => s with { Retry = s.Retry with { MaxBackoff = V.Duration(v, p) } }),
            // No option sets these two (the .NET client can): the file has them so an export says everything.
            new("backoff-multiplier", s => V.WriteReal(s.Retry.Multiplier), (s, v, p) => s with { Retry = s.Retry with { Multiplier = V.Real(v, p) } }),
            new("backoff-jitter", s => V.WriteReal(s.Retry.Jitter), (s, v, p) => s with { Retry = s.Retry with { Jitter = V.Real(v, p) } }),
            new("no-retry-on", s => V.WriteList(s.Retry.NonRetryable.IsDefault ? [] : s.Retry.NonRetryable), (s, v, p) => s with { Retry = s.Retry with { NonRetryable = [.. V.List(v, p)] } }),
            new("max-queue", s => V.Write(s.MaxQueued), (s, v, p) => s with { MaxQueued = V.Integer(v, p) }),
            new("join-timeout", s => V.WriteDuration(s.JoinTimeout), (s, v, p) => s with { JoinTimeout = V.Duration(v, p) }),
        ],
    };

    private static readonly FileKind<PlugSpec> Plugs = new()
    {
        Plural = "plugs",
        Name = "plug",
        Empty = new PlugSpec { Name = "", Source = "", Target = "" },
        Of = n => n.Plugs,
        With = (n, list) => n with { Plugs = list },
        NameOf = p => p.Name,
        Fields =
        [
            new("name", p => V.Write(p.Name), (p, v, path) => p with { Name = V.Text(v, path) }, Required: true),
            new("source", p => V.Write(p.Source), (p, v, path) => p with { Source = V.Text(v, path) }, Required: true),
            new("target", p => V.Write(p.Target), (p, v, path) => p with { Target = V.Text(v, path) }, Required: true),
            new("on", p => V.WriteChoice(p.On), (p, v, path) => p with { On = V.Choice<PlugOn>(v, path) }),
            new("arg", p => V.Write(p.Arg), (p, v, path) => p with { Arg = V.Integer(v, path) }),
            new("max-hops", p => V.Write(p.MaxHops), (p, v, path) => p with { MaxHops = V.Integer(v, path) }),
        ],
    };

    private static readonly FileKind<ScheduleSpec> Schedules = new()
    {
        Plural = "schedules",
        Name = "schedule",
        Empty = new ScheduleSpec { Name = "", Socket = "" },
        Of = n => n.Schedules,
        With = (n, list) => n with { Schedules = list },
        NameOf = s => s.Name,
        Fields =
        [
            new("name", s => V.Write(s.Name), (s, v, p) => s with { Name = V.Text(v, p) }, Required: true),
            new("socket", s => V.Write(s.Socket), (s, v, p) => s with { Socket = V.Text(v, p) }, Required: true),
            new("every", s => V.WriteDuration(s.Every), (s, v, p) => s with { Every = V.Duration(v, p) }),
            new("cron", s => V.Write(s.Cron), (s, v, p) => s with { Cron = V.Text(v, p) }),
            // As --data: a list is the positional arguments, anything else the one argument; written as the list.
            new("data", s => V.WriteJson(s.Args), (s, v, p) => s with { Args = v is JsonArray ? V.Json(v) : $"[{V.Json(v)}]" }),
            new("kwargs", s => V.WriteJson(s.Kwargs), (s, v, p) => s with { Kwargs = v is JsonObject ? V.Json(v) : throw new InvalidSpecException($"{p}: must be a mapping") }),
            new("tz", s => V.Write(s.TimeZone), (s, v, p) => s with { TimeZone = V.Text(v, p) }),
            new("overlap", s => V.WriteChoice(s.Overlap), (s, v, p) => s with { Overlap = V.Choice<ScheduleOverlap>(v, p) }),
            new("catch-up", s => V.WriteChoice(s.CatchUp), (s, v, p) => s with { CatchUp = V.Choice<ScheduleCatchUp>(v, p) }),
            new("paused", s => V.Write(s.Paused), (s, v, p) => s with { Paused = V.Bool(v, p) }),
        ],
    };

    // The kinds in dependency order, as the network's planner has them.
    private static readonly ImmutableArray<IFileKind> Kinds = [Queues, Processors, Sockets, Plugs, Schedules];

    // Keys this version knows of but cannot apply yet: the refusal says so instead of "unknown key".
    private static readonly Dictionary<string, string> NotYet = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads a network from YAML or JSON text. A file that cannot be read as a whole (not YAML or JSON, too large, too
    /// deep, not a mapping) throws <see cref="InvalidSpecException"/>; otherwise every wrong key or value is in
    /// <paramref name="problems"/> with its path, and the network holds every definition the file has (wrong fields at
    /// their defaults), in the file's order.
    /// </summary>
    public static NetworkSpec Read(string text, out ImmutableArray<string> problems)
    {
        if (BoundedDocument.Read(text, What) is not JsonObject root)
            throw new InvalidSpecException($"the {What} must be a mapping of {string.Join(", ", Kinds.Select(k => k.Plural))}");
        var found = new List<string>();
        foreach (var (key, _) in root)
        {
            if (NotYet.TryGetValue(key, out var reason)) found.Add($"{key}: {reason}");
            else if (!Kinds.Any(k => k.Plural == key)) found.Add($"{key}: unknown key{Suggest(key, Kinds.Select(k => k.Plural), $"a {What} holds {string.Join(", ", Kinds.Select(k => k.Plural))}")}");
        }

        var network = Kinds.Aggregate(new NetworkSpec(), (n, kind) => kind.Read(root[kind.Plural], n, found));
        problems = [.. found];
        return network;
    }

    /// <summary>The file of <paramref name="network"/>, as YAML or JSON: every key of every definition, so that applying it changes nothing.</summary>
    public static string Write(NetworkSpec network, bool json)
    {
        var root = new JsonObject(Kinds.Select(k => KeyValuePair.Create(k.Plural, (JsonNode?)k.Write(network))));
        return json
            ? root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"
            : "# pyfi export: apply with `pyfi apply -f FILE` (--dry-run shows what it would change)\n" + YamlText.Write(root);
    }

    /// <summary>The fields of <paramref name="change"/>'s definition that it changes: <c>concurrency 2 -> 4</c>.</summary>
    public static IEnumerable<string> Differences(NetworkChange change, NetworkSpec before, NetworkSpec after) =>
        Kinds.FirstOrDefault(k => k.Name == change.Kind)?.Differences(before, after, change.Name) ?? [];

    /// <summary>", did you mean X?" for the known key nearest <paramref name="key"/> (a typo's distance), else " (" + <paramref name="otherwise"/> + ")".</summary>
    public static string Suggest(string key, IEnumerable<string> known, string otherwise)
    {
        var nearest = known.Select(k => (Key: k, Distance: Distance(key, k))).OrderBy(k => k.Distance).FirstOrDefault();
        return nearest.Key is not null && nearest.Distance <= Math.Max(2, key.Length / 3) ? $", did you mean {nearest.Key}?" : $" ({otherwise})";
    }

    // Levenshtein's distance: the edits that make one key the other.
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
