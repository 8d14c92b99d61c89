using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One schedule, keyed by its name: its definition, the last slot it fired, and the timer and reminder that fire
/// the next. Changed only through <see cref="IRegistryGrain"/>.
/// </summary>
public interface IScheduleGrain : IDefinitionOwner<ScheduleSpec>
{
    /// <summary>What the schedule fired and what comes next.</summary>
    [ReadOnly] Task<ScheduleStatus> GetStatusAsync();

    /// <summary>Activates the schedule (after a silo start), so it fires and makes up missed slots without waiting for its reminder.</summary>
    [OneWay] Task WakeAsync();
}
