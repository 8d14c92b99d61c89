using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Processors;

/// <summary><c>pyfi add|update|delete|ls processor</c> and <c>pyfi ls processors</c>.</summary>
public static class ProcessorCommands
{
    private const string Kind = "processor";

    /// <summary><c>pyfi add processor -n NAME -g REPO -m MODULE [--runtime python|node|bash] [-b BRANCH] [--commit SHA] [-w CONCURRENCY] [--requirements FILE] [--memory 1G]</c></summary>
    public static Command Add(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var o = new ProcessorOptions();
        o.Repository.Required = true;
        o.Module.Required = true;
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Add a processor: a module in a git repository (python, node or a folder of bash scripts)") { name, json };
        o.AddTo(command, forUpdate: false);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var spec = new ProcessorSpec
            {
                Name = parse.GetRequiredValue(name),
                Repository = parse.GetRequiredValue(o.Repository)!,
                Module = parse.GetRequiredValue(o.Module)!,
                Runtime = o.ParseRuntime(parse) ?? ProcessorRuntime.Python,
                Branch = parse.GetValue(o.Branch),
                Commit = parse.GetValue(o.Commit),
                Concurrency = parse.GetValue(o.Concurrency),
                Requirements = parse.GetValue(o.Requirements),
                Memory = o.ParseMemory(parse),
                Hosts = [.. o.ParseHosts(parse) ?? []],
            };
            Print(context, await gateway.SendAsync<ProcessorInfo>(GatewayOps.AddProcessor, spec, cancellationToken), parse.GetValue(json), "added");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi update processor -n NAME [flags]</c></summary>
    public static Command Update(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var o = new ProcessorOptions();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Change a processor (an empty --branch, --commit or --requirements clears it)") { name, json };
        o.AddTo(command, forUpdate: true);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var update = new ProcessorUpdate
            {
                Repository = parse.GetValue(o.Repository),
                Module = parse.GetValue(o.Module),
                Runtime = o.ParseRuntime(parse),
                Branch = parse.GetValue(o.Branch),
                Commit = parse.GetValue(o.Commit),
                Concurrency = parse.GetValue(o.Concurrency),
                Requirements = parse.GetValue(o.Requirements),
                Memory = o.ParseMemory(parse),
                Enabled = parse.GetValue(o.Enabled) is { } e ? Choices.ParseBool(e, "--enabled") : null,
                RequestedStatus = parse.GetValue(o.RequestedStatus) is { } s ? Choices.Parse<ProcessorStatus>(s, "--requested-status") : null,
                Hosts = o.ParseHosts(parse),
            };
            Print(context, await gateway.SendAsync<ProcessorInfo>(GatewayOps.UpdateProcessor, new NamedUpdate<ProcessorUpdate>(parse.GetRequiredValue(name), update), cancellationToken), parse.GetValue(json), "updated");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi delete processor -n NAME</c></summary>
    public static Command Delete(CliContext context) =>
        DefinitionCommands.Delete(context, Kind, "Delete a processor no socket uses", GatewayOps.DeleteProcessor);

    /// <summary><c>pyfi ls processor -n NAME [--json]</c></summary>
    public static Command Show(CliContext context) =>
        DefinitionCommands.Show<ProcessorInfo>(context, Kind, GatewayOps.GetProcessor, Details);

    /// <summary><c>pyfi ls processors [--json]</c></summary>
    public static Command List(CliContext context) =>
        DefinitionCommands.List<ProcessorInfo>(context, "processors", GatewayOps.ListProcessors, processors => Table(processors, context.Console.Profile.Width));

    // On a terminal too narrow for every column: the ones that say what a processor is and why it does not run.
    private static readonly string[] Narrow = ["Name", "Module", "Repository", "Commit", "Status", "Sockets", "Error"];

    private static Table Table(IReadOnlyList<ProcessorInfo> processors, int width) => Views.Fitted(width,
        ["Name", "Module", "Runtime", "Repository", "Branch", "Commit", "Concurrency", "Memory", "Enabled", "Requested", "Status", "Sockets", "Error"],
        [.. processors.Select(p => new[]
        {
            p.Spec.Name, p.Spec.Module, Views.Name(p.Spec.Runtime), p.Spec.Repository, p.Spec.Branch ?? "-", ShortCommit(p.Spec.Commit), Concurrency(p.Spec), Memory(p.Spec, "-"),
            p.Spec.Enabled ? "yes" : "no", Views.Name(p.Spec.RequestedStatus), Views.Name(p.Status), p.Sockets.Length.ToString(), Reason(p.Error) ?? "-",
        })],
        Narrow);

    // A table row is one line: the error's first line, shortened; `pyfi ls processor -n NAME` shows all of it.
    private const int ReasonWidth = 100;

    private static string? Reason(string? error)
    {
        if (string.IsNullOrWhiteSpace(error)) return null;
        var line = error.Trim().Split('\n')[0].TrimEnd();
        return line.Length <= ReasonWidth ? line : line[..(ReasonWidth - 1)] + "…";
    }

    private static string ShortCommit(string? commit) => commit is { Length: > 12 } ? commit[..12] : commit ?? "-";

    private static string Concurrency(ProcessorSpec spec) => spec.Concurrency?.ToString() ?? "-";

    private static string Memory(ProcessorSpec spec, string otherwise) => spec.Memory is { } bytes ? ByteSize.Format(bytes) : otherwise;

    private static void Print(CliContext context, ProcessorInfo info, bool json, string done)
    {
        if (json) context.WriteJson(info);
        else context.Output.WriteLine($"processor '{info.Spec.Name}' {done} ({info.Spec.Module} from {info.Spec.Repository})");
    }

    private static IRenderable Details(ProcessorInfo p) => Views.Details(
    [
        ("Name", p.Spec.Name),
        ("Runtime", Views.Name(p.Spec.Runtime)),
        ("Module", p.Spec.Module),
        ("Repository", p.Spec.Repository),
        ("Branch", p.Spec.Branch ?? "(default)"),
        ("Commit", p.Spec.Commit ?? "(branch tip)"),
        ("Concurrency", Concurrency(p.Spec)),
        ("Requirements", p.Spec.Requirements ?? "requirements.txt (when present)"),
        ("Memory", Memory(p.Spec, "the silo's default (PYFI_WORKER_MEMORY)")),
        ("Hosts", p.Spec.Hosts.IsDefaultOrEmpty ? "any" : string.Join(", ", p.Spec.Hosts)),
        ("Enabled", p.Spec.Enabled ? "yes" : "no"),
        ("Requested", Views.Name(p.Spec.RequestedStatus)),
        ("Status", Views.Name(p.Status)),
        ("Deployed", p.Commit ?? "-"),
        ("Error", p.Error ?? "-"),
        ("Sockets", p.Sockets.Length == 0 ? "-" : string.Join(", ", p.Sockets)),
        ("Revision", p.Stamp.Revision.ToString()),
        ("Created", Views.Time(p.Stamp.Created)),
        ("Updated", Views.Time(p.Stamp.Updated)),
    ]);
}
