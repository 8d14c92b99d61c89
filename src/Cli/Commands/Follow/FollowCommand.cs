using System.CommandLine;
using System.Globalization;
using Pyfi.Cli.Infrastructure;
using Pyfi.Client.Calls;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Follow;

/// <summary>
/// <c>pyfi follow (-s SOCKET | --run RUN) [--after POSITION] [--count N]</c>: each call that ends on the socket, or in
/// the run wherever its plugs take it, as one line of JSON, until Ctrl+C (or N calls). Each line carries the call's
/// position: <c>--after</c> it goes on from there, skipping nothing and repeating nothing (a script that stopped picks
/// up where it was).
/// </summary>
public static class FollowCommand
{
    /// <summary>Builds <c>pyfi follow</c>.</summary>
    public static Command Create(CliContext context)
    {
        var socket = new Option<string?>("--socket", "-s") { Description = "Follow the calls that end on this socket" };
        var run = new Option<Guid?>("--run")
        {
            Description = "Follow the calls of this run (the id of the call a client started) wherever they end",
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (Guid.TryParse(token, out var id)) return id;
                result.AddError($"--run: '{token}' is not a run's id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)");
                return null;
            },
        };
        var after = new Option<long?>("--after")
        {
            Description = "Start after this position (a line's \"position\"), not from now: what ended since comes first",
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var position)) return position;
                result.AddError($"--after: '{token}' is not a position (a whole number a line of pyfi follow printed)");
                return null;
            },
        };
        var count = CommonOptions.Integer("--count", "Stop after this many calls (default: until Ctrl+C)", "-n");
        var command = new Command("follow", "Print each call that ends on a socket or in a run as a line of JSON (result or error), as it ends, until Ctrl+C")
        {
            socket, run, after, count,
        };
        count.Validators.Add(result =>
        {
            if (result.Tokens is [.., var t] && int.TryParse(t.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n < 1) result.AddError("--count must be at least 1");
        });
        // Which options were given, not their values: a value that did not parse is its own option's error.
        command.Validators.Add(result =>
        {
            if ((result.GetResult(socket) is null) == (result.GetResult(run) is null)) result.AddError("follow takes one of -s SOCKET and --run RUN");
        });
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var args = new FollowArgs(parse.GetValue(socket), parse.GetValue(run));
            var limit = parse.GetValue(count);
            try
            {
                // The first request says whether there is anything to follow, and where now is.
                var now = await gateway.SendAsync<FollowPage>(GatewayOps.FollowCalls, args, cancellationToken);
                var cursor = new FollowCursor(parse.GetValue(after) ?? now.Cursor);
                var printed = 0;
                while (true)
                {
                    var page = await gateway.SendAsync<FollowPage>(GatewayOps.FollowCalls, args with { After = cursor.After }, cancellationToken);
                    foreach (var (call, position) in cursor.Take(page))
                    {
                        // A line at a time, flushed: a pipe's reader gets each call as it ends.
                        context.Output.WriteLine(FollowLine.Of(call, position));
                        await context.Output.FlushAsync(cancellationToken);
                        if (++printed == limit) return CommandActions.Done;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C is how following ends.
                return CommandActions.Done;
            }
        });
    }
}
