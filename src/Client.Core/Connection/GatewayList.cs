using System.Net;
using System.Net.Sockets;

namespace Pyfi.Client;

/// <summary>Parses and resolves a gateway list such as <c>localhost:30000,10.0.0.2:30000</c>.</summary>
public static class GatewayList
{
    /// <summary>The gateways as host and port, in order; <see cref="InvalidSpecException"/> for a malformed entry.</summary>
    public static IReadOnlyList<(string Host, int Port)> Parse(string gateways)
    {
        var entries = gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0) throw new InvalidSpecException("no gateway given; expected host:port[,host:port]");
        var parsed = new List<(string, int)>();
        foreach (var entry in entries)
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                throw new InvalidSpecException($"gateway '{entry}' is not host:port");
            }

            parsed.Add((entry[..colon].Trim('[', ']'), port));
        }

        return parsed;
    }

    /// <summary>
    /// The gateways' endpoints. Throws <see cref="InvalidSpecException"/> for a malformed entry and
    /// <see cref="PyfiConnectionException"/> for a host name that does not resolve.
    /// </summary>
    public static async Task<IPEndPoint[]> ResolveAsync(string gateways, CancellationToken cancellationToken = default)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var (host, port) in Parse(gateways))
        {
            if (IPAddress.TryParse(host, out var address))
            {
                endpoints.Add(new IPEndPoint(address, port));
                continue;
            }

            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new PyfiConnectionException($"gateway host '{host}' does not resolve: {e.Message}");
            }

            // Prefer IPv4: silos listen on the address they advertise, usually an IPv4 one.
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new PyfiConnectionException($"gateway host '{host}' has no address");
            endpoints.Add(new IPEndPoint(chosen, port));
        }

        return [.. endpoints];
    }
}
