using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Queues;

/// <summary><c>pyfi add|update|delete|ls queue</c> and <c>pyfi ls queues</c>.</summary>
public static class QueueCommands
{
    private const string Kind = "queue";

    /// <summary><c>pyfi add queue -n NAME [-t direct|topic|fanout]</c></summary>
    public static Command Add(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var type = TypeOption();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Add a queue") { name, type, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var spec = new QueueSpec
            {
                Name = parse.GetRequiredValue(name),
                Type = parse.GetValue(type) is { } t ? Choices.Parse<QueueType>(t, "--type") : QueueType.Direct,
            };
            Print(context, await gateway.SendAsync<QueueInfo>(GatewayOps.AddQueue, spec, cancellationToken), parse.GetValue(json), "added");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi update queue -n NAME [-t TYPE] [--durable true|false]</c></summary>
    public static Command Update(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var type = TypeOption();
        var durable = new Option<string?>("--durable") { Description = "true or false" }.Checked(d => Choices.ParseBool(d, "--durable"));
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Change a queue") { name, type, durable, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var update = new QueueUpdate
            {
                Type = parse.GetValue(type) is { } t ? Choices.Parse<QueueType>(t, "--type") : null,
                Durable = parse.GetValue(durable) is { } d ? Choices.ParseBool(d, "--durable") : null,
            };
            Print(context, await gateway.SendAsync<QueueInfo>(GatewayOps.UpdateQueue, new NamedUpdate<QueueUpdate>(parse.GetRequiredValue(name), update), cancellationToken), parse.GetValue(json), "updated");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi delete queue -n NAME</c></summary>
    public static Command Delete(CliContext context) =>
        DefinitionCommands.Delete(context, Kind, "Delete a queue no socket uses", GatewayOps.DeleteQueue);

    /// <summary><c>pyfi ls queue -n NAME [--json]</c></summary>
    public static Command Show(CliContext context) =>
        DefinitionCommands.Show<QueueInfo>(context, Kind, GatewayOps.GetQueue, Details);

    /// <summary><c>pyfi ls queues [--json]</c></summary>
    public static Command List(CliContext context) =>
        DefinitionCommands.List<QueueInfo>(context, "queues", GatewayOps.ListQueues, Table);

    private static Option<string?> TypeOption() => new Option<string?>("--type", "-t")
    {
        Description = "How calls are routed to the queue's sockets",
        HelpName = Choices.Of<QueueType>(),
    }.Checked(t => Choices.Parse<QueueType>(t, "--type"));

    private static void Print(CliContext context, QueueInfo info, bool json, string done)
    {
        if (json) context.WriteJson(info);
        else context.Output.WriteLine($"queue '{info.Spec.Name}' {done} ({Views.Name(info.Spec.Type)})");
    }

    private static Table Table(IReadOnlyList<QueueInfo> queues)
    {
        var table = Views.Table("Name", "Type", "Durable", "Sockets", "Updated");
        foreach (var q in queues)
        {
            table.AddRow(Views.Text(q.Spec.Name), Views.Name(q.Spec.Type), q.Spec.Durable ? "yes" : "no", Views.List(q.Sockets), Views.Time(q.Stamp.Updated));
        }

        return table;
    }

    private static IRenderable Details(QueueInfo q) => Views.Details(
    [
        ("Name", q.Spec.Name),
        ("Type", Views.Name(q.Spec.Type)),
        ("Durable", q.Spec.Durable ? "yes" : "no"),
        ("Sockets", q.Sockets.Length == 0 ? "-" : string.Join(", ", q.Sockets)),
        ("Revision", q.Stamp.Revision.ToString()),
        ("Created", Views.Time(q.Stamp.Created)),
        ("Updated", Views.Time(q.Stamp.Updated)),
    ]);
}
