using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Pyfi.Client.Calls;
using Pyfi.Client.Gateway;
using Pyfi.Client.Hosting;
using Pyfi.Client.Sockets;
using Pyfi.Client.Workflows;
using Pyfi.Protocol;

namespace Pyfi.Client;

/// <summary>
/// A connection to a Pyfi network. Connect with <see cref="ConnectAsync(string?, CancellationToken)"/>,
/// use <see cref="Registry"/> to define queues, processors and sockets, and dispose to disconnect.
/// </summary>
/// <remarks>
/// The client asks the gateway it is given (the silo's <c>PYFI_GATEWAY_PORT</c>) who the network is and where
/// its Orleans gateways are, then connects to those as an Orleans client: one address is all it needs.
/// </remarks>
/// <example>
/// <code>
/// await using var pyfi = await PyfiClient.ConnectAsync("localhost:30000");
/// await pyfi.Registry.AddQueueAsync(new QueueSpec { Name = "pyfi.queue1" });
/// </code>
/// </example>
public sealed class PyfiClient : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    // The host this client started (ConnectAsync), or null when an application's host owns the Orleans client.
    private readonly IHost? _host;

    private PyfiClient(IClusterClient cluster, IHost? host, string gateways, GatewayHello? network, PyfiRetry retry)
    {
        _host = host;
        Gateways = gateways;
        Network = network;
        Cluster = cluster;
        Retry = retry;
        Routes = new SocketRoutes(retry.Time);
    }

    /// <summary>The gateways this client was given.</summary>
    public string Gateways { get; }

    /// <summary>Who the network is, as its gateway introduced it (when connected with <c>ConnectAsync</c>).</summary>
    public GatewayHello? Network { get; }

    /// <summary>The underlying Orleans client, for grain calls the typed API does not cover.</summary>
    public IClusterClient Cluster { get; }

    /// <summary>
    /// How this client's calls, workflows and sockets ride through changes of the cluster: transient failures are
    /// retried for <see cref="PyfiClientOptions.Patience"/> (see <see cref="PyfiRetry"/>). Grain calls made directly
    /// through <see cref="Cluster"/> or <see cref="Registry"/> are not retried; wrap the safe ones in <c>Retry.RunAsync</c>.
    /// </summary>
    public PyfiRetry Retry { get; }

    /// <summary>
    /// Where this client's submissions go: straight to the partition of a partitioned socket that each one's key goes
    /// to (pass it to <see cref="PyfiCall.StartAsync(IGrainFactory, CallRequest, TimeSpan, PyfiRetry?, SocketRoutes?, CancellationToken)"/>).
    /// </summary>
    public SocketRoutes Routes { get; }

    /// <summary>The network's registry of queues, processors and sockets.</summary>
    public IRegistryGrain Registry => Cluster.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>
    /// Starts <paramref name="step"/> (a pipeline, parallel, funnel or single bound socket) as a workflow in the
    /// network and returns its handle once the network has stored it. The workflow runs to its end whether or
    /// not this client stays. Throws <see cref="InvalidSpecException"/> for a malformed workflow and
    /// <see cref="NotFoundException"/> for a socket that does not exist.
    /// </summary>
    public async Task<PyfiFlow> StartAsync(PyfiStep step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        // The id is chosen here, so a start sent again (a silo lost meanwhile) finds the workflow the first one stored.
        var id = Guid.NewGuid();
        var grain = Cluster.GetGrain<IWorkflowGrain>(id);
        await Retry.RunAsync(token => grain.StartAsync(step.Graph).WaitAsync(token), cancellationToken);
        return new PyfiFlow(Cluster, id, Retry);
    }

    /// <summary>Runs <paramref name="step"/> as a workflow and returns its result (see <see cref="StartAsync"/> and <see cref="PyfiFlow.GetAsync{TResult}"/>).</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public async Task<TResult> RunAsync<TResult>(PyfiStep step, CancellationToken cancellationToken = default) =>
        await (await StartAsync(step, cancellationToken)).GetAsync<TResult>(cancellationToken: cancellationToken);

    /// <summary>The workflow <paramref name="id"/>, started by this client or any other, to wait for, watch or cancel.</summary>
    public PyfiFlow Flow(Guid id) => new(Cluster, id, Retry);

    /// <summary>
    /// The calls that end on socket <paramref name="socket"/> from now on (or after <paramref name="after"/>, a position
    /// <c>pyfi follow</c> printed), each once, in the order their ends were stored, until cancelled; without their arguments
    /// and output. See <see cref="FollowAsync(FollowTarget, long?, CancellationToken)"/>.
    /// </summary>
    public IAsyncEnumerable<CallInfo> FollowAsync(string socket, long? after = null, CancellationToken cancellationToken = default) =>
        FollowAsync(FollowTarget.OfSocket(socket), after, cancellationToken);

    /// <summary>The calls of run <paramref name="run"/> (its first call's id) as they end, wherever its plugs take it. See <see cref="FollowAsync(FollowTarget, long?, CancellationToken)"/>.</summary>
    public IAsyncEnumerable<CallInfo> FollowAsync(Guid run, long? after = null, CancellationToken cancellationToken = default) =>
        FollowAsync(FollowTarget.OfRun(run), after, cancellationToken);

    /// <summary>
    /// The calls of <paramref name="target"/> as they end (succeeded, failed or cancelled), each once, in the order their
    /// ends were stored, until <paramref name="cancellationToken"/> is cancelled. Pushed on an Orleans stream and read from
    /// the database after this follower's cursor, so a silo's loss or this client's reconnection skips nothing: once the
    /// network answers again, what ended meanwhile comes first. Throws <see cref="NotFoundException"/> for a socket or run
    /// that does not exist.
    /// </summary>
    public IAsyncEnumerable<CallInfo> FollowAsync(FollowTarget target, long? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new PyfiFollow(Cluster, Retry, TimeProvider.System).RunAsync(target, after, cancellationToken);
    }

    /// <summary>The task call <paramref name="id"/>, submitted by this client or any other, to ask about, wait for, take the result of or cancel.</summary>
    public PyfiCall Call(Guid id) => new(Cluster, id, Retry);

    /// <summary>
    /// Socket <paramref name="name"/> as a function returning <typeparamref name="TResult"/>, called with any
    /// positional (and keyword) arguments: <c>await pyfi.Socket&lt;string&gt;("sample.do_something").CallAsync(["One"])</c>.
    /// Nothing is asked of the network until it is called.
    /// </summary>
    public PyfiSocket<TResult> Socket<TResult>(string name) => new(Cluster, name, Retry, Routes);

    /// <summary>
    /// Socket <paramref name="name"/> as a function of one <typeparamref name="TArg"/> returning
    /// <typeparamref name="TResult"/>: <c>await pyfi.Socket&lt;string, string&gt;("sample.do_something").CallAsync("One")</c>.
    /// </summary>
    public PyfiSocket<TArg, TResult> Socket<TArg, TResult>(string name) => new(Cluster, name, Retry, Routes);

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
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var token = PyfiToken.Resolve(options.Token);
        GatewayHello network;
        try
        {
            network = await HelloAsync(options, token, timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // A gateway that never answers (a silo speaking TLS to a client that does not, or one too busy).
            throw new PyfiConnectionException($"the gateway at {options.Gateways} did not answer within {options.ConnectTimeout.TotalSeconds:0.#} s (if it uses TLS, give the client its authority or fingerprint: PYFI_TLS_CA, PYFI_TLS_FINGERPRINT)", e);
        }

        if (network.OrleansGateways.Count == 0) throw new PyfiConnectionException($"the network at {options.Gateways} has no active silo yet");
        var endpoints = await GatewayList.ResolveAsync(string.Join(',', network.OrleansGateways), cancellationToken);

        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.AddPyfiStreams();
            if (PyfiTls.From(options) is { } tls) client.UsePyfiTls(tls);
            client.UsePyfiToken(() => token);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = network.ClusterId;
                o.ServiceId = network.ServiceId;
            });
            client.UseConnectionRetryFilter(async (_, token) =>
            {
                if (!options.RetryConnect) return false;
                await Task.Delay(RetryDelay, token);
                return true;
            });
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new PyfiConnectionException(
                $"cannot reach the Orleans gateways of the network at {options.Gateways} ({string.Join(", ", network.OrleansGateways)}): {Reason(e)}", e);
        }

        return new PyfiClient(host.Services.GetRequiredService<IClusterClient>(), host, options.Gateways, network, new PyfiRetry(options.Patience));
    }

    /// <summary>A client over an Orleans client that an application's host owns (see <c>AddPyfiClient</c>); disposing it leaves that client alone.</summary>
    internal static PyfiClient Over(IClusterClient cluster, string gateways, TimeSpan patience) => new(cluster, null, gateways, null, new PyfiRetry(patience));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }

    private static async Task<GatewayHello> HelloAsync(PyfiClientOptions options, string? token, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await using var gateway = await GatewayConnection.ConnectAsync(options.Gateways, options.ConnectTimeout, token, PyfiTls.From(options), cancellationToken);
                return await gateway.SendAsync<GatewayHello>(GatewayOps.Hello, null, cancellationToken);
            }
            catch (PyfiConnectionException) when (options.RetryConnect && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
            catch (GatewayException e) when (e.Kind == GatewayException.Refused)
            {
                // Closed before it answered (TLS on one side only): the client cannot reach the network this way.
                throw new PyfiConnectionException(e.Message, e);
            }
        }
    }

    // The innermost cause says it best ("Connection refused"); the wrappers say "see InnerException".
    private static string Reason(Exception e)
    {
        if (e is OperationCanceledException) return "no answer in time";
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.Split('\n')[0].TrimEnd('.');
    }
}
