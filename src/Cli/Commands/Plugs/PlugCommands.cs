using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Plugs;

/// <summary><c>pyfi add|update|delete|ls plug</c> and <c>pyfi ls plugs</c>: durable edges between sockets.</summary>
public static class PlugCommands
{
    private const string Kind = "plug";

    /// <summary><c>pyfi add plug -n NAME -s SOURCE -t TARGET [--on success|failure] [--arg N] [--max-hops N]</c></summary>
    public static Command Add(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var options = new PlugOptions();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Add a plug: each call of the source socket that ends as --on says makes a call of the target") { name, json };
        options.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var spec = new PlugSpec
            {
                Name = parse.GetRequiredValue(name),
                Source = parse.GetValue(options.Source) ?? throw new InvalidSpecException("--source (-s) is required"),
                Target = parse.GetValue(options.Target) ?? throw new InvalidSpecException("--target (-t) is required"),
                On = parse.GetValue(options.On) is { } on ? Choices.Parse<PlugOn>(on, "--on") : PlugOn.Success,
                Arg = parse.GetValue(options.Arg) ?? 0,
                MaxHops = parse.GetValue(options.MaxHops),
            };
            Print(context, await gateway.SendAsync<PlugInfo>(GatewayOps.AddPlug, spec, cancellationToken), parse.GetValue(json), "added");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi update plug -n NAME [-s SOURCE] [-t TARGET] [--on ...] [--arg N] [--max-hops N]</c></summary>
    public static Command Update(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var options = new PlugOptions();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Change a plug") { name, json };
        options.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var update = new PlugUpdate
            {
                Source = parse.GetValue(options.Source),
                Target = parse.GetValue(options.Target),
                On = parse.GetValue(options.On) is { } on ? Choices.Parse<PlugOn>(on, "--on") : null,
                Arg = parse.GetValue(options.Arg),
                MaxHops = parse.GetValue(options.MaxHops),
            };
            var info = await gateway.SendAsync<PlugInfo>(GatewayOps.UpdatePlug, new NamedUpdate<PlugUpdate>(parse.GetRequiredValue(name), update), cancellationToken);
            Print(context, info, parse.GetValue(json), "updated");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi delete plug -n NAME</c></summary>
    public static Command Delete(CliContext context) =>
        DefinitionCommands.Delete(context, Kind, "Delete a plug (the calls it made stay)", GatewayOps.DeletePlug);

    /// <summary><c>pyfi ls plug -n NAME [--json]</c></summary>
    public static Command Show(CliContext context) =>
        DefinitionCommands.Show<PlugInfo>(context, Kind, GatewayOps.GetPlug, Details);

    /// <summary><c>pyfi ls plugs [--json]</c></summary>
    public static Command List(CliContext context) =>
        DefinitionCommands.List<PlugInfo>(context, "plugs", GatewayOps.ListPlugs, Table);

    private static void Print(CliContext context, PlugInfo info, bool json, string done)
    {
        if (json) context.WriteJson(info);
        else context.Output.WriteLine($"plug '{info.Spec.Name}' {done} ({Edge(info.Spec)})");
    }

    // source -> target (on failure, arg 1)
    private static string Edge(PlugSpec p) =>
        $"{p.Source} -> {p.Target}{(p.On == PlugOn.Failure ? " on failure" : "")}{(p.Arg == 0 ? "" : $", arg {p.Arg}")}";

    private static Table Table(IReadOnlyList<PlugInfo> plugs)
    {
        var table = Views.Table("Name", "Source", "Target", "On", "Arg", "Max hops", "Updated");
        foreach (var p in plugs)
        {
            table.AddRow(Views.Text(p.Spec.Name), Views.Text(p.Spec.Source), Views.Text(p.Spec.Target), Views.Name(p.Spec.On),
                p.Spec.Arg.ToString(), p.Spec.MaxHops?.ToString() ?? "-", Views.Time(p.Stamp.Updated));
        }

        return table;
    }

    private static IRenderable Details(PlugInfo p) => Views.Details(
    [
        ("Name", p.Spec.Name),
        ("Source", p.Spec.Source),
        ("Target", p.Spec.Target),
        ("On", Views.Name(p.Spec.On)),
        ("Arg", p.Spec.Arg.ToString()),
        ("Max hops", p.Spec.MaxHops?.ToString() ?? "-"),
        ("Revision", p.Stamp.Revision.ToString()),
        ("Created", Views.Time(p.Stamp.Created)),
        ("Updated", Views.Time(p.Stamp.Updated)),
    ]);
}
