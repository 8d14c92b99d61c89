using Microsoft.Extensions.Logging;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Plugs;

/// <summary>
/// One run's join on one socket (see <see cref="IJoinGrain"/>). Its values are stored before an offer is answered, so
/// a value acknowledged to the delivery grain is never lost; the call is made under the key <c>join:RUN</c>, so a
/// completion repeated after a crash finds the first call. The deadline is kept by a grain timer while the join is
/// active and, once it has waited a second, by an Orleans reminder (every minute) across restarts (a reminder per join
/// would cost more than the join: most complete within milliseconds); at it, the join ends as a failed call of the
/// socket (<c>JoinTimeout</c>) under the same key. An ended join stays as a small row, so a late or repeated value
/// is recognised and recorded, not made into a call.
/// </summary>
public sealed partial class JoinGrain(
    [PersistentState("join", StorageNames.Model)] IPersistentState<JoinState> state,
    TimeProvider time,
    ILogger<JoinGrain> logger) : Grain, IJoinGrain, IRemindable
{
    private const string Reminder = "join-timeout";
    private static readonly TimeSpan ReminderAfter = TimeSpan.FromSeconds(1);
    private bool _reminded;
    private IGrainTimer? _deadline;
    private string _target = "";
    private Guid _run;
    private TimeSpan _timeout;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Whoever names a grain activates it before any call filter runs: a key that is not a join's does nothing here
        // (the call is then refused, as every internal method is to clients).
        var key = this.GetPrimaryKeyString();
        var bar = key.LastIndexOf('|');
        if (bar <= 0 || !Guid.TryParse(key.AsSpan(bar + 1), out _run)) return;
        _target = key[..bar];
        // Activated by its reminder (or a late value) after a restart: the reminder is there, and the deadline is watched.
        _reminded = state.State.Ended is null && state.State.Deadline is not null;
        if (_reminded) Watch(state.State.Deadline!.Value);
        await base.OnActivateAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task OfferAsync(JoinOffer offer)
    {
        var join = state.State;
        var first = join.Positions.Length == 0;
        if (first) _timeout = await TimeoutAsync();
        if (!join.Offer(offer, time.GetUtcNow(), _timeout))
        {
            if (join.Conflicts.Count > 0 && offer.Source != join.Values.GetValueOrDefault(offer.Position)?.Source)
            {
                LogConflict(_target, _run, join.Conflicts[^1]);
                await state.WriteStateAsync();
            }

            if (join.Complete && join.Ended is null) await MakeAsync();
            return;
        }

        // The value completing the join is kept by the call it makes (stored first, under the join's key); any other
        // is stored here before it is acknowledged.
        if (join.Complete)
        {
            await MakeAsync();
            return;
        }

        await state.WriteStateAsync();
        if (first) Watch(join.Deadline!.Value);
    }

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckDeadlineAsync();

    // The socket's call for the run, with every position's value; failures (a full queue) go back to the delivery,
    // which offers again later.
    private async Task MakeAsync()
    {
        var join = state.State;
        var last = join.Values.Values.MaxBy(v => v.Hop)!;
        var request = new CallRequest { Socket = _target, Args = join.Args(), Run = _run, Hop = last.Hop, Parent = last.Source, Key = Key() };
        await GrainFactory.GetGrain<ISocketGrain>(_target).RunAsync(request, TimeSpan.Zero);
        await EndAsync("made");
    }

    private async Task CheckDeadlineAsync()
    {
        var join = state.State;
        if (join.Ended is not null || join.Positions.Length == 0)
        {
            await EndAsync(join.Ended ?? "made");
            return;
        }

        if (join.Deadline > time.GetUtcNow()) return;
        if (_timeout == TimeSpan.Zero) _timeout = await TimeoutAsync();
        var error = join.TimeoutError(_timeout);
        var last = join.Values.Values.MaxBy(v => v.Hop);
        var request = new CallRequest { Socket = _target, Args = join.Args(), Run = _run, Hop = last?.Hop ?? 1, Parent = last?.Source, Key = Key() };
        await GrainFactory.GetGrain<ISocketGrain>(_target).RecordFailureAsync(request, error);
        LogTimedOut(_target, _run, error.Message);
        await EndAsync("timed out");
    }

    private async Task EndAsync(string how)
    {
        if (state.State.Ended != how)
        {
            state.State.Ended = how;
            await state.WriteStateAsync();
        }

        _deadline?.Dispose();
        _deadline = null;
        if (_reminded && await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
        _reminded = false;
    }

    // The deadline, while this activation lives: a timer; and, for a join still waiting after a moment (most complete
    // within milliseconds), an Orleans reminder that brings it back after a restart.
    private void Watch(DateTimeOffset deadline)
    {
        _deadline?.Dispose();
        var due = deadline - time.GetUtcNow();
        var first = TimeSpan.FromTicks(Math.Clamp(Math.Min(due.Ticks, ReminderAfter.Ticks), 0, long.MaxValue));
        _deadline = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(first, TimeSpan.FromSeconds(1)) { KeepAlive = true });
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (state.State.Ended is null && !_reminded)
        {
            _reminded = true;
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }

        await CheckDeadlineAsync();
    }

    private async Task<TimeSpan> TimeoutAsync() =>
        (await GrainFactory.GetGrain<ISocketGrain>(_target).GetDefinitionAsync())?.Spec.JoinTimeout ?? SocketSpec.DefaultJoinTimeout;

    private string Key() => $"{ModelRules.JoinKeyPrefix}{_run:N}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Join on socket {Socket} for run {Run}: {Conflict}; no second call is made")]
    private partial void LogConflict(string socket, Guid run, string conflict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Join on socket {Socket} for run {Run} timed out: {Reason}")]
    private partial void LogTimedOut(string socket, Guid run, string reason);
}
