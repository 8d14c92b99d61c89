using System.Text;
using Pyfi.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands;

/// <summary>How calls read on a terminal.</summary>
public static class CallViews
{
    /// <summary>Frames of a traceback kept when a failure is printed: the innermost ones say what went wrong.</summary>
    public const int TracebackFrames = 3;

    /// <summary>One line: which call, where, how it ended, how long it took.</summary>
    public static string Summary(CallInfo call)
    {
        var took = call.Finished is { } end ? $" in {(end - call.Created).TotalMilliseconds:0.#} ms" : "";
        return $"call {call.Id} on {call.Socket}: {Views.Name(call.State)}{took}, attempt {call.Attempts}, worker {call.Worker ?? "-"}, commit {Short(call.Commit)}";
    }

    /// <summary>The error of a failed call, for stderr: the exception, its message, and the traceback's last frames.</summary>
    public static string Failure(CallInfo call)
    {
        var text = new StringBuilder();
        var error = call.Error ?? new CallError(Views.Name(call.State), "");
        text.AppendLine($"pyfi: {call.Socket} failed: {error}");
        if (error.Traceback is { } traceback) text.Append(LastFrames(traceback, TracebackFrames));
        return text.ToString();
    }

    /// <summary>Everything about a call, for <c>pyfi ls call</c>.</summary>
    public static IRenderable Details(CallInfo call) => Views.Details(
    [
        ("Id", call.Id.ToString()),
        ("Socket", call.Socket),
        ("Function", $"{call.Processor}: {call.Function}"),
        ("State", Views.Name(call.State)),
        ("Attempts", call.Attempts.ToString()),
        ("Created", Views.Time(call.Created)),
        ("Started", call.Started is { } s ? Views.Time(s) : "-"),
        ("Finished", call.Finished is { } f ? Views.Time(f) : "-"),
        ("Duration", call.Finished is { } e ? $"{(e - (call.Started ?? call.Created)).TotalMilliseconds:0.#} ms" : "-"),
        ("Worker", call.Worker ?? "-"),
        ("Slot", call.Slot ?? "-"),
        ("Commit", call.Commit ?? "-"),
        ("Lease", call.State == CallState.Running && call.LeaseUntil is { } l ? $"until {Views.Time(l)} on {call.Owner ?? "-"}" : "-"),
        ("Retry after", call.NotBefore is { } nb && call.State == CallState.Queued ? Views.Time(nb) : "-"),
        ("Earlier attempts", call.History.IsDefaultOrEmpty ? "-" : string.Join("\n", call.History.Select(a => Markup.Escape($"#{a.Number} {a.Worker ?? "-"} {a.Ended:HH:mm:ss.fff}: {a.Error}")))),
        ("Key", call.Key ?? "-"),
        ("Parent", call.Parent?.ToString() ?? "-"),
        ("Workflow", call.Workflow?.ToString() ?? "-"),
        ("Args", call.Args),
        ("Kwargs", call.Kwargs ?? "-"),
        ("Result", call.Result ?? "-"),
        ("Error", call.Error?.ToString() ?? "-"),
        ("Traceback", call.Error?.Traceback?.TrimEnd() ?? "-"),
        ("Output", string.IsNullOrEmpty(call.Output) ? "-" : call.Output.TrimEnd()),
    ]);

    /// <summary>
    /// Calls as a table, for <c>pyfi ls calls</c>, as wide as <paramref name="width"/> allows: on a narrower
    /// terminal the call's id, socket, state and workflow (ids whole, to be copied).
    /// </summary>
    public static Table Table(IReadOnlyList<CallInfo> calls, int width) => Views.Fitted(width,
        ["Id", "Socket", "State", "Attempts", "Created", "Duration", "Worker", "Workflow"],
        [.. calls.Select(call => new[]
        {
            call.Id.ToString(), call.Socket, Views.Name(call.State), call.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), Views.Time(call.Created),
            call.Finished is { } e ? $"{(e - (call.Started ?? call.Created)).TotalMilliseconds:0.#} ms" : "-", call.Worker ?? "-", call.Workflow?.ToString() ?? "-",
        })],
        ["Id", "Socket", "State", "Workflow"], whole: ["Id", "Workflow"], lastAtLeast: 36);

    /// <summary>A run's calls for <c>pyfi ls run</c>, oldest first: each with its hop and the call whose end made it.</summary>
    public static Table RunTable(IReadOnlyList<CallInfo> calls)
    {
        var table = Views.Table("Id", "Socket", "State", "Hop", "Made by", "Created");
        foreach (var call in calls)
        {
            table.AddRow(call.Id.ToString(), Views.Text(call.Socket), Views.Name(call.State), call.Hop.ToString(System.Globalization.CultureInfo.InvariantCulture),
                call.Hop == 0 ? "-" : call.Parent?.ToString() ?? "-", Views.Time(call.Created));
        }

        return table;
    }

    /// <summary>A result as the original printed it: a string as it is, anything else as JSON (or always JSON with <paramref name="json"/>).</summary>
    public static string Printable(string result, bool json)
    {
        // Only a string is read (and so never a result nested deeper than a document is read).
        if (json || !result.AsSpan().TrimStart().StartsWith("\"")) return result;
        using var document = System.Text.Json.JsonDocument.Parse(result);
        return document.RootElement.GetString()!;
    }

    /// <summary>The traceback's header, its last <paramref name="frames"/> frames, and the exception line(s).</summary>
    public static string LastFrames(string traceback, int frames)
    {
        var lines = traceback.TrimEnd().Split('\n');
        var frameStarts = lines.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("  File ", StringComparison.Ordinal)).Select(x => x.i).ToList();
        if (frameStarts.Count <= frames) return traceback.TrimEnd() + "\n";
        var text = new StringBuilder();
        text.AppendLine(lines[0]);
        text.AppendLine($"  ... {frameStarts.Count - frames} earlier frame(s) ...");
        foreach (var line in lines[frameStarts[^frames]..]) text.AppendLine(line);
        return text.ToString();
    }

    private static string Short(string? commit) => commit is { Length: > 12 } ? commit[..12] : commit ?? "-";
}
