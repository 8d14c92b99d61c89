"""The network's definitions as plain functions, mirroring ``pyfi add/ls/delete queue|processor|socket|plug``::

    from pyfi.client import model
    model.add_queue("pyfi.queue1")
    model.add_processor("proc1", gitrepo="https://…/pyfi-processors", module="pyfi.processors.sample")
    model.add_socket("pyfi.processors.sample.do_something", queue="pyfi.queue1", processor="proc1", function="do_something")

Each ``add_*`` returns what the network stored (a dict: ``spec``, ``stamp``, …), ``ls_*`` a list of them, ``get_*``
one; each takes ``client=`` (default: the module's client, see :func:`pyfi.client.api.connect`)."""

from .api import _timespan
from .client import default_client, public
from .exceptions import InvalidArguments

__all__ = [
    "add_queue", "get_queue", "ls_queues", "delete_queue",
    "add_processor", "get_processor", "ls_processors", "delete_processor",
    "add_socket", "get_socket", "ls_sockets", "delete_socket",
    "add_plug", "get_plug", "ls_plugs", "delete_plug",
]

_QUEUE_TYPES = ("direct", "topic", "fanout")
_PLUG_ON = {"success": 0, "failure": 1}

# SocketSpec.DefaultMaxQueued: the queue bound a socket gets when none is given.
DEFAULT_MAX_QUEUED = 100_000


def _send(client, op, args=None):
    return (client or default_client()).send(op, args)


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _whole(value, what, least=0):
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidArguments("%s must be a whole number, %d or more, not %r" % (what, least, value))
    return value


# --- queues -----------------------------------------------------------------------------------------------------

@public
def add_queue(name, type="direct", durable=True, client=None):
    """``pyfi add queue -n NAME [-t direct|topic|fanout]``."""
    if type not in _QUEUE_TYPES:
        raise InvalidArguments("a queue's type is direct, topic or fanout, not %r" % (type,))
    return _send(client, "queue.add", {"name": name, "type": type, "durable": bool(durable)})


@public
def get_queue(name, client=None):
    return _send(client, "queue.get", {"name": name})


@public
def ls_queues(client=None):
    return _send(client, "queue.list")


@public
def delete_queue(name, client=None):
    _send(client, "queue.delete", {"name": name})


# --- processors -------------------------------------------------------------------------------------------------

@public
def add_processor(name, gitrepo, module, branch=None, commit=None, concurrency=None, requirements=None, enabled=True,
                  hosts=None, memory=None, client=None, **more):
    """``pyfi add processor -n NAME -g GITREPO -m MODULE [-b BRANCH] [--commit C] [-w N] [-rq FILE] [--hostname H,…]
    [--memory BYTES]``. Any other field of the network's ProcessorSpec can be given by its snake_case name."""
    # Every field is sent, with the network's defaults: a silo reads a field left out as zero, not as its default.
    spec = {"name": name, "repository": gitrepo, "module": module, "enabled": bool(enabled), "requestedStatus": "ready",
            "hosts": [hosts] if isinstance(hosts, str) else list(hosts or [])}
    for key, value in (("branch", branch), ("commit", commit), ("requirements", requirements)):
        if value is not None:
            spec[key] = value
    if concurrency is not None:
        spec["concurrency"] = _whole(concurrency, "concurrency", 1)
    if memory is not None:
        spec["memory"] = _whole(memory, "memory (bytes)", 1)
    for key, value in more.items():
        spec[_camel(key)] = value
    return _send(client, "processor.add", spec)


@public
def get_processor(name, client=None):
    return _send(client, "processor.get", {"name": name})


@public
def ls_processors(client=None):
    return _send(client, "processor.list")


@public
def delete_processor(name, client=None):
    _send(client, "processor.delete", {"name": name})


# --- sockets ----------------------------------------------------------------------------------------------------

@public
def add_socket(name, queue, processor, function, concurrency=1, timeout=None, max_attempts=None, backoff=None,
               max_backoff=None, no_retry_on=None, max_queue=None, join_timeout=None, client=None):
    """``pyfi add socket -n NAME -q QUEUE -pn PROCESSOR -t FUNCTION [-c N] [--timeout S] [--max-attempts N]
    [--backoff S] [--max-backoff S] [--no-retry-on T,…] [--max-queue N] [--join-timeout S]``; durations in seconds."""
    spec = {"name": name, "queue": queue, "processor": processor, "function": function,
            "concurrency": _whole(concurrency, "concurrency", 1)}
    if timeout is not None:
        spec["timeout"] = _timespan(timeout, "timeout")
    if join_timeout is not None:
        spec["joinTimeout"] = _timespan(join_timeout, "join_timeout")
    spec["maxQueued"] = DEFAULT_MAX_QUEUED if max_queue is None else _whole(max_queue, "max_queue", 1)
    # Every field is sent, with the network's defaults: a silo reads a field left out as zero, not as its default.
    retry = {"maxAttempts": 3, "initialBackoff": "00:00:01", "multiplier": 2.0, "maxBackoff": "00:01:00", "jitter": 0.2, "nonRetryable": []}
    if max_attempts is not None:
        retry["maxAttempts"] = _whole(max_attempts, "max_attempts", 1)
    if backoff is not None:
        retry["initialBackoff"] = _timespan(backoff, "backoff")
    if max_backoff is not None:
        retry["maxBackoff"] = _timespan(max_backoff, "max_backoff")
    if no_retry_on:
        retry["nonRetryable"] = [no_retry_on] if isinstance(no_retry_on, str) else list(no_retry_on)
    spec["retry"] = retry
    return _send(client, "socket.add", spec)


@public
def get_socket(name, client=None):
    return _send(client, "socket.get", {"name": name})


@public
def ls_sockets(client=None):
    return _send(client, "socket.list")


@public
def delete_socket(name, client=None):
    _send(client, "socket.delete", {"name": name})


# --- plugs ------------------------------------------------------------------------------------------------------

@public
def add_plug(name, source, target, on="success", arg=0, max_hops=None, client=None):
    """``pyfi add plug -n NAME -s SOURCE -t TARGET [--on success|failure] [--arg N] [--max-hops N]``: each call of
    ``source`` that ends so makes a call of ``target`` with its result (or error) as positional argument ``arg``."""
    if on not in _PLUG_ON:
        raise InvalidArguments("a plug is on success or failure, not %r" % (on,))
    spec = {"name": name, "source": source, "target": target, "on": _PLUG_ON[on], "arg": _whole(arg, "arg")}
    if max_hops is not None:
        spec["maxHops"] = _whole(max_hops, "max_hops", 1)
    return _send(client, "plug.add", spec)


@public
def get_plug(name, client=None):
    return _send(client, "plug.get", {"name": name})


@public
def ls_plugs(client=None):
    return _send(client, "plug.list")


@public
def delete_plug(name, client=None):
    _send(client, "plug.delete", {"name": name})
