"""What a Pyfi client raises. Every error derives from :class:`PyfiError`; its message is one line for a person.

The gateway answers a refusal with a kind (the silo's error name, e.g. ``NotFound``) and a message: each kind has
a class here (:func:`from_gateway`), and the message is the silo's, unchanged.
"""

__all__ = [
    "PyfiError", "GatewayUnreachable", "NotAuthenticated", "NotAllowed", "NotFound", "UnknownSocket",
    "AlreadyExists", "InUse", "InvalidArguments", "QueueFull", "StorageUnavailable", "NoCapacity", "CallEnded",
    "Unavailable", "PyfiTimeout", "PyfiCallFailed", "PyfiCallCancelled", "ResponseTooLarge", "ProtocolError",
    "from_gateway",
]


class PyfiError(Exception):
    """A request the network refused or could not carry out, or that could not reach it. ``kind`` is the
    gateway's name for the error (``NotFound``, ``QueueFull``, …) or the client's own."""

    kind = "Unexpected"

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind

    def __str__(self):
        return self.message

    def __reduce__(self):
        # Pickled whole (multiprocessing, concurrent.futures): the classes' constructors take different arguments.
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls, state):
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message"))
    error.__dict__.update(state)
    return error


class GatewayUnreachable(PyfiError):
    """No gateway of ``PYFI_GATEWAY`` accepted a connection (or its TLS certificate is not trusted), or the connection
    broke while a request that may not be sent twice was on it."""

    kind = "Unreachable"


class NotAuthenticated(PyfiError):
    """No token, or one the network does not accept (unknown, expired, revoked). Nothing was done."""

    kind = "NotAuthenticated"


class NotAllowed(PyfiError):
    """The token's role does not hold what the operation needs (e.g. a viewer running a call). Nothing was done."""

    kind = "NotAllowed"


class NotFound(PyfiError):
    """A queue, processor, socket, plug, call or workflow that does not exist."""

    kind = "NotFound"


class UnknownSocket(NotFound):
    """A call or a workflow step names a socket that does not exist."""


class AlreadyExists(PyfiError):
    """A definition with that name already exists."""

    kind = "AlreadyExists"


class InUse(PyfiError):
    """A definition others still refer to cannot be deleted."""

    kind = "InUse"


class InvalidArguments(PyfiError):
    """Malformed arguments or definition (the network's ``InvalidSpec``), or arguments that are not JSON."""

    kind = "InvalidSpec"


class QueueFull(PyfiError):
    """The socket holds as many calls as its ``--max-queue`` allows: the call was not accepted (nothing stored)."""

    kind = "QueueFull"


class StorageUnavailable(PyfiError):
    """The network's database could not be reached; nothing was changed."""

    kind = "StorageUnavailable"


class NoCapacity(PyfiError):
    """No silo has a free core right now."""

    kind = "NoCapacity"


class CallEnded(PyfiError):
    """The call has already ended and cannot be cancelled."""

    kind = "CallEnded"


class Unavailable(PyfiError):
    """The network did not answer while the client kept trying (a silo lost, the cluster settling, a silo stopping)."""

    kind = "Unavailable"


class PyfiTimeout(PyfiError, TimeoutError):
    """A wait (``get(timeout=…)``) ended before the call or workflow did. The call or workflow goes on."""

    kind = "Timeout"


class ResponseTooLarge(PyfiError):
    """An answer longer than the client's line bound (``max_line``): the connection is dropped, nothing is read."""

    kind = "ResponseTooLarge"


class ProtocolError(PyfiError):
    """What answered does not speak Pyfi's gateway protocol."""

    kind = "Protocol"


class PyfiCallFailed(PyfiError):
    """The function raised (after its attempts), or the call could not run. ``remote_type`` is the Python exception's
    type (``ValueError``) or Pyfi's reason (``WorkerDied``, ``TimedOut``, …), ``remote_message`` its message,
    ``traceback`` the remote traceback (text) when there is one. ``call_id`` is the failed call; for a workflow,
    ``flow_id`` is the workflow and ``step`` the number of the step that failed."""

    kind = "CallFailed"

    def __init__(self, remote_type, remote_message, traceback=None, call_id=None, socket=None, flow_id=None, step=None, attempts=None):
        where = "call %s" % call_id if flow_id is None else "workflow %s failed at step %s (%s, call %s)" % (flow_id, step, socket, call_id)
        what = remote_type + (": " + remote_message if remote_message else "")
        super().__init__("%s: %s" % (where, what) if flow_id is not None else "%s failed: %s" % (where, what))
        self.remote_type = remote_type
        self.remote_message = remote_message
        self.traceback = traceback
        self.call_id = call_id
        self.socket = socket
        self.flow_id = flow_id
        self.step = step
        self.attempts = attempts


class PyfiCallCancelled(PyfiError):
    """The call or workflow was cancelled before it ended: it has no result."""

    kind = "Cancelled"


_KINDS = {
    "NotAuthenticated": NotAuthenticated,
    "NotAllowed": NotAllowed,
    "NotFound": NotFound,
    "AlreadyExists": AlreadyExists,
    "InUse": InUse,
    "InvalidSpec": InvalidArguments,
    "QueueFull": QueueFull,
    "StorageUnavailable": StorageUnavailable,
    "NoCapacity": NoCapacity,
    "CallEnded": CallEnded,
    "Unavailable": Unavailable,
    "Stopping": Unavailable,
    "PyfiConnection": GatewayUnreachable,
    "Refused": GatewayUnreachable,
}


def from_gateway(kind, message, op=None):
    """The exception for the gateway's error ``kind`` with its ``message`` (the request was ``op``)."""
    cls = _KINDS.get(kind, PyfiError)
    if cls is NotFound and op in ("task.run", "flow.start") and message.startswith("socket '"):
        cls = UnknownSocket
    return cls(message, kind)
