using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Pyfi.Client;

/// <summary>Pyfi's requirements on an Orleans client of a Pyfi network.</summary>
public static class PyfiClientBuilderExtensions
{
    /// <summary>
    /// Presents <paramref name="token"/> to the network: on every connection to an Orleans gateway (the silo closes
    /// connections without a valid one) and on every grain call (the silo checks the token's role for each). Added by
    /// <see cref="PyfiClient.ConnectAsync(PyfiClientOptions, CancellationToken)"/> and <c>AddPyfiClient</c>; call it
    /// yourself only for an Orleans client you build by hand.
    /// </summary>
    public static IClientBuilder UsePyfiToken(this IClientBuilder client, Func<string?> token) => client.UsePyfiToken(_ => token());

    /// <summary>
    /// Speaks TLS to the network's Orleans gateways, trusting what <paramref name="tls"/> trusts. Call it before
    /// <see cref="UsePyfiToken(IClientBuilder, Func{string?})"/>: the token travels inside TLS.
    /// </summary>
    public static IClientBuilder UsePyfiTls(this IClientBuilder client, PyfiTls tls) =>
        client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(connection => connection.UseClientTls(TlsOptionsFor(tls))));

    // The client presents no certificate (its token says who it is) and checks the silo's against what it trusts,
    // for the address it dialled (Orleans dials addresses, so a silo's certificate names its address).
    internal static TlsOptions TlsOptionsFor(PyfiTls tls) => new()
    {
        ClientCertificateMode = RemoteCertificateMode.NoCertificate,
        RemoteCertificateValidation = (certificate, _, errors) => tls.Accepts(certificate, errors),
        OnAuthenticateAsClient = (context, settings) => settings.TargetHost = context.RemoteEndPoint is IPEndPoint remote ? remote.Address.ToString() : "",
    };

    /// <summary>Presents the token <paramref name="token"/> finds in the client's services (see <see cref="UsePyfiToken(IClientBuilder, Func{string?})"/>).</summary>
    public static IClientBuilder UsePyfiToken(this IClientBuilder client, Func<IServiceProvider, string?> token)
    {
        client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(connection => connection.Use(next => async context =>
        {
            // Without a token there is nothing to present: the silo closes the connection (and said why on hello).
            if (token(connection.ApplicationServices) is { } value) await context.Transport.Output.WriteAsync(TokenHandshake.Frame(value), context.ConnectionClosed);
            await next(context);
        })));
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(services => new TokenCallFilter(() => token(services)));
        return client;
    }
}
