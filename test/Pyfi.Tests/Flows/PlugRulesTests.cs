using System.Text.Json;
using Pyfi.Grains.Plugs;
using Pyfi.Grains.Registry;

namespace Pyfi.Tests.Flows;

/// <summary>Plugs without processes: the registry's cycle rule, which deliveries an end carries, and the calls they make.</summary>
[Trait("Category", "Fast")]
public sealed class PlugRulesTests
{
    private static PlugSpec Plug(string name, string source, string target, int? maxHops = null, PlugOn on = PlugOn.Success, int arg = 0) =>
        new() { Name = name, Source = source, Target = target, MaxHops = maxHops, On = on, Arg = arg };

    private static CallInfo Ended(CallState state, int hop = 0, string? result = "1", CallError? error = null)
    {
        var id = Guid.NewGuid();
        return new CallInfo { Id = id, Socket = "a", Processor = "p", Function = "f", Created = DateTimeOffset.UnixEpoch, State = state, Result = result, Error = error, Hop = hop, Run = hop == 0 ? id : Guid.NewGuid() };
    }

    [Theory]
    [InlineData("flow:x:1", "keys starting with 'flow:' are the network's own (workflow steps)")]
    [InlineData("plug:x", "keys starting with 'plug:' are the network's own (calls plugs make)")]
    [InlineData("join:x", "keys starting with 'join:' are the network's own (calls joins make)")]
    [InlineData("sched:x:20261202T120000Z", "keys starting with 'sched:' are the network's own (calls schedules make)")]
    public void AClientCannotClaimAKeyTheNetworkMakes(string key, string message)
    {
        var refused = Assert.Throws<InvalidSpecException>(() => ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Key = key }));

        Assert.Equal(message, refused.Message);
        // The same words elsewhere in a key are the client's own.
        Assert.Equal("mine:" + key, ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Key = "mine:" + key }).Key);
    }

    [Fact]
    public void AChainOrAFanIsNoCycle()
    {
        PlugSpec[] plugs = [Plug("ab", "a", "b"), Plug("bc", "b", "c"), Plug("ac", "a", "c")];
        PlugGraph.CheckCycles(plugs, Plug("cd", "c", "d"));
        PlugGraph.CheckCycles(plugs, Plug("ad", "a", "d"));
    }

    [Fact]
    public void APlugClosingACycleIsRefusedWithTheCycleNamed()
    {
        PlugSpec[] plugs = [Plug("ab", "a", "b"), Plug("bc", "b", "c")];
        var refused = Assert.Throws<InvalidSpecException>(() => PlugGraph.CheckCycles(plugs, Plug("ca", "c", "a")));
        Assert.Equal("plug 'ca' closes a cycle (c -> a -> b -> c, through plugs 'ca', 'ab', 'bc'); give one of them --max-hops so every run ends", refused.Message);

        var self = Assert.Throws<InvalidSpecException>(() => PlugGraph.CheckCycles([], Plug("aa", "a", "a")));
        Assert.Equal("plug 'aa' closes a cycle (a -> a, through plug 'aa'); give one of them --max-hops so every run ends", self.Message);
    }

    [Fact]
    public void ACycleWithAHopLimitOnAnyOfItsPlugsIsAllowed()
    {
        PlugGraph.CheckCycles([Plug("ab", "a", "b", maxHops: 5), Plug("bc", "b", "c")], Plug("ca", "c", "a"));
        PlugGraph.CheckCycles([], Plug("aa", "a", "a", maxHops: 1));
        // Changing a plug replaces its namesake: removing the limit from the one that had it closes the cycle again.
        Assert.Throws<InvalidSpecException>(() => PlugGraph.CheckCycles([Plug("ab", "a", "b", maxHops: 5), Plug("bc", "b", "c"), Plug("ca", "c", "a")], Plug("ab", "a", "b")));
    }

    [Fact]
    public void AnEndCarriesThePlugsOfItsOutcomeWithinTheirHopLimits()
    {
        var plugs = new PlugSet(7, [Plug("ok", "a", "b"), Plug("err", "a", "c", on: PlugOn.Failure), Plug("loop", "a", "a", maxHops: 2, arg: 1)]);

        Assert.Equal([new PlugDelivery("ok", "b", 0), new PlugDelivery("loop", "a", 1)], SocketPlugs.DeliveriesFor(plugs, Ended(CallState.Succeeded, hop: 1)).ToArray());
        Assert.Equal([new PlugDelivery("ok", "b", 0)], SocketPlugs.DeliveriesFor(plugs, Ended(CallState.Succeeded, hop: 2)).ToArray());
        Assert.Equal([new PlugDelivery("err", "c", 0)], SocketPlugs.DeliveriesFor(plugs, Ended(CallState.Failed, result: null)).ToArray());
        Assert.Empty(SocketPlugs.DeliveriesFor(plugs, Ended(CallState.Cancelled, result: null)));
        Assert.Empty(SocketPlugs.DeliveriesFor(PlugSet.Empty, Ended(CallState.Succeeded)));
    }

    [Fact]
    public void ADeliveryMakesACallInTheSourcesRunOneHopOnUnderAKeyOfItsOwn()
    {
        var source = Ended(CallState.Succeeded, hop: 0, result: """{"n": 1}""");
        var request = SocketPlugs.Request(source, new PlugDelivery("p", "t", 2));

        Assert.Equal("t", request.Socket);
        Assert.Equal("""[null,null,{"n": 1}]""", request.Args);
        Assert.Equal(source.Id, request.Parent);
        Assert.Equal(source.Id, request.Run);
        Assert.Equal(1, request.Hop);
        Assert.Equal(request.Key, SocketPlugs.Request(source, new PlugDelivery("p", "t", 2)).Key);
        Assert.NotEqual(request.Key, SocketPlugs.Request(source, new PlugDelivery("q", "t", 2)).Key);
        Assert.StartsWith("plug:", request.Key);
        Assert.True(SocketPlugs.Key(Guid.NewGuid(), new string('x', ModelRules.MaxNameLength)).Length <= 54);
    }

    [Fact]
    public void AFailureIsCarriedAsADictOfTypeMessageAndTraceback()
    {
        var source = Ended(CallState.Failed, hop: 3, result: null, error: new CallError("ValueError", "bad \"value\"", "Traceback ...")) ;
        var request = SocketPlugs.Request(source, new PlugDelivery("e", "t", 0));
        var error = JsonDocument.Parse(request.Args).RootElement[0];

        Assert.Equal("ValueError", error.GetProperty("type").GetString());
        Assert.Equal("bad \"value\"", error.GetProperty("message").GetString());
        Assert.Equal("Traceback ...", error.GetProperty("traceback").GetString());
        Assert.Equal(source.Run, request.Run);
        Assert.Equal(4, request.Hop);
    }

    [Theory]
    [InlineData(-1, null, "plug 'p': --arg must be between 0 and 63")]
    [InlineData(64, null, "plug 'p': --arg must be between 0 and 63")]
    [InlineData(0, 0, "plug 'p': --max-hops must be between 1 and 10000")]
    public void APlugsOwnFieldsAreChecked(int arg, int? maxHops, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(Plug("p", "a", "b", maxHops, arg: arg))).Message);

    [Fact]
    public void AClientMayNotSetARunAHopOrAPlugsKey()
    {
        Assert.Throws<InvalidSpecException>(() => ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Run = Guid.NewGuid() }));
        Assert.Throws<InvalidSpecException>(() => ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Hop = 1 }));
        Assert.Throws<InvalidSpecException>(() => ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Key = "plug:abc" }));
        ModelRules.ValidateFromClient(new CallRequest { Socket = "s", Key = "mine" });
    }
}
