using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Pyfi.Grains.Registry;
using Pyfi.Grains.Storage;
using Pyfi.Storage;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Model;

/// <summary>
/// The network's model (queues, processors, sockets) on a real silo with Pyfi's ADO.NET storage. Runs once
/// on the embedded SQLite default and once on PostgreSQL.
/// </summary>
public abstract class ModelTests(StorageProvider provider) : IAsyncLifetime
{
    private StorageBackend _backend = null!;
    private ModelCluster _cluster = null!;

    private IRegistryGrain Registry => _cluster.Registry;

    public async Task InitializeAsync()
    {
        _backend = await StorageBackend.CreateAsync(provider);
        _cluster = await ModelCluster.StartAsync(_backend.Database);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task AddedDefinitionsAreListedInNameOrderWithWhatUsesThem()
    {
        await BuildSampleNetworkAsync();

        var queues = await Registry.ListQueuesAsync();
        var processors = await Registry.ListProcessorsAsync();
        var sockets = await Registry.ListSocketsAsync();

        Assert.Equal(["pyfi.queue1", "pyfi.queue2"], queues.Select(q => q.Spec.Name));
        Assert.Equal(QueueType.Direct, queues[0].Spec.Type);
        Assert.Equal(QueueType.Fanout, queues[1].Spec.Type);
        Assert.Equal(["pyfi.processors.sample.do_something", "pyfi.processors.sample.do_this"], queues[0].Sockets.ToArray());
        Assert.Empty(queues[1].Sockets);
        var proc1 = Assert.Single(processors);
        Assert.Equal("pyfi.processors.sample", proc1.Spec.Module);
        Assert.Equal("/srv/repos/processors.git", proc1.Spec.Repository);
        Assert.Equal(2, proc1.Sockets.Length);
        Assert.Equal(["pyfi.processors.sample.do_something", "pyfi.processors.sample.do_this"], sockets.Select(s => s.Spec.Name));
        Assert.Equal([5, 8], sockets.Select(s => s.Spec.Concurrency));
        Assert.True(sockets.Select(s => s.Stamp.Revision).Distinct().Count() == 2, "each change has its own revision");
    }

    [Fact]
    public async Task ADuplicateNameIsRefusedAndTheFirstDefinitionStays()
    {
        await BuildSampleNetworkAsync();

        var queue = await Assert.ThrowsAsync<AlreadyExistsException>(() => Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue1", Type = QueueType.Topic }));
        var processor = await Assert.ThrowsAsync<AlreadyExistsException>(() => Registry.AddProcessorAsync(Processor("proc1") with { Module = "other" }));
        var socket = await Assert.ThrowsAsync<AlreadyExistsException>(() => Registry.AddSocketAsync(Socket("pyfi.processors.sample.do_this", "do_other")));

        Assert.Equal("queue 'pyfi.queue1' already exists", queue.Message);
        Assert.Equal("processor 'proc1' already exists", processor.Message);
        Assert.Equal("socket 'pyfi.processors.sample.do_this' already exists", socket.Message);
        Assert.Equal(QueueType.Direct, (await Registry.GetQueueAsync("pyfi.queue1")).Spec.Type);
        Assert.Equal("pyfi.processors.sample", (await Registry.GetProcessorAsync("proc1")).Spec.Module);
        Assert.Equal("do_this", (await Registry.GetSocketAsync("pyfi.processors.sample.do_this")).Spec.Function);
    }

    [Fact]
    public async Task ASocketOnAnUnknownQueueOrProcessorIsRefusedAndNothingIsWritten()
    {
        await BuildSampleNetworkAsync();

        var noQueue = await Assert.ThrowsAsync<NotFoundException>(() => Registry.AddSocketAsync(Socket("s1", "f") with { Queue = "missing.queue" }));
        var noProcessor = await Assert.ThrowsAsync<NotFoundException>(() => Registry.AddSocketAsync(Socket("s2", "f") with { Processor = "missing" }));

        Assert.Equal("queue 'missing.queue' does not exist", noQueue.Message);
        Assert.Equal(("processor", "missing"), (noProcessor.Kind, noProcessor.Name));
        Assert.Equal(2, (await Registry.ListSocketsAsync()).Length);
        Assert.Null(await _cluster.Client.GetGrain<ISocketGrain>("s1").GetDefinitionAsync());
        Assert.Null(await _cluster.Client.GetGrain<ISocketGrain>("s2").GetDefinitionAsync());
    }

    [Fact]
    public async Task AQueueOrProcessorThatSocketsUseCannotBeDeletedUntilTheSocketsGo()
    {
        await BuildSampleNetworkAsync();

        var queue = await Assert.ThrowsAsync<InUseException>(() => Registry.DeleteQueueAsync("pyfi.queue1"));
        var processor = await Assert.ThrowsAsync<InUseException>(() => Registry.DeleteProcessorAsync("proc1"));
        Assert.Equal(["pyfi.processors.sample.do_something", "pyfi.processors.sample.do_this"], queue.Users);
        Assert.Contains("is used by sockets 'pyfi.processors.sample.do_something', 'pyfi.processors.sample.do_this'", processor.Message);
        Assert.Equal(2, (await Registry.ListQueuesAsync()).Length);

        await Registry.DeleteSocketAsync("pyfi.processors.sample.do_something");
        await Registry.DeleteSocketAsync("pyfi.processors.sample.do_this");
        await Registry.DeleteQueueAsync("pyfi.queue1");
        await Registry.DeleteProcessorAsync("proc1");

        Assert.Equal(["pyfi.queue2"], (await Registry.ListQueuesAsync()).Select(q => q.Spec.Name));
        Assert.Empty(await Registry.ListProcessorsAsync());
        Assert.Empty(await Registry.ListSocketsAsync());
    }

    [Fact]
    public async Task UpdatesChangeOnlyWhatTheyNameAndKeepReferencesValid()
    {
        await BuildSampleNetworkAsync();
        var before = await Registry.GetProcessorAsync("proc1");

        var pinned = await Registry.UpdateProcessorAsync("proc1", new ProcessorUpdate { Commit = "abc123def", Branch = "release" });
        var cleared = await Registry.UpdateProcessorAsync("proc1", new ProcessorUpdate { Branch = "" });
        var moved = await Registry.UpdateSocketAsync("pyfi.processors.sample.do_this", new SocketUpdate { Queue = "pyfi.queue2", MaxAttempts = 7 });
        var refused = await Assert.ThrowsAsync<NotFoundException>(() =>
            Registry.UpdateSocketAsync("pyfi.processors.sample.do_this", new SocketUpdate { Processor = "missing" }));
        var unchanged = await Registry.UpdateQueueAsync("pyfi.queue1", new QueueUpdate { Type = QueueType.Direct });

        Assert.Equal("abc123def", pinned.Spec.Commit);
        Assert.Equal("release", pinned.Spec.Branch);
        Assert.Null(cleared.Spec.Branch);
        Assert.Equal("abc123def", cleared.Spec.Commit);
        Assert.Equal(before.Spec.Module, cleared.Spec.Module);
        Assert.Equal(before.Stamp.Created, cleared.Stamp.Created);
        Assert.True(cleared.Stamp.Revision > before.Stamp.Revision);
        Assert.Equal("pyfi.queue2", moved.Spec.Queue);
        Assert.Equal(7, moved.Spec.Retry.MaxAttempts);
        Assert.Equal(RetryPolicy.Default.InitialBackoff, moved.Spec.Retry.InitialBackoff);
        Assert.Equal("processor 'missing' does not exist", refused.Message);
        Assert.Equal("proc1", (await Registry.GetSocketAsync("pyfi.processors.sample.do_this")).Spec.Processor);
        Assert.Equal(1, unchanged.Stamp.Revision);
        Assert.Equal(["pyfi.processors.sample.do_this"], (await Registry.GetQueueAsync("pyfi.queue2")).Sockets.ToArray());
    }

    [Theory]
    [InlineData("queue", "", "a queue name is required")]
    [InlineData("queue", "has space", "queue name 'has space' may hold only letters")]
    [InlineData("queue", ".hidden", "must not start with '.'")]
    [InlineData("processor-module", "1bad.module", "module '1bad.module' is not a Python module path")]
    [InlineData("processor-commit", "not-a-sha", "commit 'not-a-sha' is not a commit id")]
    [InlineData("processor-repo", "", "a git repository (-g) is required")]
    [InlineData("socket-function", "do-this", "function 'do-this' is not a Python identifier")]
    [InlineData("socket-concurrency", "0", "concurrency must be between 1 and")]
    public async Task MalformedDefinitionsAreRefusedWithTheReason(string what, string value, string reason)
    {
        await BuildSampleNetworkAsync();
        Func<Task> add = what switch
        {
            "queue" => () => Registry.AddQueueAsync(new QueueSpec { Name = value }),
            "processor-module" => () => Registry.AddProcessorAsync(Processor("p2") with { Module = value }),
            "processor-commit" => () => Registry.AddProcessorAsync(Processor("p2") with { Commit = value }),
            "processor-repo" => () => Registry.AddProcessorAsync(Processor("p2") with { Repository = value }),
            "socket-function" => () => Registry.AddSocketAsync(Socket("s2", value)),
            "socket-concurrency" => () => Registry.AddSocketAsync(Socket("s2", "f") with { Concurrency = int.Parse(value) }),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        var error = await Assert.ThrowsAsync<InvalidSpecException>(add);

        Assert.Contains(reason, error.Message);
        Assert.Equal(2, (await Registry.ListQueuesAsync()).Length);
        Assert.Single(await Registry.ListProcessorsAsync());
        Assert.Equal(2, (await Registry.ListSocketsAsync()).Length);
    }

    [Fact]
    public async Task UnknownNamesAreReportedAsNotFound()
    {
        Assert.Equal("queue 'nope' does not exist", (await Assert.ThrowsAsync<NotFoundException>(() => Registry.GetQueueAsync("nope"))).Message);
        await Assert.ThrowsAsync<NotFoundException>(() => Registry.UpdateProcessorAsync("nope", new ProcessorUpdate { Module = "m" }));
        await Assert.ThrowsAsync<NotFoundException>(() => Registry.DeleteSocketAsync("nope"));
        await Assert.ThrowsAsync<NotFoundException>(() => Registry.GetSocketAsync("nope"));
        await Assert.ThrowsAsync<NotFoundException>(() => Registry.DeleteProcessorAsync("nope"));
    }

    [Fact]
    public async Task EachDefinitionReachesTheGrainNamedAfterItAndLeavesWithIt()
    {
        await BuildSampleNetworkAsync();
        await Registry.UpdateSocketAsync("pyfi.processors.sample.do_this", new SocketUpdate { Concurrency = 3 });

        var queue = await _cluster.Client.GetGrain<IQueueGrain>("pyfi.queue2").GetDefinitionAsync();
        var processor = await _cluster.Client.GetGrain<IProcessorGrain>("proc1").GetDefinitionAsync();
        var socket = await _cluster.Client.GetGrain<ISocketGrain>("pyfi.processors.sample.do_this").GetDefinitionAsync();

        Assert.Equal(QueueType.Fanout, queue!.Spec.Type);
        Assert.Equal((await Registry.GetProcessorAsync("proc1")).Stamp, processor!.Stamp);
        Assert.Equal(3, socket!.Spec.Concurrency);

        await Registry.DeleteQueueAsync("pyfi.queue2");
        Assert.Null(await _cluster.Client.GetGrain<IQueueGrain>("pyfi.queue2").GetDefinitionAsync());
    }

    [Fact]
    public async Task EverythingIsFoundAgainAfterTheClusterRestarts()
    {
        await BuildSampleNetworkAsync();
        await Registry.UpdateProcessorAsync("proc1", new ProcessorUpdate { Commit = "0123abcd", Concurrency = 4 });
        var queues = await Registry.ListQueuesAsync();
        var processors = await Registry.ListProcessorsAsync();
        var sockets = await Registry.ListSocketsAsync();

        await _cluster.RestartAsync();

        Assert.Equal(Json(queues), Json(await Registry.ListQueuesAsync()));
        // A processor's status is its deployment's, which the processor reports again after the restart.
        Assert.Equal(Json(processors.Select(p => new { p.Spec, p.Stamp, p.Sockets })), Json((await Registry.ListProcessorsAsync()).Select(p => new { p.Spec, p.Stamp, p.Sockets })));
        Assert.Equal(Json(sockets), Json(await Registry.ListSocketsAsync()));
        var socket = await _cluster.Client.GetGrain<ISocketGrain>("pyfi.processors.sample.do_something").GetDefinitionAsync();
        Assert.Equal(5, socket!.Spec.Concurrency);
        var next = await Registry.AddQueueAsync(new QueueSpec { Name = "after.restart" });
        Assert.True(next.Stamp.Revision > processors.Max(p => p.Stamp.Revision), "revisions keep increasing across restarts");
        await Assert.ThrowsAsync<AlreadyExistsException>(() => Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue1" }));
    }

    [Fact]
    public async Task DefinitionsAreStoredOneRowEachAsPlainJsonWithoutDotNetTypeNames()
    {
        await BuildSampleNetworkAsync();

        var spec = Assert.Single(await _backend.QueryAsync("SELECT Spec FROM PyfiDefinitions WHERE Kind = 'queue' AND Name = 'pyfi.queue2'"));
        var json = (string)spec!;

        Assert.DoesNotContain("$type", json);
        Assert.DoesNotContain("Pyfi.Grains", json);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("Fanout", document.RootElement.GetProperty("Type").GetString());
        Assert.Equal(5L, Convert.ToInt64(Assert.Single(await _backend.QueryAsync("SELECT count(*) FROM PyfiDefinitions"))));
        Assert.Equal(5L, Convert.ToInt64(Assert.Single(await _backend.QueryAsync("SELECT Revision FROM PyfiRegistry"))));
        Assert.Empty(await _backend.QueryAsync("SELECT GrainTypeString FROM PyfiGrainState WHERE GrainTypeString = 'registry'"));
    }

    [Fact]
    public async Task AnOlderBuildsOneRowCatalogueIsCarriedOverOnceAndTheOldRowDeleted()
    {
        // What builds before PyfiDefinitions stored: the whole catalogue as the registry's grain state.
        var at = new DateTimeOffset(2026, 11, 1, 9, 30, 0, TimeSpan.Zero).AddTicks(1234560); // to the microsecond, as PostgreSQL keeps it
        var old = new RegistryState { Revision = 7, Unsynced = ["socket:old.socket"] };
        old.Queues["old.queue"] = new(new QueueSpec { Name = "old.queue", Type = QueueType.Fanout }, new ModelStamp(1, at, at));
        old.Processors["old.proc"] = new(Processor("old.proc"), new ModelStamp(2, at, at.AddMinutes(1)));
        old.Sockets["old.socket"] = new(Socket("old.socket", "do_this") with { Queue = "old.queue", Processor = "old.proc" }, new ModelStamp(7, at, at.AddMinutes(2)));
        var storage = _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(StorageNames.Model);
        await storage.WriteStateAsync("registry", Registry.GetGrainId(), new GrainState<RegistryState>(old));
        // A registry that activated on the empty network committed nothing, so the next activation looks for the old row.
        await _cluster.RestartAsync();

        var socket = Assert.Single(await Registry.ListSocketsAsync());
        Assert.Equal(old.Sockets["old.socket"].Spec, socket.Spec);
        Assert.Equal(7, socket.Stamp.Revision);
        Assert.Equal(new ModelStamp(7, at, at.AddMinutes(2)), socket.Stamp);
        Assert.Equal(["old.socket"], (await Registry.GetQueueAsync("old.queue")).Sockets.ToArray());
        Assert.Equal(["old.socket"], (await Registry.GetProcessorAsync("old.proc")).Sockets.ToArray());
        Assert.Equal(old.Sockets["old.socket"].Spec, (await _cluster.Client.GetGrain<ISocketGrain>("old.socket").GetDefinitionAsync())!.Spec);
        Assert.Empty(await _backend.QueryAsync("SELECT GrainTypeString FROM PyfiGrainState WHERE GrainTypeString = 'registry'"));
        Assert.Equal(3L, Convert.ToInt64(Assert.Single(await _backend.QueryAsync("SELECT count(*) FROM PyfiDefinitions"))));

        var next = await Registry.AddQueueAsync(new QueueSpec { Name = "after.carry" });
        await _cluster.RestartAsync();

        Assert.Equal(8, next.Stamp.Revision);
        Assert.Equal(["after.carry", "old.queue"], (await Registry.ListQueuesAsync()).Select(q => q.Spec.Name));
        Assert.Equal(old.Sockets["old.socket"].Spec, Assert.Single(await Registry.ListSocketsAsync()).Spec);
    }

    [Fact]
    public async Task RemindersAreStoredAndFireAgainAfterARestart()
    {
        await _cluster.Client.GetGrain<IReminderProbeGrain>("probe").StartAsync();
        Assert.Equal(["probe"], await _backend.QueryAsync("SELECT ReminderName FROM PyfiReminders WHERE ReminderName <> 'sweep'"));

        await _cluster.RestartAsync();

        var probe = _cluster.Client.GetGrain<IReminderProbeGrain>("probe");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await probe.TicksAsync() == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(await probe.TicksAsync() > 0, "the reminder loaded from the database ticked after the restart");
    }

    private async Task BuildSampleNetworkAsync()
    {
        await Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue1", Type = QueueType.Direct });
        await Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue2", Type = QueueType.Fanout });
        await Registry.AddProcessorAsync(Processor("proc1"));
        await Registry.AddSocketAsync(Socket("pyfi.processors.sample.do_something", "do_something") with { Concurrency = 5 });
        await Registry.AddSocketAsync(Socket("pyfi.processors.sample.do_this", "do_this") with { Concurrency = 8 });
    }

    private static ProcessorSpec Processor(string name) => new()
    {
        Name = name,
        Repository = "/srv/repos/processors.git",
        Module = "pyfi.processors.sample",
    };

    private static SocketSpec Socket(string name, string function) => new()
    {
        Name = name,
        Queue = "pyfi.queue1",
        Processor = "proc1",
        Function = function,
    };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}

/// <summary>The model on the embedded SQLite default.</summary>
public sealed class SqliteModelTests() : ModelTests(StorageProvider.Sqlite);

/// <summary>The model on PostgreSQL.</summary>
public sealed class PostgresModelTests() : ModelTests(StorageProvider.Postgres);
