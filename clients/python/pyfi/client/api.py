"""The original PYFI client API, on Pyfi's gateway protocol::

    from pyfi.client.api import Socket, pipeline, parallel, funnel, segment

    do_something = Socket("pyfi.processors.sample.do_something").p
    print(funnel([do_something("One"), do_something("Two")])(do_something("Three")).get())

A :class:`Socket` names an existing socket: calling it runs the function in the network and returns the result;
``.delay()`` returns a handle at once; ``.p()``/``.s()`` bind arguments as a workflow step. Workflows run in the
network (see :mod:`pyfi.client.flows`); :func:`result` finds a call or workflow by id from any process.
Settings come from ``PYFI_GATEWAY``, ``PYFI_TOKEN`` and ``PYFI_TLS_CA``, or :func:`connect`.
"""

from .client import Client, connect, default_client, new_key, public
from .exceptions import *  # noqa: F401,F403 - the exceptions are part of this module's API, as in the original
from .exceptions import __all__ as _exceptions
from .exceptions import InvalidArguments
from .flows import CallStep, FunnelHeader, Step, funnel, parallel, pipeline, segment
from .handles import CallHandle, FlowHandle, call_outcome

__all__ = ["Socket", "pipeline", "parallel", "funnel", "segment", "result", "result_async", "connect", "Client",
           "CallHandle", "FlowHandle", "Step", "CallStep", "FunnelHeader"] + list(_exceptions)


def _timespan(seconds, what):
    """Seconds as .NET's TimeSpan text (``[d.]hh:mm:ss.fffffff``), which the gateway reads."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise InvalidArguments("%s must be a number of seconds above 0, not %r" % (what, seconds))
    ticks = int(round(seconds * 10_000_000))
    whole, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return "%s%02d:%02d:%02d.%07d" % ("%d." % days if days else "", hours, minutes, secs, fraction)


class Socket:
    """A socket of the network, by name (``Socket("pyfi.processors.sample.do_something")``). Nothing is asked of
    the network until it is used: a socket that does not exist is :class:`UnknownSocket` at the first call."""

    def __init__(self, name, client=None):
        if not isinstance(name, str) or not name:
            raise InvalidArguments("a socket is named by a non-empty string, not %r" % (name,))
        self.name = name
        self._client = client

    def __repr__(self):
        return "Socket(%r)" % self.name

    @property
    def client(self):
        return self._client or default_client()

    def _run(self, args, kwargs, wait, max_attempts=None, timeout=None, key=None):
        run = {"socket": self.name, "args": list(args), "wait": wait, "key": key or new_key()}
        if kwargs:
            run["kwargs"] = dict(kwargs)
        if max_attempts is not None:
            if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
                raise InvalidArguments("max_attempts must be a whole number, 1 or more, not %r" % (max_attempts,))
            run["maxAttempts"] = max_attempts
        if timeout is not None:
            run["timeout"] = _timespan(timeout, "timeout")
        return run

    @public
    def __call__(self, *args, **kwargs):
        """Runs the socket's function with these arguments and returns its result (waits however long it takes);
        raises :class:`PyfiCallFailed` with the remote type, message and traceback if it failed."""
        return call_outcome(self.client.send("task.run", self._run(args, kwargs, True)))

    @public
    async def call_async(self, *args, **kwargs):
        """``await socket.call_async(...)``: the call on asyncio streams."""
        return call_outcome(await self.client.send_async("task.run", self._run(args, kwargs, True)))

    @public
    def delay(self, *args, **kwargs):
        """Submits a call and returns its :class:`CallHandle` once it is stored (``.get()`` waits for the result)."""
        client = self.client
        info = client.send("task.run", self._run(args, kwargs, False))
        return CallHandle(client, info["id"], info)

    @public
    async def delay_async(self, *args, **kwargs):
        client = self.client
        info = await client.send_async("task.run", self._run(args, kwargs, False))
        return CallHandle(client, info["id"], info)

    @public
    def apply_async(self, args=(), kwargs=None, max_attempts=None, timeout=None, key=None):
        """:meth:`delay` with options: ``max_attempts`` (this call's attempts in all, instead of the socket's),
        ``timeout`` (seconds, this call's per-attempt limit) and ``key`` (an idempotency key: submitting again with
        the same key is the same call)."""
        client = self.client
        info = client.send("task.run", self._run(args, kwargs, False, max_attempts, timeout, key))
        return CallHandle(client, info["id"], info)

    def p(self, *args, **kwargs):
        """A workflow step: this socket with these arguments bound (in a pipeline the previous result comes first)."""
        return CallStep(self.name, args, kwargs)

    s = p
    signature = p


@public
def result(id, client=None):
    """The handle of the call or workflow ``id`` (Celery's ``AsyncResult(id)``), whoever started it and from
    whichever process: ``.get()``, ``.state``, ``.ready()``, ``.cancel()``. :class:`NotFound` if neither exists."""
    from .handles import lookup
    return lookup(client or default_client(), id)


@public
async def result_async(id, client=None):
    from .handles import lookup_async
    return await lookup_async(client or default_client(), id)
