import json
import socket
import time
import unittest

from pyfi.client import api
from pyfi.client.api import (Client, GatewayUnreachable, InvalidArguments, NotAllowed, NotAuthenticated, NotFound,
                             PyfiCallCancelled, PyfiCallFailed, PyfiError, PyfiTimeout, QueueFull, Socket,
                             UnknownSocket, result)
from pyfi.client import model
from support import Gate, env, run_python, socket_name


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


class CallTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env("PYFI_GATEWAY")
        cls.echo = Socket(socket_name("echo"))
        cls.noop = Socket(socket_name("noop"))
        cls.held = Socket(socket_name("held"))
        cls.fail = Socket(socket_name("fail"))

    def test_calling_a_socket_runs_its_function_and_returns_the_result(self):
        self.assertEqual({"args": [1, "two", [3]], "kwargs": {"k": {"x": None}}}, self.echo(1, "two", [3], k={"x": None}))

    def test_delay_gives_a_handle_whose_state_ready_and_get_follow_the_call(self):
        gate = Gate()
        handle = self.held.delay(gate.path, gate.marker)
        gate.wait_began()

        self.assertEqual("running", handle.state)
        self.assertFalse(handle.ready())
        gate.open()
        value = handle.get()

        self.assertEqual(["start", "end", "pid"], list(value))
        self.assertTrue(handle.ready())
        self.assertEqual("succeeded", handle.state)
        self.assertTrue(handle.successful())
        self.assertEqual(36, len(handle.id))

    def test_get_with_a_timeout_raises_pyfi_timeout_and_the_call_goes_on(self):
        gate = Gate()
        handle = self.held.delay(gate.path)

        with self.assertRaises(PyfiTimeout) as raised:
            handle.get(timeout=0.3)
        self.assertIsInstance(raised.exception, TimeoutError)
        self.assertIn("has not ended within 0.3 s", str(raised.exception))
        gate.open()
        self.assertIn("pid", handle.get(timeout=60))

    def test_cancel_stops_a_running_call_and_its_get_raises_cancelled(self):
        gate = Gate()
        handle = self.held.delay(gate.path, gate.marker)
        gate.wait_began()

        self.assertTrue(handle.cancel())
        self.assertEqual("cancelled", handle.state)
        with self.assertRaises(PyfiCallCancelled):
            handle.get()
        ended = self.noop.delay(1)
        ended.get()
        self.assertFalse(ended.cancel())

    def test_result_finds_a_call_by_id_from_another_process(self):
        handle = self.echo.delay("elsewhere")
        script = "import json, sys; from pyfi.client.api import result; print(json.dumps(result(sys.argv[1]).get()))"

        run = run_python(script, handle.id)

        self.assertEqual("", run.stderr)
        self.assertEqual({"args": ["elsewhere"], "kwargs": {}}, json.loads(run.stdout))
        self.assertIsInstance(result(handle.id), api.CallHandle)
        self.assertEqual(handle, result(handle.id))

    def test_a_remote_exception_is_pyfi_call_failed_with_its_type_message_and_traceback(self):
        for run in (lambda: self.fail(7), lambda: self.fail.delay(7).get()):
            with self.assertRaises(PyfiCallFailed) as raised:
                run()
            failure = raised.exception
            self.assertEqual("ValueError", failure.remote_type)
            self.assertTrue(failure.remote_message.startswith("bad value 7"), failure.remote_message)
            self.assertIn("raise ValueError", failure.traceback)
            self.assertIn("ValueError: bad value 7", str(failure))
            self.assertEqual(3, failure.attempts)

    def test_each_refusal_is_its_own_exception_with_the_networks_one_line(self):
        cases = [
            (UnknownSocket, lambda: Socket("no.such.socket")(1), "socket 'no.such.socket' does not exist"),
            (UnknownSocket, lambda: Socket("no.such.socket").delay(1), "socket 'no.such.socket' does not exist"),
            (NotAuthenticated, lambda: Socket(self.noop.name, client=Client(token="pyfi.nosuch.token"))(1), "not authenticated: "),
            (NotAllowed, lambda: Socket(self.noop.name, client=Client(token=env("PYFI_TEST_VIEWER_TOKEN")))(1), "not allowed: role viewer cannot run calls"),
            (InvalidArguments, lambda: Socket("no such/socket")(1), "socket name 'no such/socket' may hold only"),
            (InvalidArguments, lambda: self.noop({1, 2}), "arguments must be JSON values"),
            (NotFound, lambda: result("00000000-0000-4000-8000-000000000000"), "call or workflow '00000000-0000-4000-8000-000000000000' does not exist"),
        ]
        for kind, run, message in cases:
            with self.subTest(kind=kind.__name__, message=message):
                with self.assertRaises(kind) as raised:
                    run()
                self.assertIsInstance(raised.exception, PyfiError)
                self.assertTrue(str(raised.exception).startswith(message), str(raised.exception))
                self.assertNotIn("\n", str(raised.exception))
                self.assertNotRegex(str(raised.exception), r"\b(System|Orleans|Microsoft)\.[A-Z]")

    def test_a_full_queue_refuses_the_call_with_queue_full(self):
        name = "held.bounded"
        model.add_socket(name, queue=env("PYFI_TEST_QUEUE"), processor=env("PYFI_TEST_PROCESSOR"), function="held", max_queue=1)
        self.addCleanup(model.delete_socket, name)
        gate = Gate()
        first = Socket(name).delay(gate.path)

        with self.assertRaises(QueueFull) as raised:
            Socket(name).delay(gate.path)
        self.assertIn("has 1 calls waiting", str(raised.exception))
        gate.open()
        first.get()

    def test_an_unreachable_gateway_fails_at_once_with_one_line(self):
        port = closed_port()
        started = time.monotonic()

        with self.assertRaises(GatewayUnreachable) as raised:
            Socket(self.noop.name, client=Client(gateway="127.0.0.1:%d" % port))(1)

        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual("cannot reach the Pyfi network at 127.0.0.1:%d: connection refused. Is a silo running there?" % port, str(raised.exception))

    def test_a_script_that_does_not_catch_a_refusal_shows_the_line_not_the_clients_insides(self):
        run = run_python("from pyfi.client.api import Socket\nSocket('no.such.socket')(1)\n")

        self.assertEqual(1, run.returncode)
        lines = run.stderr.strip().splitlines()
        self.assertEqual("pyfi.client.exceptions.UnknownSocket: socket 'no.such.socket' does not exist", lines[-1])
        # The user's line and the one that raises it from the public function: nothing of the transport or retries.
        self.assertLessEqual(len(lines), 6, run.stderr)
        for inside in ("transport.py", "aio.py", "protocol.py", "During handling"):
            self.assertNotIn(inside, run.stderr)


if __name__ == "__main__":
    unittest.main()
