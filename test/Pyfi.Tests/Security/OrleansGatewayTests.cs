using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Streams;
using Pyfi.Client;
using Pyfi.Client.Workflows;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// Orleans' client gateway of a real silo, as an attacker who can reach the port sees it: a plain Orleans client,
/// an idle connection, a client with a small role calling the methods a registry's checks guard.
/// </summary>
public sealed class OrleansGatewayTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    [Fact]
    public async Task APlainOrleansClientWithoutATokenCannotConnect()
    {
        using var host = OrleansClient(configure: null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var failure = await Record.ExceptionAsync(() => host.StartAsync(timeout.Token));

        Assert.NotNull(failure);
        await Poll.UntilAsync(() => fixture.Silo.Output.Contains("Refused to connect to the Orleans gateway for a caller without a valid token"),
            TimeSpan.FromSeconds(10), "the refused connection in the silo's log");
    }

    [Fact]
    public async Task AConnectionThatSendsNothingIsClosedWithinTheHandshakeTime()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", fixture.Silo.Ports[2]);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var read = await tcp.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TokenHandshake.Timeout + TimeSpan.FromSeconds(20));

        Assert.Equal(0, read);
        Assert.InRange(clock.Elapsed, TokenHandshake.Timeout - TimeSpan.FromSeconds(1), TokenHandshake.Timeout + TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AClientThatConnectsWithATokenButSendsCallsWithoutOneIsRefusedEachCall()
    {
        var viewer = fixture.Tokens[PyfiRole.Viewer];
        // A hand-built client that presents the token on connecting and to fetch the cluster's grain types (without
        // which it cannot start), and on no other call.
        using var host = OrleansClient(client => client
            .Configure<ClientConnectionOptions>(o => o.ConfigureConnection(c => c.Use(next => async context =>
            {
                await context.Transport.Output.WriteAsync(TokenHandshake.Frame(viewer));
                await next(context);
            })))
            .AddOutgoingGrainCallFilter(async context =>
            {
                if (context.InterfaceName.Contains("ClusterManifest", StringComparison.Ordinal)) RequestContext.Set(AccessContext.TokenKey, viewer);
                await context.Invoke();
            }));
        await host.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        var cluster = host.Services.GetRequiredService<IClusterClient>();

        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => cluster.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).ListQueuesAsync());
        RequestContext.Set("pyfi.internal", Convert.ToBase64String(new byte[32]));
        var forged = await Record.ExceptionAsync(() => cluster.GetGrain<IQueueGrain>("q").RemoveAsync());
        RequestContext.Clear();

        Assert.StartsWith("not authenticated: no token given", refusal.Message);
        Assert.IsType<NotAuthenticatedException>(PyfiException.Find(forged));
        await host.StopAsync();
    }

    [Fact]
    public async Task AClientWithASmallRoleCannotReachWhatTheRegistryGuardsAndNothingChanges()
    {
        await using var viewer = await fixture.Silo.ConnectAsync(fixture.Tokens[PyfiRole.Viewer]);
        await using var admin = await fixture.Silo.ConnectAsync();
        var processor = (await admin.Registry.GetProcessorAsync("sample")).Spec;
        var before = (await fixture.Silo.Cli().OkAsync("ls", "queues", "--json")).Stdout;

        // What a plain Orleans client did before tokens: removed a queue three sockets use, and deployed a module the
        // registry refuses, by calling the grains behind the registry.
        var removal = await Record.ExceptionAsync(() => viewer.Cluster.GetGrain<IQueueGrain>("q").RemoveAsync());
        var apply = await Record.ExceptionAsync(() => viewer.Cluster.GetGrain<IProcessorGrain>("sample").ApplyAsync(
            new Definition<ProcessorSpec>(processor with { Module = "os" }, new ModelStamp(99, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow))));
        var adminToo = await Record.ExceptionAsync(() => admin.Cluster.GetGrain<IQueueGrain>("q").RemoveAsync());

        Assert.IsType<NotAllowedException>(PyfiException.Find(removal));
        Assert.IsType<NotAllowedException>(PyfiException.Find(apply));
        Assert.Equal("not allowed: it is internal to the network; clients cannot call it", PyfiException.Find(adminToo)!.Message);
        Assert.Equal(before, (await fixture.Silo.Cli().OkAsync("ls", "queues", "--json")).Stdout);
        Assert.Equal(SampleCode.Module, (await admin.Registry.GetProcessorAsync("sample")).Spec.Module);
        Assert.Equal("This: still", (await fixture.Silo.Cli().OkAsync("task", "run", "-s", "do_this", "--data", "['still']")).Stdout.Trim());
    }

    // An Orleans client of the silo's network built by hand, as an attacker would, with only what configure adds.
    private IHost OrleansClient(Action<IClientBuilder>? configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, fixture.Silo.Ports[2]));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "pyfi";
                o.ServiceId = "pyfi";
            });
            configure?.Invoke(client);
        });
        return builder.Build();
    }
}

/// <summary>What reaches a client from the silo carries nothing of the network's own: not its mark, not another client's token.</summary>
public sealed class ClientIsolationTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    [Fact]
    public async Task AWorkflowsProgressReachesAWatcherWithoutTheMarkOrTheStartersToken()
    {
        await using var starter = await fixture.Silo.ConnectAsync(fixture.Tokens[PyfiRole.Submitter]);
        await using var watcher = await fixture.Silo.ConnectAsync(fixture.Tokens[PyfiRole.Viewer]);
        var seen = new List<(object? Mark, object? Token, FlowState State)>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flow = Flow.Pipeline(starter.Socket<string, string>("do_this").Bind("one"), starter.Socket<string, string>("do_this").Bind("two"));
        var id = Guid.NewGuid();

        var stream = watcher.Cluster.GetStreamProvider(FlowStreams.Provider).GetStream<FlowProgress>(StreamId.Create(FlowStreams.Namespace, id));
        var subscription = await stream.SubscribeAsync((progress, _) =>
        {
            lock (seen) seen.Add((RequestContext.Get("pyfi.internal"), RequestContext.Get(AccessContext.TokenKey), progress.State));
            if (progress.State.IsFinal()) ended.TrySetResult();
            return Task.CompletedTask;
        });
        await starter.Cluster.GetGrain<IWorkflowGrain>(id).StartAsync(flow.Graph);
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await subscription.UnsubscribeAsync();

        Assert.NotEmpty(seen);
        Assert.All(seen, s => Assert.Equal((null, null), (s.Mark, s.Token)));
    }
}
