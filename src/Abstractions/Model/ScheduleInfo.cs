namespace Pyfi;

/// <summary>A schedule as the registry holds it, with where it is.</summary>
/// <param name="Spec">The schedule.</param>
/// <param name="Stamp">Its revision and timestamps.</param>
/// <param name="Status">What it fired and what comes next (<see langword="null"/> if its grain could not be asked).</param>
[GenerateSerializer, Immutable, Alias("pyfi.ScheduleInfo")]
public sealed record ScheduleInfo([property: Id(0)] ScheduleSpec Spec, [property: Id(1)] ModelStamp Stamp, [property: Id(2)] ScheduleStatus? Status);
