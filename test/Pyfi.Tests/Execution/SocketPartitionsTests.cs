namespace Pyfi.Tests.Execution;

/// <summary>
/// The rules of a partitioned socket without a silo (<see cref="SocketPartitions"/>): partition keys, ids that name
/// their partition, shares that add up to the socket's whole, and submissions spread by key the same way everywhere.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SocketPartitionsTests
{
    [Fact]
    public void KeysNameTheSocketAndPartitionAndNothingElseParsesAsAPartition()
    {
        Assert.Equal("s", SocketPartitions.Key("s", 0));
        Assert.Equal("s@3", SocketPartitions.Key("s", 3));
        Assert.Equal(("s", 3), SocketPartitions.Parse("s@3"));
        Assert.Equal(("a.b-c", 0), SocketPartitions.Parse("a.b-c"));
        // Not partitions: out of range, signs, spaces, nothing before the separator.
        Assert.Equal(("s@64", 0), SocketPartitions.Parse("s@64"));
        Assert.Equal(("s@-1", 0), SocketPartitions.Parse("s@-1"));
        Assert.Equal(("s@ 1", 0), SocketPartitions.Parse("s@ 1"));
        Assert.Equal(("@1", 0), SocketPartitions.Parse("@1"));
        Assert.Equal(SocketPartitions.Max, SocketPartitions.AllKeys("s").Distinct().Count());
        Assert.Equal("s", SocketPartitions.AllKeys("s")[0]);
    }

    [Fact]
    public void ACallsIdNamesItsPartitionAndOtherIdsArePartitionZero()
    {
        for (var p = 0; p < SocketPartitions.Max; p++)
        {
            var id = SocketPartitions.NewId(p);
            Assert.Equal(p, SocketPartitions.Of(id));
            Assert.Equal(8, id.Version);
            Assert.Equal($"s{(p == 0 ? "" : "@" + p)}", SocketPartitions.KeyOf("s", id));
        }

        Assert.Equal(0, SocketPartitions.Of(Guid.NewGuid()));
        Assert.Equal(0, SocketPartitions.Of(Guid.CreateVersion7()));
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(_ => SocketPartitions.NewId(5)).Distinct().Count());
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(10, 3)]
    [InlineData(100_000, 7)]
    [InlineData(5, 1)]
    public void SharesAreEvenAndAddUpToTheWhole(int total, int partitions)
    {
        var shares = Enumerable.Range(0, partitions).Select(p => SocketPartitions.Share(total, partitions, p)).ToList();

        Assert.Equal(total, shares.Sum());
        Assert.InRange(shares.Max() - shares.Min(), 0, 1);
        Assert.All(shares, s => Assert.True(s >= 1));
    }

    [Fact]
    public void AKeyGoesToTheSamePartitionEverywhereAndKeysSpreadEvenly()
    {
        // Not .NET's string hash (random per process): a value fixed here holds it down across silos and restarts.
        Assert.Equal(SocketPartitions.ForKey("submission-1", 4), SocketPartitions.ForKey("submission-1", 4));
        Assert.Equal(3, SocketPartitions.ForKey("abc", 4));
        var counts = Enumerable.Range(0, 4000).Select(i => SocketPartitions.ForKey(Guid.NewGuid().ToString("N"), 4)).GroupBy(p => p).ToList();
        Assert.Equal(4, counts.Count);
        Assert.All(counts, g => Assert.InRange(g.Count(), 800, 1200));
    }

    [Theory]
    [InlineData(1, 4, null)]
    [InlineData(4, 6, null)]
    [InlineData(4, 4, null)]
    [InlineData(1, SocketSpec.AutoPartitions, null)]
    [InlineData(SocketSpec.AutoPartitions, SocketSpec.AutoPartitions, null)]
    [InlineData(4, 2, "partitions can be added, not taken away")]
    [InlineData(4, SocketSpec.AutoPartitions, "only a socket with one can become auto")]
    [InlineData(SocketSpec.AutoPartitions, 8, "its partitions are auto")]
    [InlineData(1, 9, "9 partitions need a concurrency of at least 9")]
    [InlineData(1, 65, "partitions must be between 1 and 64, or auto")]
    public void PartitionsOnlyGrowAndEachNeedsASlot(int from, int to, string? refusal)
    {
        SocketSpec Spec(int partitions) => new() { Name = "s", Queue = "q", Processor = "p", Function = "f", Concurrency = 8, Partitions = partitions };
        if (refusal is null)
        {
            Assert.Equal(to, ModelRules.Validate(Spec(from), Spec(to)).Partitions);
            return;
        }

        Assert.Contains(refusal, Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(Spec(from), Spec(to))).Message, StringComparison.Ordinal);
    }
}
