using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

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

    /// <summary>Presents the token <paramref name="token"/> finds in the client's services (see <see cref="UsePyfiToken(IClientBuilder, Func{string?})"/>).</summary>
    public static IClientBuilder UsePyfiToken(this IClientBuilder client, Func<IServiceProvider, string?> token)
    {
        client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(connection => connection.Use(next => async context =>
        {
            await context.Transport.Output.WriteAsync(TokenHandshake.Frame(token(connection.ApplicationServices)), context.ConnectionClosed);
            await next(context);
        })));
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(services => new TokenCallFilter(() => token(services)));
        return client;
    }
}
