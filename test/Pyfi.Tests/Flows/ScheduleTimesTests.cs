using Pyfi.Grains.Schedules;

namespace Pyfi.Tests.Flows;

/// <summary>When a schedule's slots fall: intervals counted from the epoch, cron in a time zone, and what cannot be read.</summary>
[Trait("Category", "Fast")]
public sealed class ScheduleTimesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnIntervalsSlotsAreMultiplesOfItSinceTheEpochSoEverySiloNamesTheSame()
    {
        var times = Times(every: TimeSpan.FromSeconds(30));

        Assert.Equal(Noon.AddSeconds(30), times.After(Noon.AddSeconds(10)));
        Assert.Equal(Noon.AddSeconds(60), times.After(Noon.AddSeconds(30)));
        Assert.Equal(Noon, times.After(Noon.AddTicks(-1)));
    }

    [Fact]
    public void ACronExpressionIsReadInItsTimeZone()
    {
        // 09:00 in Paris is 08:00 UTC in winter.
        var times = Times(cron: "0 9 * * *", zone: "Europe/Paris");

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero), times.After(Noon));
    }

    [Fact]
    public void ASlotInTheHourDaylightSavingSkipsFiresOnceAtTheJump()
    {
        // 29 March 2026: Paris goes from 02:00 to 03:00; "02:30" does not exist that day, and fires at 03:00 (01:00 UTC).
        var times = Times(cron: "30 2 * * *", zone: "Europe/Paris");
        var start = new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero);

        var (slots, count) = times.Between(start, start.AddDays(1), keep: 10);

        Assert.Equal(1, count);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), slots.Single());
    }

    [Fact]
    public void SixFieldsMeanSecondsFirst()
    {
        var times = Times(cron: "*/10 * * * * *");

        Assert.Equal(Noon.AddSeconds(10), times.After(Noon.AddSeconds(3)));
    }

    [Fact]
    public void AYearOfOneSecondSlotsIsCountedWithoutWalkingThem()
    {
        var (latest, count) = Times(every: TimeSpan.FromSeconds(1)).Between(Noon.AddDays(-365), Noon, keep: 3);

        Assert.Equal(365L * 24 * 3600, count);
        Assert.Equal([Noon.AddSeconds(-2), Noon.AddSeconds(-1), Noon], latest);
    }

    [Fact]
    public void ACronsLatestSlotsAreFoundLookingBackFromTheEnd()
    {
        var (latest, count) = Times(cron: "* * * * * *").Between(Noon.AddDays(-3), Noon, keep: 2);

        Assert.Equal(3L * 24 * 3600, count);
        Assert.Equal([Noon.AddSeconds(-1), Noon], latest);

        var (monthly, months) = Times(cron: "0 0 1 * *").Between(Noon.AddYears(-2), Noon, keep: 1);
        Assert.Equal(24, months);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), monthly.Single());
    }

    [Theory]
    [InlineData("61 * * * *", null, "--cron '61 * * * *' is not a cron expression")]
    [InlineData("0 9 * * *", "Mars/Olympus", "--tz 'Mars/Olympus' is not a time zone this silo knows")]
    public void WhatCannotBeReadIsRefusedNamingTheOption(string cron, string? zone, string message)
    {
        var refused = Assert.Throws<InvalidSpecException>(() => Times(cron: cron, zone: zone));

        Assert.Contains(message, refused.Message);
        Assert.StartsWith("schedule 's':", refused.Message);
    }

    private static ScheduleTimes Times(TimeSpan? every = null, string? cron = null, string? zone = null) =>
        ScheduleTimes.Of(new ScheduleSpec { Name = "s", Socket = "x", Every = every, Cron = cron, TimeZone = zone });
}

/// <summary>What a schedule's rules refuse before anything is stored: hostile arguments (too large, too deep) and malformed fields.</summary>
[Trait("Category", "Fast")]
public sealed class ScheduleRulesTests
{
    [Fact]
    public void ArgumentsLargerThanTheBoundOrDeeperThanTheDepthAreRefusedInOneLine()
    {
        var large = new ScheduleSpec { Name = "s", Socket = "x", Every = TimeSpan.FromSeconds(1), Args = $"[\"{new string('a', ScheduleSpec.MaxDataBytes)}\"]" };
        var deep = large with { Args = new string('[', 100) + new string(']', 100) };
        var kwargs = large with { Args = "[]", Kwargs = "[1]" };

        Assert.Equal("schedule 's''s positional arguments are larger than 64 KiB (PYFI_MAX_PAYLOAD)", Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(large)).Message);
        Assert.Contains($"nest deeper than {PyfiLimits.MaxDepth} levels", Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(deep)).Message);
        Assert.Contains("keyword arguments must be a JSON object", Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(kwargs)).Message);
    }

    [Theory]
    [InlineData(null, null, "give one of --every and --cron")]
    [InlineData(1.5, null, "--every must be whole seconds")]
    [InlineData(1.0, "* * * * *", "give one of --every and --cron")]
    public void WhenItFiresMustBeOneWholeThing(double? seconds, string? cron, string message)
    {
        var spec = new ScheduleSpec { Name = "s", Socket = "x", Every = seconds is { } s ? TimeSpan.FromSeconds(s) : null, Cron = cron };

        Assert.Contains(message, Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(spec)).Message);
    }
}
