using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Pyfi.Client;

/// <summary>
/// A connection to a Pyfi network. Connect with <see cref="ConnectAsync(string?, CancellationToken)"/>,
/// use <see cref="Registry"/> to define queues, processors and sockets, and dispose to disconnect.
/// </summary>
/// <example>
/// <code>
/// await using var pyfi = await PyfiClient.ConnectAsync("localhost:30000");
/// await pyfi.Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue1" });
/// </code>
/// </example>
public sealed class PyfiClient : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly IHost _host;

    private PyfiClient(IHost host, string gateways)
    {
        _host = host;
        Gateways = gateways;
        Cluster = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The gateways this client was given.</summary>
    public string Gateways { get; }

    /// <summary>The underlying Orleans client, for grain calls the typed API does not cover.</summary>
    public IClusterClient Cluster { get; }

    /// <summary>The network's registry of queues, processors and sockets.</summary>
    public IRegistryGrain Registry => Cluster.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>
    /// Connects to the network at <paramref name="gateways"/> (<c>host:port[,host:port]</c>); <see langword="null"/>
    /// uses <c>PYFI_GATEWAY</c>, else <c>localhost:30000</c>. Throws <see cref="PyfiConnectionException"/> when no
    /// gateway answers.
    /// </summary>
    public static Task<PyfiClient> ConnectAsync(string? gateways = null, CancellationToken cancellationToken = default)
    {
        var options = PyfiClientOptions.FromEnvironment();
        if (!string.IsNullOrWhiteSpace(gateways)) options.Gateways = gateways;
        return ConnectAsync(options, cancellationToken);
    }

    /// <summary>Connects with explicit options. Throws <see cref="PyfiConnectionException"/> when no gateway answers.</summary>
    public static async Task<PyfiClient> ConnectAsync(PyfiClientOptions options, CancellationToken cancellationToken = default)
    {
        var endpoints = await GatewayList.ResolveAsync(options.Gateways, cancellationToken);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                if (!options.RetryConnect) return false;
                await Task.Delay(RetryDelay, cancellationToken);
                return true;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
        });

        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new PyfiConnectionException(
                $"cannot reach the Pyfi network at {options.Gateways}: {Reason(e)}. Is a silo running there? (dotnet run --project src/Silo)", e);
        }

        return new PyfiClient(host, options.Gateways);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }

    // The innermost cause says it best ("Connection refused"); the wrappers say "see InnerException".
    private static string Reason(Exception e)
    {
        if (e is OperationCanceledException) return "no answer in time";
        while (e.InnerException is not null) e = e.InnerException;
        var reason = e.Message.Split('\n')[0].TrimEnd('.');
        // A gateway closes the connection of a client from another cluster without saying why.
        return reason.Contains("connection closed", StringComparison.OrdinalIgnoreCase)
            ? $"{reason} (the gateway dropped the connection: does PYFI_CLUSTER_ID match the silo's?)"
            : reason;
    }
}
