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
using Orleans.Configuration;
using Orleans.Runtime;
using Pyfi.Grains;
using Pyfi.Grains.Code;
using Pyfi.Grains.Hosting;
using Pyfi.Grains.Security;
using Pyfi.Silo.Gateway;
using Pyfi.Silo.Options;
using Pyfi.Storage;

namespace Pyfi.Silo.Hosting;

/// <summary>Turns a host into a Pyfi silo as its configuration says.</summary>
public static class PyfiSiloHostExtensions
{
    /// <summary>
    /// Adds the Orleans silo: localhost clustering on the embedded SQLite default, ADO.NET clustering on
    /// PostgreSQL; Pyfi's storage, grains and ready line. Throws <see cref="InvalidSpecException"/> for
    /// settings that cannot work.
    /// </summary>
    public static IHostApplicationBuilder AddPyfiSilo(this IHostApplicationBuilder builder)
    {
        PyfiSiloOptions options;
        PyfiStorageOptions storage;
        try
        {
            options = builder.Configuration.GetSection(PyfiSiloOptions.Section).Get<PyfiSiloOptions>() ?? new();
            storage = builder.Configuration.GetSection(PyfiStorageOptions.Section).Get<PyfiStorageOptions>() ?? new();
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the setting and the value ("Failed to convert configuration value 'x' at 'Pyfi:SiloPort'...").
            throw new InvalidSpecException($"invalid setting: {e.Message}");
        }

        options.Validate();
        storage.Validate();
        if (FileDescriptors.Limit() is { } fileLimit) options.FitConnectionsTo(FileDescriptors.PerPort(fileLimit));
        _ = new RepositoryPolicy(RepositoryPolicy.Split(options.Repositories)); // PYFI_REPOS reads, or the silo stops with one line
        var tls = string.IsNullOrWhiteSpace(options.TlsCert) ? null : SiloTls.Load(options.TlsCert, options.TlsKey!, options.TlsCa);
        var database = PyfiDatabase.From(storage, options.DataPath);
        var listenAddress = database.Provider == StorageProvider.Sqlite ? IPAddress.Loopback : IPAddress.Parse(options.AdvertisedAddress);
        var claim = ExclusiveResources.Claim(options.DataPath, listenAddress,
            (options.SiloPort, "PYFI_SILO_PORT"), (options.GatewayPort, "PYFI_GATEWAY_PORT"), (options.OrleansGatewayPort, "PYFI_ORLEANS_GATEWAY_PORT"));
        StorageStartup.Prepare(database, storage); // after the claim: no second silo is migrating this data folder

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
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Drain + TimeSpan.FromSeconds(60));

        // A call waiting for a core is not an error (see PlacementRefusalLogFilter).
        PlacementRefusalLogFilter.Apply(builder.Services);

        // Held for the life of the host; the container disposes it at shutdown.
        builder.Services.AddSingleton(claim);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloReadyAnnouncer>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ExposureWarnings>();
        builder.Services.AddSingleton(new GatewayEndpoint(listenAddress, options.GatewayPort));
        builder.Services.AddSingleton(sp => new GatewayConnections(options, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<GatewayOperations>();
        builder.Services.AddSingleton<FlowWatcher>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, GatewayListener>();
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

            GuardOrleansPorts(silo, options);
            if (options.DashboardPort > 0) silo.AddDashboard();
            silo.AddPyfiStorage(database, storage.ApplySchema);
            silo.AddPyfiGrains(tls: tls, options: new PyfiRuntimeOptions
            {
                DataPath = options.DataPath,
                Cores = options.Cores > 0 ? options.Cores : Environment.ProcessorCount,
                Python = options.Python,
                LeaseDuration = options.Lease,
                HostName = options.HostName,
                Retention = options.Retention,
                DrainTimeout = options.Drain,
                WorkerMemoryBytes = options.WorkerMemoryBytes,
                MaxPayloadBytes = options.MaxPayloadBytes,
                Repositories = RepositoryPolicy.Split(options.Repositories),
            });
        });
        return builder;
    }

    // Orleans' ports answer anyone who can reach them: bound what they hold (docs/security.md, "The gateway port").
    private static void GuardOrleansPorts(ISiloBuilder silo, PyfiSiloOptions options)
    {
        // A message larger than this closes its connection at once, before its body is buffered. A call's record
        // (an answer to task.run, to a wait, a workflow step) carries its arguments and its result, each up to
        // PYFI_MAX_PAYLOAD, with its output and error beside them.
        silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = (int)Math.Min(int.MaxValue, 2 * options.MaxPayloadBytes + 4 * 1024 * 1024));
        silo.Services.AddKeyedSingleton(OrleansPort.Gateway, (sp, _) => new OrleansConnectionGuard("Orleans gateway port", options.GatewayMaxConnections,
            options.OrleansHandshakeTimeout, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OrleansConnectionGuard>>()));
        silo.Services.AddKeyedSingleton(OrleansPort.Silo, (sp, _) => new OrleansConnectionGuard("Silo port", options.GatewayMaxConnections,
            options.OrleansHandshakeTimeout, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OrleansConnectionGuard>>()));
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            o.ConfigureGatewayInboundConnection(sp.GetRequiredKeyedService<OrleansConnectionGuard>(OrleansPort.Gateway).Use);
            o.ConfigureSiloInboundConnection(sp.GetRequiredKeyedService<OrleansConnectionGuard>(OrleansPort.Silo).Use);
        });
    }

    private enum OrleansPort
    {
        Gateway,
        Silo,
    }
}
