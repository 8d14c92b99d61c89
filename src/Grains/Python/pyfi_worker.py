"""Pyfi's Python worker: runs functions of one processor module for a silo, one call at a time.

Protocol (JSON, one object per line). The silo writes requests to this process's stdin; replies go to the
process's original stdout, which this script keeps for itself: fd 1 is pointed at stderr before any user
code runs, so nothing user code prints (Python or C level) can corrupt the protocol.

  start  -> {"ready": true, "pid": N, "python": "3.11.7"}  or  {"ready": false, "error": {...}}
  {"id": n, "function": "f", "args": [...], "kwargs": {...}}
         -> {"id": n, "ok": true, "result": <json>, "output": "..."}
         -> {"id": n, "ok": false, "error": {"type", "message", "traceback"}, "output": "..."}
  {"cancel": n}   (a request written earlier that has not started: it is answered as cancelled, never run)
         -> {"id": n, "ok": false, "error": {"type": "Cancelled", ...}, "output": ""}

Requests are read ahead (the silo writes the next one while this one runs), so a cancel that arrives while
an earlier call runs is seen before the cancelled request would start.

What a call prints to sys.stdout or sys.stderr is captured and returned with its reply. Output written
straight to the file descriptors goes to this process's stderr, which the silo logs.
"""
import collections
import importlib
import io
import json
import os
import select
import sys
import traceback

MAX_OUTPUT = 1024 * 1024


def describe(exc, skip_frames=0):
    """The exception as the silo reports it; the first skip_frames frames (this script's) are left out."""
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(type(exc), exc, tb))}


class Requests:
    """The requests from stdin, read ahead, with the cancels that came for the ones not started."""

    def __init__(self):
        self.buffer = b""
        self.pending = collections.deque()
        self.cancelled = set()
        self.eof = False

    def _read(self, block):
        if not block and not select.select([0], [], [], 0)[0]:
            return
        chunk = os.read(0, 1 << 16)
        if not chunk:
            self.eof = True
            return
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            message = json.loads(line)
            if "cancel" in message:
                self.cancelled.add(message["cancel"])
            else:
                self.pending.append(message)

    def next(self):
        """The next request to run, or a cancelled one (second value True); None at the end of input."""
        while True:
            if self.pending:
                # Pick up cancels (and requests) already written, without waiting: the next may be cancelled.
                self._read(block=False)
                request = self.pending.popleft()
                if request.get("id") in self.cancelled:
                    self.cancelled.discard(request.get("id"))
                    return request, True
                return request, False
            if self.eof:
                return None, False
            self._read(block=True)


def main():
    module_name = sys.argv[1]
    code_path = sys.argv[2]

    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(message):
        protocol.write(json.dumps(message, separators=(",", ":")) + "\n")
        protocol.flush()

    sys.path.insert(0, code_path)
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # an import can raise anything, SystemExit included
        send({"ready": False, "error": describe(exc)})
        return 3
    send({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]})

    requests = Requests()
    while True:
        request, cancelled = requests.next()
        if request is None:
            break
        call_id = request.get("id")
        if cancelled:
            send({"id": call_id, "ok": False, "output": "", "error": {
                "type": "Cancelled", "message": "the call was cancelled before it started"}})
            continue
        name = request.get("function", "")
        function = getattr(module, name, None)
        if function is None or not callable(function) or name.startswith("_"):
            send({"id": call_id, "ok": False, "output": "", "error": {
                "type": "FunctionNotFound",
                "message": f"module '{module_name}' has no function '{name}'"}})
            continue

        captured = io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = captured
        try:
            result = function(*request.get("args") or [], **(request.get("kwargs") or {}))
            failure = None
        except BaseException as exc:  # SystemExit and KeyboardInterrupt fail the call, not the worker
            result, failure = None, describe(exc, skip_frames=1)
        finally:
            sys.stdout, sys.stderr = saved

        output = captured.getvalue()
        if len(output) > MAX_OUTPUT:
            output = output[:MAX_OUTPUT] + f"\n[pyfi: output cut at {MAX_OUTPUT} characters]\n"
        if failure is not None:
            send({"id": call_id, "ok": False, "error": failure, "output": output})
            continue
        try:
            reply = json.dumps({"id": call_id, "ok": True, "result": result, "output": output},
                               separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            send({"id": call_id, "ok": False, "output": output, "error": {
                "type": "ResultNotSerializable",
                "message": f"the result of {name}() cannot be sent back as JSON: {exc}"}})
            continue
        protocol.write(reply + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
