using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Messaging;

namespace Pyfi.Client.Hosting;

/// <summary>Pyfi in an application's host: an Orleans client for the network, and <see cref="PyfiClient"/> to inject.</summary>
public static class PyfiClientHostingExtensions
{
    /// <summary>
    /// Adds an Orleans client for the Pyfi network (<c>UseOrleansClient</c>) and registers <see cref="PyfiClient"/>.
    /// Options come from the <c>Pyfi:Client</c> configuration section, then <c>PYFI_GATEWAY</c>, then
    /// <paramref name="configure"/>; the cluster's ids from <c>Pyfi:ClusterId</c> / <c>Pyfi:ServiceId</c>
    /// (<c>PYFI_CLUSTER_ID</c>, <c>PYFI_SERVICE_ID</c>; default <c>pyfi</c>). The client connects when the host starts.
    /// </summary>
    /// <example>
    /// <code>
    /// var builder = Host.CreateApplicationBuilder(args);
    /// builder.AddPyfiClient(o => o.Gateways = "pyfi1:30000,pyfi2:30000");
    /// builder.Services.AddHostedService&lt;Orders&gt;(); // takes PyfiClient in its constructor
    /// </code>
    /// </example>
    public static IHostApplicationBuilder AddPyfiClient(this IHostApplicationBuilder builder, Action<PyfiClientOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<PyfiClientOptions>().Bind(builder.Configuration.GetSection(PyfiClientOptions.Section));
        options.PostConfigure(o =>
        {
            if (Environment.GetEnvironmentVariable("PYFI_GATEWAY") is { Length: > 0 } gateways && builder.Configuration[$"{PyfiClientOptions.Section}:Gateways"] is null)
            {
                o.Gateways = gateways;
            }

            var environment = PyfiClientOptions.FromEnvironment();
            o.TlsCa ??= environment.TlsCa;
            o.TlsFingerprint ??= environment.TlsFingerprint;

            configure?.Invoke(o);
        });
        options.Validate(o => o.Patience >= TimeSpan.Zero, $"{PyfiClientOptions.Section}:Patience cannot be negative").ValidateOnStart();

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = builder.Configuration["Pyfi:ClusterId"] ?? Environment.GetEnvironmentVariable("PYFI_CLUSTER_ID") ?? "pyfi";
                o.ServiceId = builder.Configuration["Pyfi:ServiceId"] ?? Environment.GetEnvironmentVariable("PYFI_SERVICE_ID") ?? "pyfi";
            });
            client.Services.AddSingleton<IGatewayListProvider, PyfiGatewayListProvider>();
            client.AddPyfiStreams();
            // TLS as configured when the host is built (the connection options are read then).
            client.Services.AddOptions<ClientConnectionOptions>().Configure<IOptions<PyfiClientOptions>>((connection, settings) =>
            {
                if (PyfiTls.From(settings.Value) is not { } tls) return;
                connection.ConfigureConnection(c => c.UseClientTls(PyfiClientBuilderExtensions.TlsOptionsFor(tls)));
            });

            // Found once, when first needed: after the host's configuration is bound.
            client.Services.AddSingleton(services => new ResolvedToken(PyfiToken.Resolve(services.GetRequiredService<IOptions<PyfiClientOptions>>().Value.Token)));
            client.UsePyfiToken(services => services.GetRequiredService<ResolvedToken>().Value);
        });
        builder.Services.AddSingleton(services =>
        {
            var settings = services.GetRequiredService<IOptions<PyfiClientOptions>>().Value;
            return PyfiClient.Over(services.GetRequiredService<IClusterClient>(), settings.Gateways, settings.Patience);
        });
        return builder;
    }
}

/// <summary>The token an application's Pyfi client presents, found once.</summary>
internal sealed record ResolvedToken(string? Value);
