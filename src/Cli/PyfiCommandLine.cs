using System.CommandLine;
using Pyfi.Cli.Commands.Calls;
using Pyfi.Cli.Commands.Cluster;
using Pyfi.Cli.Commands.Db;
using Pyfi.Cli.Commands.Flows;
using Pyfi.Cli.Commands.Follow;
using Pyfi.Cli.Commands.Network;
using Pyfi.Cli.Commands.Processors;
using Pyfi.Cli.Commands.Plugs;
using Pyfi.Cli.Commands.Queues;
using Pyfi.Cli.Commands.Schedules;
using Pyfi.Cli.Commands.Sockets;
using Pyfi.Cli.Commands.Tasks;
using Pyfi.Cli.Commands.Tokens;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli;

/// <summary>The <c>pyfi</c> command tree, verb first as in the original: <c>pyfi add queue …</c>, <c>pyfi ls sockets</c>.</summary>
public static class PyfiCommandLine
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("pyfi: build a Pyfi network (queues, processors, sockets, plugs) and run task calls on it");
        root.Options.Add(context.Gateway);
        root.Options.Add(context.Token);

        root.Subcommands.Add(new Command("add", "Add a queue, processor, socket, plug or schedule")
        {
            QueueCommands.Add(context), ProcessorCommands.Add(context), SocketCommands.Add(context), PlugCommands.Add(context), ScheduleCommands.Add(context),
        });
        root.Subcommands.Add(new Command("update", "Change a queue, processor, socket, plug or schedule")
        {
            QueueCommands.Update(context), ProcessorCommands.Update(context), SocketCommands.Update(context), PlugCommands.Update(context), ScheduleCommands.Update(context),
        });
        root.Subcommands.Add(new Command("delete", "Delete a queue, processor, socket, plug or schedule")
        {
            QueueCommands.Delete(context), ProcessorCommands.Delete(context), SocketCommands.Delete(context), PlugCommands.Delete(context), ScheduleCommands.Delete(context),
        });
        root.Subcommands.Add(new Command("ls", "List or show queues, processors, sockets, plugs, schedules and calls")
        {
            QueueCommands.List(context), QueueCommands.Show(context),
            ProcessorCommands.List(context), ProcessorCommands.Show(context),
            SocketCommands.List(context), SocketCommands.Show(context),
            PlugCommands.List(context), PlugCommands.Show(context),
            ScheduleCommands.List(context), ScheduleCommands.Show(context), NetworkCommand.Create(context),
            CallCommands.Show(context), CallCommands.List(context), CallCommands.Run(context),
            ClusterCommands.Nodes(context), ClusterCommands.Agents(context), ClusterCommands.Workers(context),
        });
        root.Subcommands.Add(new Command("pause", "Pause a schedule") { ScheduleCommands.Pause(context, pause: true) });
        root.Subcommands.Add(new Command("resume", "Resume a paused schedule") { ScheduleCommands.Pause(context, pause: false) });
        root.Subcommands.Add(NetworkCommands.Apply(context));
        root.Subcommands.Add(NetworkCommands.Export(context));
        root.Subcommands.Add(new Command("task", "Run task calls") { TaskCommands.Run(context), TaskCommands.Result(context), TaskCommands.Cancel(context) });
        root.Subcommands.Add(new Command("flow", "Run workflows: pipelines, parallels and funnels of sockets")
        {
            FlowCommands.Run(context), FlowCommands.Result(context), FlowCommands.Watch(context), FlowCommands.Cancel(context),
        });
        root.Subcommands.Add(FollowCommand.Create(context));
        root.Subcommands.Add(TopCommand.Create(context));
        root.Subcommands.Add(new Command("db", "Database administration") { DbCommands.Init(context) });
        root.Subcommands.Add(new Command("token", "Access tokens: who may do what (admin)")
        {
            TokenCommands.Create(context), TokenCommands.List(context), TokenCommands.Revoke(context),
        });

        var version = new Command("version", "Print the version of this tool");
        version.SetAction(_ =>
        {
            context.Output.WriteLine($"pyfi {PyfiVersion.Current}");
            return CommandActions.Done;
        });
        root.Subcommands.Add(version);
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>: exit 0 done, 1 refused or failed, 2 usage, 3 not ended yet.
    /// No arguments at all asks for help: it prints the commands (exit 0).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        if (args.Length == 0) args = ["--help"];
        // Multi-letter short flags (-pn, -br, -rq) are the original's; POSIX bundling would split them.
        var parse = root.Parse(args, new ParserConfiguration { EnablePosixBundling = false });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) context.Error.WriteLine($"pyfi: {error.Message}");
            // A command group alone (pyfi add, pyfi ls) says which commands it has.
            if (parse.CommandResult.Command is { Action: null, Subcommands.Count: > 0 } group)
            {
                context.Error.WriteLine($"{Usage(parse)} takes one of: {string.Join(", ", group.Subcommands.Select(c => c.Name))}.");
            }

            context.Error.WriteLine($"Try '{Usage(parse)} --help'.");
            return CommandActions.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        }, cancellationToken);
    }

    private static string Usage(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "pyfi" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
