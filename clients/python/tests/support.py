"""What the tests share: the network they run against, named by the environment the C# test
(test/Pyfi.Tests/Python/PythonClientTests.cs) sets, and files a test and the network's Python functions share.

  PYFI_GATEWAY, PYFI_TOKEN, PYFI_TLS_CA   the silo (TLS on) and its admin token
  PYFI_TEST_VIEWER_TOKEN                  a token of role viewer
  PYFI_TEST_SCRATCH                       a folder the silo's workers can read and write
  PYFI_TEST_QUEUE, PYFI_TEST_PROCESSOR    the queue and the processor (the sample module) the sockets use
  PYFI_TEST_SOCKETS                       function=socket,… : the socket of each sample function
  PYFI_TEST_TLS_FINGERPRINT, PYFI_TEST_TLS_STRANGER  the silo certificate's SHA-256, a certificate nobody trusts
"""

import os
import subprocess
import sys
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def env(name):
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest("%s is not set: these tests run against a silo (see support.py)" % name)
    return value


def socket_name(function):
    """The socket that calls the sample module's ``function``."""
    pairs = dict(p.split("=", 1) for p in env("PYFI_TEST_SOCKETS").split(",") if p)
    return pairs[function]


def scratch(name):
    return os.path.join(env("PYFI_TEST_SCRATCH"), "%s-%s" % (name, uuid.uuid4().hex[:8]))


class Gate:
    """A file a ``held`` call waits for: the call runs exactly until the test opens the gate."""

    def __init__(self):
        self.path = scratch("gate")
        self.marker = scratch("began")

    def open(self):
        with open(self.path, "w"):
            pass

    def wait_began(self, timeout=60):
        """Waits until the held call has started in a worker (it writes its marker first)."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.marker):
            if time.monotonic() > deadline:
                raise AssertionError("the held call did not start within %d s" % timeout)
            time.sleep(0.02)


def run_python(code_or_path, *args, extra_env=None, timeout=120):
    """Runs a script in a new interpreter of this venv (another process, as a user's other script would)."""
    command = [sys.executable] + ([code_or_path] if code_or_path.endswith(".py") else ["-c", code_or_path]) + list(args)
    environment = dict(os.environ)
    environment.update(extra_env or {})
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment, cwd=HERE)
