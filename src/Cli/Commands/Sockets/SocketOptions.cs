using System.CommandLine;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Sockets;

/// <summary>The options that describe a socket, shared by <c>add</c> and <c>update</c> (the original's flags kept).</summary>
public sealed class SocketOptions
{
    /// <summary><c>-q/--queue</c></summary>
    public Option<string?> Queue { get; } = new("--queue", "-q") { Description = "Queue the socket receives calls from" };

    /// <summary><c>-pn/--procname</c></summary>
    public Option<string?> Processor { get; } = new("--processor", "-pn", "--procname") { Description = "Processor whose module holds the function" };

    /// <summary><c>-t/--task</c></summary>
    public Option<string?> Function { get; } = new("--function", "-t", "--task") { Description = "Python function the socket calls" };

    /// <summary><c>-c/--concurrency</c></summary>
    public Option<int?> Concurrency { get; } = CommonOptions.Integer("--concurrency", "Calls that may run at once (cores occupied)", "-c");

    /// <summary><c>--timeout</c></summary>
    public Option<string?> Timeout { get; } = new Option<string?>("--timeout") { Description = "Longest time one attempt may run, e.g. 30s, 5m (update: 0 removes it)" }.Checked(t => Durations.Parse(t, "--timeout"));

    /// <summary><c>--max-attempts</c></summary>
    public Option<int?> MaxAttempts { get; } = CommonOptions.Integer("--max-attempts", "Attempts in all before a call fails (1 = no retry)");

    /// <summary><c>--backoff</c></summary>
    public Option<string?> Backoff { get; } = new Option<string?>("--backoff") { Description = "Wait before the second attempt, doubling each time (e.g. 1s, 500ms)" }.Checked(t => Durations.Parse(t, "--backoff"));

    /// <summary><c>--max-backoff</c></summary>
    public Option<string?> MaxBackoff { get; } = new Option<string?>("--max-backoff") { Description = "Longest wait between attempts (e.g. 1m)" }.Checked(t => Durations.Parse(t, "--max-backoff"));

    /// <summary><c>--no-retry-on</c></summary>
    public Option<string?> NoRetryOn { get; } = new("--no-retry-on") { Description = "Python exception types never retried, comma-separated (e.g. ValueError,KeyError; update: '' clears)" };

    /// <summary><c>--max-queue</c></summary>
    public Option<int?> MaxQueue { get; } = CommonOptions.Integer("--max-queue", $"Most calls the socket holds not ended; past it submissions are refused (default {SocketSpec.DefaultMaxQueued})");

    /// <summary><c>--join-timeout</c></summary>
    public Option<string?> JoinTimeout { get; } = new Option<string?>("--join-timeout") { Description = "How long a join (plugs into several argument positions) waits for a run's other values, e.g. 30s, 5m (default 5m; update: 0 returns to it)" }.Checked(t => Durations.Parse(t, "--join-timeout"));

    /// <summary><c>--partitions N|auto</c>.</summary>
    public Option<string?> Partitions { get; } = new Option<string?>("--partitions")
    {
        Description = $"Partitions the socket's calls spread over, each with its own queue and writer, on different silos: 1 to {SocketPartitions.Max} (at most its concurrency), or auto (one per silo offering cores); they can grow, not shrink",
    }.Checked(t => ParsePartitions(t));

    /// <summary>The <c>--partitions</c> given, if any (auto: <see cref="SocketSpec.AutoPartitions"/>).</summary>
    public int? ParsePartitions(ParseResult parse) => parse.GetValue(Partitions) is { } text ? ParsePartitions(text) : null;

    private static int ParsePartitions(string text) =>
        text.Equals("auto", StringComparison.OrdinalIgnoreCase) ? SocketSpec.AutoPartitions
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
        : throw new InvalidSpecException($"--partitions must be a number of partitions or auto, not '{text}'");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Queue);
        command.Options.Add(Processor);
        command.Options.Add(Function);
        command.Options.Add(Concurrency);
        command.Options.Add(Timeout);
        command.Options.Add(MaxAttempts);
        command.Options.Add(Backoff);
        command.Options.Add(MaxBackoff);
        command.Options.Add(NoRetryOn);
        command.Options.Add(MaxQueue);
        command.Options.Add(JoinTimeout);
        command.Options.Add(Partitions);
    }

    /// <summary>The <c>--backoff</c> given, if any.</summary>
    public TimeSpan? ParseBackoff(ParseResult parse) => parse.GetValue(Backoff) is { } t ? Durations.Parse(t, "--backoff") : null;

    /// <summary>The <c>--max-backoff</c> given, if any.</summary>
    public TimeSpan? ParseMaxBackoff(ParseResult parse) => parse.GetValue(MaxBackoff) is { } t ? Durations.Parse(t, "--max-backoff") : null;

    /// <summary>The <c>--no-retry-on</c> types given, if any.</summary>
    public string[]? ParseNoRetryOn(ParseResult parse) =>
        parse.GetValue(NoRetryOn) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    /// <summary>The <c>--timeout</c> given, if any.</summary>
    public TimeSpan? ParseTimeout(ParseResult parse) =>
        parse.GetValue(Timeout) is { } t ? Durations.Parse(t, "--timeout") : null;
}
