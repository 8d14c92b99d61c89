using Orleans.Concurrency;
using Microsoft.Extensions.Logging;
using Pyfi.Grains.Telemetry;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Plugs;

/// <summary>
/// Makes the calls one socket's plugs carry (see <see cref="IPlugDeliveryGrain"/>). Each ended call's deliveries are
/// made in order, each under the key <see cref="SocketPlugs.Key"/> so a repeat finds the first; then the row's
/// deliveries are cleared by a write guarded on its end. A target that refuses for now (its queue full, the cluster
/// changing, the database away) is tried again with backoff (0.5 s doubling to 10 s): the source call's end stays
/// stored with its deliveries meanwhile, so nothing is dropped, and the grain keeps itself active until all are made.
/// A target that refuses for good (deleted, the value not acceptable) is logged and that delivery dropped.
/// </summary>
[Reentrant]
public sealed partial class PlugDeliveryGrain(CallStore calls, PyfiMetrics metrics, ILogger<PlugDeliveryGrain> logger) : Grain, IPlugDeliveryGrain
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(10);
    private const int ResumeBatch = 1000;
    private const int Window = 64;

    // Calls waiting for their deliveries (by id, in order), so a call handed over twice (its end, then a sweep) is
    // not delivered twice at once here (and a delivery repeated later finds the call it made, by its key).
    private readonly Dictionary<Guid, CallInfo> _pending = [];
    private readonly Queue<Guid> _order = new();
    // Why each target last refused for now (pyfi top's waiting edges).
    private readonly Dictionary<string, string> _refusals = new(StringComparer.Ordinal);
    private TimeSpan _backoff = TimeSpan.Zero;
    private IGrainTimer? _retry;
    private Task? _running;

    private string Socket => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public Task DeliverAsync(CallInfo ended)
    {
        Add(ended);
        Run();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task ResumeAsync()
    {
        foreach (var call in await calls.ListWithDeliveriesAsync(Socket, ResumeBatch)) Add(call);
        Run();
    }

    private void Add(CallInfo ended)
    {
        if (ended.Deliveries.IsEmpty || !_pending.TryAdd(ended.Id, ended)) return;
        _order.Enqueue(ended.Id);
        DelayDeactivation(TimeSpan.FromMinutes(2));
    }

    // One delivery loop at a time; a retry timer starts it again after a refusal for now.
    private void Run()
    {
        if (_running is { IsCompleted: false } || _retry is not null) return;
        _running = DeliverAllAsync();
    }

    private async Task DeliverAllAsync()
    {
        while (_order.Count > 0)
        {
            // Up to a window of calls at once, oldest first: their target calls and clearing writes share commits.
            var window = new List<CallInfo>(Window);
            while (window.Count < Window && _order.TryDequeue(out var id))
            {
                if (_pending.Remove(id, out var call)) window.Add(call);
            }

            var delivered = await Task.WhenAll(window.Select(DeliverCallAsync));
            var refused = window.Where((_, i) => !delivered[i]).ToList();
            if (refused.Count == 0)
            {
                _backoff = TimeSpan.Zero;
                if (_order.Count == 0 && _refusals.Count > 0) ShowWaiting();
                continue;
            }

            // Refused for now: those go first again, the rest wait behind them (a full target is not overtaken), and
            // all are tried again later.
            var rest = _order.ToList();
            _order.Clear();
            foreach (var call in refused)
            {
                _pending[call.Id] = call;
                _order.Enqueue(call.Id);
            }

            foreach (var id in rest) _order.Enqueue(id);
            ShowWaiting();
            _backoff = _backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(LastBackoff.Ticks, _backoff.Ticks * 2));
            _retry = this.RegisterGrainTimer(RetryAsync, new GrainTimerCreationOptions(_backoff, Timeout.InfiniteTimeSpan) { KeepAlive = true });
            return;
        }
    }

    private Task RetryAsync(CancellationToken cancellationToken)
    {
        _retry?.Dispose();
        _retry = null;
        Run();
        return Task.CompletedTask;
    }

    // Makes every delivery of one call, then clears them from its row; false when one was refused for now.
    private async Task<bool> DeliverCallAsync(CallInfo call)
    {
        foreach (var delivery in call.Deliveries)
        {
            try
            {
                if (delivery.Join.IsEmpty) await GrainFactory.GetGrain<ISocketGrain>(delivery.Target).RunAsync(SocketPlugs.Request(call, delivery), TimeSpan.Zero);
                else await GrainFactory.GetGrain<IJoinGrain>(JoinOffer.GrainKey(delivery.Target, call.Run ?? call.Id)).OfferAsync(SocketPlugs.Offer(call, delivery));
            }
            catch (Exception e) when (ForNow(e))
            {
                _refusals[delivery.Target] = Reason(e);
                LogRefusedForNow(delivery.Plug, call.Id, delivery.Target, Reason(e));
                return false;
            }
            catch (Exception e)
            {
                LogDropped(delivery.Plug, call.Id, delivery.Target, Reason(e));
            }
        }

        try
        {
            // Guarded on the end it was stored with: an ended call changes no more, so this fails only if it is gone.
            await calls.TransitionAsync(new CallChange(call with { Deliveries = [] }, call.State, call.Attempts));
            return true;
        }
        catch (Exception e)
        {
            LogRefusedForNow("(clearing)", call.Id, Socket, Reason(e));
            return false;
        }
    }

    // The edges whose calls wait, for this silo's reports: per target refused for now, the pending calls delivering to it.
    private void ShowWaiting()
    {
        var edges = _refusals.Select(r => new WaitingEdge(r.Key, _pending.Values.Count(c => c.Deliveries.Any(d => d.Target == r.Key)), r.Value))
            .Where(e => e.Calls > 0).OrderBy(e => e.Target, StringComparer.Ordinal).ToArray();
        if (edges.Length == 0) _refusals.Clear();
        metrics.For(Socket).Waiting(edges);
    }

    // A refusal that may pass: the target's queue is full, the database or a silo is away.
    private static bool ForNow(Exception e) => PyfiException.Find(e) switch
    {
        QueueFullException or StorageUnavailableException => true,
        PyfiException => false,
        _ => true,
    };

    private static string Reason(Exception e) => PyfiException.Find(e)?.Message ?? e.Message.Split('\n')[0];

    [LoggerMessage(Level = LogLevel.Information, Message = "Plug {Plug}: the call for {Call} on socket {Target} waits ({Reason}); trying again")]
    private partial void LogRefusedForNow(string plug, Guid call, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plug {Plug}: no call made for {Call} on socket {Target}: {Reason}")]
    private partial void LogDropped(string plug, Guid call, string target, string reason);
}
