"""The gateway protocol's envelope (JSON lines; see ``src/Abstractions/Protocol/GatewayOps.cs``): one request a
line, ``{"v": 1, "op": …, "args": {…}, "token": …}``; one answer a line, ``{"ok": true, "result": …}`` or
``{"ok": false, "error": {"kind": …, "message": …}}``. Pure functions, shared by the blocking and asyncio transports."""

import json
import random

from .exceptions import InvalidArguments, ProtocolError, from_gateway

__all__ = ["PROTOCOL_VERSION", "encode_request", "decode_response", "to_json", "backoff_delays", "BROKEN_HINT"]

PROTOCOL_VERSION = 1

# Operations that may be sent again when their answer was lost: they only read, wait or cancel. A task.run is
# repeatable under its idempotency key (the client always sends one); flow.start and changes of definitions are not.
REPEATABLE = frozenset([
    "hello", "queue.get", "queue.list", "processor.get", "processor.list", "socket.get", "socket.list", "plug.get",
    "plug.list", "schedule.get", "schedule.list", "network.export", "call.get", "call.cancel", "call.list",
    "call.graph", "cluster.agents", "flow.get", "flow.cancel", "flow.watch", "call.follow", "token.list", "task.run",
])

BROKEN_HINT = ("is it a Pyfi silo's gateway port? one that speaks TLS needs PYFI_TLS_CA or PYFI_TLS_FINGERPRINT")


def to_json(value, what):
    """``value`` as compact JSON text; :class:`InvalidArguments` for what JSON cannot hold (sets, objects, NaN)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InvalidArguments("%s must be JSON values (str, int, float, bool, None, list, dict): %s" % (what, e)) from None


def encode_request(op, args, token):
    """One request line (UTF-8, ending in a newline)."""
    request = {"v": PROTOCOL_VERSION, "op": op}
    if args is not None:
        request["args"] = args
    if token:
        request["token"] = token
    return (to_json(request, "arguments") + "\n").encode("utf-8")


def decode_response(line, op, gateway):
    """The result of one answer line; raises the refusal's exception (:func:`from_gateway`)."""
    try:
        response = json.loads(line)
        ok = response["ok"]
    except (ValueError, KeyError, TypeError):
        raise ProtocolError("%s does not speak Pyfi's gateway protocol" % gateway) from None
    if ok:
        return response.get("result")
    error = response.get("error") or {}
    raise from_gateway(error.get("kind") or "Unexpected", error.get("message") or "the operation failed", op)


def backoff_delays():
    """Waits between tries of a repeatable request: doubling from 0.1 s to 2 s, each with jitter (many clients
    retrying at once spread out), as the .NET client's ``PyfiRetry``."""
    delay = 0.1
    while True:
        yield delay * (0.8 + 0.4 * random.random())
        delay = min(delay * 2, 2.0)
