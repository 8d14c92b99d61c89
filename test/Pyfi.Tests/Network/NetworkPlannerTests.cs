using Pyfi.Grains.Registry;

namespace Pyfi.Tests.Network;

/// <summary>
/// <c>pyfi apply</c>'s plan without processes: what changes, in which order, what is refused and why, and who may make it
/// (the registry runs exactly this and commits its changes in the same turn).
/// </summary>
[Trait("Category", "Fast")]
public sealed class NetworkPlannerTests
{
    private static readonly QueueSpec Q = new() { Name = "q" };
    private static readonly ProcessorSpec P = new() { Name = "p", Repository = "/srv/git/p.git", Module = "pkg.mod", Hosts = ["h1"] };
    private static readonly SocketSpec S1 = new() { Name = "s1", Queue = "q", Processor = "p", Function = "one", Retry = RetryPolicy.Default with { NonRetryable = ["ValueError"] } };
    private static readonly SocketSpec S2 = new() { Name = "s2", Queue = "q", Processor = "p", Function = "two" };
    private static readonly PlugSpec Plug12 = new() { Name = "s1-s2", Source = "s1", Target = "s2" };

    private static readonly NetworkSpec Whole = new() { Queues = [Q], Processors = [P], Sockets = [S1, S2], Plugs = [Plug12] };

    [Fact]
    public void AnEmptyNetworkGetsEverythingAddedInDependencyOrderWhateverTheFilesOrder()
    {
        var plan = Plan(new RegistryState(), Whole with { Sockets = [S2, S1] });

        Assert.Empty(plan.Problems);
        Assert.Equal(["+ queue q", "+ processor p", "+ socket s2", "+ socket s1", "+ plug s1-s2"], Lines(plan));
    }

    [Fact]
    public void ApplyingWhatTheNetworkAlreadyIsChangesNothingEvenWithListsMadeAfresh()
    {
        var state = Applied(new RegistryState(), Whole);
        // Lists that come over the wire are new arrays: equal by content, not by reference.
        var again = Whole with
        {
            Processors = [P with { Hosts = [.. new[] { "h1" }] }],
            Sockets = [S1 with { Retry = S1.Retry with { NonRetryable = [.. new[] { "ValueError" }] } }, S2],
        };

        var plan = Plan(state, again);

        Assert.Empty(plan.Problems);
        Assert.Empty(plan.Changes);
        Assert.Equal(Whole.Sockets.Select(s => s.Name), NetworkPlanner.Export(state).Sockets.Select(s => s.Name));
    }

    [Fact]
    public void AChangedDefinitionIsChangedInPlaceAndThePlanKeepsWhatItWas()
    {
        var state = Applied(new RegistryState(), Whole);

        var plan = Plan(state, Whole with { Sockets = [S1 with { Concurrency = 4 }, S2] });

        Assert.Equal(["~ socket s1"], Lines(plan));
        Assert.Equal(1, Assert.Single(plan.Before.Sockets).Concurrency);
    }

    [Fact]
    public void AFieldLeftOutIsItsDefaultSoTheFileIsTheWholeTruthForWhatItDeclares()
    {
        var state = Applied(new RegistryState(), Whole with { Sockets = [S1 with { Timeout = TimeSpan.FromSeconds(30) }, S2] });

        var plan = Plan(state, Whole);

        Assert.Equal(["~ socket s1"], Lines(plan));
    }

    [Fact]
    public void WithoutPruneWhatTheFileLacksStaysAndWithPruneItIsDeletedInReverseOrder()
    {
        var state = Applied(new RegistryState(), Whole);
        var onlyQueue = new NetworkSpec { Queues = [Q] };

        Assert.Empty(Plan(state, onlyQueue).Changes);
        var pruned = Plan(state, onlyQueue, prune: true);

        Assert.Empty(pruned.Problems);
        Assert.Equal(["- plug s1-s2", "- socket s1", "- socket s2", "- processor p"], Lines(pruned));
        Assert.Equal(["s1-s2"], pruned.Before.Plugs.Select(p => p.Name));
    }

    [Fact]
    public void EveryProblemIsListedWithItsPathAndNothingIsPlannedToChangeWrongly()
    {
        var state = Applied(new RegistryState(), new NetworkSpec { Queues = [Q] });
        var file = new NetworkSpec
        {
            Queues = [Q, Q],
            Processors = [P with { Module = "not a module" }],
            Sockets = [S1 with { Queue = "nowhere" }, S2 with { Concurrency = 0 }],
            Plugs = [Plug12, new PlugSpec { Name = "s2-s1", Source = "s2", Target = "s1" }, new PlugSpec { Name = "s1-s3", Source = "s1", Target = "s3" }],
        };

        var plan = Plan(state, file, repositoryRefusal: r => r.StartsWith("/srv", StringComparison.Ordinal) ? "repository not allowed" : null);

        Assert.Equal(
        [
            "queues[1]: queue 'q' is declared twice (also at queues[0])",
            "processors[0]: processor 'p': module 'not a module' is not a Python module path like package.module",
            "sockets[0]: socket 's1': queue 'nowhere' is neither in the file nor in the network",
            "sockets[1]: socket 's2': concurrency must be between 1 and 4096",
            "plugs[2]: plug 's1-s3': socket 's3' is neither in the file nor in the network",
            "plugs[1]: plug 's2-s1' closes a cycle (s2 -> s1 -> s2, through plugs 's2-s1', 's1-s2'); give one of them --max-hops so every run ends",
        ], plan.Problems.ToArray());
        Assert.True(plan.Refused);
    }

    [Fact]
    public void WithPruneAReferenceToWhatOnlyTheNetworkHasIsAProblem()
    {
        var state = Applied(new RegistryState(), Whole);

        var plan = Plan(state, new NetworkSpec { Sockets = [S1] }, prune: true);

        Assert.Equal(
        [
            "sockets[0]: socket 's1': queue 'q' is not in the file, and --prune deletes it",
            "sockets[0]: socket 's1': processor 'p' is not in the file, and --prune deletes it",
        ], plan.Problems.ToArray());
    }

    [Fact]
    public void ACycleWithAHopLimitIsAllowedAndARepositoryIsCheckedOnlyWhenItChanges()
    {
        var state = Applied(new RegistryState(), Whole);
        var cycle = Whole with { Plugs = [Plug12, new PlugSpec { Name = "s2-s1", Source = "s2", Target = "s1", MaxHops = 5 }] };

        // PYFI_REPOS now refuses p's repository: p is unchanged, so it is not checked again.
        var plan = Plan(state, cycle, repositoryRefusal: _ => "not allowed");

        Assert.Empty(plan.Problems);
        Assert.Equal(["+ plug s2-s1"], Lines(plan));
    }

    [Fact]
    public void ARoleMustHoldWhatEachChangeNeedsAndIsRefusedNamingWhatItCannot()
    {
        var plan = Plan(Applied(new RegistryState(), new NetworkSpec { Processors = [P with { Module = "old.mod" }] }), Whole);

        var refused = Assert.Throws<NotAllowedException>(() => NetworkPlanner.Authorize(plan, PyfiRole.Operator));
        Assert.Equal("not allowed: role operator cannot change processors (p)", refused.Message);
        var developer = Assert.Throws<NotAllowedException>(() => NetworkPlanner.Authorize(plan, PyfiRole.Developer));
        Assert.Equal("not allowed: role developer cannot add queues (q) or add sockets (s1, s2) or add plugs (s1-s2)", developer.Message);
        NetworkPlanner.Authorize(plan, PyfiRole.Admin);
        NetworkPlanner.Authorize(Plan(new RegistryState(), new NetworkSpec { Processors = [P] }), PyfiRole.Developer);
        NetworkPlanner.Authorize(Plan(Applied(new RegistryState(), Whole), Whole), PyfiRole.Viewer);
    }

    [Fact]
    public void ThePushesAreEachDefinitionChangedAndThePlugSetsOfEverySourceIntoAChangedTarget()
    {
        var before = Applied(new RegistryState(), Whole with { Plugs = [new PlugSpec { Name = "s2-s2", Source = "s2", Target = "s2", MaxHops = 3 }] });
        var declared = Whole with { Plugs = [Plug12, new PlugSpec { Name = "s2-s2", Source = "s2", Target = "s2", MaxHops = 3 }] };
        var plan = Plan(before, declared);
        var after = Applied(before, declared);

        Assert.Equal(["plugs:s1", "plugs:s2"], NetworkPlanner.Pushes(plan, before, after));
        Assert.True(after.Revision > before.Revision);
        Assert.Equal(["s1-s2", "s2-s2"], NetworkPlanner.Export(after).Plugs.Select(p => p.Name));
    }

    private static NetworkPlan Plan(RegistryState state, NetworkSpec declared, bool prune = false, Func<string, string?>? repositoryRefusal = null) =>
        NetworkPlanner.Plan(state, declared, prune, repositoryRefusal ?? (_ => null));

    // The state after applying `declared` to `state`, as the registry commits it (a copy: `state` stays).
    private static RegistryState Applied(RegistryState state, NetworkSpec declared)
    {
        var plan = Plan(state, declared);
        Assert.Empty(plan.Problems);
        var next = state.Clone();
        NetworkPlanner.Commit(next, declared, plan, previous => new ModelStamp(++next.Revision, previous?.Created ?? DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        return next;
    }

    private static string[] Lines(NetworkPlan plan) =>
        [.. plan.Changes.Select(c => $"{(c.Action == NetworkAction.Add ? '+' : c.Action == NetworkAction.Change ? '~' : '-')} {c.Kind} {c.Name}")];
}
