using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Client;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Tasks;

/// <summary><c>pyfi task run</c>, <c>pyfi task result</c> and <c>pyfi task cancel</c>.</summary>
public static class TaskCommands
{
    /// <summary><c>pyfi task run -s SOCKET [-d DATA] [--kwargs DICT] [--json] [-v] [--no-wait] [--key K] [--max-attempts N] [--timeout T]</c></summary>
    public static Command Run(CliContext context)
    {
        var socket = new Option<string>("--socket", "-s") { Description = "The socket to call", Required = true };
        var data = new Option<string?>("--data", "-d") { Description = "Arguments as a Python literal: a list or tuple is spread, anything else is one argument" };
        var kwargs = new Option<string?>("--kwargs") { Description = "Keyword arguments as a Python dict literal" };
        var noData = new Option<bool>("--nodata", "-nd") { Description = "Call with no arguments (do not read standard input)" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON even when it is a string" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Say on standard error which call ran, where, and how long it took" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the call's id once it is stored, and do not wait for it (see pyfi task result)" };
        var key = new Option<string?>("--key") { Description = "Idempotency key: submitting again with the same key is the same call" };
        var attempts = CommonOptions.Integer("--max-attempts", "This call's attempts in all, instead of the socket's");
        var timeout = new Option<string?>("--timeout") { Description = "This call's per-attempt time limit, instead of the socket's (e.g. 30s, 5m)" }.Checked(t => Durations.Parse(t, "--timeout"));
        var command = new Command("run", "Run a socket's function once and print its result (standard input is the argument when --data is not given)")
        {
            socket, data, kwargs, noData, json, verbose, noWait, key, attempts, timeout,
        };
        return command.WithAction(context, async (parse, cancellationToken) =>
        {
            // What the user typed is read, and refused, before the network is asked anything.
            if (ReadsTerminal(parse.GetValue(data), parse.GetValue(noData))) context.Error.WriteLine(ReadingNotice);
            var (args, keywords) = TaskArguments.From(parse.GetValue(data), parse.GetValue(kwargs), parse.GetValue(noData), Console.In, CliContext.MaxPayloadBytes);
            var wait = !parse.GetValue(noWait);
            // Without a key of its own the submission gets one: sent again after a lost gateway, it finds the first call.
            var run = new TaskRunArgs(parse.GetRequiredValue(socket), args, keywords, wait, parse.GetValue(key) ?? CallKey.New(), parse.GetValue(attempts),
                parse.GetValue(timeout) is { } t ? Durations.Parse(t, "--timeout") : null);
            await using var gateway = await context.ConnectAsync(parse, cancellationToken);
            var call = await gateway.SendAsync<CallInfo>(GatewayOps.RunTask, run, cancellationToken);
            if (!wait)
            {
                context.Output.WriteLine(call.Id.ToString());
                return CommandActions.Done;
            }

            if (parse.GetValue(verbose)) context.Error.WriteLine(CallViews.Summary(call));
            return Report(context, call, parse.GetValue(json));
        });
    }

    /// <summary><c>pyfi task result --id ID [--wait] [--json]</c></summary>
    public static Command Result(CliContext context)
    {
        var id = CommonOptions.Id("The call's id");
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the call has ended" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON even when it is a string" };
        var command = new Command("result", "Print a call's result (exit 1 if it failed, 3 if it has not ended)") { id, wait, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var call = await gateway.SendAsync<CallInfo>(GatewayOps.GetCall, new CallArgs(parse.GetRequiredValue(id), parse.GetValue(wait)), cancellationToken);
            return Report(context, call, parse.GetValue(json));
        });
    }

    /// <summary><c>pyfi task cancel --id ID</c></summary>
    public static Command Cancel(CliContext context)
    {
        var id = CommonOptions.Id("The call's id");
        var command = new Command("cancel", "Cancel a call: a queued call never runs, a running one is stopped (exit 1 if it has already ended)") { id };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var call = await gateway.SendAsync<CallInfo>(GatewayOps.CancelCall, new CallArgs(parse.GetRequiredValue(id)), cancellationToken);
            context.Output.WriteLine($"call {call.Id} cancelled");
            return CommandActions.Done;
        });
    }

    /// <summary>What <c>task run</c> says on standard error before it waits for a person to type the argument.</summary>
    public const string ReadingNotice = "reading the argument from standard input: type it, then an empty line or Ctrl+D (--data gives it on the command line, --nodata calls with none)";

    // Standard input is the argument when neither --data nor --nodata is given; a person at a terminal is told so
    // (else the command seems to hang), a pipe or a file is read without a word.
    private static bool ReadsTerminal(string? data, bool noData) => data is null && !noData && !Console.IsInputRedirected;

    // The result on stdout (a string as-is, anything else as JSON); a failure as its error on stderr.
    private static int Report(CliContext context, CallInfo call, bool json)
    {
        switch (call.State)
        {
            case CallState.Succeeded:
                context.Output.WriteLine(CallViews.Printable(call.Result ?? "null", json));
                return CommandActions.Done;
            case CallState.Failed or CallState.Cancelled:
                context.Error.Write(CallViews.Failure(call));
                return CommandActions.Failed;
            default:
                context.Error.WriteLine($"pyfi: call {call.Id} is {Views.Name(call.State)}");
                return CommandActions.NotEnded;
        }
    }
}
