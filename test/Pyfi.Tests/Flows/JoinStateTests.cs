using Pyfi.Grains.Plugs;

namespace Pyfi.Tests.Flows;

/// <summary>A join's rules without processes: positions, repeats, conflicts, its arguments and its timeout's error.</summary>
[Trait("Category", "Fast")]
public sealed class JoinStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Run = Guid.NewGuid();

    private static JoinOffer Offer(int position, string value, Guid? source = null, string plug = "p", int hop = 1) =>
        new("j", Run, [0, 2], position, value, source ?? Guid.NewGuid(), plug, hop);

    [Fact]
    public void TheCallIsCompleteOnceEveryPositionHasAValueAndItsArgumentsFillTheGaps()
    {
        var join = new JoinState();
        Assert.True(join.Offer(Offer(2, "\"b\""), Now, TimeSpan.FromMinutes(5)));
        Assert.False(join.Complete);
        Assert.Equal([0], join.Missing());
        Assert.Equal(Now.AddMinutes(5), join.Deadline);

        Assert.True(join.Offer(Offer(0, "{\"a\": 1}"), Now.AddSeconds(3), TimeSpan.FromMinutes(5)));
        Assert.True(join.Complete);
        Assert.Equal("[{\"a\": 1},null,\"b\"]", join.Args());
        Assert.Equal(Now.AddMinutes(5), join.Deadline);
    }

    [Fact]
    public void AValueRepeatedChangesNothingAndAnotherForAFilledPositionIsAConflictNotAValue()
    {
        var join = new JoinState();
        var source = Guid.NewGuid();
        Assert.True(join.Offer(Offer(0, "1", source), Now, TimeSpan.FromMinutes(1)));
        Assert.False(join.Offer(Offer(0, "1", source), Now, TimeSpan.FromMinutes(1)));
        Assert.Empty(join.Conflicts);

        var other = Guid.NewGuid();
        Assert.False(join.Offer(Offer(0, "9", other, plug: "q"), Now, TimeSpan.FromMinutes(1)));
        Assert.Equal("1", join.Values[0].Value);
        Assert.Equal($"position 0 already had the value of call {source} (plug 'p'); call {other} (plug 'q') brought another", Assert.Single(join.Conflicts));
    }

    [Fact]
    public void AValueAfterTheJoinEndedIsRecordedNotTaken()
    {
        var join = new JoinState();
        join.Offer(Offer(0, "1"), Now, TimeSpan.FromMinutes(1));
        join.Ended = "timed out";
        var late = Guid.NewGuid();
        Assert.False(join.Offer(Offer(2, "2", late), Now, TimeSpan.FromMinutes(1)));
        Assert.False(join.Values.ContainsKey(2));
        Assert.Equal($"call {late} (plug 'p') brought position 2 after the join timed out", Assert.Single(join.Conflicts));
    }

    [Fact]
    public void ATimeoutNamesTheMissingPositionsAndWhatCame()
    {
        var join = new JoinState();
        var source = Guid.NewGuid();
        join.Offer(Offer(2, "2", source, plug: "b-j"), Now, TimeSpan.FromSeconds(30));
        var error = join.TimeoutError(TimeSpan.FromSeconds(30));
        Assert.Equal("JoinTimeout", error.Type);
        Assert.Equal($"the join waited 00:00:30 for position 0 of this run; it had 2 (plug 'b-j', call {source})", error.Message);
        Assert.False(FailureKinds.JoinTimeout.Retried);
    }
}
