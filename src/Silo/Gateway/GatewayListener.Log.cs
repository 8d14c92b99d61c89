using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Pyfi.Silo.Gateway;

public sealed partial class GatewayListener
{
    // No stack trace: the cause is the socket error, and a flood of them is throttled to one line a second.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway could not accept a connection: {Error} ({Reason}); {Held} more such failures since the last line")]
    private partial void LogAcceptFailed(SocketError error, string reason, long held);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway operation {Op} from {Origin} failed unexpectedly")]
    private partial void LogOperationFailed(Exception exception, string op, string origin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway dropped connections in the last minute: {Evicted} evicted at the connection limits, " +
        "{Refused} refused with every connection busy, {Slow} too slow, {TooLarge} too large; {Open} open now (see docs/security.md, \"The gateway port\")")]
    private partial void LogDropped(long evicted, long refused, long slow, long tooLarge, int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PYFI_GATEWAY_MAX_CONNECTIONS {AsSet} is more than this process may open files for (ulimit -n {Limit}, " +
        "three ports and the silo's own files): each port holds at most {PerPort} connections; raise the limit (ulimit -n, systemd LimitNOFILE=) for more")]
    private partial void LogConnectionsCut(int asSet, long limit, int perPort);
}
