using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Calls;

/// <summary><c>pyfi ls call --id ID</c>.</summary>
public static class CallCommands
{
    /// <summary><c>pyfi ls call --id ID [--json]</c>: everything kept about one call, its output included.</summary>
    public static Command Show(CliContext context)
    {
        var id = new Option<Guid>("--id") { Description = "The call's id", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("call", "Show one task call: state, attempts, result or error, and what it printed") { id, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var call = await gateway.SendAsync<CallInfo>(GatewayOps.GetCall, new CallArgs(parse.GetRequiredValue(id)), cancellationToken);
            if (parse.GetValue(json)) context.WriteJson(call);
            else context.Console.Write(CallViews.Details(call));
            return CommandActions.Done;
        });
    }
}
