using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Pyfi.Grains;
using Pyfi.Grains.Hosting;
using Pyfi.Grains.Security;
using Pyfi.Grains.Storage;
using Orleans.Runtime;
using Pyfi.Client;
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
    private readonly TempDirectory _data;
    private InProcessTestCluster _cluster;

    private ModelCluster(PyfiDatabase database, string serviceId, TempDirectory data, InProcessTestCluster cluster)
    {
        _database = database;
        _serviceId = serviceId;
        _data = data;
        _cluster = cluster;
    }

    /// <summary>The cluster's client.</summary>
    public IClusterClient Client => _cluster.Client;

    /// <summary>The services of the (first) silo, to look inside it.</summary>
    public IServiceProvider SiloServices => ((InProcessSiloHandle)_cluster.Silos[0]).SiloHost.Services;

    /// <summary>The network's registry.</summary>
    public IRegistryGrain Registry => Client.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>Starts one silo on <paramref name="database"/>.</summary>
    public static async Task<ModelCluster> StartAsync(PyfiDatabase database, string? serviceId = null)
    {
        serviceId ??= $"pyfi-test-{Guid.NewGuid():N}";
        var data = new TempDirectory("pyfi-cluster");
        return new ModelCluster(database, serviceId, data, await DeployAsync(database, serviceId, data.Path));
    }

    /// <summary>Stops every silo, then starts a new cluster on the same database and service id.</summary>
    public async Task RestartAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _cluster = await DeployAsync(_database, _serviceId, _data.Path);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    private static async Task<InProcessTestCluster> DeployAsync(PyfiDatabase database, string serviceId, string dataPath)
    {
        FastTier.Refuse("an Orleans silo (TestingHost)");
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        InProcessTestCluster? deployed = null;
        // The model tests look inside the network (definitions pushed to their grains), so their client is trusted as
        // a silo is: it marks its calls with the network's key (and connects with the admin token).
        var adminToken = Path.Combine(dataPath, AdminTokenBootstrap.FileName);
        builder.ConfigureClient(client => client.UsePyfiToken(() => File.Exists(adminToken) ? File.ReadAllText(adminToken).Trim() : null).AddOutgoingGrainCallFilter(async context =>
        {
            if (deployed?.Silos.FirstOrDefault() is InProcessSiloHandle silo && silo.SiloHost.Services.GetRequiredService<ClusterKey>().Mark is { } mark)
            {
                RequestContext.Set(ClusterKey.MarkKey, mark);
            }
            await context.Invoke();
        }));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPyfiStorage(database);
            silo.AddPyfiGrains().Configure<PyfiRuntimeOptions>(o => o.DataPath = dataPath);
            // Reminder tests tick every second; production keeps Orleans' one-minute floor.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        var cluster = builder.Build();
        deployed = cluster;
        await cluster.DeployAsync();
        return cluster;
    }
}
