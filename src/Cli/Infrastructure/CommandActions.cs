using System.CommandLine;
using Pyfi.Client.Gateway;

namespace Pyfi.Cli.Infrastructure;

/// <summary>
/// Runs a command's behaviour with Pyfi's exit codes: 0 done, 1 refused or failed (one line on standard
/// error). Usage errors (2) are reported before any action runs.
/// </summary>
public static class CommandActions
{
    /// <summary>Exit code: done.</summary>
    public const int Done = 0;

    /// <summary>Exit code: refused or failed.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the command line was malformed.</summary>
    public const int Usage = 2;

    /// <summary>Exit code: the call asked about has not ended yet.</summary>
    public const int NotEnded = 3;

    /// <summary>Sets <paramref name="body"/> as the action of <paramref name="command"/>, with error handling.</summary>
    public static Command WithAction(this Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await body(parse, cancellationToken);
            }
            catch (PyfiException e)
            {
                context.Error.WriteLine($"pyfi: {e.Message}");
                return Failed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                context.Error.WriteLine("pyfi: cancelled");
                return Failed;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                context.Error.WriteLine($"pyfi: {PyfiException.Find(e)?.Message ?? Describe(e)}");
                return Failed;
            }
        });
        return command;
    }

    /// <summary>Sets an action that connects to a silo's gateway first.</summary>
    public static Command WithGatewayAction(this Command command, CliContext context, Func<GatewayConnection, ParseResult, CancellationToken, Task<int>> body) =>
        command.WithAction(context, async (parse, cancellationToken) =>
        {
            await using var gateway = await context.ConnectAsync(parse, cancellationToken);
            return await body(gateway, parse, cancellationToken);
        });

    // An error that is not one of Pyfi's: say what it was in words, without a stack trace or a .NET type's name.
    private static string Describe(Exception e)
    {
        var inner = e is AggregateException { InnerException: { } first } ? first : e;
        return Pyfi.Client.PyfiRetry.IsTransient(inner)
            ? $"the network did not answer ({Pyfi.Client.PyfiRetry.Reason(inner)}): try again"
            : $"unexpected error: {inner.Message.Split('\n')[0]}";
    }
}
