using System.Collections.Immutable;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Network;

/// <summary>How <c>pyfi apply</c> says what it did: one line per change, then a summary; or every problem, one line each.</summary>
public static class NetworkPlanView
{
    /// <summary>
    /// The plan with the file's own problems first, and of the network's only those about definitions the file's problems
    /// do not already name (one whose field was wrong was sent with the field at its default: what the network says of it
    /// would mislead).
    /// </summary>
    public static NetworkPlan WithFileProblems(NetworkPlan plan, ImmutableArray<string> fileProblems)
    {
        if (fileProblems.IsEmpty) return plan;
        var named = fileProblems.Select(Definition).ToHashSet(StringComparer.Ordinal);
        return plan with { Problems = [.. fileProblems, .. plan.Problems.Where(p => !named.Contains(Definition(p)))], Applied = false };
    }

    /// <summary>Prints <paramref name="plan"/> for people: its changes (<c>+ queue q1</c>, <c>~ socket s1 (concurrency 2 -> 4)</c>, <c>- plug p9</c>) and a summary, or its problems.</summary>
    public static void Print(CliContext context, NetworkPlan plan, NetworkSpec declared, string file, bool dryRun)
    {
        if (plan.Refused)
        {
            foreach (var problem in plan.Problems) context.Error.WriteLine($"pyfi: {file}: {problem}");
            context.Error.WriteLine($"pyfi: {file} is refused ({plan.Problems.Length} problem{(plan.Problems.Length == 1 ? "" : "s")}): nothing was changed");
            return;
        }

        foreach (var line in Lines(plan, declared)) context.Output.WriteLine(line);
        context.Output.WriteLine(Summary(plan, dryRun));
    }

    /// <summary>One line per change.</summary>
    public static IEnumerable<string> Lines(NetworkPlan plan, NetworkSpec declared) => plan.Changes.Select(change => change.Action switch
    {
        NetworkAction.Add => $"+ {change.Kind} {change.Name}",
        NetworkAction.Delete => $"- {change.Kind} {change.Name}",
        _ => $"~ {change.Kind} {change.Name} ({string.Join(", ", NetworkFile.Differences(change, plan.Before, declared))})",
    });

    /// <summary><c>applied: 2 added, 1 changed, 0 deleted</c>, <c>dry run: …</c> or <c>no changes</c>.</summary>
    public static string Summary(NetworkPlan plan, bool dryRun)
    {
        if (plan.Changes.IsEmpty) return "no changes";
        int Count(NetworkAction action) => plan.Changes.Count(c => c.Action == action);
        var counts = $"{Count(NetworkAction.Add)} added, {Count(NetworkAction.Change)} changed, {Count(NetworkAction.Delete)} deleted";
        return dryRun ? $"dry run: would be {counts}; nothing was changed" : $"applied: {counts}";
    }

    // The definition a problem is about: its path up to the first '.' or ':' ("sockets[2]"), or the whole key ("schedules").
    private static string Definition(string problem)
    {
        var end = problem.IndexOfAny(['.', ':']);
        return end < 0 ? problem : problem[..end];
    }
}
