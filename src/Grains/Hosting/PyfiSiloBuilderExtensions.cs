using Pyfi.Grains.Calls;
using Pyfi.Grains.Follow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Pyfi.Grains.Code;
using Pyfi.Grains.Runtimes;
using Pyfi.Grains.Placement;
using Pyfi.Grains.Python;
using Pyfi.Grains.Security;
using Pyfi.Grains.Telemetry;
using Pyfi.Grains.Workers;

namespace Pyfi.Grains.Hosting;

/// <summary>Registers what Pyfi's grains need on a silo.</summary>
public static class PyfiSiloBuilderExtensions
{
    /// <summary>
    /// Adds the services Pyfi's grains depend on: the code cache (git, environments), the Python worker pool,
    /// the per-core placement of worker slots, tokens and roles on every client call, and (with <paramref name="tls"/>)
    /// TLS on every Orleans connection. They run with <see cref="PyfiRuntimeOptions"/> as configured
    /// (<c>silo.Configure&lt;PyfiRuntimeOptions&gt;(…)</c>, or bound from configuration by the host). Storage is added
    /// separately (<see cref="Storage.PyfiStorageSiloBuilderExtensions"/>).
    /// </summary>
    public static ISiloBuilder AddPyfiGrains(this ISiloBuilder silo, SiloTls? tls = null)
    {
        // TLS first: its middleware must wrap the gateway's token handshake added below.
        if (tls is not null)
        {
            silo.Services.AddSingleton(tls);
            silo.Configure<SiloConnectionOptions>(tls.Configure);
        }

        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddPyfiRuntimeOptions();
        silo.Services.AddSingleton(s => new CodePaths(s.GetRequiredService<IOptions<PyfiRuntimeOptions>>().Value.DataPath));
        silo.Services.AddSingleton(s => new RepositoryPolicy(RepositoryPolicy.Split(s.GetRequiredService<IOptions<PyfiRuntimeOptions>>().Value.Repositories)));
        silo.Services.AddSingleton<PythonRuntime>();
        silo.Services.AddSingleton<CodeCache>();
        silo.Services.AddSingleton<NodePackages>();
        silo.Services.AddSingleton<WorkerScripts>();
        silo.Services.AddSingleton<IWorkerRuntime, PythonWorkerRuntime>();
        silo.Services.AddSingleton<IWorkerRuntime, NodeWorkerRuntime>();
        silo.Services.AddSingleton<IWorkerRuntime, BashWorkerRuntime>();
        silo.Services.AddSingleton<WorkerRuntimes>();
        silo.Services.AddSingleton<PythonWorkerPool>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<PythonWorkerPool>());
        silo.Services.AddSingleton<SiloDrain>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<SiloDrain>());
        silo.Services.AddSingleton<LocalWorkers>();
        silo.Services.AddMetrics();
        silo.Services.AddSingleton<PyfiMetrics>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, NodeReporter>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ClusterRecovery>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, FollowBells>();
        silo.AddPlacementDirector<PerCorePlacement, PerCorePlacementDirector>();
        silo.AddPlacementDirector<SocketPlacement, SocketPlacementDirector>();

        // Tokens and roles: every client call is checked (ClientAccessFilter); the first admin token is made here.
        silo.Services.AddSingleton<AccessControl>();
        silo.Services.AddSingleton<ClusterKey>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<ClusterKey>());
        silo.AddOutgoingGrainCallFilter<InternalCallMarker>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, AdminTokenBootstrap>();
        silo.AddIncomingGrainCallFilter<ClientAccessFilter>();
        silo.Configure<SiloConnectionOptions>(o => o.ConfigureGatewayInboundConnection(connection =>
            connection.UseTokenHandshake(connection.ApplicationServices.GetRequiredService<AccessControl>())));

        // Workflow progress: pushed to watchers, not kept (a watcher that misses some asks the workflow). The
        // subscriptions are kept in memory too: a watcher subscribes again when it reconnects.
        silo.AddMemoryStreams(FlowStreams.Provider, streams => streams.ConfigurePartitioning(FlowStreams.Queues));
        silo.AddMemoryStreams(FollowStreams.Provider, streams => streams.ConfigurePartitioning(FollowStreams.Queues));
        silo.AddMemoryGrainStorage("PubSubStore");
        return silo;
    }

    /// <summary>
    /// Registers <see cref="PyfiRuntimeOptions"/>: checked at start by <see cref="PyfiRuntimeOptionsValidator"/>,
    /// with <see cref="PyfiRuntimeOptions.Cores"/> 0 read as the machine's cores. Returns the builder, to bind it.
    /// </summary>
    public static OptionsBuilder<PyfiRuntimeOptions> AddPyfiRuntimeOptions(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PyfiRuntimeOptions>, PyfiRuntimeOptionsValidator>());
        return services.AddOptions<PyfiRuntimeOptions>()
            .PostConfigure(o => o.Cores = o.Cores == 0 ? Environment.ProcessorCount : o.Cores)
            .ValidateOnStart();
    }
}
