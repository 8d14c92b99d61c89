using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Pyfi.Grains.Hosting;
using Pyfi.Storage;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// An in-process Orleans cluster (TestingHost) configured the way the silo host configures itself: Pyfi's
/// grains on Pyfi's ADO.NET storage. It can be stopped and started again on the same database.
/// </summary>
public sealed class ModelCluster : IAsyncDisposable
{
    private readonly PyfiDatabase _database;
    private readonly string _serviceId;
    private InProcessTestCluster _cluster;

    private ModelCluster(PyfiDatabase database, string serviceId, InProcessTestCluster cluster)
    {
        _database = database;
        _serviceId = serviceId;
        _cluster = cluster;
    }

    /// <summary>The cluster's client.</summary>
    public IClusterClient Client => _cluster.Client;

    /// <summary>The network's registry.</summary>
    public IRegistryGrain Registry => Client.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>Starts one silo on <paramref name="database"/>.</summary>
    public static async Task<ModelCluster> StartAsync(PyfiDatabase database, string? serviceId = null)
    {
        serviceId ??= $"pyfi-test-{Guid.NewGuid():N}";
        return new ModelCluster(database, serviceId, await DeployAsync(database, serviceId));
    }

    /// <summary>Stops every silo, then starts a new cluster on the same database and service id.</summary>
    public async Task RestartAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _cluster = await DeployAsync(_database, _serviceId);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    private static async Task<InProcessTestCluster> DeployAsync(PyfiDatabase database, string serviceId)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPyfiStorage(database);
            silo.AddPyfiGrains();
            // Reminder tests tick every second; production keeps Orleans' one-minute floor.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
