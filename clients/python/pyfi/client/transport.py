"""Blocking connections to a silo's gateway port, pooled per client and shared by its threads."""

import select
import socket
import ssl
import threading
import time

from .exceptions import GatewayUnreachable, PyfiTimeout, ResponseTooLarge
from .protocol import BROKEN_HINT, decode_response
from .settings import socket_reason

__all__ = ["Broken", "Link", "Pool", "unreachable", "refused"]

# A gateway closes a connection idle for 5 minutes (PYFI_GATEWAY_IDLE_TIMEOUT): one idle nearly as long is not reused.
MAX_IDLE = 240.0
MAX_POOLED = 8


class Broken(Exception):
    """The connection broke after the request may have been sent: retried only when the request is repeatable."""


def unreachable(settings, failures):
    distinct = list(dict.fromkeys(failures))
    return GatewayUnreachable("cannot reach the Pyfi network at %s: %s. Is a silo running there?" % (settings.gateway, "; ".join(distinct)))


def tls_failure(host, port, error):
    reason = getattr(error, "verify_message", None) or getattr(error, "reason", None) or str(error)
    return "TLS with %s:%d failed: %s (is its certificate trusted by PYFI_TLS_CA or PYFI_TLS_FINGERPRINT?)" % (host, port, reason)


class Link:
    """One TCP (or TLS) connection to one gateway, carrying one request at a time."""

    def __init__(self, settings):
        self.settings = settings
        self.answered = False
        failures = []
        for host, port in settings.gateways:
            raw = None
            try:
                raw = socket.create_connection((host, port), timeout=settings.connect_timeout)
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                context = settings.ssl_context()
                if context is not None:
                    raw = context.wrap_socket(raw, server_hostname=host)
                    if not settings.check_peer(raw.getpeercert(binary_form=True)):
                        raise ssl.SSLCertVerificationError("its certificate is not the one PYFI_TLS_FINGERPRINT pins")
                raw.settimeout(None)
            except ssl.SSLError as e:
                if raw is not None:
                    raw.close()
                failures.append(tls_failure(host, port, e))
                continue
            except OSError as e:
                if raw is not None:
                    raw.close()
                failures.append(("%s:%d does not speak TLS" % (host, port)) if settings.tls and isinstance(e, ConnectionResetError) else socket_reason(e))
                continue
            self.sock = raw
            self.reader = raw.makefile("rb", buffering=65536)
            self.gateway = "%s:%d" % (host, port)
            self.used = time.monotonic()
            return
        raise unreachable(settings, failures)

    def fresh(self):
        """Whether the connection can carry another request: not idle too long, and nothing (an end) waiting on it."""
        if time.monotonic() - self.used > MAX_IDLE:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def exchange(self, op, data, timeout=None):
        """Sends one request and reads its answer; ``timeout`` (seconds) bounds the wait for the answer."""
        sent = time.monotonic()
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(data)
            line = self.reader.readline(self.settings.max_line + 1)
        except socket.timeout:
            raise PyfiTimeout("no answer within %s s" % _seconds(timeout)) from None
        except (OSError, ValueError) as e:
            raise Broken("the connection to %s broke: %s" % (self.gateway, socket_reason(e))) from None
        if len(line) > self.settings.max_line:
            raise too_large(self, op)
        return answer(self, line, op, sent)

    def close(self):
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass


def too_large(link, op):
    """The refusal of an answer longer than the client's ``max_line``."""
    return ResponseTooLarge("the answer to %s from %s is larger than %d bytes (the client's max_line)" % (op, link.gateway, link.settings.max_line))


def answer(link, line, op, sent):
    """The decoded answer ``line`` that ``link`` (blocking or asyncio) read for ``op``: a line without its end is a closed
    connection, :class:`GatewayUnreachable` when it was refused, else :class:`Broken`."""
    if not line.endswith(b"\n"):
        closed = "the gateway at %s closed the connection (%s)" % (link.gateway, BROKEN_HINT)
        if refused(link, sent):
            raise GatewayUnreachable(closed)
        raise Broken(closed)
    link.answered = True
    link.used = time.monotonic()
    return decode_response(line, op, link.gateway)


def refused(link, sent):
    """Whether a connection closed before answering was refused (TLS on one side only, another program's port), so
    that sending again would be refused again; else it lost its silo, which is worth a retry. A connection that
    answered before, or whose TLS handshake succeeded, reached a gateway; a plain one that never answered is refused
    when it closed at once (a gateway that speaks TLS closes on the first line, not after a wait)."""
    return not link.answered and not link.settings.tls and time.monotonic() - sent < 1.0


def _seconds(value):
    return ("%g" % value) if value is not None else "?"


class Pool:
    """Idle connections of one client: a thread takes one (or makes one), sends a request, and gives it back."""

    def __init__(self, settings):
        self.settings = settings
        self._idle = []
        self._lock = threading.Lock()
        self.reached = False
        self._closed = False

    def take(self):
        while True:
            with self._lock:
                link = self._idle.pop() if self._idle else None
            if link is None:
                link = Link(self.settings)
                self.reached = True
                return link
            if link.fresh():
                return link
            link.close()

    def give(self, link):
        with self._lock:
            if not self._closed and len(self._idle) < MAX_POOLED:
                self._idle.append(link)
                return
        link.close()

    def close(self):
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for link in idle:
            link.close()
