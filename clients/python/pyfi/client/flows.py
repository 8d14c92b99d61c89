"""Workflows as data: calls composed by ``pipeline``, ``parallel`` and ``funnel`` (Celery's chain, group and chord),
sent whole to the network (``flow.start``), which stores the graph and runs it step by step; nothing is orchestrated
here. On the wire a step is Pyfi's ``FlowStep``: ``{"kind": "call", "socket", "args": "<JSON text>", "kwargs"}``,
``{"kind": "pipeline"|"parallel", "steps": […]}``, ``{"kind": "funnel", "steps": […], "final": {…}}``."""

from .client import default_client, new_key, public
from .exceptions import InvalidArguments
from .handles import CallHandle, FlowHandle
from .protocol import to_json

__all__ = ["Step", "CallStep", "Pipeline", "Parallel", "Funnel", "FunnelHeader", "pipeline", "parallel", "funnel", "segment"]


class Step:
    """A workflow step. ``step.delay()`` (or ``step()``) starts it and returns its handle; ``await
    step.delay_async()`` does the same on asyncio streams."""

    def wire(self):
        raise NotImplementedError

    @public
    def delay(self, client=None):
        """Starts the workflow and returns its :class:`~pyfi.client.handles.FlowHandle` (``.get()`` waits for the result)."""
        client = client or default_client()
        info = client.send("flow.start", self.wire())
        return FlowHandle(client, info["id"])

    @public
    async def delay_async(self, client=None):
        client = client or default_client()
        info = await client.send_async("flow.start", self.wire())
        return FlowHandle(client, info["id"])

    def __call__(self, client=None):
        return self.delay(client)

    def apply_async(self, client=None):
        """:meth:`delay`, by Celery's name."""
        return self.delay(client)


class CallStep(Step):
    """One call of a socket with bound arguments (``Socket("x").p(...)``, Celery's signature). In a pipeline, the
    previous step's result is put before the bound arguments."""

    def __init__(self, socket, args=(), kwargs=None):
        self.socket = socket
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def __repr__(self):
        shown = [repr(a) for a in self.args] + ["%s=%r" % kv for kv in self.kwargs.items()]
        return "%s(%s)" % (self.socket, ", ".join(shown))

    def wire(self):
        # "steps" is sent though a call has none: a silo before 0.1.1 read a call without it as a list it could not store.
        step = {"kind": "call", "socket": self.socket, "args": to_json(list(self.args), "a step's arguments"), "steps": []}
        if self.kwargs:
            step["kwargs"] = to_json(self.kwargs, "a step's keyword arguments")
        return step

    @public
    def delay(self, client=None):
        """Runs the one call (``task.run``, no workflow) and returns its :class:`~pyfi.client.handles.CallHandle`."""
        client = client or default_client()
        info = client.send("task.run", self._run())
        return CallHandle(client, info["id"], info)

    @public
    async def delay_async(self, client=None):
        client = client or default_client()
        info = await client.send_async("task.run", self._run())
        return CallHandle(client, info["id"], info)

    def _run(self):
        run = {"socket": self.socket, "args": list(self.args), "wait": False, "key": new_key()}
        if self.kwargs:
            run["kwargs"] = self.kwargs
        return run


class _Composite(Step):
    kind = ""

    def __init__(self, steps):
        self.steps = _steps(self.kind, steps)

    def __repr__(self):
        return "%s([%s])" % (self.kind, ", ".join(repr(s) for s in self.steps))

    def wire(self):
        return {"kind": self.kind, "steps": [s.wire() for s in self.steps]}


class Pipeline(_Composite):
    """Its steps in sequence, each one's result the first positional argument of the next."""

    kind = "pipeline"


class Parallel(_Composite):
    """Its steps at once, each given the same input; the result is the list of their results, in order."""

    kind = "parallel"


class Funnel(_Composite):
    """Its steps at once, then ``final`` with the list of their results as its first positional argument."""

    kind = "funnel"

    def __init__(self, steps, final):
        super().__init__(steps)
        self.final = _step("funnel's final", 0, final)

    def __repr__(self):
        return "funnel([%s])(%r)" % (", ".join(repr(s) for s in self.steps), self.final)

    def wire(self):
        wire = super().wire()
        wire["final"] = self.final.wire()
        return wire


class FunnelHeader:
    """``funnel([...])`` before its final step, as in the seed: calling it with the final step starts the workflow
    and returns its handle; ``.to(final)`` gives the step unstarted, to nest in another workflow."""

    def __init__(self, steps):
        self.steps = _steps("funnel", steps)

    def __repr__(self):
        return "funnel([%s])" % ", ".join(repr(s) for s in self.steps)

    def to(self, final):
        return Funnel(self.steps, final)

    def __call__(self, final, client=None):
        return self.to(final).delay(client)

    async def delay_async(self, final, client=None):
        return await self.to(final).delay_async(client)


def _step(where, index, step):
    from .api import Socket
    if isinstance(step, Step):
        return step
    if isinstance(step, Socket):
        return CallStep(step.name)
    if isinstance(step, FunnelHeader):
        raise InvalidArguments("%s: step %d is a funnel without its final step: nest funnel([...], final) or funnel([...]).to(final)" % (where, index))
    raise InvalidArguments("%s: step %d is not a step (a Socket's .p(...), pipeline, parallel or funnel): %r" % (where, index, step))


def _steps(where, steps):
    if isinstance(steps, (Step, FunnelHeader)) or not hasattr(steps, "__iter__") or isinstance(steps, (str, bytes, dict)):
        raise InvalidArguments("%s: needs a list of steps" % where)
    steps = [_step(where, i, s) for i, s in enumerate(steps)]
    if not steps:
        raise InvalidArguments("%s: needs a list of one or more steps" % where)
    return steps


def _listed(steps):
    return steps[0] if len(steps) == 1 and isinstance(steps[0], (list, tuple)) else steps


def pipeline(*steps):
    """``pipeline([a, b, c])`` (or ``pipeline(a, b, c)``): each result becomes the first argument of the next step."""
    return Pipeline(_listed(steps))


def parallel(*steps):
    """``parallel([a, b, c])``: the steps at once; the result is the list of their results, in order."""
    return Parallel(_listed(steps))


def funnel(steps, final=None):
    """``funnel([a, b])(final)`` starts the workflow, as in the seed: ``final`` gets the list of the steps' results
    as its first argument. ``funnel([a, b], final)`` is the step unstarted, to nest in another workflow."""
    return FunnelHeader(steps) if final is None else Funnel(steps, final)


def segment(step, items, n):
    """Celery's ``chunks``: calls the socket once per item (a tuple or list is spread as the call's arguments, after
    any bound by ``.p(...)``; anything else is one argument), in segments of ``n``. The result is a list per segment
    of its items' results, in order.

    Unlike Celery, where each chunk is one task that runs its items one after another in one worker, a segment here is
    a ``parallel`` of calls inside a ``parallel`` of segments: every item is its own call (retried, stored and
    cancellable alone), and items of one segment may run at once, as the socket's concurrency allows."""
    from .api import Socket
    if isinstance(step, Socket):
        step = CallStep(step.name)
    if not isinstance(step, CallStep):
        raise InvalidArguments("segment: the first argument is a Socket or one of its steps (.p(...)), not %r" % (step,))
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArguments("segment: n must be a whole number of items, 1 or more, not %r" % (n,))
    items = list(items)
    if not items:
        raise InvalidArguments("segment: needs one or more items")

    def call(item):
        spread = tuple(item) if isinstance(item, (tuple, list)) else (item,)
        return CallStep(step.socket, step.args + spread, step.kwargs)

    return Parallel([Parallel([call(item) for item in items[i:i + n]]) for i in range(0, len(items), n)])
