using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;

namespace Pyfi.Cli.Commands.Flows;

/// <summary><c>pyfi flow run</c>, <c>pyfi flow result</c>, <c>pyfi flow watch</c> and <c>pyfi flow cancel</c>.</summary>
public static class FlowCommands
{
    /// <summary><c>pyfi flow run -f FILE [--no-wait] [--json] [-v]</c></summary>
    public static Command Run(CliContext context)
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The workflow, in YAML or JSON (- for standard input): pipeline, parallel and funnel of sockets with args", Required = true };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the workflow's id once it is stored, and do not wait for it (see pyfi flow result / watch)" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON even when it is a string" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Say on standard error which workflow ran and how long it took" };
        var command = new Command("run", "Run a workflow in the network and print its result (exit 1 if a step failed)") { file, noWait, json, verbose };
        return command.WithAction(context, async (parse, cancellationToken) =>
        {
            // The file is read, and refused, before the network is asked anything.
            var path = parse.GetRequiredValue(file);
            var text = await BoundedInput.ReadFileAsync(path, "the workflow file", "the workflow on standard input", cancellationToken);
            var step = FlowFile.Parse(text);
            await using var gateway = await context.ConnectAsync(parse, cancellationToken);
            var flow = await gateway.SendAsync<FlowInfo>(GatewayOps.StartFlow, step, cancellationToken);
            if (parse.GetValue(noWait))
            {
                context.Output.WriteLine(flow.Id.ToString());
                return CommandActions.Done;
            }

            if (!Console.IsErrorRedirected) context.Error.WriteLine(Started(flow.Id));

            if (!parse.GetValue(verbose))
            {
                var ended = await gateway.SendAsync<FlowSummary>(GatewayOps.GetFlow, new FlowArgs(flow.Id, Wait: true, Brief: true), cancellationToken);
                return Report(context, ended, parse.GetValue(json));
            }

            flow = await gateway.SendAsync<FlowInfo>(GatewayOps.GetFlow, new FlowArgs(flow.Id, Wait: true), cancellationToken);
            context.Error.WriteLine(FlowViews.Summary(flow));
            return Report(context, FlowSummary.Of(flow), parse.GetValue(json));
        });
    }

    /// <summary><c>pyfi flow result --id ID [--wait] [--json]</c></summary>
    public static Command Result(CliContext context)
    {
        var id = Id();
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the workflow has ended" };
        var json = new Option<bool>("--json") { Description = "Print the whole workflow as JSON (state, steps, result or error)" };
        var command = new Command("result", "Print a workflow's result (exit 1 if it failed, 3 if it has not ended)") { id, wait, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            // Without --json only the summary travels: a large workflow's whole record is tens of megabytes.
            if (!parse.GetValue(json))
            {
                var summary = await gateway.SendAsync<FlowSummary>(GatewayOps.GetFlow, new FlowArgs(parse.GetRequiredValue(id), parse.GetValue(wait), Brief: true), cancellationToken);
                return Report(context, summary, json: false);
            }

            var flow = await gateway.SendAsync<FlowInfo>(GatewayOps.GetFlow, new FlowArgs(parse.GetRequiredValue(id), parse.GetValue(wait)), cancellationToken);
            context.WriteJson(flow);
            return flow.State == FlowState.Succeeded ? CommandActions.Done : flow.State.IsFinal() ? CommandActions.Failed : CommandActions.NotEnded;
        });
    }

    /// <summary><c>pyfi flow watch --id ID</c>: a live progress bar until the workflow ends.</summary>
    public static Command Watch(CliContext context)
    {
        var id = Id();
        var command = new Command("watch", "Follow a workflow's progress (steps done of all) until it ends; exit 1 if it failed") { id };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var flowId = parse.GetRequiredValue(id);
            var seen = new FlowWatchArgs(flowId, -1, FlowState.Running);
            async Task<FlowProgress> NextAsync()
            {
                var progress = await gateway.SendAsync<FlowProgress>(GatewayOps.WatchFlow, seen, cancellationToken);
                seen = seen with { Done = progress.Done, State = progress.State };
                return progress;
            }

            var last = await NextAsync();
            if (context.IsInteractive)
            {
                await context.Console.Progress().AutoClear(false).Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bar = progress.AddTask($"workflow {flowId}", maxValue: Math.Max(1, last.Total));
                        bar.Value = last.Done;
                        while (!last.State.IsFinal())
                        {
                            last = await NextAsync();
                            bar.Value = last.Done;
                        }

                        bar.Description = $"workflow {flowId}: {Views.Name(last.State)}";
                    });
            }
            else
            {
                // Not a terminal: one line per change, for logs and scripts.
                context.Output.WriteLine($"{last.Done}/{last.Total} steps done ({Views.Name(last.State)})");
                while (!last.State.IsFinal())
                {
                    last = await NextAsync();
                    context.Output.WriteLine($"{last.Done}/{last.Total} steps done ({Views.Name(last.State)})");
                }
            }

            if (last.State == FlowState.Succeeded) return CommandActions.Done;
            var ended = await gateway.SendAsync<FlowSummary>(GatewayOps.GetFlow, new FlowArgs(flowId, Brief: true), cancellationToken);
            context.Error.Write(FlowViews.Failure(ended));
            return CommandActions.Failed;
        });
    }

    /// <summary><c>pyfi flow cancel --id ID</c></summary>
    public static Command Cancel(CliContext context)
    {
        var id = Id();
        var command = new Command("cancel", "Cancel a workflow: no step starts after this, and its steps not ended are cancelled") { id };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var flow = await gateway.SendAsync<FlowSummary>(GatewayOps.CancelFlow, new FlowArgs(parse.GetRequiredValue(id), Brief: true), cancellationToken);
            if (flow.State == FlowState.Cancelled)
            {
                context.Output.WriteLine($"workflow {flow.Id} cancelled");
                return CommandActions.Done;
            }

            context.Error.WriteLine($"pyfi: workflow {flow.Id} has already ended ({Views.Name(flow.State)})");
            return CommandActions.Failed;
        });
    }

    /// <summary>
    /// What <c>flow run</c> says on a terminal's standard error once the workflow is stored, before it waits: its
    /// id, to follow it from another shell or after Ctrl+C. (A script gets the id in a failure's line, or from
    /// <c>--no-wait</c> or <c>-v</c>; its standard output stays the result alone.)
    /// </summary>
    public static string Started(Guid id) =>
        $"workflow {id} started: pyfi flow watch --id {id} follows it, pyfi ls call --id {id} -g draws it";

    private static Option<Guid> Id() => CommonOptions.Id("The workflow's id");

    private static int Report(CliContext context, FlowSummary flow, bool json)
    {
        switch (flow.State)
        {
            case FlowState.Succeeded:
                context.Output.WriteLine(CallViews.Printable(flow.Result ?? "null", json));
                return CommandActions.Done;
            case FlowState.Failed or FlowState.Cancelled:
                context.Error.Write(FlowViews.Failure(flow));
                return CommandActions.Failed;
            default:
                context.Error.WriteLine($"pyfi: workflow {flow.Id} is {Views.Name(flow.State)}: {flow.Done} of {flow.Total} steps done");
                return CommandActions.NotEnded;
        }
    }
}
