import asyncio
import threading
import unittest

from pyfi.client.api import (CallHandle, FlowHandle, PyfiCallFailed, PyfiTimeout, Socket, UnknownSocket, funnel,
                             parallel, pipeline, result_async)
from support import Gate, env, socket_name


def run(coroutine):
    return asyncio.run(coroutine)


class AsyncioTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env("PYFI_GATEWAY")
        cls.noop = Socket(socket_name("noop"))
        cls.ds = Socket(socket_name("do_something")).p

    def test_call_async_and_delay_async_run_on_asyncio_streams_without_threads(self):
        threads = threading.active_count()

        async def main():
            one = await self.noop.call_async(1)
            handle = await self.noop.delay_async(2)
            many = await asyncio.gather(*[self.noop.call_async(i) for i in range(20)])
            return one, await handle.get_async(), many, handle

        one, two, many, handle = run(main())

        self.assertEqual((1, 2, list(range(20))), (one, two, many))
        self.assertIsInstance(handle, CallHandle)
        self.assertEqual(threads, threading.active_count())

    def test_workflows_start_and_end_on_asyncio(self):
        ds = self.ds

        async def main():
            flow = await pipeline([ds("a"), ds("b")]).delay_async()
            chord = await funnel([ds("x"), ds("y")]).delay_async(ds("z"))
            found = await result_async(flow.id)
            return await flow.get_async(), await chord.get_async(), found, await found.state_async()

        flow, chord, found, state = run(main())

        self.assertEqual("Message: Message: a b", flow)
        self.assertEqual("Message: ['Message: x', 'Message: y'] z", chord)
        self.assertIsInstance(found, FlowHandle)
        self.assertEqual("succeeded", state)

    def test_failures_refusals_timeouts_and_cancel_on_asyncio(self):
        gate = Gate()

        async def main():
            with self.assertRaises(PyfiCallFailed) as failed:
                await Socket(socket_name("fail")).call_async(3)
            with self.assertRaises(UnknownSocket):
                await Socket("no.such.socket").delay_async()
            held = await Socket(socket_name("held")).delay_async(gate.path)
            with self.assertRaises(PyfiTimeout):
                await held.get_async(timeout=0.2)
            cancelled = await held.cancel_async()
            return failed.exception, cancelled, await held.state_async()

        failure, cancelled, state = run(main())

        self.assertEqual("ValueError", failure.remote_type)
        self.assertTrue(cancelled)
        self.assertEqual("cancelled", state)

    def test_a_parallel_of_many_calls_started_concurrently_from_tasks(self):
        async def main():
            flows = await asyncio.gather(*[parallel([self.noop.p(i), self.noop.p(-i)]).delay_async() for i in range(5)])
            return await asyncio.gather(*[f.get_async() for f in flows])

        self.assertEqual([[i, -i] for i in range(5)], run(main()))


if __name__ == "__main__":
    unittest.main()
