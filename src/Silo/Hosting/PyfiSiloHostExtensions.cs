using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Pyfi.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Pyfi.Grains;
using Pyfi.Grains.Hosting;
using Pyfi.Grains.Security;
using Pyfi.Grains.Storage;
using Pyfi.Silo.Gateway;
using Pyfi.Silo.Options;
using Pyfi.Storage;

namespace Pyfi.Silo.Hosting;

/// <summary>Turns a host into a Pyfi silo as its configuration says.</summary>
public static class PyfiSiloHostExtensions
{
    /// <summary>
    /// Adds the Orleans silo: localhost clustering on the embedded SQLite default, ADO.NET clustering on
    /// PostgreSQL; Pyfi's options, storage, grains and ready line. Throws <see cref="InvalidSpecException"/> for
    /// settings that cannot work.
    /// </summary>
    public static IHostApplicationBuilder AddPyfiSilo(this IHostApplicationBuilder builder)
    {
        // The host's shape (ports, data folder, database, TLS) is read now; its services take the same options as IOptions<T>.
        var settings = SiloSettings.Read(builder.Configuration);
        SiloSettings.Add(builder.Services, builder.Configuration);
        var (options, dataPath, storage) = (settings.Silo, settings.Runtime.DataPath, settings.Storage);
        var tls = string.IsNullOrWhiteSpace(options.TlsCert) ? null : SiloTls.Load(options.TlsCert, options.TlsKey!, options.TlsCa);
        var database = PyfiDatabase.From(storage, dataPath);
        var listenAddress = database.Provider == StorageProvider.Sqlite ? IPAddress.Loopback : IPAddress.Parse(options.AdvertisedAddress);
        var claim = ExclusiveResources.Claim(dataPath, listenAddress,
            (options.SiloPort, "PYFI_SILO_PORT"), (options.GatewayPort, "PYFI_GATEWAY_PORT"), (options.OrleansGatewayPort, "PYFI_ORLEANS_GATEWAY_PORT"));

        // After the claim (no second silo is migrating this data folder), and before Orleans starts, so a refusal is
        // the one line the silo prints, without Orleans' traces.
        DatabaseStartup.PrepareAsync(database, storage.StartCheck, storage.ApplySchema).GetAwaiter().GetResult();

        if (options.DashboardPort > 0)
        {
            if (builder is not WebApplicationBuilder web) throw new InvalidOperationException("the dashboard needs a web host: create the builder with PyfiSiloHost.CreateBuilder");
            var dashboard = IPAddress.Parse(options.DashboardAddress);
            ExclusiveResources.EnsureFree(dashboard, options.DashboardPort, "PYFI_DASHBOARD_PORT");
            web.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(dashboard, options.DashboardPort));

            // Pyfi's metrics for Prometheus at /metrics, beside the dashboard. Orleans' own meter is left out: the
            // dashboard shows it, and exporting it too would aggregate every grain message twice.
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PyfiMetrics.MeterName).AddPrometheusExporter());
        }

        // A stop first lets running attempts finish for PYFI_DRAIN (SiloDrain); the rest of Orleans' stop needs its
        // own time after that.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<PyfiRuntimeOptions>>((host, runtime) =>
            host.ShutdownTimeout = runtime.Value.DrainTimeout + TimeSpan.FromSeconds(60));

        // A call waiting for a core is not an error (see PlacementRefusalLogFilter).
        PlacementRefusalLogFilter.Apply(builder.Services);

        // Held for the life of the host; the container disposes it at shutdown.
        builder.Services.AddSingleton(claim);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloReadyAnnouncer>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ExposureWarnings>();
        builder.Services.AddSingleton(new GatewayEndpoint(listenAddress, options.GatewayPort));
        builder.Services.AddSingleton<GatewayConnections>();
        builder.Services.AddSingleton<GatewayOperations>();
        builder.Services.AddSingleton<FlowWatcher>();
        builder.Services.AddSingleton<CallFollowWatcher>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, GatewayListener>();
        if (Environment.GetEnvironmentVariable(HeapProbe.Variable) is { Length: > 0 } probe) builder.Services.AddHostedService(_ => new Pyfi.Silo.Hosting.HeapProbe(probe));
        builder.UseOrleans(silo =>
        {
            if (database.Provider == StorageProvider.Sqlite)
            {
                // One embedded node: membership lives in memory, nothing else to run.
                silo.UseLocalhostClustering(options.SiloPort, options.OrleansGatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.OrleansGatewayPort);
                silo.UsePyfiClustering(database);
            }

            GuardOrleansPorts(silo);
            if (options.DashboardPort > 0) silo.AddDashboard();
            silo.AddPyfiStorage(database, storage.ApplySchema);
            silo.AddPyfiGrains(tls);
        });
        return builder;
    }

    // Orleans' ports answer anyone who can reach them: bound what they hold (docs/security.md, "The gateway port").
    private static void GuardOrleansPorts(ISiloBuilder silo)
    {
        // A message larger than this closes its connection at once, before its body is buffered. A call's record
        // (an answer to task.run, to a wait, a workflow step) carries its arguments and its result, each up to
        // PYFI_MAX_PAYLOAD, with its output and error beside them.
        silo.Services.AddOptions<SiloMessagingOptions>().Configure<IOptions<PyfiRuntimeOptions>>((o, runtime) =>
            o.MaxMessageBodySize = (int)Math.Min(int.MaxValue, 2 * runtime.Value.MaxPayloadBytes + 4 * 1024 * 1024));
        silo.Services.AddKeyedSingleton(OrleansPort.Gateway, (sp, _) => Guard(sp, "Orleans gateway port"));
        silo.Services.AddKeyedSingleton(OrleansPort.Silo, (sp, _) => Guard(sp, "Silo port"));
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            o.ConfigureGatewayInboundConnection(sp.GetRequiredKeyedService<OrleansConnectionGuard>(OrleansPort.Gateway).Use);
            o.ConfigureSiloInboundConnection(sp.GetRequiredKeyedService<OrleansConnectionGuard>(OrleansPort.Silo).Use);
        });
    }

    private static OrleansConnectionGuard Guard(IServiceProvider services, string port)
    {
        var connections = services.GetRequiredService<IOptions<PyfiConnectionOptions>>().Value;
        return new OrleansConnectionGuard(port, connections.GatewayMaxConnections, connections.OrleansHandshakeTimeout,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<OrleansConnectionGuard>>());
    }

    private enum OrleansPort
    {
        Gateway,
        Silo,
    }
}
