using System.Diagnostics;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Security;

/// <summary>
/// Tokens over their life, on real silos: the first admin token a new network makes, a token made on one silo of a
/// PostgreSQL cluster and used on the other, and its revocation holding on every silo within seconds.
/// </summary>
public sealed class TokenLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ANewNetworkMakesOneAdminTokenReadableOnlyByTheSilosUserAndKeepsItAcrossARestart()
    {
        using var data = new TempDirectory("pyfi-first-token");
        string token;
        await using (var first = await SiloProcess.StartAsync(data.Path))
        {
            token = first.AdminToken;
            Assert.Contains($"admin token {first.AdminTokenFile}", first.Output);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.AdminTokenFile));
        }

        await using var second = await SiloProcess.StartAsync(data.Path);
        var tokens = JsonDocument.Parse((await second.Cli().OkAsync("token", "ls", "--json")).Stdout).RootElement;

        Assert.Equal(token, second.AdminToken);
        Assert.Equal(1, tokens.GetArrayLength());
        Assert.Equal("admin", tokens[0].GetProperty("name").GetString());
        Assert.Equal("admin", tokens[0].GetProperty("role").GetString());
        Assert.DoesNotContain("No admin token worked", second.Output);
    }

    [Fact]
    public async Task TwoSilosStartingTogetherOnANewDatabaseMakeOneAdminTokenBetweenThem()
    {
        await using var network = await PostgresNetwork.CreateAsync("first-token");
        var silos = await Task.WhenAll(network.StartSiloAsync(), network.StartSiloAsync());

        var holders = silos.Where(s => File.Exists(s.AdminTokenFile)).ToList();
        var tokens = JsonDocument.Parse((await Assert.Single(holders).Cli().OkAsync("token", "ls", "--json")).Stdout).RootElement;

        Assert.Equal(1, tokens.GetArrayLength());
    }

    [Fact]
    public async Task ATokenMadeOnOneSiloWorksOnTheOtherAndItsRevocationHoldsOnBothWithinSeconds()
    {
        await using var network = await PostgresNetwork.CreateAsync("revoke");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var admin = network.Cli(a);
        var ci = (await admin.OkAsync("token", "create", "-n", "ci", "--role", "viewer", "--expires", "30d")).Stdout.Trim();
        await b.Cli(ci).OkAsync("ls", "queues");
        await using var client = await b.ConnectAsync(ci);
        await client.Registry.ListQueuesAsync();

        await admin.OkAsync("token", "revoke", "-n", "ci");
        // The Orleans client is looked at first (in this process, so what is measured is the silo, not the time a
        // tool process takes to start), then the tool.
        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => await Record.ExceptionAsync(() => client.Registry.ListQueuesAsync()) is not null, TimeSpan.FromSeconds(30), "silo b to refuse the revoked token's calls");
        var callRefusedAfter = clock.Elapsed;
        CliResult refused = null!;
        await Poll.UntilAsync(async () => (refused = await b.Cli(ci).RunAsync(["ls", "queues"])).ExitCode != 0, TimeSpan.FromSeconds(30), "silo b to refuse the revoked token");
        var cliRefusedAfter = clock.Elapsed;
        output.WriteLine($"revocation held on the other silo after {cliRefusedAfter.TotalSeconds:0.0} s (gateway) and {callRefusedAfter.TotalSeconds:0.0} s (Orleans client)");

        Assert.Equal("pyfi: not authenticated: token 'ci' was revoked at", refused.Stderr.Trim()[..50]);
        Assert.IsType<NotAuthenticatedException>(PyfiException.Find(await Record.ExceptionAsync(() => client.Registry.ListQueuesAsync())));
        Assert.True(callRefusedAfter < TimeSpan.FromSeconds(10), $"took {callRefusedAfter}");
        var listed = JsonDocument.Parse((await admin.OkAsync("token", "ls", "--json")).Stdout).RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "ci");
        Assert.True(listed.TryGetProperty("revoked", out _));
        Assert.True(listed.TryGetProperty("expires", out _));
    }

    [Fact]
    public async Task AnExpiredTokenIsRefusedWithItsName()
    {
        using var data = new TempDirectory("pyfi-expiry");
        await using var silo = await SiloProcess.StartAsync(data.Path);
        var brief = (await silo.Cli().OkAsync("token", "create", "-n", "brief", "--role", "viewer", "--expires", "1s")).Stdout.Trim();

        CliResult refused = null!;
        await Poll.UntilAsync(async () => (refused = await silo.Cli(brief).RunAsync(["ls", "queues"])).ExitCode != 0, TimeSpan.FromSeconds(30), "the token to expire");

        Assert.StartsWith("pyfi: not authenticated: token 'brief' expired at", refused.Stderr.Trim());
    }

    [Fact]
    public async Task NoTokenAndAMistypedOneAreEachOneClearLineAndTheLastAdminTokenCannotBeRevoked()
    {
        using var data = new TempDirectory("pyfi-no-token");
        await using var silo = await SiloProcess.StartAsync(data.Path);

        var none = await new PyfiCli(silo.Gateway).RunAsync(["ls", "queues"]);
        var mistyped = await silo.Cli("pyfi.0123").RunAsync(["ls", "queues"]);
        var missingFile = await new PyfiCli(silo.Gateway, new Dictionary<string, string> { ["PYFI_TOKEN_FILE"] = data.File("nope.token") }).RunAsync(["ls", "queues"]);
        var last = await silo.Cli().RunAsync(["token", "revoke", "-n", "admin"]);

        Assert.Equal((1, "pyfi: not authenticated: no token given (use --token, PYFI_TOKEN or PYFI_TOKEN_FILE)"), (none.ExitCode, none.Stderr.Trim()));
        Assert.Equal((1, "pyfi: not authenticated: the token is malformed"), (mistyped.ExitCode, mistyped.Stderr.Trim()));
        Assert.Equal(1, missingFile.ExitCode);
        Assert.StartsWith($"pyfi: PYFI_TOKEN_FILE: cannot read '{data.File("nope.token")}'", missingFile.Stderr.Trim());
        Assert.Equal((1, "pyfi: not allowed: 'admin' is the last admin token; create another admin token first"), (last.ExitCode, last.Stderr.Trim()));
        await silo.Cli().OkAsync("ls", "queues");
    }
}
