using Microsoft.Extensions.Options;
using Orleans.Messaging;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;

namespace Pyfi.Client.Hosting;

/// <summary>
/// Orleans' gateway list for a client in an application's host: asks the Pyfi gateway it is configured with
/// (<see cref="PyfiClientOptions.Gateways"/>) where the network's Orleans gateways are, as
/// <see cref="PyfiClient.ConnectAsync(string?, CancellationToken)"/> does, and asks again when Orleans refreshes
/// the list (silos come and go).
/// </summary>
internal sealed class PyfiGatewayListProvider(IOptions<PyfiClientOptions> options) : IGatewayListProvider
{
    public TimeSpan MaxStaleness => TimeSpan.FromSeconds(30);

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    public async Task<IList<Uri>> GetGateways()
    {
        var settings = options.Value;
        using var timeout = new CancellationTokenSource(settings.ConnectTimeout);
        await using var gateway = await GatewayConnection.ConnectAsync(settings, timeout.Token);
        var hello = await gateway.SendAsync<GatewayHello>(GatewayOps.Hello, null, timeout.Token);
        var endpoints = await GatewayList.ResolveAsync(string.Join(',', hello.OrleansGateways), timeout.Token);
        return [.. endpoints.Select(e => SiloAddress.New(e, 0).ToGatewayUri())];
    }
}
