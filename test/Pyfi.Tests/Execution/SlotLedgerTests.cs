using System.Net;
using Pyfi.Grains.Workers;

namespace Pyfi.Tests.Execution;

/// <summary>
/// The cluster's count of executing slots (<see cref="SlotLedger"/>, the rules of the ledger grain) without a silo:
/// one worker per core, the least loaded silo first, holds given back when a silo leaves or a worker stops confirming,
/// processors pinned to hosts, and slots that found no core heard in the order they waited.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SlotLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SiloAddress A = Silo(11111);
    private static readonly SiloAddress B = Silo(22222);

    private readonly SlotLedger _ledger = new();
    private readonly HashSet<SiloAddress> _active = [A, B];

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    private static GrainId Worker(string socket, int slot) => GrainId.Create("worker", WorkerKey.Of(socket, slot));

    private void Report(SiloAddress silo, int cores, string host = "h") =>
        _ledger.Report(silo, new AgentInfo { Silo = silo.ToString(), Host = host, Cores = cores });

    [Fact]
    public void EachWorkerGoesToTheSiloWithTheMostFreeCoresAndNoSiloGivesMoreThanItsCores()
    {
        Report(A, 2);
        Report(B, 1);

        var first = _ledger.Reserve(Worker("s", 0), [A, B], "", _active, Now);
        var second = _ledger.Reserve(Worker("s", 1), [A, B], "", _active, Now);
        var third = _ledger.Reserve(Worker("s", 2), [A, B], "", _active, Now);
        var fourth = _ledger.Reserve(Worker("s", 3), [A, B], "", _active, Now);

        Assert.Equal(A, first);
        // A and B have one free each now: the tie goes to the lower address, every time.
        Assert.Equal(A, second);
        Assert.Equal(B, third);
        Assert.Null(fourth);
        Assert.Equal(new Dictionary<GrainId, SiloAddress> { [Worker("s", 0)] = A, [Worker("s", 1)] = A, [Worker("s", 2)] = B }, _ledger.Snapshot().Holders);
    }

    [Fact]
    public void AWorkerAskingAgainKeepsItsCoreAndIsNotCountedTwice()
    {
        Report(A, 1);

        Assert.Equal(A, _ledger.Reserve(Worker("s", 0), [A], "", _active, Now));
        Assert.Equal(A, _ledger.Reserve(Worker("s", 0), [A], "", _active, Now.AddSeconds(10)));

        Assert.Null(_ledger.Reserve(Worker("s", 1), [A], "", _active, Now.AddSeconds(10)));
        Assert.Equal(1, Assert.Single(_ledger.Agents(_active)).CoresBusy);
    }

    [Fact]
    public void ASiloThatHasNotReportedItsCoresOffersNone() =>
        Assert.Null(_ledger.Reserve(Worker("s", 0), [A], "", _active, Now));

    [Fact]
    public void ACoreNobodyConfirmedForThirtySecondsIsGivenBackAndAConfirmedOneIsKept()
    {
        Report(A, 2);
        _ledger.Reserve(Worker("s", 0), [A], "", _active, Now);
        _ledger.Reserve(Worker("s", 1), [A], "", _active, Now);
        // Slot 1 confirms (as live workers do every 10 s); slot 0's worker never came.
        _ledger.Reserve(Worker("s", 1), [A], "", _active, Now.AddSeconds(20));

        Assert.Null(_ledger.Reserve(Worker("t", 0), [A], "", _active, Now + SlotLedger.Unconfirmed));
        Assert.Equal(A, _ledger.Reserve(Worker("t", 0), [A], "", _active, Now + SlotLedger.Unconfirmed + TimeSpan.FromTicks(1)));

        Assert.Equal([Worker("s", 1), Worker("t", 0)], _ledger.Snapshot().Holders.Keys.OrderBy(k => k.ToString()));
    }

    [Fact]
    public void ASiloThatLeftGivesItsCoresBackAndIsListedNoMore()
    {
        Report(A, 1);
        Report(B, 1);
        _ledger.Reserve(Worker("s", 0), [A], "", _active, Now);
        _ledger.Reserve(Worker("s", 1), [B], "", _active, Now);

        _active.Remove(B);

        Assert.Equal([A.ToString()], _ledger.Agents(_active).Select(a => a.Silo));
        Assert.Null(_ledger.Reserve(Worker("s", 2), [A, B], "", _active, Now));
        var snapshot = _ledger.Snapshot();
        Assert.Equal(A, Assert.Single(snapshot.Holders).Value);
        Assert.Equal([A], snapshot.Cores.Keys);
    }

    [Fact]
    public void AProcessorPinnedToHostsGetsCoresOnlyOnThoseHostsWhateverTheirCase()
    {
        Report(A, 4, "alpha");
        Report(B, 1, "beta");

        Assert.Equal(B, _ledger.Reserve(Worker("s", 0), [A, B], "Beta,gamma", _active, Now));
        Assert.Null(_ledger.Reserve(Worker("s", 1), [A, B], "beta", _active, Now));
        Assert.False(_ledger.TryReserve(Worker("s", 1), "beta", _active, Now).Reserved);
        Assert.True(_ledger.TryReserve(Worker("s", 1), "", _active, Now).Reserved);
    }

    [Fact]
    public void WithNoSiloOnItsHostsASlotDoesNotWaitAndAsksNobodyToYield()
    {
        Report(A, 1, "alpha");
        _ledger.Reserve(Worker("other", 0), [A], "", _active, Now);

        var attempt = _ledger.TryReserve(Worker("s", 0), "beta", _active, Now);

        Assert.False(attempt.Reserved);
        Assert.Empty(attempt.AskToYield);
        // It was not put in line: the core let go is heard by nobody.
        Assert.Null(_ledger.Release(Worker("other", 0)));
    }

    [Fact]
    public void WhenEveryCoreIsHeldOnlyOtherSocketsWorkersAreAskedToYield()
    {
        Report(A, 3);
        _ledger.Reserve(Worker("s", 0), [A], "", _active, Now);
        _ledger.Reserve(Worker("t", 0), [A], "", _active, Now);
        _ledger.Reserve(Worker("u", 0), [A], "", _active, Now);

        var attempt = _ledger.TryReserve(Worker("s", 1), "", _active, Now);

        Assert.False(attempt.Reserved);
        Assert.Equal([Worker("t", 0), Worker("u", 0)], attempt.AskToYield.OrderBy(w => w.ToString()));
    }

    [Fact]
    public void SlotsThatFoundNoCoreHearInTheOrderTheyWaitedOnePerCoreLetGo()
    {
        Report(A, 3);
        _ledger.Reserve(Worker("x", 0), [A], "", _active, Now);
        _ledger.Reserve(Worker("x", 1), [A], "", _active, Now);
        _ledger.Reserve(Worker("x", 2), [A], "", _active, Now);
        foreach (var waiting in new[] { Worker("s", 0), Worker("t", 0), Worker("s", 0), Worker("u", 0) })
        {
            Assert.False(_ledger.TryReserve(waiting, "", _active, Now).Reserved);
        }

        // Asking again keeps a slot's place in line; a worker that held nothing lets nothing go.
        Assert.Null(_ledger.Release(Worker("nobody", 0)));
        Assert.Equal(Worker("s", 0), _ledger.Release(Worker("x", 0)));
        Assert.Equal(Worker("t", 0), _ledger.Release(Worker("x", 1)));
        Assert.Null(_ledger.Release(Worker("x", 1)));
        Assert.Equal(Worker("u", 0), _ledger.Release(Worker("x", 2)));
    }

    [Fact]
    public void ASlotThatGetsACoreLeavesTheLine()
    {
        Report(A, 1);
        _ledger.Reserve(Worker("x", 0), [A], "", _active, Now);
        Assert.False(_ledger.TryReserve(Worker("s", 0), "", _active, Now).Reserved);
        Assert.False(_ledger.TryReserve(Worker("t", 0), "", _active, Now).Reserved);
        Assert.Equal(Worker("s", 0), _ledger.Release(Worker("x", 0)));

        // Slot t found the core first (its socket's backoff ran out): it is no longer waiting when s lets it go.
        Assert.True(_ledger.TryReserve(Worker("t", 0), "", _active, Now).Reserved);
        Assert.Null(_ledger.Release(Worker("t", 0)));
    }

    [Fact]
    public void AgentsAreListedByHostThenAddressWithTheCoresTheirWorkersHold()
    {
        var c = Silo(33333);
        _active.Add(c);
        Report(B, 2, "alpha");
        Report(A, 2, "beta");
        Report(c, 4, "alpha");
        _ledger.Reserve(Worker("s", 0), [c], "", _active, Now);
        _ledger.Reserve(Worker("s", 1), [c], "", _active, Now);
        _ledger.Reserve(Worker("s", 2), [A], "", _active, Now);

        var agents = _ledger.Agents(_active);

        Assert.Equal([(B.ToString(), "alpha", 0), (c.ToString(), "alpha", 2), (A.ToString(), "beta", 1)], agents.Select(a => (a.Silo, a.Host, a.CoresBusy)));
        Assert.Equal(new Dictionary<SiloAddress, int> { [A] = 2, [B] = 2, [c] = 4 }, _ledger.Snapshot().Cores);
    }
}
