using Pyfi.Cli.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>Durations as people type them, and as the listings write them (which a network file may copy).</summary>
[Trait("Category", "Fast")]
public sealed class DurationsTests
{
    [Theory]
    [InlineData("30", 30_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("5m", 300_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h5m", 7_500_000)]
    [InlineData("1d12h", 129_600_000)]
    [InlineData("1s500ms", 1_500)]
    [InlineData("00:01:30", 90_000)]
    public void ADurationIsReadAsWritten(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "--timeout"));
    }

    [Theory]
    [InlineData(90_000)]
    [InlineData(3_723_000)]
    [InlineData(250)]
    [InlineData(45_000)]
    public void WhatTheListingsShowReadsBack(long milliseconds)
    {
        var span = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(span, Durations.Parse(Durations.Format(span), "--timeout"));
    }

    [Theory]
    [InlineData("1m30")]
    [InlineData("m30s")]
    [InlineData("1m 30s")]
    [InlineData("soon")]
    public void AnythingElseIsRefusedNamingTheOption(string text)
    {
        Assert.Equal($"--timeout: '{text}' is not a duration (e.g. 30s, 5m, 250ms)", Assert.Throws<InvalidSpecException>(() => Durations.Parse(text, "--timeout")).Message);
    }
}
