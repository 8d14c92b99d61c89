using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using Pyfi.Client.Calls;

namespace Pyfi.Tests.ClientApi;

/// <summary>
/// A client's routes to partitioned sockets, without a cluster: a socket's partition count is asked once and again
/// only when due, each submission goes to the partition its key goes to, and a client naming ever new sockets keeps
/// at most <c>4,096</c> of them (it costs asks, not memory). The routes against real silos: PartitionedSocketTests.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SocketRoutesTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private readonly ConcurrentDictionary<string, int> _asked = new();
    private readonly IGrainFactory _grains;

    public SocketRoutesTests()
    {
        (_grains, var fake) = FakeGrains.Create();
        fake.Register<ISocketGrain>(key => TwoPartitions.Create((string)key, _asked));
    }

    [Fact]
    public void ASocketsCountIsAskedOnceUntilItIsDueAndEachKeyGoesToItsPartition()
    {
        var routes = new SocketRoutes(_clock);

        // The fake answers the ask at once, so even the first submission is routed (a real grain answers later:
        // until then a submission goes to the socket's own grain, see PartitionedSocketTests).
        var first = routes.For(_grains, Request("s", "k1"));
        Assert.Equal(SocketPartitions.Key("s", SocketPartitions.ForKey("k1", 2)), TwoPartitions.KeyOf(first));
        Assert.Equal(2, routes.PartitionsOf("s"));

        var keys = Enumerable.Range(0, 20).Select(i => $"k{i}").ToList();
        Assert.Equal(keys.Select(k => SocketPartitions.Key("s", SocketPartitions.ForKey(k, 2))), keys.Select(k => TwoPartitions.KeyOf(routes.For(_grains, Request("s", k)))));
        Assert.Equal(1, _asked["s"]);

        _clock.Advance(SocketRoutes.Refresh);
        routes.For(_grains, Request("s", "k1"));
        Assert.Equal(2, _asked["s"]);
    }

    [Fact]
    public void AClientNamingEverNewSocketsKeepsAtMost4096OfThem()
    {
        var routes = new SocketRoutes(_clock);
        routes.For(_grains, Request("s0", "k"));
        Assert.Equal(2, routes.PartitionsOf("s0"));

        for (var i = 1; i <= 4096; i++) routes.For(_grains, Request($"s{i}", "k"));

        // The table started again when the 4,097th socket came: the first is forgotten (asked again if named again).
        Assert.Null(routes.PartitionsOf("s0"));
        Assert.Null(routes.PartitionsOf("s4095"));
        Assert.Equal(2, routes.PartitionsOf("s4096"));
        routes.For(_grains, Request("s0", "k"));
        Assert.Equal(2, _asked["s0"]);
    }

    private static CallRequest Request(string socket, string key) => new() { Socket = socket, Args = "[1]", Key = key };

    /// <summary>A socket grain with two partitions: it answers the count (counting the asks) and says which key it is.</summary>
    public class TwoPartitions : DispatchProxy
    {
        private string _key = "";
        private ConcurrentDictionary<string, int> _asked = null!;

        /// <summary>The grain of <paramref name="key"/>.</summary>
        public static ISocketGrain Create(string key, ConcurrentDictionary<string, int> asked)
        {
            var grain = Create<ISocketGrain, TwoPartitions>();
            var self = (TwoPartitions)(object)grain;
            self._key = key;
            self._asked = asked;
            return grain;
        }

        /// <summary>The key <paramref name="grain"/> was made for.</summary>
        public static string KeyOf(ISocketGrain grain) => ((TwoPartitions)(object)grain)._key;

        /// <inheritdoc />
        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method?.Name != nameof(ISocketGrain.GetPartitionsAsync)) throw new NotSupportedException(method?.Name);
            _asked.AddOrUpdate(_key, 1, (_, n) => n + 1);
            return Task.FromResult(2);
        }
    }
}
