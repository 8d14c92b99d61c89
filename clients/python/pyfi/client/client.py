"""A connection to a Pyfi network: settings, a pool of gateway connections (blocking and asyncio), and the
retry of requests that may be sent twice. Everything else in the package sends through one."""

import asyncio
import functools
import os
import threading
import time
import uuid
import weakref

from .aio import AsyncPool
from .exceptions import GatewayUnreachable, PyfiError, Unavailable
from .protocol import REPEATABLE, backoff_delays, encode_request
from .settings import Settings
from .transport import Broken, Pool

__all__ = ["Client", "connect", "default_client", "public", "new_key"]


# Every client of this process, for _after_fork.
_clients = weakref.WeakSet()


def public(fn):
    """Raises a client's errors from the public function the user called, not from deep in the client: the
    traceback a script shows ends at the user's call, with the silo's one line."""
    if asyncio.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except PyfiError as e:
                raise e.with_traceback(None) from None
        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PyfiError as e:
            raise e.with_traceback(None) from None
    return wrapper


def new_key():
    """An idempotency key for one submission (``auto:`` and a random id, as the other clients make them)."""
    return "auto:" + uuid.uuid4().hex


def _transient(error):
    return isinstance(error, Broken) or getattr(error, "kind", None) == "Stopping"


def _reason(error):
    return str(error)


class _Attempts:
    """What :meth:`Client.send` and :meth:`Client.send_async` do after a failed try, in one place: raise it, or wait
    (with backoff, within the patience) and try again."""

    def __init__(self, op, patience):
        self.op = op
        self.repeatable = op in REPEATABLE
        self.patience = patience
        self.first_failure = None
        self.delays = backoff_delays()

    def unreachable(self, error, pool):
        # Never reached: the network is not there (a wrong address, no silo). Reached before: a silo lost.
        if not (self.repeatable and pool.reached):
            raise error
        return error

    def broken(self, error):
        if not _transient(error):
            raise error
        if not self.repeatable:
            raise GatewayUnreachable("%s; %s may have been carried out: check before sending it again" % (error, self.op)) from None
        return error

    def pause(self, failure):
        """Seconds to wait before the next try; :class:`Unavailable` once the patience is spent."""
        now = time.monotonic()
        self.first_failure = self.first_failure or now
        if now - self.first_failure >= self.patience:
            raise Unavailable("the network did not answer within %g s (%s); a silo may have been lost: try again once the cluster has settled" % (self.patience, _reason(failure)))
        return next(self.delays)


class Client:
    """A client of one Pyfi network. Without arguments it reads ``PYFI_GATEWAY``, ``PYFI_TOKEN`` (or
    ``PYFI_TOKEN_FILE``, ``./.pyfi/admin.token``), ``PYFI_TLS_CA`` and ``PYFI_TLS_FINGERPRINT``. It is safe to share
    between threads (each request takes a pooled connection of its own) and between asyncio tasks (a pool per loop).
    Nothing connects until the first request. Use it as a context manager, or :meth:`close` it."""

    def __init__(self, gateway=None, token=None, tls_ca=None, tls_fingerprint=None, connect_timeout=10.0, patience=60.0, max_line=None):
        self.settings = Settings(gateway, token, tls_ca, tls_fingerprint, connect_timeout, patience, max_line)
        self._pool = Pool(self.settings)
        self._apool = AsyncPool(self.settings)
        _clients.add(self)

    def __repr__(self):
        return "<pyfi Client %s%s>" % (self.settings.gateway, " tls" if self.settings.tls else "")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self._pool.close()
            self._apool.close()
        except Exception:  # noqa: BLE001 - at interpreter exit anything may be gone already
            pass

    def close(self):
        """Closes the idle connections; the client stays usable (it connects again when asked)."""
        self._pool.close()
        self._pool = Pool(self.settings)
        self._apool.close()

    # --- sending -------------------------------------------------------------------------------------------------

    def send(self, op, args=None, timeout=None):
        """Sends one request and returns its result (decoded JSON). A repeatable request rides through a broken
        connection or a stopping silo for ``settings.patience`` seconds; others are sent once."""
        attempts = _Attempts(op, self.settings.patience)
        data = encode_request(op, args, self.settings.token)
        while True:
            pool = self._pool
            try:
                link = pool.take()
            except GatewayUnreachable as e:
                failure = attempts.unreachable(e, pool)
            else:
                try:
                    result = link.exchange(op, data, timeout)
                except BaseException as e:
                    link.close()
                    failure = attempts.broken(e)
                else:
                    pool.give(link)
                    return result
            time.sleep(attempts.pause(failure))

    async def send_async(self, op, args=None, timeout=None):
        """:meth:`send` on asyncio streams."""
        attempts = _Attempts(op, self.settings.patience)
        data = encode_request(op, args, self.settings.token)
        while True:
            pool = self._apool
            try:
                link = await pool.take()
            except GatewayUnreachable as e:
                failure = attempts.unreachable(e, pool)
            else:
                try:
                    result = await link.exchange(op, data, timeout)
                except BaseException as e:
                    link.close()
                    failure = attempts.broken(e)
                else:
                    pool.give(link)
                    return result
            await asyncio.sleep(attempts.pause(failure))

    # --- what scripts use -----------------------------------------------------------------------------------------

    def socket(self, name):
        """The socket ``name`` of this network (see :class:`pyfi.client.api.Socket`)."""
        from .api import Socket
        return Socket(name, client=self)

    @public
    def result(self, id):
        """A handle on the call or workflow ``id``, whoever started it (see :func:`pyfi.client.api.result`)."""
        from .handles import lookup
        return lookup(self, id)

    @public
    async def result_async(self, id):
        from .handles import lookup_async
        return await lookup_async(self, id)

    @public
    def start(self, step):
        """Starts a workflow step (a call, pipeline, parallel or funnel) and returns its handle."""
        return step.delay(client=self)

    @public
    def hello(self):
        """The network's version, cluster and service ids, and Orleans gateways."""
        return self.send("hello")


_default = None
_default_lock = threading.Lock()


def _after_fork():
    # A child of fork() must not speak on its parent's connections (their bytes would interleave): it starts with
    # empty pools, and leaves the inherited sockets to its parent.
    for client in list(_clients):
        client._pool = Pool(client.settings)
        client._apool = AsyncPool(client.settings)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def default_client():
    """The client module-level calls use: the one :func:`connect` made, else one from the environment."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default


@public
def connect(gateway=None, token=None, tls_ca=None, tls_fingerprint=None, **options):
    """Makes the client that ``Socket``, workflows, ``result`` and the model functions use from now on (closing the
    previous one) and returns it. Arguments not given come from the environment (``PYFI_GATEWAY``, ``PYFI_TOKEN``,
    ``PYFI_TLS_CA``, ``PYFI_TLS_FINGERPRINT``). For more than one network at once, make :class:`Client` objects."""
    global _default
    client = Client(gateway, token, tls_ca, tls_fingerprint, **options)
    with _default_lock:
        previous, _default = _default, client
    if previous is not None:
        previous.close()
    return client
