using Pyfi.Cli.Commands.Network;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Network;

/// <summary>The network file without processes: its keys, every problem with its path, its bounds, and export's round trip.</summary>
[Trait("Category", "Fast")]
public sealed class NetworkFileTests
{
    private const string Yaml = """
        queues:
          - {name: q1, type: fanout}
        processors:
          - name: p1
            gitrepo: https://github.com/radiantone/pyfi-processors
            module: pyfi.processors.sample
            commit: 1234567
            concurrency: 4
            memory: 512M
            hostname: [h1, h2]
        sockets:
          - name: s1
            queue: q1
            processor: p1
            function: do_something
            concurrency: 5
            timeout: 1m30s
            max-attempts: 2
            backoff: 250ms
            no-retry-on: ValueError, KeyError
            join-timeout: 90
        plugs:
          - {name: s1-s1, source: s1, target: s1, on: failure, arg: 1, max-hops: 3}
        schedules:
          - {name: t1, socket: s1, every: 30s, data: [hello, 2], kwargs: {k: true}, overlap: queue, catch-up: all}
          - {name: t2, socket: s1, cron: "0 9 * * 1-5", tz: Europe/Paris, data: just-one, paused: true}
        """;

    [Fact]
    public void EveryKeyIsTheLongOptionOfAddAndSetsItsField()
    {
        var network = NetworkFile.Read(Yaml, out var problems);

        Assert.Empty(problems);
        Assert.Equal(QueueType.Fanout, Assert.Single(network.Queues).Type);
        var p = Assert.Single(network.Processors);
        Assert.Equal(("1234567", 4, 512L << 20), (p.Commit, p.Concurrency!.Value, p.Memory!.Value));
        Assert.Equal(["h1", "h2"], p.Hosts.ToArray());
        Assert.Null(p.Branch);
        var s = Assert.Single(network.Sockets);
        Assert.Equal((5, TimeSpan.FromSeconds(90), 2, TimeSpan.FromMilliseconds(250)), (s.Concurrency, s.Timeout!.Value, s.Retry.MaxAttempts, s.Retry.InitialBackoff));
        Assert.Equal(["ValueError", "KeyError"], s.Retry.NonRetryable.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(90), s.JoinTimeout);
        Assert.Equal(SocketSpec.DefaultMaxQueued, s.MaxQueued);
        Assert.Equal(new PlugSpec { Name = "s1-s1", Source = "s1", Target = "s1", On = PlugOn.Failure, Arg = 1, MaxHops = 3 }, Assert.Single(network.Plugs));
        Assert.Equal(
            new ScheduleSpec { Name = "t1", Socket = "s1", Every = TimeSpan.FromSeconds(30), Args = """["hello",2]""", Kwargs = """{"k":true}""", Overlap = ScheduleOverlap.Queue, CatchUp = ScheduleCatchUp.All },
            network.Schedules[0]);
        Assert.Equal(
            new ScheduleSpec { Name = "t2", Socket = "s1", Cron = "0 9 * * 1-5", TimeZone = "Europe/Paris", Args = """["just-one"]""", Paused = true },
            network.Schedules[1]);
    }

    [Fact]
    public void EveryWrongKeyAndValueIsAProblemWithItsPathAndTheRestIsStillRead()
    {
        var text = Yaml.Replace("concurrency: 5", "concurency: 5").Replace("type: fanout", "type: broadcast")
            .Replace("max-attempts: 2", "max-attempts: two").Replace("1m30s", "1m30").Replace("    queue: q1\n", "") .Replace("every: 30s", "evry: 30s") + "\nqueus: []\n";

        var network = NetworkFile.Read(text, out var problems);

        Assert.Equal(
        [
            "queus: unknown key, did you mean queues?",
            "queues[0].type: 'broadcast' is not one of direct|topic|fanout",
            "sockets[0].concurency: unknown key, did you mean concurrency?",
            "sockets[0].timeout: '1m30' is not a duration (e.g. 30s, 5m, 250ms)",
            "sockets[0].max-attempts: must be a whole number, not 'two'",
            "sockets[0]: queue is required",
            "schedules[0].evry: unknown key, did you mean every?",
        ], problems.ToArray());
        // Still read, so that the network's checks see every name and its problems' paths are the file's.
        Assert.Equal(["s1"], network.Sockets.Select(s => s.Name));
        Assert.Equal(["s1-s1"], network.Plugs.Select(p => p.Name));
    }

    [Fact]
    public void AKeyFarFromAnyIsListedWithTheKeysThereAre()
    {
        NetworkFile.Read("plugs:\n  - {name: a, source: s, target: t, colour: red}\n  - just-a-name\n", out var problems);

        Assert.Equal(
        [
            "plugs[0].colour: unknown key (plugs take name, source, target, on, arg, max-hops)",
            "plugs[1]: must be a mapping of keys to values (name: …), not \"just-a-name\"",
        ], problems.ToArray());
    }

    [Theory]
    [InlineData("", "the network file is empty")]
    [InlineData("- name: q\n", "the network file must be a mapping of queues, processors, sockets, plugs, schedules")]
    [InlineData("queues:\n  - &q {name: q}\n", "anchors are not allowed in a network file (line 2)")]
    [InlineData("queues: [1, 2\n", "the network file is not valid YAML or JSON: While parsing a flow sequence, did not find expected ',' or ']' (line 2, column 1)")]
    public void AFileThatCannotBeReadAsAWholeIsOneLine(string text, string refusal)
    {
        Assert.Equal(refusal, Assert.Throws<InvalidSpecException>(() => NetworkFile.Read(text, out _)).Message);
    }

    [Fact]
    public void AFileNestedTooDeepIsRefusedWhileItIsRead()
    {
        var deep = "queues: " + new string('[', 100_000);

        Assert.Equal("the network file is nested deeper than 64 levels (line 1)", Assert.Throws<InvalidSpecException>(() => NetworkFile.Read(deep, out _)).Message);
        Assert.Equal("the network file is nested deeper than 64 levels (line 1)", Assert.Throws<InvalidSpecException>(() => NetworkFile.Read("{\"queues\": " + new string('[', 100_000), out _)).Message);
    }

    [Fact]
    public void JsonIsReadTheSameAsYaml()
    {
        var json = """{"queues": [{"name": "q1", "type": "fanout"}], "plugs": null}""";

        var network = NetworkFile.Read(json, out var problems);

        Assert.Empty(problems);
        Assert.Equal(QueueType.Fanout, Assert.Single(network.Queues).Type);
        Assert.Empty(network.Plugs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnExportReadsBackToExactlyTheSameNetwork(bool json)
    {
        var network = NetworkFile.Read(Yaml.Replace("1m30s", "90s"), out _);
        network = network with
        {
            Processors = [network.Processors[0] with { Branch = "main", Requirements = "req/dev.txt", Enabled = false, RequestedStatus = ProcessorStatus.Paused, Memory = 1536L << 20 }],
            Sockets = [network.Sockets[0] with { Timeout = TimeSpan.FromMilliseconds(1500.5), Retry = network.Sockets[0].Retry with { Jitter = 0.05 } }],
            Queues = [network.Queues[0], new QueueSpec { Name = "0123", Durable = false }, new QueueSpec { Name = "true" }],
        };

        var text = NetworkFile.Write(network, json);
        var again = NetworkFile.Read(text, out var problems);

        Assert.Empty(problems);
        Assert.Equal(NetworkFile.Write(network, json: true), NetworkFile.Write(again, json: true));
        Assert.Equal(network.Sockets[0].Timeout, again.Sockets[0].Timeout);
        Assert.Equal((2.0, 0.05), (again.Sockets[0].Retry.Multiplier, again.Sockets[0].Retry.Jitter)); // 2 is written as a whole number
        Assert.Equal(network.Queues.Select(q => q.Name), again.Queues.Select(q => q.Name));
        if (!json) Assert.Contains("\n    memory: 1536M\n", text);
    }

    [Fact]
    public void TheReadmesExampleIsAFileWithoutProblems()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var from = readme.IndexOf("**The network as a file.**", StringComparison.Ordinal);
        var start = readme.IndexOf("```yaml\n", from, StringComparison.Ordinal) + "```yaml\n".Length;

        var network = NetworkFile.Read(readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)], out var problems);

        Assert.Empty(problems);
        Assert.Equal("https://github.com/radiantone/pyfi-processors", Assert.Single(network.Processors).Repository);
        Assert.Equal([5, 8], network.Sockets.Select(s => s.Concurrency));
        Assert.Equal("pyfi.processors.sample.do_this", Assert.Single(network.Plugs).Target);
    }

    [Fact]
    public void AnEmptyNetworkExportsEveryKindAsAnEmptyList()
    {
        var text = NetworkFile.Write(new NetworkSpec(), json: false);

        Assert.EndsWith("queues: []\nprocessors: []\nsockets: []\nplugs: []\nschedules: []\n", text);
        Assert.Empty(NetworkFile.Read(text, out var problems).Queues);
        Assert.Empty(problems);
    }

    [Fact]
    public void APlanSaysEachChangeAndTheFieldsItChanges()
    {
        var before = new NetworkSpec { Sockets = [new SocketSpec { Name = "s1", Queue = "q", Processor = "p", Function = "f", Concurrency = 2 }] };
        var declared = new NetworkSpec { Sockets = [before.Sockets[0] with { Concurrency = 4, Timeout = TimeSpan.FromSeconds(30) }] };
        var plan = new NetworkPlan
        {
            Changes = [new("queue", "q1", NetworkAction.Add), new("socket", "s1", NetworkAction.Change), new("plug", "p9", NetworkAction.Delete)],
            Before = before,
        };

        Assert.Equal(["+ queue q1", "~ socket s1 (concurrency 2 -> 4, timeout - -> 30s)", "- plug p9"], NetworkPlanView.Lines(plan, declared));
        Assert.Equal("applied: 1 added, 1 changed, 1 deleted", NetworkPlanView.Summary(plan, dryRun: false));
        Assert.Equal("dry run: would be 1 added, 1 changed, 1 deleted; nothing was changed", NetworkPlanView.Summary(plan, dryRun: true));
        Assert.Equal("no changes", NetworkPlanView.Summary(new NetworkPlan(), dryRun: false));
    }

    [Fact]
    public void TheFilesProblemsComeFirstAndTheNetworksAboutOtherDefinitionsFollow()
    {
        var plan = new NetworkPlan { Problems = ["sockets[0]: a socket name is required", "plugs[1]: plug 'x': socket 'y' is neither in the file nor in the network"] };

        var merged = NetworkPlanView.WithFileProblems(plan, ["sockets[0].name: must be text, not a list"]);

        Assert.Equal(["sockets[0].name: must be text, not a list", "plugs[1]: plug 'x': socket 'y' is neither in the file nor in the network"], merged.Problems.ToArray());
    }
}
