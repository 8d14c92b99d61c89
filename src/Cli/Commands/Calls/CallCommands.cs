using System.CommandLine;
using Pyfi.Cli.Commands.Flows;
using Pyfi.Cli.Infrastructure;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Calls;

/// <summary><c>pyfi ls call --id ID</c> and <c>pyfi ls calls</c>.</summary>
public static class CallCommands
{
    /// <summary><c>pyfi ls call --id ID [-g | -t] [--json]</c>: everything kept about one call, or the call graph around it.</summary>
    public static Command Show(CliContext context)
    {
        var id = CommonOptions.Id("The call's id, or a workflow's id (with -g or -t: the workflow's calls)");
        var graph = new Option<bool>("--graph", "-g") { Description = "Draw the call's whole workflow as a tree: pipelines, parallels, funnels, and each call's socket, state and duration" };
        var tree = new Option<bool>("--tree", "-t") { Description = "Draw the calls below this one: those its result fed, and so on" };
        var json = CommonOptions.Json();
        var command = new Command("call", "Show one task call: state, attempts, result or error, and what it printed") { id, graph, tree, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            if (parse.GetValue(graph) || parse.GetValue(tree))
            {
                var calls = await gateway.SendAsync<CallGraph>(GatewayOps.CallGraph, new CallArgs(parse.GetRequiredValue(id)), cancellationToken);
                if (parse.GetValue(json)) context.WriteJson(calls);
                else context.Console.Write(parse.GetValue(graph) ? FlowViews.Graph(calls) : FlowViews.Subtree(calls));
                return CommandActions.Done;
            }

            CallInfo call;
            try
            {
                call = await gateway.SendAsync<CallInfo>(GatewayOps.GetCall, new CallArgs(parse.GetRequiredValue(id), WithArguments: true), cancellationToken);
            }
            catch (GatewayException e) when (e.Kind == "NotFound")
            {
                // A workflow's id where a call's was expected: say so, and how to see it (the graph answers for either).
                var around = await gateway.SendAsync<CallGraph>(GatewayOps.CallGraph, new CallArgs(parse.GetRequiredValue(id)), cancellationToken);
                if (around.Call is not null) throw;
                var flowId = parse.GetRequiredValue(id);
                context.Error.WriteLine($"pyfi: {flowId} is a workflow, not a call: pyfi ls call --id {flowId} -g draws its calls, pyfi flow result --id {flowId} gives its result");
                return CommandActions.Failed;
            }

            if (parse.GetValue(json)) context.WriteJson(call);
            else context.Console.Write(CallViews.Details(call));
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi ls calls [--socket S] [--state X] [--since T] [--limit N] [--json]</c>: calls from storage, newest first.</summary>
    public static Command List(CliContext context)
    {
        var socket = new Option<string?>("--socket", "-s") { Description = "Only this socket's calls" };
        var state = new Option<string?>("--state") { Description = $"Only calls in this state: {Choices.Of<CallState>()}" }.Checked(s => Choices.Parse<CallState>(s, "--state"));
        var since = new Option<string?>("--since") { Description = "Only calls accepted since: a duration ago (30s, 5m, 2h, 1d) or a date/time (ISO 8601)" }.Checked(t => Since(t));
        var limit = CommonOptions.Integer("--limit", "At most this many (default 100)", "-l");
        var json = CommonOptions.Json();
        var command = new Command("calls", "List task calls, newest first: id, socket, state, attempts, when, how long") { socket, state, since, limit, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var query = new CallQuery
            {
                Socket = parse.GetValue(socket),
                State = parse.GetValue(state) is { } s ? Choices.Parse<CallState>(s, "--state") : null,
                Since = parse.GetValue(since) is { } t ? Since(t) : null,
                Limit = parse.GetValue(limit) ?? 100,
            };
            var calls = await gateway.SendAsync<CallInfo[]>(GatewayOps.ListCalls, query, cancellationToken);
            if (parse.GetValue(json)) context.WriteJson(calls);
            else context.Console.Write(CallViews.Table(calls, context.Console.Profile.Width));
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi ls run --id RUN [--json]</c>: a run's calls, oldest first, each with the call whose end made it.</summary>
    public static Command Run(CliContext context)
    {
        var id = CommonOptions.Id("The run's id: the id of the call a client or a schedule started");
        var json = CommonOptions.Json();
        var command = new Command("run", "Show a run: the call a client or schedule started and every call its plugs made") { id, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var query = new CallQuery { Run = parse.GetRequiredValue(id), Limit = CallQuery.MaxLimit };
            var calls = (await gateway.SendAsync<CallInfo[]>(GatewayOps.ListCalls, query, cancellationToken)).OrderBy(c => c.Created).ToArray();
            if (parse.GetValue(json)) context.WriteJson(calls);
            else context.Console.Write(CallViews.RunTable(calls));
            return CommandActions.Done;
        });
    }

    // "--since 5m" is five minutes ago; anything else must be a date and time.
    private static DateTimeOffset Since(string text)
    {
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out var at)) return at;
        return DateTimeOffset.UtcNow - Durations.Parse(text, "--since");
    }
}
