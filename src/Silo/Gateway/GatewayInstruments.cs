using System.Diagnostics.Metrics;
using Pyfi.Grains.Telemetry;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// The gateway port's connections as metrics (meter <c>Pyfi</c>, so on <c>/metrics</c> beside the calls'): open now,
/// accepted, and dropped by reason, for an operator to see an attack or a limit set too low.
/// </summary>
public static class GatewayInstruments
{
    /// <summary>Makes the instruments, read from <paramref name="connections"/> when metrics are collected.</summary>
    public static void Observe(IMeterFactory meters, GatewayConnections connections)
    {
        var meter = meters.Create(PyfiMetrics.MeterName);
        meter.CreateObservableGauge("pyfi.gateway.connections", () => connections.Count, "{connection}", "Connections open on the gateway port");
        meter.CreateObservableCounter("pyfi.gateway.connections.accepted", () => connections.Accepted, "{connection}",
            "Connections accepted on the gateway port (including those refused at once)");
        meter.CreateObservableCounter("pyfi.gateway.connections.dropped",
            () => Enum.GetValues<GatewayDrop>().Select(r => new Measurement<long>(connections.DroppedFor(r), new KeyValuePair<string, object?>("reason", Name(r)))),
            "{connection}", "Connections the silo closed: evicted at a limit, idle or request timeout, too large, refused");
    }

    private static string Name(GatewayDrop reason) => reason switch
    {
        GatewayDrop.Evicted => "evicted",
        GatewayDrop.IdleTimeout => "idle_timeout",
        GatewayDrop.RequestTimeout => "request_timeout",
        GatewayDrop.TooLarge => "too_large",
        _ => "refused",
    };
}
