using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Sockets;

/// <summary><c>pyfi add|update|delete|ls socket</c> and <c>pyfi ls sockets</c>.</summary>
public static class SocketCommands
{
    private const string Kind = "socket";

    /// <summary><c>pyfi add socket -n NAME -q QUEUE -pn PROCESSOR -t FUNCTION [-c CONCURRENCY]</c></summary>
    public static Command Add(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var o = new SocketOptions();
        o.Queue.Required = true;
        o.Processor.Required = true;
        o.Function.Required = true;
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Add a socket: a processor's function bound to a queue") { name, json };
        o.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var maxAttempts = parse.GetValue(o.MaxAttempts);
            var spec = new SocketSpec
            {
                Name = parse.GetRequiredValue(name),
                Queue = parse.GetRequiredValue(o.Queue)!,
                Processor = parse.GetRequiredValue(o.Processor)!,
                Function = parse.GetRequiredValue(o.Function)!,
                Concurrency = parse.GetValue(o.Concurrency) ?? 1,
                Timeout = o.ParseTimeout(parse),
                MaxQueued = parse.GetValue(o.MaxQueue) ?? SocketSpec.DefaultMaxQueued,
                JoinTimeout = parse.GetValue(o.JoinTimeout) is { } join ? Durations.Parse(join, "--join-timeout") : null,
                Partitions = o.ParsePartitions(parse) ?? 1,
            };
            spec = spec with
            {
                Retry = new SocketUpdate
                {
                    MaxAttempts = maxAttempts,
                    InitialBackoff = o.ParseBackoff(parse),
                    MaxBackoff = o.ParseMaxBackoff(parse),
                    NonRetryable = o.ParseNoRetryOn(parse),
                }.ApplyTo(spec).Retry,
            };
            Print(context, await gateway.SendAsync<SocketInfo>(GatewayOps.AddSocket, spec, cancellationToken), parse.GetValue(json), "added");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi update socket -n NAME [flags]</c></summary>
    public static Command Update(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var o = new SocketOptions();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Change a socket") { name, json };
        o.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var update = new SocketUpdate
            {
                Queue = parse.GetValue(o.Queue),
                Processor = parse.GetValue(o.Processor),
                Function = parse.GetValue(o.Function),
                Concurrency = parse.GetValue(o.Concurrency),
                Timeout = o.ParseTimeout(parse),
                MaxAttempts = parse.GetValue(o.MaxAttempts),
                InitialBackoff = o.ParseBackoff(parse),
                MaxBackoff = o.ParseMaxBackoff(parse),
                NonRetryable = o.ParseNoRetryOn(parse),
                MaxQueued = parse.GetValue(o.MaxQueue),
                JoinTimeout = parse.GetValue(o.JoinTimeout) is { } join ? Durations.Parse(join, "--join-timeout") : null,
                Partitions = o.ParsePartitions(parse),
            };
            Print(context, await gateway.SendAsync<SocketInfo>(GatewayOps.UpdateSocket, new NamedUpdate<SocketUpdate>(parse.GetRequiredValue(name), update), cancellationToken), parse.GetValue(json), "updated");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi delete socket -n NAME</c></summary>
    public static Command Delete(CliContext context) =>
        DefinitionCommands.Delete(context, Kind, "Delete a socket", GatewayOps.DeleteSocket);

    /// <summary><c>pyfi ls socket -n NAME [--json]</c></summary>
    public static Command Show(CliContext context) =>
        DefinitionCommands.Show<SocketInfo>(context, Kind, GatewayOps.GetSocket, Details);

    /// <summary><c>pyfi ls sockets [--json]</c></summary>
    public static Command List(CliContext context) =>
        DefinitionCommands.List<SocketInfo>(context, "sockets", GatewayOps.ListSockets, Table);

    private static Table Table(IReadOnlyList<SocketInfo> sockets)
    {
        var table = Views.Table("Name", "Queue", "Processor", "Function", "Concurrency", "Timeout", "Attempts");
        foreach (var s in sockets)
        {
            table.AddRow(
                Views.Text(s.Spec.Name), Views.Text(s.Spec.Queue), Views.Text(s.Spec.Processor), Views.Text(s.Spec.Function),
                s.Spec.Concurrency.ToString(), Durations.Format(s.Spec.Timeout), s.Spec.Retry.MaxAttempts.ToString());
        }

        return table;
    }

    private static void Print(CliContext context, SocketInfo info, bool json, string done)
    {
        if (json) context.WriteJson(info);
        else context.Output.WriteLine($"socket '{info.Spec.Name}' {done} ({info.Spec.Processor}.{info.Spec.Function} on queue {info.Spec.Queue}, concurrency {info.Spec.Concurrency})");
    }

    // One line per partition: where it is active and what it holds ("-": active nowhere now).
    private static string Partitions(SocketInfo s) => s.Partitions is not { Length: > 0 } partitions
        ? (s.Spec.Partitions == SocketSpec.AutoPartitions ? "auto" : s.Spec.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : (s.Spec.Partitions == SocketSpec.AutoPartitions ? "auto, now:\n" : "") + string.Join("\n", partitions.Select(p => $"{SocketPartitions.Key(s.Spec.Name, p.Partition)}: {p.Silo ?? "-"} ({p.Queued} queued, {p.InFlight} running)"));

    private static IRenderable Details(SocketInfo s) => Views.Details(
    [
        ("Name", s.Spec.Name),
        ("Queue", s.Spec.Queue),
        ("Processor", s.Spec.Processor),
        ("Function", s.Spec.Function),
        ("Concurrency", s.Spec.Concurrency.ToString()),
        ("Timeout", Durations.Format(s.Spec.Timeout)),
        ("Max attempts", s.Spec.Retry.MaxAttempts.ToString()),
        ("Backoff", $"{Durations.Format(s.Spec.Retry.InitialBackoff)} x{s.Spec.Retry.Multiplier} up to {Durations.Format(s.Spec.Retry.MaxBackoff)}"),
        ("Never retried", s.Spec.Retry.NonRetryable.Length == 0 ? "-" : string.Join(", ", s.Spec.Retry.NonRetryable)),
        ("Queue bound", s.Spec.MaxQueued.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Partitions", Partitions(s)),
        ("Revision", s.Stamp.Revision.ToString()),
        ("Created", Views.Time(s.Stamp.Created)),
        ("Updated", Views.Time(s.Stamp.Updated)),
    ]);
}
