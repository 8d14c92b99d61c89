"""What the client does without a network: the wire shape of workflows, durations, settings, errors."""

import os
import pickle
import unittest

from pyfi.client.api import (InvalidArguments, NotAllowed, PyfiCallFailed, QueueFull, Socket, UnknownSocket, funnel,
                             parallel, pipeline, segment)
from pyfi.client.api import _timespan
from pyfi.client.exceptions import from_gateway
from pyfi.client.settings import parse_gateways


class OfflineTests(unittest.TestCase):
    def test_a_workflow_is_sent_as_pyfis_flow_step_tree(self):
        ds = Socket("ds").p
        step = funnel([ds("a"), parallel([pipeline([ds("b"), ds("c", k=1)])])], ds("d"))

        call = lambda args, **more: dict({"kind": "call", "socket": "ds", "args": args, "steps": []}, **more)
        self.assertEqual({
            "kind": "funnel",
            "steps": [call('["a"]'), {"kind": "parallel", "steps": [{"kind": "pipeline", "steps": [call('["b"]'), call('["c"]', kwargs='{"k":1}')]}]}],
            "final": call('["d"]'),
        }, step.wire())

    def test_a_segment_is_a_parallel_of_parallels_of_one_call_per_item(self):
        self.assertEqual("parallel([parallel([s(1, 2), s(3)]), parallel([s(4)])])", repr(segment(Socket("s"), [(1, 2), [3], 4], 2)))

    def test_durations_are_dotnet_timespans(self):
        self.assertEqual(("00:00:30.0000000", "00:00:00.2500000", "1.01:00:00.0000000"),
                         (_timespan(30, "t"), _timespan(0.25, "t"), _timespan(90000, "t")))
        with self.assertRaises(InvalidArguments):
            _timespan(0, "timeout")

    def test_gateway_lists_are_host_port_pairs(self):
        self.assertEqual([("a", 1), ("::1", 30000)], parse_gateways("a:1, [::1]:30000"))
        for bad in ("", "a", "a:0", "a:x"):
            with self.assertRaises(InvalidArguments):
                parse_gateways(bad)

    def test_each_error_kind_has_its_class_and_errors_survive_pickling(self):
        self.assertIsInstance(from_gateway("QueueFull", "full", "task.run"), QueueFull)
        self.assertIsInstance(from_gateway("NotAllowed", "no", "queue.add"), NotAllowed)
        self.assertIsInstance(from_gateway("NotFound", "socket 'x' does not exist", "task.run"), UnknownSocket)
        failed = PyfiCallFailed("ValueError", "bad", "Traceback…", call_id="c1", attempts=3)
        again = pickle.loads(pickle.dumps(failed))
        self.assertEqual((str(failed), "ValueError", "Traceback…", 3), (str(again), again.remote_type, again.traceback, again.attempts))

    def test_a_forked_child_starts_with_its_own_connections(self):
        if not hasattr(os, "fork"):
            self.skipTest("no fork here")
        from pyfi.client.api import Client
        client = Client(gateway="127.0.0.1:1")
        pool = client._pool
        child = os.fork()
        if child == 0:
            os._exit(0 if client._pool is not pool else 1)
        _, status = os.waitpid(child, 0)
        self.assertEqual(0, os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
        self.assertIs(pool, client._pool)


if __name__ == "__main__":
    unittest.main()
