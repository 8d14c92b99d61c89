using System.Net;
using Pyfi.Grains.Placement;

namespace Pyfi.Tests.Execution;

/// <summary>
/// Where sockets go and when one moves (<see cref="SocketLoads"/>, the rules behind the ledger's socket placement and
/// balancing) without a silo: sockets made together spread before any report shows them, busy silos take fewer new
/// sockets, and a socket moves from a silo far busier per core than another only when that helps, once per settle.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SocketLoadsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SiloAddress A = Silo(11111);
    private static readonly SiloAddress B = Silo(22222);
    private static readonly SiloAddress C = Silo(33333);

    private readonly SocketLoads _loads = new();
    private readonly HashSet<SiloAddress> _active = [A, B, C];

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    // A report at `at` of sockets active on `silo` with their cumulative changes stored.
    private void Report(SiloAddress silo, DateTimeOffset at, int cores = 2, params (string Socket, long Changes)[] sockets) =>
        _loads.Report(silo, new AgentInfo
        {
            Silo = silo.ToString(),
            Host = "h",
            Cores = cores,
            Sockets = [.. sockets.Select(s => new SocketMetrics { Socket = s.Socket, Submitted = s.Changes, Active = true })],
        }, at);

    // Two reports 2 s apart in which each socket stored `rate` changes a second.
    private void Busy(SiloAddress silo, int cores = 2, params (string Socket, double Rate)[] sockets)
    {
        Report(silo, Now, cores, [.. sockets.Select(s => (s.Socket, 0L))]);
        Report(silo, Now.AddSeconds(2), cores, [.. sockets.Select(s => (s.Socket, (long)(s.Rate * 2)))]);
    }

    [Fact]
    public void SocketsPlacedTogetherBeforeAnyReportShowsThemSpreadOverTheSilos()
    {
        Report(A, Now);
        Report(B, Now);
        Report(C, Now);

        var placed = Enumerable.Range(0, 6).Select(i => _loads.Place($"s{i}", [A, B, C], _active, Now)).ToList();

        Assert.Equal(2, placed.Count(s => s.Equals(A)));
        Assert.Equal(2, placed.Count(s => s.Equals(B)));
        Assert.Equal(2, placed.Count(s => s.Equals(C)));
    }

    [Fact]
    public void ASiloWithTwiceTheCoresTakesTwiceTheSockets()
    {
        Report(A, Now, cores: 4);
        Report(B, Now, cores: 2);

        var placed = Enumerable.Range(0, 6).Select(i => _loads.Place($"s{i}", [A, B], _active, Now)).ToList();

        Assert.Equal(4, placed.Count(s => s.Equals(A)));
        Assert.Equal(2, placed.Count(s => s.Equals(B)));
    }

    [Fact]
    public void ANewSocketGoesWhereTheSocketsAreQuietRatherThanWhereThereAreFewer()
    {
        // A has one very busy socket; B has two idle ones. By count A is emptier; by load it is not.
        Busy(A, 2, ("hot", 1000));
        Busy(B, 2, ("idle1", 0), ("idle2", 0));

        Assert.Equal(B, _loads.Place("new", [A, B], _active, Now));
    }

    [Fact]
    public void ASiloThatOffersNoCoreTakesASocketOnlyWhenNoOtherCan()
    {
        Report(A, Now, cores: 0);
        Report(B, Now, cores: 2, ("s1", 0), ("s2", 0), ("s3", 0));

        Assert.Equal(B, _loads.Place("new", [A, B], _active, Now));
        Assert.Equal(A, _loads.Place("other", [A], _active, Now));
    }

    [Fact]
    public void ASocketSentToASiloCountsThereUntilItsReportsShowItOrItIsStale()
    {
        Report(A, Now);
        Report(B, Now);
        Assert.Equal(A, _loads.Place("s1", [A, B], _active, Now));
        Assert.Equal(B, _loads.Place("s2", [A, B], _active, Now));

        // A reports before s1 has activated there: s1 still counts on A, so the next socket is not sent to A too.
        Report(A, Now.AddSeconds(1));
        Report(B, Now.AddSeconds(1), 2, ("s2", 0));
        Assert.Equal(A, _loads.Place("s3", [A, B], _active, Now.AddSeconds(1)));
        Assert.Equal(B, _loads.Place("s4", [A, B], _active, Now.AddSeconds(1)));

        // Placed twice (two callers raced to activate it), a socket counts once: A holds s1, s3; B s2, s4.
        Assert.Equal(B, _loads.Place("s4", [A, B], _active, Now.AddSeconds(1)));
        Assert.Equal(A, _loads.Place("s5", [A, B], _active, Now.AddSeconds(1)));
        Assert.Equal(B, _loads.Place("s6", [A, B], _active, Now.AddSeconds(1)));

        // Sockets that never show in A's reports (they went elsewhere, or failed to activate) stop counting.
        Report(A, Now + SocketLoads.PendingFor + TimeSpan.FromSeconds(2));
        Assert.Equal(A, _loads.Place("s7", [A, B], _active, Now + SocketLoads.PendingFor + TimeSpan.FromSeconds(2)));
        Assert.Equal(A, _loads.Place("s8", [A, B], _active, Now + SocketLoads.PendingFor + TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void PartitionsOfOneSocketGoToDifferentSilosEvenWhereAnotherIsQuieter()
    {
        // A holds two busy sockets; B holds one partition of "big" already. The next partitions go apart from it first.
        Busy(A, 2, ("hot1", 500), ("hot2", 500));
        Busy(B, 2, ("big", 10));

        Assert.Equal(A, _loads.Place("big@1", [A, B], _active, Now.AddSeconds(2)));
        Assert.Equal(C, _loads.Place("big@2", [A, B, C], _active, Now.AddSeconds(2)));
        // With one on every silo, the fourth goes by load again: B's socket is the quiet one.
        Assert.Equal(B, _loads.Place("big@3", [A, B, C], _active, Now.AddSeconds(2)));
    }

    [Fact]
    public void TheBusiestSilosSocketThatEvensThePairBestMovesToTheQuietestSilo()
    {
        Busy(A, 2, ("big", 300), ("mid", 200), ("tiny", 10));
        Busy(B, 2, ("quiet", 0));

        var move = _loads.PlanMove(_active, Now.AddSeconds(2));

        // Per core, A stores 255 changes a second and B none. Moving big leaves the busier of the two at 150 (B), mid
        // at 155 (A), tiny at 250 (A): big evens them best.
        Assert.Equal(new SocketMove("big", A, B), move);
    }

    [Fact]
    public void NothingMovesWhenTheSilosAreEvenEnoughOrTheGapIsNoise()
    {
        Busy(A, 2, ("a1", 100), ("a2", 100));
        Busy(B, 2, ("b1", 90), ("b2", 90));
        Assert.Null(_loads.PlanMove(_active, Now.AddSeconds(2)));

        var loads = new SocketLoads();
        loads.Report(A, new AgentInfo { Silo = "a", Host = "h", Cores = 2, Sockets = [new SocketMetrics { Socket = "x", Active = true }, new SocketMetrics { Socket = "y", Active = true }] }, Now);
        loads.Report(A, new AgentInfo { Silo = "a", Host = "h", Cores = 2, Sockets = [new SocketMetrics { Socket = "x", Submitted = 20, Active = true }, new SocketMetrics { Socket = "y", Submitted = 20, Active = true }] }, Now.AddSeconds(2));
        loads.Report(B, new AgentInfo { Silo = "b", Host = "h", Cores = 2 }, Now);
        // A stores 20 changes a second per core, B none: a ratio past any bound, but a gap below MoveGap.
        Assert.Null(loads.PlanMove(new HashSet<SiloAddress> { A, B }, Now.AddSeconds(2)));
    }

    [Fact]
    public void ASilosOnlySocketStaysHoweverBusy()
    {
        Busy(A, 2, ("only", 5000));
        Busy(B, 2);

        Assert.Null(_loads.PlanMove(_active, Now.AddSeconds(2)));
    }

    [Fact]
    public void AMovedSocketIsCountedOnItsNewSiloAtOnceAndNotMovedAgainUntilItSettles()
    {
        Busy(A, 2, ("s1", 400), ("s2", 400));
        Busy(B, 2);

        var first = _loads.PlanMove(_active, Now.AddSeconds(2));
        Assert.NotNull(first);
        // The next look, before any new report, sees A and B even: no second move.
        Assert.Null(_loads.PlanMove(_active, Now.AddSeconds(12)));

        // The reports say the move never happened (the socket stayed on A): within the settle time it is not asked again.
        Busy(A, 2, ("s1", 400), ("s2", 400));
        Busy(B, 2);
        var again = _loads.PlanMove(_active, Now.AddSeconds(14));
        Assert.True(again is null || again.Socket != first.Socket);
    }

    [Fact]
    public void SilosThatLeftAreForgotten()
    {
        Busy(A, 2, ("s1", 400), ("s2", 400));
        Busy(B, 2);

        Assert.Null(_loads.PlanMove(new HashSet<SiloAddress> { A }, Now.AddSeconds(2)));
        Assert.Equal(A, _loads.Place("new", [A], new HashSet<SiloAddress> { A }, Now));
        Assert.Null(_loads.Where("nowhere"));
        Assert.Equal(A, _loads.Where("s1"));
    }
}
