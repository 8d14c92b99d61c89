import unittest

from pyfi.client.api import (FlowHandle, InvalidArguments, PyfiCallCancelled, PyfiCallFailed, Socket, UnknownSocket,
                             funnel, parallel, pipeline, result, segment)
from pyfi.client.client import default_client
from support import Gate, env, run_python, socket_name


class WorkflowTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env("PYFI_GATEWAY")
        cls.ds = Socket(socket_name("do_something")).p
        cls.noop = Socket(socket_name("noop"))
        cls.echo = Socket(socket_name("echo"))

    def test_a_pipeline_puts_each_result_first_in_the_next_steps_arguments(self):
        ds = self.ds
        self.assertEqual("Message: Message: a b c", pipeline([ds("a"), ds("b", "c")]).delay().get())
        self.assertEqual("Message: Message: a b", pipeline(ds("a"), ds("b"))().get())

    def test_a_parallel_gives_the_list_of_results_in_order_and_a_funnel_gives_it_to_its_final_step(self):
        ds = self.ds
        self.assertEqual(["Message: x", "Message: y"], parallel([ds("x"), ds("y")]).delay().get())
        self.assertEqual({"args": [[1, 2], "last"], "kwargs": {"k": 1}},
                         funnel([self.noop.p(1), self.noop.p(2)])(self.echo.p("last", k=1)).get())

    def test_they_nest_a_funnel_inside_a_pipeline_inside_a_parallel(self):
        ds = self.ds
        inner = funnel([ds("a"), ds("b")], ds("c"))
        flow = parallel([pipeline([inner, ds("d")]), ds("e")]).delay()

        self.assertEqual(["Message: Message: ['Message: a', 'Message: b'] c d", "Message: e"], flow.get())
        self.assertIsInstance(flow, FlowHandle)
        self.assertEqual("succeeded", flow.state)
        self.assertEqual((5, 5), flow.progress)

    def test_a_workflow_is_found_by_id_from_another_process(self):
        flow = parallel([self.noop.p(1), self.noop.p(2)]).delay()

        run = run_python("import sys; from pyfi.client.api import result; print(result(sys.argv[1]).get())", flow.id)

        self.assertEqual("[1, 2]\n", run.stdout, run.stderr)
        self.assertIsInstance(result(flow.id), FlowHandle)

    def test_a_failed_step_fails_the_workflow_with_the_remote_error_and_where(self):
        failing = pipeline([self.noop.p(1), Socket(socket_name("fail")).p()])

        with self.assertRaises(PyfiCallFailed) as raised:
            failing.delay().get()

        failure = raised.exception
        self.assertEqual("ValueError", failure.remote_type)
        self.assertTrue(failure.remote_message.startswith("bad value 1"), failure.remote_message)
        self.assertIn("raise ValueError", failure.traceback)
        self.assertEqual(1, failure.step)
        self.assertEqual(socket_name("fail"), failure.socket)
        self.assertIsNotNone(failure.flow_id)
        self.assertIn("failed at step 1", str(failure))

    def test_a_cancelled_workflow_raises_cancelled(self):
        gate = Gate()
        flow = pipeline([Socket(socket_name("held")).p(gate.path, gate.marker), self.noop.p()]).delay()
        gate.wait_began()

        self.assertTrue(flow.cancel())
        with self.assertRaises(PyfiCallCancelled):
            flow.get()
        self.assertEqual("cancelled", flow.state)

    def test_segment_calls_the_socket_per_item_in_segments_of_n(self):
        self.assertEqual([[1, 2], [3, 4], [5]], segment(self.noop, [1, 2, 3, 4, 5], 2).delay().get())
        spread = segment(self.echo.p("bound"), [(1, 2), [3]], 1).delay().get()
        self.assertEqual([[{"args": ["bound", 1, 2], "kwargs": {}}], [{"args": ["bound", 3], "kwargs": {}}]], spread)

    def test_a_call_step_sent_without_its_steps_list_is_read_as_empty(self):
        # A client of its own may leave out a call's empty "steps": the gateway reads it as none.
        client = default_client()
        started = client.send("flow.start", {"kind": "call", "socket": self.noop.name, "args": "[4]"})

        self.assertEqual(4, FlowHandle(client, started["id"]).get())

    def test_a_malformed_workflow_is_refused_before_anything_starts(self):
        ds = self.ds
        cases = [
            (lambda: pipeline([]), "pipeline: needs a list of one or more steps"),
            (lambda: pipeline([ds("a"), "b"]), "pipeline: step 1 is not a step"),
            (lambda: parallel([funnel([ds("a")])]), "parallel: step 0 is a funnel without its final step"),
            (lambda: segment(self.noop, [1], 0), "segment: n must be a whole number of items"),
        ]
        for run, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(InvalidArguments) as raised:
                    run()
                self.assertTrue(str(raised.exception).startswith(message), str(raised.exception))
        with self.assertRaises(UnknownSocket):
            pipeline([ds("a"), Socket("no.such.socket").p()]).delay()


if __name__ == "__main__":
    unittest.main()
