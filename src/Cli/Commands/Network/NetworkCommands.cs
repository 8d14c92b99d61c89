using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;

namespace Pyfi.Cli.Commands.Network;

/// <summary><c>pyfi apply -f FILE [--prune] [--dry-run]</c> and <c>pyfi export</c>: the network as a file.</summary>
public static class NetworkCommands
{
    /// <summary><c>pyfi apply -f FILE [--prune] [--dry-run] [--json]</c></summary>
    public static Command Apply(CliContext context)
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The network, in YAML or JSON (- for standard input): queues, processors, sockets and plugs", Required = true };
        var prune = new Option<bool>("--prune") { Description = "Also delete the queues, processors, sockets and plugs the file does not declare" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change, and change nothing" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON (changes, problems, applied)" };
        var command = new Command("apply", "Make the network what a file declares: print what is added (+), changed (~) and, with --prune, deleted (-)") { file, prune, dryRun, json };
        return command.WithAction(context, async (parse, cancellationToken) =>
        {
            // The file is read, and a file that cannot be read refused, before the network is asked anything.
            var path = parse.GetRequiredValue(file);
            var name = path.Name == "-" ? "standard input" : path.Name;
            var text = await BoundedInput.ReadFileAsync(path, $"the {NetworkFile.What}", $"the {NetworkFile.What} on standard input", cancellationToken);
            var network = NetworkFile.Read(text, out var problems);
            var args = new ApplyNetworkArgs(network, parse.GetValue(prune), parse.GetValue(dryRun) || !problems.IsEmpty);
            NetworkPlan plan;
            try
            {
                await using var gateway = await context.ConnectAsync(parse, cancellationToken);
                plan = await gateway.SendAsync<NetworkPlan>(GatewayOps.ApplyNetwork, args, cancellationToken);
            }
            catch (Exception e) when (!problems.IsEmpty && e is not OperationCanceledException)
            {
                // The file is refused for its own problems whatever the network says (or whether it answers).
                plan = new NetworkPlan();
            }

            plan = NetworkPlanView.WithFileProblems(plan, problems);
            if (parse.GetValue(json)) context.WriteJson(plan);
            else NetworkPlanView.Print(context, plan, network, name, args.DryRun);
            return plan.Refused ? CommandActions.Failed : CommandActions.Done;
        });
    }

    /// <summary><c>pyfi export [--json]</c></summary>
    public static Command Export(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Write JSON instead of YAML" };
        var command = new Command("export", "Write the network (queues, processors, sockets, plugs) as a file pyfi apply -f takes, on standard output") { json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var network = await gateway.SendAsync<NetworkSpec>(GatewayOps.ExportNetwork, null, cancellationToken);
            context.Output.Write(NetworkFile.Write(network, parse.GetValue(json)));
            return CommandActions.Done;
        });
    }
}
