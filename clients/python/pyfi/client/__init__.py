"""Pyfi's Python client: :mod:`pyfi.client.api` (sockets, workflows, results), :mod:`pyfi.client.model`
(queues, processors, sockets, plugs) and :mod:`pyfi.client.exceptions`."""

try:
    from ._version import __version__
except ImportError:  # run from the source folder, not installed
    __version__ = "0.0.0+source"
