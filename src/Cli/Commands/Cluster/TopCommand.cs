using System.CommandLine;
using System.Globalization;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pyfi.Cli.Commands.Cluster;

/// <summary>
/// <c>pyfi top</c>: the cluster live, from the silos' reports (every 2 s): per socket the queue, calls in flight,
/// calls per second and execution time; per silo its cores and how busy they were. On a terminal it redraws in
/// place until Ctrl+C; otherwise (or with <c>-n</c>) it prints a frame per refresh.
/// </summary>
public static class TopCommand
{
    // Every silo's rates need two of its reports: wait up to this long for them before the first frame.
    private static readonly TimeSpan FirstRatesWithin = TimeSpan.FromSeconds(6);

    /// <summary><c>pyfi top [-i SECONDS] [-n FRAMES] [--json]</c></summary>
    public static Command Create(CliContext context)
    {
        var interval = CommonOptions.Number("--interval", "Seconds between refreshes", 1, "-i");
        var frames = CommonOptions.Integer("--frames", "Print this many frames, then exit (default: until Ctrl+C)", "-n");
        // In range, once a number (a value that is not one is already the parser's error).
        interval.Validators.Add(r =>
        {
            if (r.Tokens is [.., var t] && double.TryParse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is < 0.1 or > 3600)
            {
                r.AddError("--interval must be between 0.1 and 3600 seconds");
            }
        });
        frames.Validators.Add(r =>
        {
            if (r.Tokens is [.., var t] && int.TryParse(t.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n < 1) r.AddError("--frames must be 1 or more");
        });
        var json = new Option<bool>("--json") { Description = "One JSON object per frame, one per line" };
        var command = new Command("top", "Show the cluster live: queues, calls per second, execution times, busy cores") { interval, frames, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var every = TimeSpan.FromSeconds(parse.GetValue(interval));
            var count = parse.GetValue(frames);
            var rates = new ClusterRates();

            async Task<ClusterSample> SampleAsync()
            {
                var agents = await gateway.SendAsync<AgentInfo[]>(GatewayOps.ListAgents, null, cancellationToken);
                return rates.Add(agents, DateTimeOffset.UtcNow);
            }

            // The first frame waits until every silo has rates (two reports), so it does not show zeros.
            var sample = await SampleAsync();
            for (var waited = TimeSpan.Zero; !rates.Complete && waited < FirstRatesWithin; waited += TimeSpan.FromMilliseconds(250))
            {
                await Task.Delay(250, cancellationToken);
                sample = await SampleAsync();
            }

            var live = count is null && !parse.GetValue(json) && context.IsInteractive;
            try
            {
                if (live)
                {
                    await context.Console.Live(View(sample)).StartAsync(async target =>
                    {
                        while (true)
                        {
                            await Task.Delay(every, cancellationToken);
                            target.UpdateTarget(View(await SampleAsync()));
                        }
                    });
                }

                for (var frame = 1; ; frame++)
                {
                    if (parse.GetValue(json)) context.Output.WriteLine(PyfiJson.Serialize(sample));
                    else context.Console.Write(View(sample));
                    if (frame == count) return CommandActions.Done;
                    await Task.Delay(every, cancellationToken);
                    sample = await SampleAsync();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return CommandActions.Done; // Ctrl+C ends a live view; that is how it is meant to end
            }
        });
    }

    /// <summary>One frame: a summary line, the sockets, the plug edges that wait (if any), the silos.</summary>
    public static IRenderable View(ClusterSample sample)
    {
        var sockets = Views.Table("Socket", "Queued", "In flight", "Submitted/s", "Succeeded/s", "Failed/s", "Retried/s", "p50", "p95", "Succeeded", "Failed");
        foreach (var s in sample.Sockets)
        {
            sockets.AddRow(Views.Text(s.Socket), Views.Number(s.Queued), Views.Number(s.InFlight), Rate(s.SubmittedPerSecond), Rate(s.SucceededPerSecond),
                Rate(s.FailedPerSecond), Rate(s.RetriedPerSecond), Time(s.ExecutionP50), Time(s.ExecutionP95), Views.Number(s.Succeeded), Views.Number(s.Failed));
        }

        var silos = Views.Table("Silo", "Host", "Cores", "Busy", "Utilization", "Load", "Silo memory");
        foreach (var s in sample.Silos)
        {
            silos.AddRow(Views.Text(s.Silo), Views.Text(s.Host), Views.Number(s.Cores), Views.Number(s.Busy), Percent(s.Utilization),
                s.Load.ToString("0.00", CultureInfo.InvariantCulture), $"{s.SiloMemoryMb} MB");
        }

        // Back pressure: plug edges whose calls wait for a target that refuses them for now (shown only when some do).
        var waiting = Views.Table("Waiting edge", "Calls waiting", "Why");
        foreach (var s in sample.Sockets)
        {
            foreach (var w in s.Waiting) waiting.AddRow(Views.Text($"{s.Socket} → {w.Target}"), Views.Number(w.Calls), Views.Text(w.Reason));
        }

        var summary = new Markup(
            $"[bold]pyfi top[/]  {Views.Time(sample.Time)}  silos {sample.Silos.Length}  cores {sample.Busy}/{sample.Cores} busy  utilization {Percent(sample.Utilization)}  " +
            $"{Rate(sample.Sockets.Sum(s => s.SucceededPerSecond))} calls/s");
        return waiting.Rows.Count > 0 ? new Rows(summary, sockets, waiting, silos) : new Rows(summary, sockets, silos);
    }

    private static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Percent(double share) => share.ToString("0%", CultureInfo.InvariantCulture);

    // Execution times are histogram bucket bounds: "≤ 25ms".
    private static string Time(double? seconds) => seconds switch
    {
        null => "-",
        < 1 => $"≤{(seconds.Value * 1000).ToString("0.#", CultureInfo.InvariantCulture)}ms",
        { } s => $"≤{Durations.Format(TimeSpan.FromSeconds(s))}",
    };
}
