using System.CommandLine;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Infrastructure;

/// <summary>The <c>delete</c>, <c>ls NOUN -n</c> and <c>ls NOUNS</c> commands, which read the same for queues, processors and sockets.</summary>
public static class DefinitionCommands
{
    /// <summary><c>pyfi delete KIND -n NAME</c></summary>
    public static Command Delete(CliContext context, string kind, string description, string op)
    {
        var name = CommonOptions.Name(kind);
        var command = new Command(kind, description) { name };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var target = parse.GetRequiredValue(name);
            await gateway.SendAsync(op, new NameArgs(target), cancellationToken);
            context.Output.WriteLine($"{kind} '{target}' deleted");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi ls KIND -n NAME [--json]</c>: a key/value view for people, the object for scripts.</summary>
    public static Command Show<TInfo>(CliContext context, string kind, string op, Func<TInfo, IRenderable> details)
    {
        var name = CommonOptions.Name(kind);
        var json = CommonOptions.Json();
        var command = new Command(kind, $"Show one {kind}") { name, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var info = await gateway.SendAsync<TInfo>(op, new NameArgs(parse.GetRequiredValue(name)), cancellationToken);
            if (parse.GetValue(json)) context.WriteJson(info);
            else context.Console.Write(details(info));
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi ls KINDS [--json]</c>: a table for people, an array for scripts.</summary>
    public static Command List<TInfo>(CliContext context, string plural, string op, Func<IReadOnlyList<TInfo>, Table> table)
    {
        var json = CommonOptions.Json();
        var command = new Command(plural, $"List the {plural}") { json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var items = await gateway.SendAsync<TInfo[]>(op, null, cancellationToken);
            if (parse.GetValue(json)) context.WriteJson(items);
            else context.Console.Write(table(items));
            return CommandActions.Done;
        });
    }
}
