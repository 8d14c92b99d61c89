using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pyfi.Silo.Gateway;
using Pyfi.Silo.Options;

namespace Pyfi.Tests.Gateway;

/// <summary>The gateway port's connection limits and timeouts, on a fake clock (no sockets, no silo).</summary>
[Trait("Category", "Fast")]
public sealed class GatewayConnectionsTests : IDisposable
{
    private static readonly IPAddress Here = IPAddress.Loopback;
    private static readonly IPAddress There = IPAddress.Parse("10.0.0.2");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private GatewayConnections _connections = null!;

    [Fact]
    public void AConnectionThatStartsNoRequestIsDroppedAtTheIdleTimeout()
    {
        var connections = Make();
        var idle = Admit(Here);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Null(idle.Dropped);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(GatewayDrop.IdleTimeout, idle.Dropped);
        Assert.True(idle.Closing.IsCancellationRequested);
        Assert.Equal(0, connections.Count);
    }

    [Fact]
    public void ARequestMustArriveWholeWithinTheRequestTimeoutFromItsFirstByte()
    {
        var connections = Make();
        var slow = Admit(Here);
        _time.Advance(TimeSpan.FromMinutes(4));

        connections.Reading(slow);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(slow.Dropped);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(GatewayDrop.RequestTimeout, slow.Dropped);
        Assert.Equal(1, connections.DroppedFor(GatewayDrop.RequestTimeout));
    }

    [Fact]
    public void AnOperationThatRunsLongIsNotIdleAndItsNextWaitStartsWhenItsResponseIsTaken()
    {
        var connections = Make();
        var waiting = Admit(Here);
        connections.Reading(waiting);
        connections.Handling(waiting);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Null(waiting.Dropped);
        connections.Responding(waiting);
        connections.Waiting(waiting);
        _time.Advance(TimeSpan.FromMinutes(4));

        Assert.Null(waiting.Dropped);
        Assert.Equal(1, connections.Count);
    }

    [Fact]
    public void AResponseTheClientDoesNotTakeIsDroppedAtTheRequestTimeout()
    {
        var connections = Make();
        var stuck = Admit(Here);
        connections.Handling(stuck);
        connections.Responding(stuck);

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(GatewayDrop.RequestTimeout, stuck.Dropped);
    }

    [Fact]
    public void AtTheLimitANewConnectionEvictsTheOneWaitingLongestThatRunsNothing()
    {
        var connections = Make(max: 3, perAddress: 3);
        var first = Admit(Here);
        var second = Admit(Here);
        var third = Admit(Here);
        connections.Handling(first);

        var fourth = Admit(Here);

        Assert.Null(first.Dropped);
        Assert.Equal(GatewayDrop.Evicted, second.Dropped);
        Assert.Null(third.Dropped);
        Assert.Null(fourth.Dropped);
        Assert.Equal(3, connections.Count);
    }

    [Fact]
    public void ASlowRequestIsEvictedByItsWaitNotByItsLastByte()
    {
        var connections = Make(max: 2, perAddress: 2);
        var slowloris = Admit(Here);
        var idle = Admit(Here);
        _time.Advance(TimeSpan.FromSeconds(10));
        connections.Reading(slowloris);

        Admit(Here);

        Assert.Equal(GatewayDrop.Evicted, slowloris.Dropped);
        Assert.Null(idle.Dropped);
    }

    [Fact]
    public void OneAddressAtItsLimitEvictsItsOwnConnectionsOnly()
    {
        var connections = Make(max: 10, perAddress: 2);
        var elsewhere = Admit(There);
        var mine = Admit(Here);
        var mineToo = Admit(Here);

        Admit(Here);

        Assert.Null(elsewhere.Dropped);
        Assert.Equal(GatewayDrop.Evicted, mine.Dropped);
        Assert.Null(mineToo.Dropped);
        Assert.Equal(3, connections.Count);
    }

    [Fact]
    public void WhenEveryConnectionAtTheLimitIsBusyANewOneIsRefused()
    {
        var connections = Make(max: 2, perAddress: 2);
        connections.Handling(Admit(Here));
        connections.Responding(Admit(There));

        Assert.Null(connections.Admit(Here, CancellationToken.None));
        Assert.Equal(1, connections.DroppedFor(GatewayDrop.Refused));
        Assert.Equal(2, connections.Count);
    }

    [Fact]
    public void AClientThatSendsAtOnceWinsAgainstAnyNumberOfIdleConnectionsFromItsOwnAddress()
    {
        var connections = Make(max: 1024, perAddress: 256);
        var attack = new List<GatewaySession>();
        for (var i = 0; i < 20_000; i++)
        {
            attack.Add(Admit(Here));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var client = Admit(Here);
        connections.Reading(client);
        connections.Handling(client);
        for (var i = 0; i < 1_000; i++) attack.Add(Admit(Here));

        Assert.Null(client.Dropped);
        Assert.Equal(256, connections.Count);
        Assert.Equal(21_000 - 255, attack.Count(a => a.Dropped == GatewayDrop.Evicted));
    }

    [Fact]
    public void OutOfFileDescriptorsTheConnectionsWaitingLongestGiveTheirsBack()
    {
        var connections = Make();
        var oldest = Admit(Here);
        _time.Advance(TimeSpan.FromSeconds(1));
        var busy = Admit(Here);
        connections.Handling(busy);
        var older = Admit(There);
        _time.Advance(TimeSpan.FromSeconds(1));
        var newer = Admit(Here);

        Assert.Equal(2, connections.EvictLongestWaiting(2));

        Assert.Equal(GatewayDrop.Evicted, oldest.Dropped);
        Assert.Null(busy.Dropped);
        Assert.Equal(GatewayDrop.Evicted, older.Dropped);
        Assert.Null(newer.Dropped);
    }

    [Theory]
    [InlineData(20_000, 5_000)] // this machine: a quarter kept
    [InlineData(1_048_576, 262_144)]
    [InlineData(4_096, 1_024)] // the Reserve kept
    [InlineData(1_024, 170)] // half kept: a limit too small for the Reserve
    public void EachPortGetsAShareOfTheFileLimitWithTheSilosOwnFilesKept(long limit, int perPort)
    {
        Assert.Equal(perPort, FileDescriptors.PerPort(limit));
        Assert.True(FileDescriptors.Ports * (long)perPort <= limit - Math.Min(FileDescriptors.Reserve, limit / 2));
    }

    [Fact]
    public void ConnectionLimitsAboveWhatTheFileLimitAllowsAreCutAndRemembered()
    {
        var options = new PyfiConnectionOptions { GatewayMaxConnections = 100_000, GatewayMaxConnectionsPerAddress = 100_000 };
        options.FitConnectionsTo(FileDescriptors.PerPort(20_000));
        Assert.Equal((5_000, 5_000, 100_000), (options.GatewayMaxConnections, options.GatewayMaxConnectionsPerAddress, options.GatewayMaxConnectionsAsSet));

        var defaults = new PyfiConnectionOptions();
        defaults.FitConnectionsTo(FileDescriptors.PerPort(20_000));
        Assert.Equal((1_024, 256, (int?)null), (defaults.GatewayMaxConnections, defaults.GatewayMaxConnectionsPerAddress, defaults.GatewayMaxConnectionsAsSet));
    }

    [Fact]
    public void AConnectionThatEndedNoLongerCounts()
    {
        var connections = Make(max: 1, perAddress: 1);
        var first = Admit(Here);
        connections.Handling(first);
        connections.Remove(first);

        Assert.NotNull(connections.Admit(Here, CancellationToken.None));
        Assert.Equal(1, connections.Count);
    }

    /// <inheritdoc />
    public void Dispose() => _connections?.Dispose();

    private GatewayConnections Make(int max = 1024, int perAddress = 256) =>
        _connections = new GatewayConnections(Options.Create(new PyfiConnectionOptions { GatewayMaxConnections = max, GatewayMaxConnectionsPerAddress = perAddress }), _time);

    private GatewaySession Admit(IPAddress remote) => _connections.Admit(remote, CancellationToken.None) ?? throw new InvalidOperationException("refused");
}
