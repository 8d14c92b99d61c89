using Pyfi.Grains.Workers;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// A silo's execution clock (LocalWorkers) and the utilization <c>pyfi top</c> computes from two reports
/// (ClusterRates): time is counted while attempts run, so a report period inside a long call is as busy as it
/// was, not idle until the call ends. No process.
/// </summary>
[Trait("Category", "Fast")]
public sealed class UtilizationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static AgentInfo Report(LocalWorkers workers, DateTimeOffset at) => new()
    {
        Silo = "S127.0.0.1:1:1", Host = "h", Cores = 2, Reported = at, ExecutedSeconds = workers.ExecutedSeconds(at),
    };

    [Fact]
    public void AReportPeriodInsideALongCallIsCountedBusy()
    {
        var workers = new LocalWorkers();
        var rates = new ClusterRates();
        workers.ExecutionBegan(T0);

        rates.Add([Report(workers, T0.AddSeconds(2))], T0.AddSeconds(2));
        var during = rates.Add([Report(workers, T0.AddSeconds(4))], T0.AddSeconds(4));
        workers.ExecutionEnded(T0, T0.AddSeconds(5));
        var after = rates.Add([Report(workers, T0.AddSeconds(6))], T0.AddSeconds(6));
        var idle = rates.Add([Report(workers, T0.AddSeconds(8))], T0.AddSeconds(8));

        Assert.Equal(0.5, during.Utilization, 3); // one of two cores, the whole period
        Assert.Equal(0.25, after.Utilization, 3); // one core for one of the period's two seconds
        Assert.Equal(0, idle.Utilization, 3);
        Assert.Equal(5, workers.ExecutedSeconds(T0.AddSeconds(60)), 3);
    }

    [Fact]
    public void AttemptsThatOverlapAsOneEndsAndTheNextBeginsAreEachCountedOnce()
    {
        var workers = new LocalWorkers();

        // The next attempt's start is heard before the grain has handled the first one's end.
        workers.ExecutionBegan(T0);
        workers.ExecutionBegan(T0.AddSeconds(3));
        Assert.Equal(4 + 1, workers.ExecutedSeconds(T0.AddSeconds(4)), 3); // both open until the first end is told
        workers.ExecutionEnded(T0, T0.AddSeconds(3));

        Assert.Equal(3 + 1, workers.ExecutedSeconds(T0.AddSeconds(4)), 3);
        workers.ExecutionEnded(T0.AddSeconds(3), T0.AddSeconds(5));
        Assert.Equal(5, workers.ExecutedSeconds(T0.AddSeconds(9)), 3);
    }
}
