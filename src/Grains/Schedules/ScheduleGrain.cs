using Microsoft.Extensions.Logging;
using Pyfi.Grains.Model;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Schedules;

/// <summary>
/// One schedule (see <see cref="IScheduleGrain"/>). A grain timer wakes it at each slot (reminders tick at most once a
/// minute); a reminder every minute is the durable backstop that brings it back after a restart or a silo lost, and a
/// silo's start or loss wakes it sooner (<see cref="Hosting.ClusterRecovery"/>). One activation per schedule in the cluster, and each
/// slot's call keyed <c>sched:NAME:SLOT</c> in its socket, so a slot makes one call however often it is tried (a crash
/// between the call and this grain's write tries it again and finds the same call).
/// </summary>
public sealed partial class ScheduleGrain(
    [PersistentState("schedule", StorageNames.Model)] IPersistentState<ScheduleState> state,
    TimeProvider time,
    ILogger<ScheduleGrain> logger)
    : DefinitionGrain<ScheduleSpec, ScheduleState>(state), IScheduleGrain, IRemindable, IScheduleTarget
{
    private const string Reminder = "schedule";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryFirst = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryMost = TimeSpan.FromSeconds(30);

    // A timer is set at most this far ahead and set again then: a yearly slot needs no timer of a year.
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private DateTimeOffset _downUntil;
    private ScheduleTimes? _times;
    private IGrainTimer? _timer;
    private TimeSpan _retry = RetryFirst;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Slots before this activation (less a grace) passed while nothing could fire them: the catch-up rule's.
        _downUntil = time.GetUtcNow() - ScheduleRunner.Grace;
        await ArmAsync();
    }

    /// <inheritdoc />
    public Task WakeAsync() => Task.CompletedTask; // activating is the point: OnActivateAsync arms the timer

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Reminder && _timer is null) await ArmAsync();
    }

    /// <inheritdoc />
    public Task<ScheduleStatus> GetStatusAsync()
    {
        var s = State.State;
        DateTimeOffset? next = null;
        if (Times() is { } times) next = ScheduleRunner.Next(s, times, time.GetUtcNow());
        return Task.FromResult(new ScheduleStatus
        {
            LastSlot = s.LastSlot, LastCall = s.LastCall, NextSlot = next,
            Fired = s.Fired, Skipped = s.Skipped, Missed = s.Missed, LastError = s.LastError,
        });
    }

    /// <inheritdoc />
    protected override async Task OnDefinitionChangedAsync(Definition<ScheduleSpec>? previous, Definition<ScheduleSpec> current)
    {
        _times = null;
        _retry = RetryFirst;
        await ArmAsync();
    }

    /// <inheritdoc />
    protected override async Task OnRemovedAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    async Task<Guid> IScheduleTarget.FireAsync(DateTimeOffset slot)
    {
        var spec = Definition!.Spec;
        var request = new CallRequest
        {
            Socket = spec.Socket,
            Args = spec.Args,
            Kwargs = spec.Kwargs,
            Key = $"{ModelRules.ScheduleKeyPrefix}{spec.Name}:{slot.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}",
        };
        var call = await GrainFactory.GetGrain<ISocketGrain>(spec.Socket).RunAsync(request, TimeSpan.Zero);
        LogFired(spec.Name, slot, call.Id);
        return call.Id;
    }

    async Task<bool> IScheduleTarget.IsRunningAsync(Guid call) =>
        await GrainFactory.GetGrain<ISocketGrain>(Definition!.Spec.Socket).GetCallAsync(call) is not null;

    // The reminder while the schedule runs (none while paused), and the timer at the next slot, or at once when slots
    // are due.
    private async Task ArmAsync()
    {
        var running = Definition is { Spec.Paused: false };
        var reminder = await this.GetReminder(Reminder);
        if (running && reminder is null) await this.RegisterOrUpdateReminder(Reminder, ReminderPeriod, ReminderPeriod);
        else if (!running && reminder is not null) await this.UnregisterReminder(reminder);
        if (!running)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }

        if (_timer is null) LogRunsHere(Definition!.Spec.Name, State.State.LastSlot);
        SetTimer(TimeSpan.Zero);
    }

    private void SetTimer(TimeSpan due)
    {
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestWait ? LongestWait : due;
        if (_timer is null)
        {
            // Kept alive: a running schedule stays active between its slots rather than waiting for its reminder.
            _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (Times() is not { } times) return;
        var s = State.State;
        var before = (s.LastSlot, s.Fired, s.Skipped, s.Missed, s.LastError);
        bool done;
        try
        {
            done = await ScheduleRunner.RunAsync(s, times, _downUntil, time.GetUtcNow(), this);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The socket could not be reached (a silo going away): what fired so far is kept, the rest tried again.
            LogFireFailed(e, this.GetPrimaryKeyString());
            s.LastError = $"could not reach socket '{Definition!.Spec.Socket}'; trying again";
            done = false;
        }

        if (before != (s.LastSlot, s.Fired, s.Skipped, s.Missed, s.LastError))
        {
            try
            {
                await WriteStateAsync();
            }
            catch (Exception e)
            {
                // Not lost: the slots fired are found again under their keys when they are tried again.
                LogWriteFailed(e, this.GetPrimaryKeyString());
                done = false;
            }
        }

        if (done)
        {
            _retry = RetryFirst;
            var now = time.GetUtcNow();
            if (ScheduleRunner.Next(s, times, now) is { } next) SetTimer(next - now);
        }
        else
        {
            SetTimer(_retry);
            _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, RetryMost.Ticks));
        }
    }

    // The definition's times, read once per definition; null (with the reason kept) if this silo cannot read them.
    private ScheduleTimes? Times()
    {
        if (Definition is not { } definition) return null;
        try
        {
            return _times ??= ScheduleTimes.Of(definition.Spec);
        }
        catch (InvalidSpecException e)
        {
            State.State.LastError = e.Message;
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} runs on this silo (last slot fired: {LastSlot:O})")]
    private partial void LogRunsHere(string schedule, DateTimeOffset? lastSlot);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schedule {Schedule} fired slot {Slot:O}: call {Call}")]
    private partial void LogFired(string schedule, DateTimeOffset slot, Guid call);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} could not fire; trying again")]
    private partial void LogFireFailed(Exception exception, string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} could not store how far it fired; trying again")]
    private partial void LogWriteFailed(Exception exception, string schedule);
}
