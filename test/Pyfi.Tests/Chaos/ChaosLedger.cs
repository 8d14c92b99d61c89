using Pyfi.Client;
using Pyfi.Client.Calls;
using Xunit.Abstractions;

namespace Pyfi.Tests.Chaos;

/// <summary>
/// What a chaos run submitted and what became of it, counted from storage and from the side-effect file the
/// Python function appends one line per run to: submitted, succeeded, failed, lost (not ended, or gone),
/// duplicated (a call whose effect was recorded more than once). Prints one line per run to the test output
/// and to <c>PYFI_CHAOS_REPORT</c> when set (test.sh prints that file at the end).
/// </summary>
public sealed class ChaosLedger(string name, string socket, string sideEffects)
{
    private readonly List<Guid> _submitted = [];

    /// <summary>The file the calls append to.</summary>
    public string SideEffects => sideEffects;

    /// <summary>The calls acknowledged (stored) so far.</summary>
    public IReadOnlyList<Guid> Submitted => _submitted;

    /// <summary>
    /// Submits <paramref name="count"/> calls of <c>append(sideEffects, i, seconds)</c> without waiting, <paramref name="parallel"/>
    /// at a time, i from <paramref name="first"/> (a second batch starts past the first's, so each effect stays its call's).
    /// As the .NET client submits: each with an idempotency key, sent again through a silo's loss (a submission in
    /// flight to a killed silo gets no answer until the cluster declares it dead), routed to its partition.
    /// </summary>
    public async Task SubmitAsync(PyfiClient client, int count, double seconds, int parallel = 50, int first = 0)
    {
        for (var start = first; start < first + count; start += parallel)
        {
            var batch = Enumerable.Range(start, Math.Min(parallel, first + count - start)).Select(i =>
                PyfiCall.StartAsync(client.Cluster, new CallRequest
                {
                    Socket = socket,
                    Args = $"[\"{sideEffects}\", {i}, {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}]",
                }, TimeSpan.Zero, client.Retry, client.Routes));
            foreach (var call in await Task.WhenAll(batch)) _submitted.Add(call.Id);
        }
    }

    /// <summary>
    /// Submits <paramref name="count"/> calls one after another (10 at a time), each retried every 200 ms while it
    /// is refused, pausing <paramref name="pace"/> between tens; the refusals' messages go to <paramref name="refusals"/>.
    /// </summary>
    public async Task SubmitRetryingAsync(PyfiClient client, int count, double seconds, List<string> refusals, TimeSpan pace)
    {
        var socketGrain = client.Cluster.GetGrain<ISocketGrain>(socket);
        for (var start = 0; start < count; start += 10)
        {
            var batch = Enumerable.Range(start, Math.Min(10, count - start)).Select(async i =>
            {
                var request = new CallRequest
                {
                    Socket = socket,
                    Args = $"[\"{sideEffects}\", {i}, {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}]",
                    Key = $"submission-{i}",
                };
                for (var tries = 0; ; tries++)
                {
                    try
                    {
                        return (await socketGrain.RunAsync(request, TimeSpan.Zero)).Id;
                    }
                    catch (Exception e) when (tries < 300 && (e is PyfiException || e is TimeoutException))
                    {
                        lock (refusals) refusals.Add(e.Message);
                        await Task.Delay(200);
                    }
                }
            });
            _submitted.AddRange(await Task.WhenAll(batch));
            await Task.Delay(pace);
        }
    }

    /// <summary>Lines in the side-effect file so far.</summary>
    public int EffectsSoFar() => File.Exists(sideEffects) ? File.ReadAllLines(sideEffects).Length : 0;

    /// <summary>Waits until every submitted call has ended in storage (or <paramref name="timeout"/> passes), then counts.</summary>
    public async Task<ChaosCounts> SettleAsync(Func<PyfiClient> client, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<Guid, CallInfo> calls;
        while (true)
        {
            CallInfo[] listed;
            try
            {
                listed = await client().Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = socket, Limit = CallQuery.MaxLimit });
            }
            catch (Exception e) when (e is Orleans.Runtime.OrleansException or TimeoutException && clock.Elapsed < timeout)
            {
                // The cluster is still finding out that a silo is gone: ask again, as any client would.
                await Task.Delay(500);
                continue;
            }

            calls = listed.ToDictionary(c => c.Id);
            if (_submitted.All(id => calls.TryGetValue(id, out var c) && c.State.IsFinal()) || clock.Elapsed > timeout) break;
            await Task.Delay(500);
        }

        var effects = File.Exists(sideEffects) ? File.ReadAllLines(sideEffects).GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count()) : [];
        var succeeded = _submitted.Count(id => calls.TryGetValue(id, out var c) && c.State == CallState.Succeeded);
        var failed = _submitted.Count(id => calls.TryGetValue(id, out var c) && c.State == CallState.Failed);
        var lost = _submitted.Count(id => !calls.TryGetValue(id, out var c) || !c.State.IsFinal());
        var duplicated = effects.Values.Count(n => n > 1);
        var succeededWithoutEffect = _submitted.Count(id => calls.TryGetValue(id, out var c) && c.State == CallState.Succeeded
            && !effects.ContainsKey(c.Result ?? ""));
        return new ChaosCounts(name, _submitted.Count, succeeded, failed, lost, duplicated, succeededWithoutEffect, clock.Elapsed);
    }
}

/// <summary>The counts of one chaos run.</summary>
public sealed record ChaosCounts(string Name, int Submitted, int Succeeded, int Failed, int Lost, int Duplicated, int SucceededWithoutEffect, TimeSpan Settled)
{
    /// <summary>Prints the line to the test's output and to the report file, if any.</summary>
    public void Report(ITestOutputHelper output, string extra = "")
    {
        var line = $"chaos {Name}: submitted {Submitted}, succeeded {Succeeded}, failed {Failed}, lost {Lost}, duplicated {Duplicated}" +
            $" (settled {Settled.TotalSeconds:0.0} s{(extra.Length > 0 ? "; " + extra : "")})";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("PYFI_CHAOS_REPORT") is { Length: > 0 } report)
        {
            lock (typeof(ChaosCounts)) File.AppendAllText(report, line + Environment.NewLine);
        }
    }
}
