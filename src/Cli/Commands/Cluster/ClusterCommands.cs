using System.CommandLine;
using System.Globalization;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Cluster;

/// <summary><c>pyfi ls nodes</c>, <c>pyfi ls agents</c> and <c>pyfi ls workers</c>: the cluster as its silos last reported it (every 2 s).</summary>
public static class ClusterCommands
{
    /// <summary><c>pyfi ls nodes [--json]</c>: one row per host.</summary>
    public static Command Nodes(CliContext context) =>
        Listing(context, "nodes", "List the cluster's hosts: silos, cores offered and busy, memory, load", (agents, _) =>
        {
            var nodes = NodeInfo.Of(agents);
            var table = Views.Table("Host", "Silos", "Cores", "Busy", "CPUs", "Memory", "Available", "Load");
            foreach (var n in nodes)
            {
                table.AddRow(Views.Text(n.Host), Views.Number(n.Silos), Views.Number(n.Cores), Views.Number(n.CoresBusy), Views.Number(n.Processors),
                    $"{n.MemoryMb} MB", $"{n.MemoryAvailableMb} MB", n.Load.ToString("0.00", CultureInfo.InvariantCulture));
            }

            return (nodes, table);
        });

    /// <summary><c>pyfi ls agents [--json]</c>: one row per silo.</summary>
    public static Command Agents(CliContext context) =>
        Listing(context, "agents", "List the cluster's silos (one agent per silo): host, cores, workers, memory, since when", (agents, _) =>
        {
            var table = Views.Table("Silo", "Host", "Cores", "Busy", "Workers", "Silo memory", "Started", "Reported");
            foreach (var a in agents)
            {
                table.AddRow(Views.Text(a.Silo), Views.Text(a.Host), Views.Number(a.Cores), Views.Number(a.CoresBusy), Views.Number(a.Workers.Length),
                    $"{a.SiloMemoryMb} MB", Views.Time(a.Started), Views.Time(a.Reported));
            }

            return (agents, table);
        });

    /// <summary><c>pyfi ls workers [-s SOCKET] [--json]</c>: one row per worker slot holding a core.</summary>
    public static Command Workers(CliContext context)
    {
        var socket = new Option<string?>("--socket", "-s") { Description = "Only this socket's workers" };
        return Listing<WorkerInfo[]>(context, "workers", "List the worker slots holding a core: socket, slot, silo, host, Python process, calls done", (agents, parse) =>
        {
            var workers = agents.SelectMany(a => a.Workers).ToArray();
            if (workers.Length == 0) return (workers, new Text(Idle(parse.GetValue(socket))));
            var table = Views.Table("Worker", "Silo", "Host", "Pid", "Running", "Calls done", "Since");
            foreach (var w in workers)
            {
                table.AddRow(Views.Text(w.Worker), Views.Text(w.Silo), Views.Text(w.Host), w.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Views.Number(w.Running), Views.Number(w.CallsDone), Views.Time(w.Since));
            }

            return (workers, table);
        }, socket);
    }

    /// <summary>What <c>pyfi ls workers</c> says when no slot holds a core (an empty table would say nothing).</summary>
    public static string Idle(string? socket) =>
        $"No worker slot{(socket is null ? "" : $" of socket '{socket}'")} holds a core: the workers are idle. A socket's slots take cores "
        + "while it has calls to run and give them back soon after (pyfi ls agents shows each silo's cores).\n";

    // Every listing: ask the gateway for the agents, keep those of --socket (workers), print a table or JSON.
    private static Command Listing<T>(CliContext context, string name, string description, Func<AgentInfo[], ParseResult, (T Json, IRenderable View)> view, Option<string?>? socket = null)
    {
        var json = CommonOptions.Json();
        var command = new Command(name, description) { json };
        if (socket is not null) command.Options.Add(socket);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var agents = await gateway.SendAsync<AgentInfo[]>(GatewayOps.ListAgents, null, cancellationToken);
            if (socket is not null && parse.GetValue(socket) is { } only)
            {
                agents = [.. agents.Select(a => a with { Workers = [.. a.Workers.Where(w => w.Socket == only)] })];
            }

            var (data, table) = view(agents, parse);
            if (parse.GetValue(json)) context.WriteJson(data);
            else context.Console.Write(table);
            return CommandActions.Done;
        });
    }
}
