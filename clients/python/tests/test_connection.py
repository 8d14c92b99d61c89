import os
import select
import socket
import threading
import time
import unittest

from pyfi.client import api
from pyfi.client.api import Client, GatewayUnreachable, InvalidArguments, ResponseTooLarge, Socket
from support import Gate, env, scratch, socket_name


class Proxy:
    """A TCP relay in front of the gateway whose connections the test can cut, as a network or a lost silo does."""

    def __init__(self, target):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.pairs = []
        self.accepted = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, server))
                self.accepted += 1
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client, server):
        try:
            while True:
                readable, _, _ = select.select([client, server], [], [])
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (server if source is client else client).sendall(data)
        except (OSError, ValueError):
            for s in (client, server):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        """Closes every relayed connection (both ends)."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        self.cut()


class ConnectionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gateway = env("PYFI_GATEWAY")

    def test_one_client_serves_many_threads_at_once(self):
        client = Client()
        self.addCleanup(client.close)
        noop = Socket(socket_name("noop"), client=client)
        results, errors = {}, []

        def work(n):
            try:
                results[n] = [noop(n * 100 + i) for i in range(10)]
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        self.assertEqual([], errors)
        self.assertEqual({n: [n * 100 + i for i in range(10)] for n in range(8)}, results)

    def test_a_call_rides_through_a_dropped_connection_and_runs_once(self):
        proxy = Proxy(self.gateway)
        self.addCleanup(proxy.close)
        client = Client(gateway=proxy.address)
        self.addCleanup(client.close)
        gate = Gate()
        outcome = {}

        def call():
            try:
                outcome["value"] = Socket(socket_name("held"), client=client)(gate.path, gate.marker)
            except Exception as e:  # noqa: BLE001 - reported below
                outcome["value"] = e

        caller = threading.Thread(target=call)
        caller.start()
        gate.wait_began()  # the call runs, and its task.run waits on the wire for the end

        proxy.cut()
        gate.open()
        caller.join(120)

        self.assertIsInstance(outcome["value"], dict, str(outcome["value"]))
        # Sent again on a new connection under the same idempotency key, the submission found the first call.
        self.assertEqual(2, proxy.accepted)
        with open(gate.marker) as f:
            self.assertEqual(["began"], f.read().split())

    def test_an_answer_longer_than_the_line_bound_is_refused_and_the_client_goes_on(self):
        client = Client(max_line=4096)
        echo = Socket(socket_name("echo"), client=client)

        with self.assertRaises(ResponseTooLarge) as raised:
            echo("x" * 10000)

        self.assertIn("larger than 4096 bytes", str(raised.exception))
        self.assertEqual({"args": ["small"], "kwargs": {}}, echo("small"))

    def test_the_first_gateway_that_answers_is_used_and_a_token_file_is_read(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
        probe.close()
        token_file = scratch("token")
        with open(token_file, "w") as f:
            f.write(os.environ["PYFI_TOKEN"] + "\n")
        saved = os.environ.pop("PYFI_TOKEN")
        os.environ["PYFI_TOKEN_FILE"] = token_file
        try:
            client = Client(gateway="127.0.0.1:%d,%s" % (dead, self.gateway))
        finally:
            os.environ["PYFI_TOKEN"] = saved
            del os.environ["PYFI_TOKEN_FILE"]

        self.assertEqual(3, Socket(socket_name("noop"), client=client)(3))
        with self.assertRaises(InvalidArguments) as malformed:
            Client(gateway="nowhere")
        self.assertEqual("gateway 'nowhere' is not host:port", str(malformed.exception))

    def test_connect_sets_the_client_module_level_calls_use(self):
        from pyfi.client import client as clients
        previous = clients._default
        try:
            made = api.connect(gateway=self.gateway, token=os.environ["PYFI_TOKEN"])
            self.assertIs(made, clients.default_client())
            self.assertEqual(6, Socket(socket_name("noop"))(6))
            self.assertEqual(self.gateway, made.settings.gateway)
        finally:
            clients._default = previous

    def test_tls_trusts_the_silo_by_its_authority_or_fingerprint_and_nothing_else(self):
        ca = env("PYFI_TLS_CA")
        fingerprint = env("PYFI_TEST_TLS_FINGERPRINT")
        stranger = env("PYFI_TEST_TLS_STRANGER")
        noop = socket_name("noop")

        self.assertEqual(1, Socket(noop, client=Client(tls_ca=ca))(1))
        self.assertEqual(2, Socket(noop, client=Client(tls_ca=None, tls_fingerprint=fingerprint))(2))
        for client in (Client(tls_ca=stranger), Client(tls_fingerprint="00" * 32)):
            with self.assertRaises(GatewayUnreachable) as refused:
                Socket(noop, client=client)(1)
            self.assertIn("TLS with %s failed: " % self.gateway, str(refused.exception))
            self.assertIn("(is its certificate trusted by PYFI_TLS_CA or PYFI_TLS_FINGERPRINT?)", str(refused.exception))
        saved = os.environ.pop("PYFI_TLS_CA")
        try:
            with self.assertRaises(GatewayUnreachable) as plain:
                Socket(noop, client=Client())(1)
        finally:
            os.environ["PYFI_TLS_CA"] = saved
        self.assertIn("closed the connection (is it a Pyfi silo's gateway port? one that speaks TLS needs PYFI_TLS_CA", str(plain.exception))


if __name__ == "__main__":
    unittest.main()
