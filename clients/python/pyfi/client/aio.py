"""asyncio connections to a silo's gateway port (``asyncio.open_connection``, with TLS when configured), pooled per
event loop: the asyncio twin of :mod:`pyfi.client.transport`, with no thread in between."""

import asyncio
import ssl
import time
import weakref

from .exceptions import PyfiTimeout
from .settings import socket_reason
from .transport import MAX_IDLE, Broken, answer, too_large, tls_failure, unreachable

__all__ = ["AsyncLink", "AsyncPool"]

# Idle connections kept per event loop: enough for a burst of concurrent requests to reuse theirs.
MAX_POOLED = 64


class AsyncLink:
    """One connection to one gateway, carrying one request at a time."""

    def __init__(self, settings, reader, writer, gateway):
        self.settings = settings
        self.reader = reader
        self.writer = writer
        self.gateway = gateway
        self.answered = False
        self.used = time.monotonic()

    @classmethod
    async def open(cls, settings):
        failures = []
        context = settings.ssl_context()
        for host, port in settings.gateways:
            writer = None
            try:
                # The reader's limit is the line bound: a longer answer fails readline instead of growing memory.
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, ssl=context, server_hostname=host if context else None, limit=settings.max_line),
                    settings.connect_timeout)
                if context is not None:
                    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
                    if not settings.check_peer(der):
                        raise ssl.SSLCertVerificationError("its certificate is not the one PYFI_TLS_FINGERPRINT pins")
                return cls(settings, reader, writer, "%s:%d" % (host, port))
            except ssl.SSLError as e:
                failures.append(tls_failure(host, port, e))
            except asyncio.TimeoutError:
                failures.append("no answer in time")
            except OSError as e:
                failures.append(("%s:%d does not speak TLS" % (host, port)) if context and isinstance(e, ConnectionResetError) else socket_reason(e))
            if writer is not None:
                writer.close()
        raise unreachable(settings, failures)

    def fresh(self):
        return time.monotonic() - self.used <= MAX_IDLE and not self.reader.at_eof() and not self.writer.is_closing()

    async def exchange(self, op, data, timeout=None):
        sent = time.monotonic()
        try:
            self.writer.write(data)
            await self.writer.drain()
            if timeout is None:
                line = await self.reader.readline()
            else:
                line = await asyncio.wait_for(self.reader.readline(), timeout)
        except asyncio.TimeoutError:
            raise PyfiTimeout("no answer within %g s" % timeout) from None
        except ValueError:
            # StreamReader.readline: the line is longer than the reader's limit (max_line).
            raise too_large(self, op) from None
        except OSError as e:
            raise Broken("the connection to %s broke: %s" % (self.gateway, socket_reason(e))) from None
        return answer(self, line, op, sent)

    def close(self):
        try:
            self.writer.close()
        except (OSError, RuntimeError):
            pass


class AsyncPool:
    """Idle connections of one client, per event loop (a connection belongs to the loop that opened it)."""

    def __init__(self, settings):
        self.settings = settings
        self._idle = weakref.WeakKeyDictionary()
        self.reached = False

    async def take(self):
        idle = self._idle.setdefault(asyncio.get_running_loop(), [])
        while idle:
            link = idle.pop()
            if link.fresh():
                return link
            link.close()
        link = await AsyncLink.open(self.settings)
        self.reached = True
        return link

    def give(self, link):
        idle = self._idle.setdefault(asyncio.get_running_loop(), [])
        if len(idle) < MAX_POOLED:
            idle.append(link)
        else:
            link.close()

    def close(self):
        for idle in list(self._idle.values()):
            for link in idle:
                link.close()
        self._idle = weakref.WeakKeyDictionary()
