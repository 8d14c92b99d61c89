using Microsoft.Extensions.Time.Testing;
using Pyfi.Grains.Schedules;

namespace Pyfi.Tests.Flows;

/// <summary>
/// Which slots fire, on a fake clock: each slot once as time passes, catch-up after a downtime in its three modes,
/// overlap, pause, and a slot that could not fire tried again.
/// </summary>
[Trait("Category", "Fast")]
public sealed class ScheduleRunnerTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 2, 12, 0, 0, 500, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Created);
    private readonly Target _target = new();

    [Fact]
    public async Task EachSlotFiresOnceAsTimePasses()
    {
        var state = State(every: 1);
        var activated = _clock.GetUtcNow() - ScheduleRunner.Grace;

        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await RunAsync(state, activated));
            Assert.True(await RunAsync(state, activated)); // again at the same moment: nothing more
        }

        Assert.Equal(Slots(Created.AddMilliseconds(500), 5), _target.Fired);
        Assert.Equal(5, state.Fired);
        Assert.Equal(_target.Fired[^1], state.LastSlot);
    }

    [Theory]
    [InlineData(ScheduleCatchUp.None, 1, 9)]  // only the slot at the restart
    [InlineData(ScheduleCatchUp.One, 2, 8)]   // the latest missed one, then that one
    [InlineData(ScheduleCatchUp.All, 10, 0)]  // every one, oldest first
    public async Task SlotsMissedWhileDownAreMadeUpAsTheCatchUpRuleSays(ScheduleCatchUp catchUp, int fired, int missed)
    {
        var state = State(every: 1, catchUp: catchUp);
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        await RunAsync(state, Created);
        var lastBeforeDown = state.LastSlot!.Value;

        // Down for ten slots; the new activation begins at the tenth.
        _clock.Advance(TimeSpan.FromSeconds(10));
        _target.Fired.Clear();
        Assert.True(await RunAsync(state, _clock.GetUtcNow() - ScheduleRunner.Grace));

        Assert.Equal(fired, _target.Fired.Count);
        Assert.Equal(missed, state.Missed);
        Assert.Equal(lastBeforeDown.AddSeconds(10), _target.Fired[^1]);
        Assert.Equal(_target.Fired.Order(), _target.Fired);
        if (catchUp == ScheduleCatchUp.One) Assert.Equal(lastBeforeDown.AddSeconds(9), _target.Fired[0]);
    }

    [Fact]
    public async Task MoreMissedSlotsThanTheCatchUpBoundFireTheLatestAndCountTheRest()
    {
        var state = State(every: 1, catchUp: ScheduleCatchUp.All);
        _clock.Advance(TimeSpan.FromHours(2));

        await RunAsync(state, _clock.GetUtcNow() - ScheduleRunner.Grace);

        Assert.Equal(ScheduleSpec.MaxCatchUp + 1, _target.Fired.Count); // the bound made up, and the slot of now
        Assert.Equal(2 * 3600 - ScheduleSpec.MaxCatchUp - 1, state.Missed);
    }

    [Fact]
    public async Task WithOverlapSkipASlotWhosePreviousCallStillRunsIsSkippedAndQueueMakesItAnyway()
    {
        var skip = State(every: 1);
        var queue = State(every: 1, overlap: ScheduleOverlap.Queue);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await RunAsync(skip, Created);
        await RunAsync(queue, Created);
        _target.Running = true;

        _clock.Advance(TimeSpan.FromSeconds(2));
        await RunAsync(skip, Created);
        await RunAsync(queue, Created);

        Assert.Equal((1, 2), (skip.Fired, skip.Skipped));
        Assert.Equal((3, 0), (queue.Fired, queue.Skipped));
        Assert.Equal(skip.LastSlot, queue.LastSlot);
    }

    [Fact]
    public async Task APausedScheduleFiresNothingAndDoesNotMakeUpItsPauseWhenResumed()
    {
        var state = State(every: 1);
        state.Definition = state.Definition! with { Spec = state.Definition.Spec with { Paused = true } };
        _clock.Advance(TimeSpan.FromSeconds(5));
        await RunAsync(state, Created);
        Assert.Empty(_target.Fired);
        Assert.Null(ScheduleRunner.Next(state, Times(state), _clock.GetUtcNow()));

        // Resumed: a new revision, updated now.
        var resumed = _clock.GetUtcNow();
        state.Definition = new(state.Definition.Spec with { Paused = false }, new ModelStamp(2, Created, resumed));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await RunAsync(state, Created);

        Assert.Single(_target.Fired);
        Assert.True(_target.Fired[0] > resumed);
        Assert.Equal(0, state.Missed);
    }

    [Fact]
    public async Task ASlotThatCouldNotFireKeepsItsErrorAndFiresOnTheNextRun()
    {
        var state = State(every: 1);
        _target.Refusal = new QueueFullException("x", 10);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await RunAsync(state, Created));
        Assert.Contains("its queue's bound", state.LastError);
        Assert.Null(state.LastSlot);

        _target.Refusal = null;
        Assert.True(await RunAsync(state, Created));
        Assert.Null(state.LastError);
        Assert.Single(_target.Fired);
    }

    [Fact]
    public async Task NoSlotBeforeTheScheduleWasAddedFires()
    {
        var state = State(every: 1, catchUp: ScheduleCatchUp.All);

        // An activation that began long after it was added (the registry's push was late) makes up nothing before it.
        _clock.Advance(TimeSpan.FromSeconds(0.4));
        await RunAsync(state, _clock.GetUtcNow() - ScheduleRunner.Grace);

        Assert.Empty(_target.Fired);
        Assert.Equal(Created.AddMilliseconds(500), ScheduleRunner.Next(state, Times(state), _clock.GetUtcNow()));
    }

    private Task<bool> RunAsync(ScheduleState state, DateTimeOffset downUntil) =>
        ScheduleRunner.RunAsync(state, Times(state), downUntil, _clock.GetUtcNow(), _target);

    private static ScheduleTimes Times(ScheduleState state) => ScheduleTimes.Of(state.Definition!.Spec);

    private static ScheduleState State(int every, ScheduleCatchUp catchUp = ScheduleCatchUp.One, ScheduleOverlap overlap = ScheduleOverlap.Skip) => new()
    {
        Definition = new(
            new ScheduleSpec { Name = "s", Socket = "x", Every = TimeSpan.FromSeconds(every), CatchUp = catchUp, Overlap = overlap },
            new ModelStamp(1, Created, Created)),
    };

    private static List<DateTimeOffset> Slots(DateTimeOffset first, int count) => [.. Enumerable.Range(0, count).Select(i => first.AddSeconds(i))];

    private sealed class Target : IScheduleTarget
    {
        public List<DateTimeOffset> Fired { get; } = [];

        public bool Running { get; set; }

        public PyfiException? Refusal { get; set; }

        public Task<Guid> FireAsync(DateTimeOffset slot)
        {
            if (Refusal is not null) throw Refusal;
            Fired.Add(slot);
            return Task.FromResult(Guid.NewGuid());
        }

        public Task<bool> IsRunningAsync(Guid call) => Task.FromResult(Running);
    }
}
