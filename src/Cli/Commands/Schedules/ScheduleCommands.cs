using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Schedules;

/// <summary><c>pyfi add|update|delete|ls|pause|resume schedule</c> and <c>pyfi ls schedules</c>: calls made at fixed times.</summary>
public static class ScheduleCommands
{
    private const string Kind = "schedule";

    /// <summary><c>pyfi add schedule -n NAME -s SOCKET (--every 30s | --cron EXPR) [-d DATA] [--kwargs DICT] [--tz ZONE] [--overlap ...] [--catch-up ...]</c></summary>
    public static Command Add(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var options = new ScheduleOptions();
        var paused = new Option<bool>("--paused") { Description = "Add it paused (resume it with pyfi resume schedule)" };
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Add a schedule: a call of the socket at each time --every or --cron names") { name, paused, json };
        options.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var (args, kwargs) = options.Arguments(parse);
            var spec = new ScheduleSpec
            {
                Name = parse.GetRequiredValue(name),
                Socket = parse.GetValue(options.Socket) ?? throw new InvalidSpecException("--socket (-s) is required"),
                Every = options.EveryValue(parse),
                Cron = parse.GetValue(options.Cron),
                Args = args ?? "[]",
                Kwargs = kwargs,
                TimeZone = parse.GetValue(options.TimeZone) is { Length: > 0 } zone ? zone : null,
                Overlap = options.OverlapValue(parse) ?? ScheduleOverlap.Skip,
                CatchUp = options.CatchUpValue(parse) ?? ScheduleCatchUp.One,
                Paused = parse.GetValue(paused),
            };
            Print(context, await gateway.SendAsync<ScheduleInfo>(GatewayOps.AddSchedule, spec, cancellationToken), parse.GetValue(json), "added");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi update schedule -n NAME [options of add]</c></summary>
    public static Command Update(CliContext context)
    {
        var name = CommonOptions.Name(Kind);
        var options = new ScheduleOptions();
        var json = CommonOptions.Json();
        var command = new Command(Kind, "Change a schedule") { name, json };
        options.AddTo(command);
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var (args, kwargs) = options.Arguments(parse);
            var update = new ScheduleUpdate
            {
                Socket = parse.GetValue(options.Socket),
                Every = options.EveryValue(parse),
                Cron = parse.GetValue(options.Cron),
                Args = args,
                Kwargs = kwargs,
                TimeZone = parse.GetValue(options.TimeZone),
                Overlap = options.OverlapValue(parse),
                CatchUp = options.CatchUpValue(parse),
            };
            if (update.Every is not null && update.Cron is not null) throw new InvalidSpecException("give one of --every and --cron");
            await SendAsync(context, gateway, parse.GetRequiredValue(name), update, parse.GetValue(json), "updated", cancellationToken);
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi pause schedule -n NAME</c> and <c>pyfi resume schedule -n NAME</c></summary>
    public static Command Pause(CliContext context, bool pause)
    {
        var name = CommonOptions.Name(Kind);
        var json = CommonOptions.Json();
        var command = new Command(Kind, pause
            ? "Pause a schedule: no slot fires until it is resumed"
            : "Resume a paused schedule: it fires from its next slot on (slots passed while paused are not made up)") { name, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            await SendAsync(context, gateway, parse.GetRequiredValue(name), new ScheduleUpdate { Paused = pause }, parse.GetValue(json), pause ? "paused" : "resumed", cancellationToken);
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi delete schedule -n NAME</c></summary>
    public static Command Delete(CliContext context) =>
        DefinitionCommands.Delete(context, Kind, "Delete a schedule (the calls it made stay)", GatewayOps.DeleteSchedule);

    /// <summary><c>pyfi ls schedule -n NAME [--json]</c></summary>
    public static Command Show(CliContext context) =>
        DefinitionCommands.Show<ScheduleInfo>(context, Kind, GatewayOps.GetSchedule, Details);

    /// <summary><c>pyfi ls schedules [--json]</c></summary>
    public static Command List(CliContext context) =>
        DefinitionCommands.List<ScheduleInfo>(context, "schedules", GatewayOps.ListSchedules, Table);

    private static async Task SendAsync(CliContext context, GatewayConnection gateway, string name, ScheduleUpdate update, bool json, string done, CancellationToken cancellationToken)
    {
        var info = await gateway.SendAsync<ScheduleInfo>(GatewayOps.UpdateSchedule, new NamedUpdate<ScheduleUpdate>(name, update), cancellationToken);
        Print(context, info, json, done);
    }

    private static void Print(CliContext context, ScheduleInfo info, bool json, string done)
    {
        if (json) context.WriteJson(info);
        else context.Output.WriteLine($"schedule '{info.Spec.Name}' {done} ({When(info.Spec)} -> {info.Spec.Socket}{Next(info)})");
    }

    /// <summary>When a schedule fires, as people read it: <c>every 30s</c>, <c>cron */5 * * * * (Europe/Paris)</c>.</summary>
    public static string When(ScheduleSpec s) =>
        s.Every is { } every ? $"every {Durations.Format(every)}" : $"cron {s.Cron}{(s.TimeZone is null ? "" : $" ({s.TimeZone})")}";

    private static string Next(ScheduleInfo info) =>
        info.Spec.Paused ? ", paused" : info.Status?.NextSlot is { } next ? $", next {Views.Time(next)}" : "";

    private static Table Table(IReadOnlyList<ScheduleInfo> schedules)
    {
        var table = Views.Table("Name", "Socket", "When", "State", "Next", "Last", "Fired", "Skipped", "Missed");
        foreach (var s in schedules)
        {
            table.AddRow(Views.Text(s.Spec.Name), Views.Text(s.Spec.Socket), Views.Text(When(s.Spec)), State(s),
                Time(s.Status?.NextSlot), Time(s.Status?.LastSlot),
                Count(s.Status?.Fired), Count(s.Status?.Skipped), Count(s.Status?.Missed));
        }

        return table;
    }

    private static string State(ScheduleInfo s) => s.Spec.Paused ? "paused" : s.Status?.LastError is not null ? "retrying" : s.Status is null ? "unknown" : "active";

    private static string Time(DateTimeOffset? at) => at is { } t ? Views.Time(t) : "-";

    private static string Count(long? n) => n?.ToString() ?? "-";

    private static IRenderable Details(ScheduleInfo s) => Views.Details(
    [
        ("Name", s.Spec.Name),
        ("Socket", s.Spec.Socket),
        ("When", When(s.Spec)),
        ("Arguments", s.Spec.Args + (s.Spec.Kwargs is null ? "" : $" {s.Spec.Kwargs}")),
        ("Overlap", Views.Name(s.Spec.Overlap)),
        ("Catch-up", Views.Name(s.Spec.CatchUp)),
        ("State", State(s)),
        ("Next slot", Time(s.Status?.NextSlot)),
        ("Last slot", Time(s.Status?.LastSlot)),
        ("Last call", s.Status?.LastCall?.ToString() ?? "-"),
        ("Fired", Count(s.Status?.Fired)),
        ("Skipped", Count(s.Status?.Skipped)),
        ("Missed", Count(s.Status?.Missed)),
        ("Last error", s.Status?.LastError ?? "-"),
        ("Revision", s.Stamp.Revision.ToString()),
        ("Created", Views.Time(s.Stamp.Created)),
        ("Updated", Views.Time(s.Stamp.Updated)),
    ]);
}
