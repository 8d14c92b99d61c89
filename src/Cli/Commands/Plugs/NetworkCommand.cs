using System.CommandLine;
using System.Text.Json;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Plugs;

/// <summary><c>pyfi ls network [--json | --dot]</c>: sockets, plugs and schedules as a graph.</summary>
public static class NetworkCommand
{
    /// <summary>The command.</summary>
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Nodes and edges as JSON" };
        var dot = new Option<bool>("--dot") { Description = "Graphviz dot (pyfi ls network --dot | dot -Tsvg > network.svg)" };
        var command = new Command("network", "Draw the network: sockets, the plugs between them and the schedules that call them") { json, dot };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            if (parse.GetValue(json) && parse.GetValue(dot)) throw new InvalidSpecException("give one of --json and --dot");
            // One request at a time: a gateway connection answers in order.
            var sockets = await gateway.SendAsync<SocketInfo[]>(GatewayOps.ListSockets, null, cancellationToken);
            var plugs = await gateway.SendAsync<PlugInfo[]>(GatewayOps.ListPlugs, null, cancellationToken);
            var schedules = await gateway.SendAsync<ScheduleInfo[]>(GatewayOps.ListSchedules, null, cancellationToken);
            var map = NetworkMap.Of(sockets, plugs, schedules);
            if (parse.GetValue(json)) context.Output.WriteLine(ToJson(map));
            else if (parse.GetValue(dot)) context.Output.Write(map.ToDot());
            else context.Console.Write(map.ToTree());
            return CommandActions.Done;
        });
    }

    // Written by hand: the tool is compiled ahead of time, and this shape is the tool's, not the protocol's.
    private static string ToJson(NetworkMap map)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("nodes");
            foreach (var n in map.Nodes)
            {
                writer.WriteStartObject();
                writer.WriteString("id", n.Id);
                writer.WriteString("kind", n.Kind);
                writer.WriteString("name", n.Name);
                writer.WriteString("detail", n.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("edges");
            foreach (var e in map.Edges)
            {
                writer.WriteStartObject();
                writer.WriteString("from", e.From);
                writer.WriteString("to", e.To);
                writer.WriteString("kind", e.Kind);
                writer.WriteString("name", e.Name);
                if (e.On is not null) writer.WriteString("on", e.On);
                if (e.Arg is { } arg) writer.WriteNumber("arg", arg);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
