using System.CommandLine;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Schedules;

/// <summary>The options that describe a schedule, shared by <c>add</c> and <c>update</c>.</summary>
public sealed class ScheduleOptions
{
    /// <summary><c>-s/--socket</c></summary>
    public Option<string?> Socket { get; } = new("--socket", "-s") { Description = "Socket each firing calls" };

    /// <summary><c>--every</c></summary>
    public Option<string?> Every { get; } = new Option<string?>("--every")
    {
        Description = "Fire every this long (whole seconds, at least 1s), on multiples of it since 1970 UTC, e.g. 30s, 5m, 1h",
    }.Checked(t => Durations.Parse(t, "--every"));

    /// <summary><c>--cron</c></summary>
    public Option<string?> Cron { get; } = new("--cron") { Description = "Fire at the times of a cron expression, e.g. \"*/5 * * * *\" (6 fields: seconds first)" };

    /// <summary><c>-d/--data</c></summary>
    public Option<string?> Data { get; } = new("--data", "-d") { Description = "Arguments of each call as a Python literal: a list or tuple is spread, anything else is one argument (default: none)" };

    /// <summary><c>--kwargs</c></summary>
    public Option<string?> Kwargs { get; } = new("--kwargs") { Description = "Keyword arguments of each call as a Python dict literal" };

    /// <summary><c>--tz</c></summary>
    public Option<string?> TimeZone { get; } = new("--tz") { Description = "Time zone the cron expression is read in, e.g. Europe/Paris (default UTC; update: \"\" returns to UTC)" };

    /// <summary><c>--overlap</c></summary>
    public Option<string?> Overlap { get; } = new Option<string?>("--overlap")
    {
        Description = "While the previous firing's call runs: skip the slot (default) or queue its call",
        HelpName = Choices.Of<ScheduleOverlap>(),
    }.Checked(o => Choices.Parse<ScheduleOverlap>(o, "--overlap"));

    /// <summary><c>--catch-up</c></summary>
    public Option<string?> CatchUp { get; } = new Option<string?>("--catch-up")
    {
        Description = $"Slots missed while no silo ran: none, one (the latest, default) or all (up to {ScheduleSpec.MaxCatchUp})",
        HelpName = Choices.Of<ScheduleCatchUp>(),
    }.Checked(o => Choices.Parse<ScheduleCatchUp>(o, "--catch-up"));

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Socket);
        command.Options.Add(Every);
        command.Options.Add(Cron);
        command.Options.Add(Data);
        command.Options.Add(Kwargs);
        command.Options.Add(TimeZone);
        command.Options.Add(Overlap);
        command.Options.Add(CatchUp);
    }

    /// <summary>--every as given, or null.</summary>
    public TimeSpan? EveryValue(ParseResult parse) => parse.GetValue(Every) is { } every ? Durations.Parse(every, "--every") : null;

    /// <summary>--overlap as given, or null.</summary>
    public ScheduleOverlap? OverlapValue(ParseResult parse) => parse.GetValue(Overlap) is { } o ? Choices.Parse<ScheduleOverlap>(o, "--overlap") : null;

    /// <summary>--catch-up as given, or null.</summary>
    public ScheduleCatchUp? CatchUpValue(ParseResult parse) => parse.GetValue(CatchUp) is { } c ? Choices.Parse<ScheduleCatchUp>(c, "--catch-up") : null;

    /// <summary>The arguments --data and --kwargs give (none when neither is given; standard input is not read).</summary>
    public (string? Args, string? Kwargs) Arguments(ParseResult parse)
    {
        var (data, kwargs) = (parse.GetValue(Data), parse.GetValue(Kwargs));
        if (data is null && kwargs is null) return (null, null);
        var (args, keywords) = Tasks.TaskArguments.From(data, kwargs, noData: data is null, TextReader.Null, ScheduleSpec.MaxDataBytes);
        return (data is null ? null : args.GetRawText(), keywords?.GetRawText());
    }
}
