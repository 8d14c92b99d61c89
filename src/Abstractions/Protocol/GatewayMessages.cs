using System.Text.Json;

namespace Pyfi.Protocol;

/// <summary>
/// One request of the gateway protocol: a JSON object on one line, sent by a tool (the <c>pyfi</c> CLI) to a
/// silo's gateway port. The silo answers each request with one <see cref="GatewayResponse"/> line. A
/// connection may carry any number of requests, one after another.
/// </summary>
/// <param name="Op">The operation, one of <see cref="GatewayOps"/>.</param>
/// <param name="Args">Its arguments, shaped as the operation says.</param>
public sealed record GatewayRequest(string Op, JsonElement? Args = null)
{
    /// <summary>Protocol version the client speaks.</summary>
    public int V { get; init; } = GatewayOps.ProtocolVersion;

    /// <summary>The caller's token (<c>pyfi.ID.SECRET</c>); every operation needs one.</summary>
    public string? Token { get; init; }
}

/// <summary>The answer to one <see cref="GatewayRequest"/>.</summary>
/// <param name="Ok">Whether the operation succeeded.</param>
/// <param name="Result">Its result, when it succeeded.</param>
/// <param name="Error">What went wrong, when it did not.</param>
public sealed record GatewayResponse(bool Ok, JsonElement? Result = null, GatewayError? Error = null);

/// <summary>Why an operation failed: the kind (the Pyfi exception's name, e.g. <c>NotFound</c>) and the user-facing message.</summary>
/// <param name="Kind">Which Pyfi error, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>InUse</c>, <c>InvalidSpec</c>, <c>StorageUnavailable</c>, <c>Unexpected</c>.</param>
/// <param name="Message">One sentence for the user.</param>
public sealed record GatewayError(string Kind, string Message);

/// <summary>What <see cref="GatewayOps.Hello"/> answers: who the network is and where Orleans clients connect.</summary>
/// <param name="Version">The silo's Pyfi version.</param>
/// <param name="ClusterId">The network's cluster id.</param>
/// <param name="ServiceId">The network's service id.</param>
/// <param name="OrleansGateways">Orleans gateways of the live silos, as <c>host:port</c>.</param>
public sealed record GatewayHello(string Version, string ClusterId, string ServiceId, IReadOnlyList<string> OrleansGateways);
