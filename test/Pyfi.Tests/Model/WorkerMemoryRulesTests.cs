namespace Pyfi.Tests.Model;

/// <summary>A processor's <c>--memory</c>: how amounts are read, which are allowed, and how an update changes one (no processes).</summary>
[Trait("Category", "Fast")]
public sealed class WorkerMemoryRulesTests
{
    [Theory]
    [InlineData("1G", 1L << 30)]
    [InlineData("1g", 1L << 30)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("2048K", 2L << 20)]
    [InlineData("1T", 1L << 40)]
    [InlineData("1073741824", 1L << 30)]
    [InlineData(" 64 M ", 64L << 20)]
    [InlineData("0", 0)]
    public void AmountsAreReadInPowersOf1024(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var read));
        Assert.Equal(bytes, read);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1G")]
    [InlineData("1X")]
    [InlineData("G")]
    [InlineData("1e9")]
    [InlineData("99999999999T")]
    public void WhatIsNotAnAmountIsRefused(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
        Assert.Equal($"--memory: '{text}' is not an amount of memory (e.g. 512M, 2G)", Assert.Throws<InvalidSpecException>(() => ByteSize.Parse(text, "--memory")).Message);
    }

    [Theory]
    [InlineData(2L << 30, "2 GiB")]
    [InlineData(1536L << 20, "1536 MiB")]
    [InlineData(1000, "1000 bytes")]
    public void AmountsAreShownInTheLargestUnitThatDividesThem(long bytes, string shown) => Assert.Equal(shown, ByteSize.Format(bytes));

    [Fact]
    public void AProcessorsMemoryIsBetween64MiBAnd1TiB()
    {
        var spec = new ProcessorSpec { Name = "p", Repository = "/srv/repo", Module = "m" };

        Assert.Equal(64L << 20, ModelRules.Validate(spec with { Memory = 64L << 20 }).Memory);
        Assert.Null(ModelRules.Validate(spec).Memory);
        Assert.Equal("processor 'p': memory must be between 64 MiB and 1 TiB, not 1 MiB",
            Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(spec with { Memory = 1L << 20 })).Message);
        Assert.Equal("processor 'p': memory must be between 64 MiB and 1 TiB, not 2 TiB",
            Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(spec with { Memory = 2L << 40 })).Message);
    }

    [Fact]
    public void AnUpdateSetsTheMemoryOrReturnsItToTheSilosDefault()
    {
        var spec = new ProcessorSpec { Name = "p", Repository = "/srv/repo", Module = "m", Memory = 1L << 30 };

        Assert.Equal(1L << 30, new ProcessorUpdate { Concurrency = 2 }.ApplyTo(spec).Memory);
        Assert.Equal(512L << 20, new ProcessorUpdate { Memory = 512L << 20 }.ApplyTo(spec).Memory);
        Assert.Null(new ProcessorUpdate { Memory = 0 }.ApplyTo(spec).Memory);
    }
}
