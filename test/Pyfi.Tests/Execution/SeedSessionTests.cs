using CliWrap;
using CliWrap.Buffered;
using Pyfi.Storage;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// The product's own CLI session from the seed overview, typed into bash as written (aliases and pipes
/// included), against a real silo: once on the embedded default, once on PostgreSQL. As in the README's quick start,
/// the silo keeps its data in <c>./.pyfi</c> of the folder the session runs in, so the tool finds the admin token the
/// silo made there with no flag or variable.
/// </summary>
public abstract class SeedSessionTests(StorageProvider provider) : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-seed");
    private StorageBackend? _postgres;
    private GitRepository _repository = null!;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _repository = await GitRepository.CreateAsync(SampleCode.Files());
        var env = new Dictionary<string, string>();
        if (provider == StorageProvider.Postgres)
        {
            _postgres = await StorageBackend.CreateAsync(StorageProvider.Postgres);
            env["PYFI_STORAGE"] = "postgres";
            env["PYFI_POSTGRES"] = _postgres.Database.ConnectionString;
        }

        _silo = await SiloProcess.StartAsync(Directory.CreateDirectory(_data.File(".pyfi")).FullName, env);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        _repository.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task TheSessionRunsAsWritten()
    {
        var script = $$"""
            set -e
            pyfi() { {{TestEnvironment.CliShellCommand}} "$@"; }

            # Build out the infrastructure
            pyfi add queue -n pyfi.queue1 -t direct
            pyfi add processor -n proc1 -g {{_repository.FileUrl}} -m pyfi.processors.sample

            # Add sockets (not POSIX sockets!) that receive incoming task requests with -c concurrency factors
            pyfi add socket -n pyfi.processors.sample.do_something -q pyfi.queue1 -pn proc1 -t do_something -c 5
            pyfi add socket -n pyfi.processors.sample.do_this -q pyfi.queue1 -pn proc1 -t do_this -c 8

            # Execute a task (can re-run only this after network is built)
            echo "== run"
            pyfi task run --socket pyfi.processors.sample.do_something --data "['some data']"

            # Pipe some output from stdin to a task
            echo "== stdin"
            echo "HI THERE!" | pyfi task run -s pyfi.processors.sample.do_something

            # Pipe some text to a task, then append some new text to that output, then send that to final task, do_this
            echo "== pipeline"
            echo "HI THERE!" | pyfi task run -s pyfi.processors.sample.do_something | echo "$(cat -) add some text" | pyfi task run -s pyfi.processors.sample.do_this
            """;

        var result = await CliWrap.Cli.Wrap("bash").WithArguments(["-c", script])
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["PYFI_GATEWAY"] = _silo.Gateway, ["PYFI_TOKEN"] = null, ["PYFI_TOKEN_FILE"] = null })
            .WithWorkingDirectory(_data.Path)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(result.ExitCode == 0, $"{result.StandardOutput}\n{result.StandardError}");
        var sections = result.StandardOutput.Split("== ")[1..].ToDictionary(s => s[..s.IndexOf('\n')], s => s[(s.IndexOf('\n') + 1)..].Trim());
        Assert.Equal("Message: some data", sections["run"]);
        Assert.Equal("Message: HI THERE!", sections["stdin"]);
        Assert.Equal("This: Message: HI THERE! add some text", sections["pipeline"]);
        Assert.Empty(result.StandardError);
    }
}

/// <summary>The seed session on the embedded SQLite default.</summary>
public sealed class SqliteSeedSessionTests() : SeedSessionTests(StorageProvider.Sqlite);

/// <summary>The seed session on PostgreSQL.</summary>
public sealed class PostgresSeedSessionTests() : SeedSessionTests(StorageProvider.Postgres);
