"""Pyfi's Python client: ``from pyfi.client.api import Socket, pipeline, parallel, funnel, segment``."""
