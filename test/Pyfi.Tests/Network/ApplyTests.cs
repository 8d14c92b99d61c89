using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Network;

/// <summary>
/// <c>pyfi apply -f</c> and <c>pyfi export</c> through the real tool against a real silo: idempotent, pruning, dry runs,
/// refused as a whole, round trips, roles. Each test uses its own names; the one that prunes deletes the others' too,
/// which none of them reads afterwards.
/// </summary>
public sealed class ApplyTests(SqliteSiloFixture fixture) : IClassFixture<SqliteSiloFixture>, IDisposable
{
    private readonly TempDirectory _files = new("pyfi-apply");

    private PyfiCli Cli => fixture.Cli;

    public void Dispose() => _files.Dispose();

    // A network of every kind, its names starting with `prefix`.
    private static string Network(string prefix, int concurrency = 2) => $"""
        queues:
          - name: {prefix}.q
        processors:
          - name: {prefix}.p
            gitrepo: /srv/git/p.git
            module: pkg.mod
            memory: 1G
        sockets:
          - name: {prefix}.a
            queue: {prefix}.q
            processor: {prefix}.p
            function: first
            concurrency: {concurrency}
          - name: {prefix}.b
            queue: {prefix}.q
            processor: {prefix}.p
            function: second
            timeout: 30s
        plugs:
          - name: {prefix}.a-b
            source: {prefix}.a
            target: {prefix}.b
        schedules:
          - name: {prefix}.tick
            socket: {prefix}.a
            every: 1h
            data: [x, 1]
            paused: true
        """;

    [Fact]
    public async Task ApplyingTwiceAddsOnceThenSaysNoChangesAndChangesNothing()
    {
        var file = Write("twice.yaml", Network("twice"));

        var first = await Cli.OkAsync("apply", "-f", file);
        var listed = await ListingsAsync();
        var second = await Cli.OkAsync("apply", "-f", file);

        Assert.Equal(
            "+ queue twice.q\n+ processor twice.p\n+ socket twice.a\n+ socket twice.b\n+ plug twice.a-b\n+ schedule twice.tick\napplied: 6 added, 0 changed, 0 deleted\n",
            first.Stdout);
        Assert.Equal("no changes\n", second.Stdout);
        Assert.Equal(listed, await ListingsAsync()); // revisions and timestamps included
        var socket = Spec(await Cli.OkAsync("ls", "socket", "-n", "twice.b", "--json"));
        Assert.Equal("00:00:30", socket.GetProperty("timeout").GetString());
    }

    [Fact]
    public async Task AChangeIsAnUpdateInPlaceAndADryRunOnlySaysIt()
    {
        await Cli.OkAsync("apply", "-f", Write("change.yaml", Network("change")));
        var before = Parse(await Cli.OkAsync("ls", "socket", "-n", "change.a", "--json"));
        var changed = Write("changed.yaml", Network("change", concurrency: 4).Replace("    timeout: 30s\n", ""));

        var dry = await Cli.OkAsync("apply", "-f", changed, "--dry-run");
        // The definition unchanged (the listing also says where the socket is active now, which may change meanwhile).
        var unchanged = Parse(await Cli.OkAsync("ls", "socket", "-n", "change.a", "--json"));
        Assert.Equal(before.GetProperty("spec").GetRawText(), unchanged.GetProperty("spec").GetRawText());
        Assert.Equal(before.GetProperty("stamp").GetRawText(), unchanged.GetProperty("stamp").GetRawText());
        var applied = await Cli.OkAsync("apply", "-f", changed);

        const string Plan = "~ socket change.a (concurrency 2 -> 4)\n~ socket change.b (timeout 30s -> -)\n";
        Assert.Equal(Plan + "dry run: would be 0 added, 2 changed, 0 deleted; nothing was changed\n", dry.Stdout);
        Assert.Equal(Plan + "applied: 0 added, 2 changed, 0 deleted\n", applied.Stdout);
        var after = Parse(await Cli.OkAsync("ls", "socket", "-n", "change.a", "--json"));
        Assert.Equal(4, after.GetProperty("spec").GetProperty("concurrency").GetInt32());
        // The same socket, changed: created when it was added, a newer revision.
        Assert.Equal(before.GetProperty("stamp").GetProperty("created").GetString(), after.GetProperty("stamp").GetProperty("created").GetString());
        Assert.True(after.GetProperty("stamp").GetProperty("revision").GetInt64() > before.GetProperty("stamp").GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task PruneDeletesWhatTheFileLacksInReverseOrderAndWithoutItNothingIsDeleted()
    {
        await Cli.OkAsync("apply", "-f", Write("prune.yaml", Network("prune")));
        await Cli.OkAsync("add", "queue", "-n", "prune.extra");
        var onlyQueue = Write("prune-q.yaml", "queues:\n  - name: prune.q\n");

        var kept = await Cli.OkAsync("apply", "-f", onlyQueue);
        var dry = await Cli.OkAsync("apply", "-f", onlyQueue, "--prune", "--dry-run");
        var pruned = await Cli.OkAsync("apply", "-f", onlyQueue, "--prune");

        Assert.Equal("no changes\n", kept.Stdout);
        // Deleted in reverse order (schedules, plugs, sockets, processors, queues); other tests' definitions go too.
        Assert.Equal(["- schedule prune.tick", "- plug prune.a-b", "- socket prune.a", "- socket prune.b", "- processor prune.p", "- queue prune.extra"],
            dry.Stdout.Split('\n').Where(l => l.Contains(" prune.", StringComparison.Ordinal)));
        Assert.Equal(dry.Stdout.Split('\n')[..^2], pruned.Stdout.Split('\n')[..^2]);
        Assert.StartsWith("applied: 0 added, 0 changed, ", pruned.Stdout.Split('\n')[^2]);
        var network = await Cli.OkAsync("export", "--json");
        Assert.Equal("""{"name":"prune.q","type":"direct","durable":true}""", JsonSerializer.Serialize(Assert.Single(Parse(network).GetProperty("queues").EnumerateArray())));
        Assert.Empty(Parse(network).GetProperty("sockets").EnumerateArray());
    }

    [Fact]
    public async Task AnInvalidFileIsRefusedWholeWithEveryProblemOnItsOwnLineAndNothingAdded()
    {
        var file = Write("invalid.yaml", """
            queues:
              - name: invalid.q
              - name: invalid.q
            sockets:
              - name: invalid.s
                queue: invalid.q
                processor: invalid.nowhere
                function: f
                concurency: 3
              - name: invalid.t
                queue: invalid.q
                processor: invalid.nowhere
                function: f
                max-queue: lots
            plugs:
              - {name: invalid.loop, source: invalid.s, target: invalid.s}
            """);

        var refused = await Cli.RunAsync(["apply", "-f", file]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Equal(
            """
            pyfi: invalid.yaml: sockets[0].concurency: unknown key, did you mean concurrency?
            pyfi: invalid.yaml: sockets[1].max-queue: must be a whole number, not 'lots'
            pyfi: invalid.yaml: queues[1]: queue 'invalid.q' is declared twice (also at queues[0])
            pyfi: invalid.yaml: plugs[0]: plug 'invalid.loop' closes a cycle (invalid.s -> invalid.s, through plug 'invalid.loop'); give one of them --max-hops so every run ends
            pyfi: invalid.yaml is refused (4 problems): nothing was changed

            """, refused.Stderr);
        Assert.Equal(1, (await Cli.RunAsync(["ls", "queue", "-n", "invalid.q"])).ExitCode);

        // The file's own problems fixed, the network's remain: each still on its own line, and nothing added.
        var second = await Cli.RunAsync(["apply", "-f", Write("invalid2.yaml", File.ReadAllText(file).Replace("concurency", "concurrency").Replace("lots", "5"))]);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("pyfi: invalid2.yaml: sockets[0]: socket 'invalid.s': processor 'invalid.nowhere' is neither in the file nor in the network\n", second.Stderr);
        Assert.Contains("pyfi: invalid2.yaml: sockets[1]: socket 'invalid.t': processor 'invalid.nowhere' is neither in the file nor in the network\n", second.Stderr);
        Assert.EndsWith("pyfi: invalid2.yaml is refused (4 problems): nothing was changed\n", second.Stderr);
        Assert.Equal(1, (await Cli.RunAsync(["ls", "queue", "-n", "invalid.q"])).ExitCode);
    }

    [Fact]
    public async Task AnExportAppliedToTheSameNetworkChangesNothingAsYamlAndAsJson()
    {
        await Cli.OkAsync("apply", "-f", Write("export.yaml", Network("export")));
        await Cli.OkAsync("update", "socket", "-n", "export.a", "--no-retry-on", "ValueError,KeyError", "--max-backoff", "2m");
        await Cli.OkAsync("update", "processor", "-n", "export.p", "--hostname", "h1,h2", "--requested-status", "paused");
        // A schedule's arguments as pyfi writes a Python literal, read back from the file as the same values.
        await Cli.OkAsync("update", "schedule", "-n", "export.tick", "--cron", "*/5 * * * *", "--tz", "Europe/Paris", "--data", "('y', [1, 2.5])", "--kwargs", "{'k': None}");

        var yaml = (await Cli.OkAsync("export")).Stdout;
        var json = (await Cli.OkAsync("export", "--json")).Stdout;
        var listed = await ListingsAsync();

        Assert.Equal("no changes\n", (await Cli.OkAsync("apply", "-f", Write("exported.yaml", yaml))).Stdout);
        Assert.Equal("no changes\n", (await Cli.OkAsync("apply", "-f", Write("exported.json", json))).Stdout);
        Assert.Equal("no changes\n", (await Cli.RunAsync(["apply", "-f", "-"], stdin: yaml)).Stdout);
        Assert.Equal(listed, await ListingsAsync());
        Assert.Contains("  no-retry-on: [ValueError, KeyError]\n", yaml);
        Assert.Contains("  hostname: [h1, h2]\n", yaml);
        Assert.Contains("  requested-status: paused\n", yaml);
        Assert.Contains("  tz: Europe/Paris\n", yaml);
    }

    [Fact]
    public async Task AnExportAppliedToAnEmptyNetworkRecreatesIt()
    {
        await Cli.OkAsync("apply", "-f", Write("again.yaml", Network("again")));
        var exported = (await Cli.OkAsync("export")).Stdout;
        using var data = new TempDirectory("pyfi-apply-empty");
        await using var empty = await SiloProcess.StartAsync(data.Path);

        var applied = await empty.Cli().OkAsync("apply", "-f", Write("again-exported.yaml", exported));

        Assert.Contains("+ plug again.a-b\n", applied.Stdout);
        Assert.Equal(exported, (await empty.Cli().OkAsync("export")).Stdout);
    }

    [Fact]
    public async Task ARoleThatCannotMakeAChangeIsRefusedInOneLineAndNothingChanges()
    {
        var operatorToken = (await Cli.OkAsync("token", "create", "-n", "apply-operator", "--role", "operator")).Stdout.Trim();
        var file = Write("roles.yaml", Network("roles"));
        var listed = await ListingsAsync();

        var refused = await Cli.WithToken(operatorToken).RunAsync(["apply", "-f", file]);
        var dry = await Cli.WithToken(operatorToken).RunAsync(["apply", "-f", file, "--dry-run"]);

        Assert.Equal((1, "", "pyfi: not allowed: role operator cannot add processors (roles.p)\n"), (refused.ExitCode, refused.Stdout, refused.Stderr));
        Assert.Equal((1, "pyfi: not allowed: role operator cannot add processors (roles.p)\n"), (dry.ExitCode, dry.Stderr));
        Assert.Equal(listed, await ListingsAsync());

        // What the operator's role holds it may apply: the processor made by one who may, the rest by the operator.
        await Cli.OkAsync("add", "processor", "-n", "roles.p", "-g", "/srv/git/p.git", "-m", "pkg.mod", "--memory", "1G");
        Assert.Contains("+ plug roles.a-b\n", (await Cli.WithToken(operatorToken).OkAsync("apply", "-f", file)).Stdout);

        // The same from a .NET client: the registry checks the role the silo passed with the call.
        await using var viewer = await fixture.Silo.ConnectAsync((await Cli.OkAsync("token", "create", "-n", "apply-viewer", "--role", "viewer")).Stdout.Trim());
        var refusal = await Assert.ThrowsAsync<NotAllowedException>(() => viewer.Registry.ApplyNetworkAsync(new NetworkSpec { Queues = [new QueueSpec { Name = "roles.q2" }] }, false, true));
        Assert.Equal("not allowed: role viewer cannot add queues (roles.q2)", refusal.Message);
        var plan = await viewer.Registry.ApplyNetworkAsync(new NetworkSpec { Queues = [new QueueSpec { Name = "roles.q" }] }, false, false);
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public async Task AFileLargerThanThePayloadLimitIsRefusedBeforeItIsReadWholeAndNothingIsSent()
    {
        var limited = new PyfiCli(fixture.Silo.Gateway, new Dictionary<string, string> { ["PYFI_MAX_PAYLOAD"] = "1000" }, fixture.Silo.AdminToken);
        var file = Write("large.yaml", Network("large") + new string('#', 1000) + "\n");

        var refused = await limited.RunAsync(["apply", "-f", file]);
        var piped = await limited.RunAsync(["apply", "-f", "-"], stdin: File.ReadAllText(file));

        Assert.Equal((1, "pyfi: the network file is larger than 1000 bytes (PYFI_MAX_PAYLOAD)\n"), (refused.ExitCode, refused.Stderr));
        Assert.Equal((1, "pyfi: the network file on standard input is larger than 1000 bytes (PYFI_MAX_PAYLOAD)\n"), (piped.ExitCode, piped.Stderr));
        Assert.Equal(1, (await Cli.RunAsync(["ls", "queue", "-n", "large.q"])).ExitCode);
    }

    [Fact]
    public async Task JsonOutputIsThePlanForScripts()
    {
        var plan = Parse(await Cli.OkAsync("apply", "-f", Write("json.yaml", Network("json")), "--json"));

        Assert.True(plan.GetProperty("applied").GetBoolean());
        Assert.Equal(["add"], plan.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("action").GetString()).Distinct());
        Assert.Equal(6, plan.GetProperty("changes").GetArrayLength());
    }

    private string Write(string name, string text)
    {
        var path = _files.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    // Every definition of every kind as the listings say it, with its revision and timestamps (not a processor's
    // deployment, which goes on by itself).
    private async Task<string> ListingsAsync()
    {
        var all = "";
        foreach (var kind in new[] { "queues", "processors", "sockets", "plugs", "schedules" })
        {
            foreach (var item in Parse(await Cli.OkAsync("ls", kind, "--json")).EnumerateArray())
            {
                all += $"{kind}: {item.GetProperty("spec").GetRawText()} {item.GetProperty("stamp").GetRawText()}\n";
            }
        }

        return all;
    }

    private static JsonElement Parse(CliResult result) => JsonDocument.Parse(result.Stdout).RootElement.Clone();

    private static JsonElement Spec(CliResult result) => Parse(result).GetProperty("spec");
}
