"""Handles on calls and workflows (Celery's ``AsyncResult``): by id, from any process, blocking or asyncio."""

import json
import uuid

from .client import public
from .exceptions import CallEnded, InvalidArguments, NotFound, PyfiCallCancelled, PyfiCallFailed, PyfiTimeout

__all__ = ["CallHandle", "FlowHandle", "lookup", "lookup_async", "call_outcome"]

ENDED = ("succeeded", "failed", "cancelled")


def _check_id(id):
    try:
        return str(uuid.UUID(str(id)))
    except ValueError:
        raise InvalidArguments("'%s' is not a call or workflow id (a UUID)" % (id,)) from None


def _loads(text):
    return None if text is None else json.loads(text)


def call_outcome(info):
    """The result of an ended call (``CallInfo``), or its failure raised."""
    state = info.get("state")
    if state == "succeeded":
        return _loads(info.get("result"))
    if state == "failed":
        error = info.get("error") or {}
        raise PyfiCallFailed(error.get("type") or "Failed", error.get("message") or "", error.get("traceback"),
                             call_id=info.get("id"), socket=info.get("socket"), attempts=info.get("attempts"))
    if state == "cancelled":
        raise PyfiCallCancelled("call %s was cancelled" % info.get("id"))
    raise PyfiTimeout("call %s has not ended (%s)" % (info.get("id"), state))


def flow_outcome(summary):
    """The result of an ended workflow (``FlowSummary``), or its failure raised."""
    state = summary.get("state")
    if state == "succeeded":
        return _loads(summary.get("result"))
    if state == "failed":
        error = summary.get("error") or {}
        step = summary.get("failed") or {}
        raise PyfiCallFailed(error.get("type") or "Failed", error.get("message") or "", error.get("traceback"),
                             call_id=step.get("call"), socket=step.get("socket"), flow_id=summary.get("id"), step=step.get("number"))
    if state == "cancelled":
        raise PyfiCallCancelled("workflow %s was cancelled" % summary.get("id"))
    raise PyfiTimeout("workflow %s has not ended: %s of %s steps done" % (summary.get("id"), summary.get("done"), summary.get("total")))


def _waited_too_long(what, id, timeout):
    return PyfiTimeout("%s %s has not ended within %g s (it goes on; get() again to wait more)" % (what, id, timeout))


class _Handle:
    """What calls and workflows share: ``id``, ``state``, ``ready()``, ``get()``, ``cancel()``, and their asyncio twins."""

    what = ""
    _get_op = ""

    def __init__(self, client, id, info=None):
        self.id = _check_id(id)
        self._client = client
        self._ended = info if info is not None and info.get("state") in ENDED else None

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.id)

    def __eq__(self, other):
        return type(other) is type(self) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def _args(self, **more):
        return dict(id=self.id, **more)

    def _outcome(self, info):
        raise NotImplementedError

    def _keep(self, info):
        if info.get("state") in ENDED:
            self._ended = info
        return info

    @public
    def info(self):
        """What the network knows of it now (a dict: ``state``, ``result`` as JSON text, ``error``, …)."""
        return self._ended or self._keep(self._client.send(self._get_op, self._args(**self._brief())))

    @public
    async def info_async(self):
        return self._ended or self._keep(await self._client.send_async(self._get_op, self._args(**self._brief())))

    def _brief(self):
        return {}

    @property
    def state(self):
        """``queued``, ``running``, ``succeeded``, ``failed`` or ``cancelled`` (a workflow is never ``queued``)."""
        return self.info()["state"]

    status = state

    async def state_async(self):
        return (await self.info_async())["state"]

    def ready(self):
        """Whether it has ended (succeeded, failed or was cancelled)."""
        return self.state in ENDED

    async def ready_async(self):
        return (await self.state_async()) in ENDED

    def successful(self):
        return self.state == "succeeded"

    def failed(self):
        return self.state == "failed"

    @public
    def get(self, timeout=None):
        """Waits until it ends and returns its result; raises :class:`PyfiCallFailed` if it failed,
        :class:`PyfiCallCancelled` if it was cancelled, :class:`PyfiTimeout` after ``timeout`` seconds (it goes on).
        The wait is the silo's (pushed, not polled): one request, answered when it ends."""
        if self._ended is None:
            try:
                self._keep(self._client.send(self._get_op, self._args(wait=True, **self._brief()), timeout=timeout))
            except PyfiTimeout:
                raise _waited_too_long(self.what, self.id, timeout) from None
        return self._outcome(self._ended)

    @public
    async def get_async(self, timeout=None):
        """:meth:`get` for asyncio."""
        if self._ended is None:
            try:
                self._keep(await self._client.send_async(self._get_op, self._args(wait=True, **self._brief()), timeout=timeout))
            except PyfiTimeout:
                raise _waited_too_long(self.what, self.id, timeout) from None
        return self._outcome(self._ended)

    wait = get

    @property
    def result(self):
        """The result if it succeeded, else ``None`` (Celery's ``AsyncResult.result`` without the exception)."""
        info = self.info()
        return _loads(info.get("result")) if info.get("state") == "succeeded" else None


class CallHandle(_Handle):
    """A call: ``Socket.delay()``'s answer, or :func:`pyfi.client.api.result` of a call's id."""

    what = "call"
    _get_op = "call.get"

    def _outcome(self, info):
        return call_outcome(info)

    @public
    def cancel(self):
        """Cancels it (a queued call never runs, a running one is stopped): ``True`` once it is cancelled (now or
        before), ``False`` if it had already succeeded or failed."""
        try:
            self._keep(self._client.send("call.cancel", self._args()))
            return True
        except CallEnded:
            return False

    @public
    async def cancel_async(self):
        try:
            self._keep(await self._client.send_async("call.cancel", self._args()))
            return True
        except CallEnded:
            return False

    revoke = cancel


class FlowHandle(_Handle):
    """A workflow: what starting a pipeline, parallel or funnel answers, or :func:`pyfi.client.api.result` of its id."""

    what = "workflow"
    _get_op = "flow.get"

    def _brief(self):
        return {"brief": True}

    def _outcome(self, info):
        return flow_outcome(info)

    @public
    def cancel(self):
        """Cancels it: no step starts after this, and its steps not ended are cancelled; ``False`` if it had ended."""
        summary = self._client.send("flow.cancel", self._args(brief=True))
        self._keep(summary)
        return summary.get("state") == "cancelled"

    @public
    async def cancel_async(self):
        summary = await self._client.send_async("flow.cancel", self._args(brief=True))
        self._keep(summary)
        return summary.get("state") == "cancelled"

    revoke = cancel

    @property
    def progress(self):
        """(steps done, steps in all)."""
        info = self.info()
        return info.get("done"), info.get("total")


def lookup(client, id):
    """The handle of call or workflow ``id``: asks the network which it is."""
    id = _check_id(id)
    try:
        return CallHandle(client, id, client.send("call.get", {"id": id}))
    except NotFound:
        pass
    try:
        return FlowHandle(client, id, client.send("flow.get", {"id": id, "brief": True}))
    except NotFound:
        raise NotFound("call or workflow '%s' does not exist" % id) from None


async def lookup_async(client, id):
    id = _check_id(id)
    try:
        return CallHandle(client, id, await client.send_async("call.get", {"id": id}))
    except NotFound:
        pass
    try:
        return FlowHandle(client, id, await client.send_async("flow.get", {"id": id, "brief": True}))
    except NotFound:
        raise NotFound("call or workflow '%s' does not exist" % id) from None
