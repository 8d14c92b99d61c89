using System.Text.Json;
using CliWrap.Buffered;
using Npgsql;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Silo;

/// <summary>Real silo processes on PostgreSQL: schema setup, clustering of several silos, restarts, and a database that goes away.</summary>
public sealed class PostgresSiloTests
{
    [Fact]
    public async Task ASiloPreparesAnEmptyDatabaseAndAnotherSiloJoinsTheSameNetwork()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var dataA = new TempDirectory("pyfi-silo");
        using var dataB = new TempDirectory("pyfi-silo");
        await using var a = await SiloProcess.StartAsync(dataA.Path, Postgres(db));
        await using var b = await SiloProcess.StartAsync(dataB.Path, Postgres(db));
        var viaA = a.Cli();
        var viaB = b.Cli(a.AdminToken);

        await viaA.OkAsync("add", "queue", "-n", "pg.q");
        await viaB.OkAsync("add", "processor", "-n", "pg.p", "-g", "/srv/git/p.git", "-m", "pkg.mod");
        await viaA.OkAsync("add", "socket", "-n", "pg.s", "-q", "pg.q", "-pn", "pg.p", "-t", "work");

        Assert.Equal((await viaA.OkAsync("ls", "sockets", "--json")).Stdout, (await viaB.OkAsync("ls", "sockets", "--json")).Stdout);
        Assert.Equal(1, (await viaB.RunAsync(["add", "queue", "-n", "pg.q"])).ExitCode);
        Assert.Equal(2L, (await db.QueryAsync("SELECT count(*) FROM PyfiMembership WHERE Status = 3")).Single());
        Assert.Contains($"storage postgres 127.0.0.1:", a.Output);
    }

    [Fact]
    public async Task EverythingIsFoundAgainWhenTheClusterRestarts()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var data = new TempDirectory("pyfi-silo");
        string before;
        var ports = FreePorts.Take(3);
        await using (var first = await SiloProcess.StartAsync(data.Path, Postgres(db), ports: ports))
        {
            var cli = first.Cli();
            await cli.OkAsync("add", "queue", "-n", "pg.q", "-t", "fanout");
            await cli.OkAsync("add", "processor", "-n", "pg.p", "-g", "/srv/git/p.git", "-m", "pkg.mod", "-b", "dev");
            await cli.OkAsync("add", "socket", "-n", "pg.s", "-q", "pg.q", "-pn", "pg.p", "-t", "work", "-c", "6");
            before = await ListAllAsync(cli);
            await first.KillAsync();
        }

        // Restarted where it ran, as a service manager does: it finds its killed predecessor in the
        // membership table and declares it dead instead of waiting to reach it.
        await using var second = await SiloProcess.StartAsync(data.Path, Postgres(db), ports: ports);
        Assert.Equal(before, await ListAllAsync(second.Cli()));
    }

    [Fact]
    public async Task DbInitPreparesTheDatabaseForSilosThatMayNotChangeTheSchema()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var cli = new PyfiCli(null);

        var first = await cli.RunAsync(["db", "init", "--postgres", db.ConnectionString]);
        var again = await cli.RunAsync(["db", "init", "--postgres", db.ConnectionString]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"schema applied: postgres 127.0.0.1:", first.Stdout);
        var tables = (await db.QueryAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).Cast<string>();
        Assert.Equal(["orleansquery", "pyficalls", "pyfidefinitions", "pyfigrainstate", "pyfikeys", "pyfimembership", "pyfimembershipversion", "pyfiregistry", "pyfireminders", "pyfischema", "pyfitokens"], tables);
        Assert.Equal(20L, (await db.QueryAsync("SELECT count(*) FROM OrleansQuery")).Single());

        using var data = new TempDirectory("pyfi-silo");
        var env = Postgres(db);
        env["Pyfi__Storage__ApplySchema"] = "false";
        await using var silo = await SiloProcess.StartAsync(data.Path, env);
        Assert.DoesNotContain("Schema ready", silo.Output);
        await silo.Cli().OkAsync("add", "queue", "-n", "after.init");
    }

    [Fact]
    public async Task TheDeployScriptPreparesTheDatabaseWithPsqlAlone()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var uri = $"postgresql://{b.Username}@{b.Host}:{b.Port}/{b.Database}";
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "postgres", "init-db.sh");

        var run = await CliWrap.Cli.Wrap("bash").WithArguments([script, uri]).WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync();
        var again = await CliWrap.Cli.Wrap("bash").WithArguments([script, uri]).WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.True(again.ExitCode == 0, again.StandardError);
        Assert.Empty(again.StandardError);
        Assert.Equal(20L, (await db.QueryAsync("SELECT count(*) FROM OrleansQuery")).Single());
        using var data = new TempDirectory("pyfi-silo");
        var env = Postgres(db);
        env["Pyfi__Storage__ApplySchema"] = "false";
        await using var silo = await SiloProcess.StartAsync(data.Path, env);
        await silo.Cli().OkAsync("add", "queue", "-n", "after.deploy");
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsOneLineAtStart()
    {
        var port = FreePorts.Take(1)[0];
        using var data = new TempDirectory("pyfi-silo");
        var env = new Dictionary<string, string>
        {
            ["PYFI_STORAGE"] = "postgres",
            ["PYFI_POSTGRES"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=nowhere;Timeout=3",
        };

        await using var silo = await SiloProcess.StartAsync(data.Path, env, waitForReady: false);
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        Assert.Contains($"pyfi silo: could not run: could not prepare the database (postgres 127.0.0.1:{port}/nowhere): Failed to connect to 127.0.0.1:{port}", silo.Output);
    }

    [Fact]
    public async Task ADatabaseThatGoesAwayRefusesChangesClearlyAndLosesNothing()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var data = new TempDirectory("pyfi-silo");
        await using var silo = await SiloProcess.StartAsync(data.Path, Postgres(db));
        var cli = silo.Cli();
        await cli.OkAsync("add", "queue", "-n", "kept.q");
        var away = $"{db.Name}_away";

        await MoveDatabaseAsync(db.Name, away);
        CliResult refused, unreadable;
        try
        {
            refused = await cli.RunAsync(["add", "queue", "-n", "lost.q"]);
            unreadable = await cli.RunAsync(["ls", "queues"]);
        }
        finally
        {
            await MoveDatabaseAsync(away, db.Name);
        }

        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.StartsWith("pyfi: could not save queue 'lost.q': the database is unavailable", line);
        Assert.Equal(1, unreadable.ExitCode);
        Assert.StartsWith("pyfi: the database is unavailable", Assert.Single(unreadable.Stderr.Trim().Split('\n')));
        var names = await QueueNamesAsync(cli);
        Assert.Equal(["kept.q"], names);
        await cli.OkAsync("add", "queue", "-n", "lost.q");
        Assert.Equal(["kept.q", "lost.q"], await QueueNamesAsync(cli));
    }

    private static Dictionary<string, string> Postgres(PostgresDatabase db) => new()
    {
        ["PYFI_STORAGE"] = "postgres",
        ["PYFI_POSTGRES"] = db.ConnectionString,
    };

    // Renaming a database needs it to have no sessions: the silo's pooled connections are cut first.
    private static async Task MoveDatabaseAsync(string from, string to)
    {
        await PostgresDatabase.AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{from}'");
        await PostgresDatabase.AdminAsync($"ALTER DATABASE {from} RENAME TO {to}");
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task<List<string>> QueueNamesAsync(PyfiCli cli) =>
        JsonDocument.Parse((await cli.OkAsync("ls", "queues", "--json")).Stdout).RootElement.EnumerateArray()
            .Select(q => q.GetProperty("spec").GetProperty("name").GetString()!).ToList();

    private static async Task<string> ListAllAsync(PyfiCli cli) =>
        (await cli.OkAsync("ls", "queues", "--json")).Stdout
        + (await cli.OkAsync("ls", "processors", "--json")).Stdout
        + (await cli.OkAsync("ls", "sockets", "--json")).Stdout;
}
