"""Where a client finds the network, what it presents and whom it trusts: the same settings, in the same order,
as the ``pyfi`` tool and the .NET client (``PYFI_GATEWAY``, ``PYFI_TOKEN``/``PYFI_TOKEN_FILE``/``./.pyfi/admin.token``,
``PYFI_TLS_CA``, ``PYFI_TLS_FINGERPRINT``)."""

import hashlib
import os
import socket
import ssl

from .exceptions import InvalidArguments

__all__ = ["Settings", "DEFAULT_GATEWAY", "parse_gateways"]

DEFAULT_GATEWAY = "localhost:30000"
DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024
_MAX_TOKEN_FILE = 4096


def parse_gateways(text):
    """``host:port[,host:port]`` as a list of (host, port); :class:`InvalidArguments` for a malformed entry."""
    entries = [e.strip() for e in (text or "").split(",") if e.strip()]
    if not entries:
        raise InvalidArguments("no gateway given; expected host:port[,host:port]")
    parsed = []
    for entry in entries:
        host, colon, port = entry.rpartition(":")
        if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise InvalidArguments("gateway '%s' is not host:port" % entry)
        parsed.append((host.strip("[]"), int(port)))
    return parsed


def _read_token_file(path, source):
    try:
        if os.path.getsize(path) > _MAX_TOKEN_FILE:
            raise InvalidArguments("%s: '%s' is not a token file (%d bytes)" % (source, path, os.path.getsize(path)))
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except OSError as e:
        raise InvalidArguments("%s: cannot read '%s': %s" % (source, path, e.strerror or e)) from None
    if not text:
        raise InvalidArguments("%s: '%s' is empty" % (source, path))
    return text


def resolve_token(given):
    """The token to present: the one given, else ``PYFI_TOKEN``, else the file ``PYFI_TOKEN_FILE`` names, else
    ``./.pyfi/admin.token`` when it exists; ``None`` when none is configured (the network will refuse)."""
    if given and given.strip():
        return given.strip()
    if os.environ.get("PYFI_TOKEN"):
        return os.environ["PYFI_TOKEN"].strip()
    if os.environ.get("PYFI_TOKEN_FILE"):
        return _read_token_file(os.environ["PYFI_TOKEN_FILE"], "PYFI_TOKEN_FILE")
    default = os.path.join(".pyfi", "admin.token")
    return _read_token_file(default, default) if os.path.isfile(default) else None


def _max_payload():
    value = os.environ.get("PYFI_MAX_PAYLOAD")
    if not value:
        return DEFAULT_MAX_PAYLOAD
    if not value.isdigit() or int(value) <= 0:
        raise InvalidArguments("PYFI_MAX_PAYLOAD must be a whole number of bytes, not '%s'" % value)
    return int(value)


class Settings:
    """A client's settings. Anything not given comes from the environment, as the ``pyfi`` tool reads it.

    ``max_line`` bounds one answer of the gateway (bytes): a longer one is refused with
    :class:`~pyfi.client.exceptions.ResponseTooLarge` and its connection dropped, so a client's memory is bounded
    whatever answers. By default it is four times ``PYFI_MAX_PAYLOAD`` (a result travels as escaped JSON text
    inside the answer) plus 1 MiB. ``patience`` is how long (seconds) a request that may be sent twice is retried
    through a broken connection or a stopping silo."""

    def __init__(self, gateway=None, token=None, tls_ca=None, tls_fingerprint=None, connect_timeout=10.0,
                 patience=60.0, max_line=None):
        self.gateway = gateway or os.environ.get("PYFI_GATEWAY") or DEFAULT_GATEWAY
        self.gateways = parse_gateways(self.gateway)
        self.token = resolve_token(token)
        self.tls_ca = tls_ca or os.environ.get("PYFI_TLS_CA") or None
        self.tls_fingerprint = tls_fingerprint or os.environ.get("PYFI_TLS_FINGERPRINT") or None
        self.connect_timeout = connect_timeout
        self.patience = patience
        self.max_line = max_line or 4 * _max_payload() + (1 << 20)
        self._ssl = self._ssl_context()

    @property
    def tls(self):
        """Whether connections speak TLS."""
        return self._ssl is not None

    def ssl_context(self):
        """The TLS settings, or ``None`` for plain TCP."""
        return self._ssl

    def _ssl_context(self):
        if not self.tls_ca and not self.tls_fingerprint:
            return None
        if self.tls_fingerprint:
            self._pinned = _parse_fingerprint(self.tls_fingerprint)
            # Pinned: the one certificate is checked after the handshake (check_peer), not by a chain.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if not os.path.isfile(self.tls_ca):
            raise InvalidArguments("PYFI_TLS_CA: cannot read the certificate authority '%s': no such file" % self.tls_ca)
        try:
            return ssl.create_default_context(cafile=self.tls_ca)
        except (ssl.SSLError, OSError) as e:
            raise InvalidArguments("PYFI_TLS_CA: '%s' holds no usable PEM certificate (%s)" % (self.tls_ca, e)) from None

    def check_peer(self, der):
        """Whether the silo's certificate (DER bytes) is the pinned one; always true when trust is by authority."""
        if not self.tls_fingerprint:
            return True
        return der is not None and hashlib.sha256(der).digest() == self._pinned


def _parse_fingerprint(text):
    hexits = text.strip()
    if hexits.lower().startswith("sha256:"):
        hexits = hexits[7:]
    hexits = hexits.replace(":", "")
    try:
        raw = bytes.fromhex(hexits)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidArguments("PYFI_TLS_FINGERPRINT: '%s' is not a SHA-256 fingerprint (64 hex digits)" % text)
    return raw


def socket_reason(error):
    """A connection failure in a few words."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "host not found"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "no answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        return None
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
