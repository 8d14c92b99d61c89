namespace Pyfi.Tests.Model;

/// <summary>A grain that only counts reminder ticks, to prove reminders are stored and reloaded.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    /// <summary>Registers a reminder ticking every second.</summary>
    Task StartAsync();

    /// <summary>Ticks received by this activation.</summary>
    Task<int> TicksAsync();
}

/// <inheritdoc cref="IReminderProbeGrain" />
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private int _ticks;

    /// <inheritdoc />
    public Task StartAsync() => this.RegisterOrUpdateReminder("probe", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    public Task<int> TicksAsync() => Task.FromResult(_ticks);

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
