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
    public Option<string?> Timeout { get; } = new("--timeout") { Description = "Longest time one attempt may run, e.g. 30s, 5m (update: 0 removes it)" };

    /// <summary><c>--max-attempts</c></summary>
    public Option<int?> MaxAttempts { get; } = CommonOptions.Integer("--max-attempts", "Attempts in all before a call fails (1 = no retry)");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Queue);
        command.Options.Add(Processor);
        command.Options.Add(Function);
        command.Options.Add(Concurrency);
        command.Options.Add(Timeout);
        command.Options.Add(MaxAttempts);
    }

    /// <summary>The <c>--timeout</c> given, if any.</summary>
    public TimeSpan? ParseTimeout(ParseResult parse) =>
        parse.GetValue(Timeout) is { } t ? Durations.Parse(t, "--timeout") : null;
}
