import unittest

from pyfi.client import model
from pyfi.client.api import AlreadyExists, InUse, InvalidArguments, NotFound, Socket
from support import env


class ModelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env("PYFI_GATEWAY")

    def test_queue_processor_socket_and_plug_round_trip(self):
        repository = model.get_processor(env("PYFI_TEST_PROCESSOR"))["spec"]["repository"]
        model.add_queue("py.queue", type="fanout")
        model.add_processor("py.proc", gitrepo=repository, module="pyfi.processors.sample")
        model.add_socket("py.first", queue="py.queue", processor="py.proc", function="noop", concurrency=2, timeout=30, max_attempts=2)
        model.add_socket("py.second", queue="py.queue", processor="py.proc", function="echo")
        plug = model.add_plug("py.plug", "py.first", "py.second", arg=1)

        self.assertEqual({"name": "py.plug", "source": "py.first", "target": "py.second", "on": 0, "arg": 1}, plug["spec"])
        self.assertEqual("fanout", model.get_queue("py.queue")["spec"]["type"])
        socket = model.get_socket("py.first")["spec"]
        self.assertEqual((2, "00:00:30", 2), (socket["concurrency"], socket["timeout"], socket["retry"]["maxAttempts"]))
        self.assertIn("py.proc", [p["spec"]["name"] for p in model.ls_processors()])
        self.assertIn("py.second", [s["spec"]["name"] for s in model.ls_sockets()])
        self.assertEqual(["py.plug"], [p["spec"]["name"] for p in model.ls_plugs() if p["spec"]["name"].startswith("py.")])
        self.assertEqual(5, Socket("py.first")(5))

        with self.assertRaises(AlreadyExists):
            model.add_queue("py.queue")
        with self.assertRaises(InUse) as in_use:
            model.delete_queue("py.queue")
        self.assertIn("is used by sockets 'py.first', 'py.second'", str(in_use.exception))

        model.delete_plug("py.plug")
        model.delete_socket("py.second")
        model.delete_socket("py.first")
        model.delete_processor("py.proc")
        model.delete_queue("py.queue")
        with self.assertRaises(NotFound) as gone:
            model.get_queue("py.queue")
        self.assertEqual("queue 'py.queue' does not exist", str(gone.exception))

    def test_malformed_definitions_are_refused_in_one_line(self):
        with self.assertRaises(InvalidArguments) as bad_type:
            model.add_queue("py.bad", type="round-robin")
        self.assertEqual("a queue's type is direct, topic or fanout, not 'round-robin'", str(bad_type.exception))
        with self.assertRaises(InvalidArguments):
            model.add_socket("py.bad", queue="q", processor="p", function="f", concurrency=0)
        with self.assertRaises(InvalidArguments):
            model.add_plug("py.bad", "a", "b", on="sometimes")


if __name__ == "__main__":
    unittest.main()
