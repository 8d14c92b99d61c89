"""Pyfi's Python worker: runs functions of one processor module for a silo, one call at a time.

(One file on purpose, and so longer than most: it runs as `python -I`, isolated from the user's environment and
path, and the silo carries it embedded and writes it out as one script; a module beside it would need the path
changed before user code runs.)

    python -I -B -u -X utf8 pyfi_worker.py MODULE CHECKOUT MEMORY_BYTES MAX_PAYLOAD_BYTES KINDS
    python -I -B -u -X utf8 pyfi_worker.py --scripts FOLDER CHECKOUT MEMORY_BYTES MAX_PAYLOAD_BYTES KINDS
    python -I -B pyfi_worker.py --launch MEMORY_BYTES -- PROGRAM ARGS...

--scripts (bash processors): the functions are the executable files of FOLDER. A call runs its script as a child
(argv: the positional arguments, strings as they are and other values as JSON; stdin: {"args": [...], "kwargs":
{...}}); its stdout, trimmed, is the result (a string); what it writes to stderr is the call's output; a non-zero
exit fails the call with type ExitCodeN (SignalN when a signal ended it) and its stderr, trimmed, as the message.
The script runs in this process's group, under its limits, and is killed with it at the time limit.

--launch (node processors): sets this process's group, limits and subreaper as below, moves the protocol pipe to
fd 3 (fd 1 becomes stderr, so nothing a child prints reaches the protocol), and becomes PROGRAM (execvp), which
speaks the protocol on fd 3 (pyfi_worker.js).

KINDS is the silo's names for the failures this script reports (JSON, by role: {"cancelled": ..., ...}); the
list of failure kinds lives in the silo (FailureKinds), and this script has no names of its own.

Protocol (JSON, one object per line). The silo writes requests to this process's stdin; replies go to the
process's original stdout, which this script keeps for itself: fd 1 is pointed at stderr before any user
code runs, so nothing user code prints (Python or C level) can corrupt the protocol.

  start  -> {"ready": true, "pid": N, "python": "3.11.7"}  or  {"ready": false, "error": {...}}
  {"id": n, "function": "f", "args": [...], "kwargs": {...}}
         -> {"started": n}   (first: the call begins now)
         -> {"id": n, "ok": true, "result": <json>, "output": "..."}
         -> {"id": n, "ok": false, "error": {"type", "message", "traceback"}, "output": "..."}
  {"cancel": n}   (a request written earlier that has not started: it is answered as cancelled, never run)
         -> {"id": n, "ok": false, "error": {"type": KINDS.cancelled, ...}, "output": ""}

Requests are read ahead (the silo writes the next one while this one runs), so a cancel that arrives while
an earlier call runs is seen before the cancelled request would start. A request is begun only once this
process has said so ({"started": n}, before anything of the call runs): a request that got no such line never
ran, so the silo can give it back without counting an attempt when this process or the silo goes away. Replies come in the order of the
requests, each carrying its request's id (random, chosen by the silo); the silo accepts a reply only for the
request this process is running, once, and stops a worker that writes anything else.

Only this process speaks the protocol: a process forked by a function (os.fork, multiprocessing) that comes
back into this script's code, by returning or raising SystemExit, ends there (os._exit) instead of reading
requests or writing replies meant for its parent.

Limits, set before the module is imported: address space (MEMORY_BYTES, 0 for none; an allocation past it
raises MemoryError, reported as KINDS.memory_limit_exceeded), open files, no core dumps, no new privileges. The process
is its own process group (the terminal's Ctrl+C does not reach it) and the subreaper of everything it starts, so
what a call leaves running is found and killed when the call ends, and everything is killed when this process
ends or its silo goes away.

What a call prints to sys.stdout or sys.stderr is captured and returned with its reply. Output written
straight to the file descriptors goes to this process's stderr, which the silo logs.
"""
import os

try:
    # First of all: a Ctrl+C in the silo's terminal goes to the terminal's foreground process group, not to this
    # one. A process group, not a session: a session of its own would also be a scheduler autogroup of its own,
    # which doubled a call's round trip on a busy host (measured).
    os.setpgid(0, 0)
except OSError:
    pass

import collections
import importlib
import io
import json
import resource
import select
import signal
import sys
import threading
import time
import traceback
import types

MAIN_PID = os.getpid()
MAX_OUTPUT = 1024 * 1024          # captured output kept per call, in characters and in bytes of JSON
MAX_ERROR_TEXT = 64 * 1024        # an exception's message and traceback, each
OPEN_FILES = 4096
WATCHDOG_PERIOD = 1.0
encode_result = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode  # one encoder, not one per call


KINDS = None  # the silo's names for the failures reported here (argument 5), set in main()


def describe(exc, skip_frames=0):
    """The exception as the silo reports it; the first skip_frames frames (this script's) are left out."""
    if isinstance(exc, ScriptFailed):
        return {"type": exc.kind, "message": cut(exc.message, MAX_ERROR_TEXT), "traceback": cut(exc.detail, MAX_ERROR_TEXT)}
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    return {"type": type(exc).__name__, "message": cut(str(exc), MAX_ERROR_TEXT),
            "traceback": cut("".join(traceback.format_exception(type(exc), exc, tb)), MAX_ERROR_TEXT)}


def cut(text, limit):
    """The text, at most limit characters, in valid Unicode (a lone surrogate, e.g. from undecodable bytes, is escaped)."""
    if len(text) > limit:
        text = text[:limit] + f"\n[pyfi: cut at {limit} characters]"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def size(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def only_this_process(code=0):
    """Ends a forked copy of this process that came back into the worker's code: it must not speak the protocol."""
    if os.getpid() != MAIN_PID:
        os._exit(code)


# Processes below this one, from /proc. With this process as their subreaper, everything it started and
# has not ended is below it, however it was started (setsid, double fork).
def descendants(keep=()):
    children = collections.defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()   # after the command name, which may hold anything
        children[int(fields[1])].append(int(name))
    found, todo = [], [MAIN_PID]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in keep:
                found.append(child)
                todo.append(child)
    return found


def reap():
    """Collects ended children; True when some are still running."""
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return True
    except ChildProcessError:
        return False


def kill_descendants(keep=()):
    """Stops, then kills, every process below this one but those in keep; they cannot fork away meanwhile."""
    for _ in range(20):
        found = descendants(keep)
        if not found:
            break
        stopped = set()
        while found:
            for pid in found:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError:
                    pass
            stopped.update(found)
            found = [pid for pid in descendants(keep) if pid not in stopped]
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.001)
        reap()
    reap()


class Children:
    """What calls leave running is killed when they end; what the module started at import lives with the worker."""

    def __init__(self):
        self.kept = set()

    def keep_current(self):
        if reap():
            self.kept = set(descendants())

    def after_call(self):
        if not self.kept:
            # The common case costs one waitpid: no child at all means nothing below this process.
            if reap():
                kill_descendants()
            return
        self.kept = {pid for pid in self.kept if os.path.exists(f"/proc/{pid}")}
        kill_descendants(self.kept)


def watch_parent(parent):
    """Ends this process and everything below it when the silo is gone (this process was given to another parent)."""
    while True:
        time.sleep(WATCHDOG_PERIOD)
        if os.getppid() != parent:
            kill_descendants()
            os._exit(70)


def limit(memory):
    def set_limit(which, value):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass  # a lower hard limit set by whoever started the silo stays

    if memory > 0:
        set_limit(resource.RLIMIT_AS, memory)
    set_limit(resource.RLIMIT_CORE, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    set_limit(resource.RLIMIT_NOFILE, OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard))
    if sys.platform.startswith("linux"):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans below this process come back to it
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: nothing started from here gains privileges (setuid)


def memory_error(exc, memory, skip_frames=0):
    """A MemoryError under the worker's limit, said as such; its frames are cleared first to give the memory back."""
    traceback.clear_frames(exc.__traceback__)
    error = describe(exc, skip_frames)
    if memory > 0:
        error["type"] = KINDS.memory_limit_exceeded
        error["message"] = (f"the call needed more memory than the worker's limit of {size(memory)} "
                            "(the processor's --memory, else PYFI_WORKER_MEMORY)")
    return error


def inside(path, root):
    real = os.path.realpath(path)
    return real.startswith(root + os.sep)


def import_from(module_name, code_path):
    """Imports the module from the checkout only: it and its packages must be files of the checkout."""
    root = os.path.realpath(code_path)
    sys.path.insert(0, code_path)
    module = importlib.import_module(module_name)
    parts = module_name.split(".")
    for i in range(len(parts)):
        name = ".".join(parts[:i + 1])
        origin = getattr(sys.modules.get(name), "__file__", None)
        if i == len(parts) - 1 and (origin is None or not inside(origin, root)):
            raise ImportError(f"module '{module_name}' was imported from {origin or 'no file'}, not from the repository")
        if origin is not None and not inside(origin, root):
            raise ImportError(f"package '{name}' of module '{module_name}' was imported from {origin}, not from the repository")
    return module


class ScriptFailed(Exception):
    """A script that ended with a non-zero exit code or a signal."""

    def __init__(self, kind, message, detail):
        super().__init__(message)
        self.kind, self.message, self.detail = kind, message, detail


class ScriptFolder:
    """A bash processor's folder, as a module: its executable files are its functions; a call runs one (see --scripts)."""

    def __init__(self, folder, code_path, max_payload):
        self.folder, self.code_path, self.max_payload = os.path.realpath(folder), code_path, max_payload
        self.root = os.path.realpath(code_path)

    def find(self, name):
        """The function that runs the script name, or why there is none."""
        path = os.path.join(self.folder, name)
        if "/" in name or name.startswith(".") or not os.path.isfile(path) or not inside(path, self.root):
            return None, f"folder '{os.path.relpath(self.folder, self.root)}' has no script '{name}'"
        if not os.access(path, os.X_OK):
            return None, f"script '{name}' is not executable (git update-index --chmod=+x)"
        return lambda *args, **kwargs: self.run(name, path, args, kwargs), None

    def run(self, name, path, args, kwargs):
        import subprocess
        argv = [path] + [a if isinstance(a, str) else json.dumps(a, separators=(",", ":")) for a in args]
        call = json.dumps({"args": list(args), "kwargs": kwargs}, separators=(",", ":")).encode()
        child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 cwd=self.code_path, close_fds=True)

        def feed():  # a script need not read its stdin
            try:
                child.stdin.write(call)
            except OSError:
                pass
            finally:
                try:
                    child.stdin.close()
                except OSError:
                    pass

        threading.Thread(target=feed, daemon=True).start()
        out, err = bounded_output(child, self.max_payload + 1, MAX_OUTPUT)
        code = child.wait()
        error = err.decode("utf-8", "replace")
        sys.stderr.write(error)  # the call's captured output
        if code != 0:
            kind = f"ExitCode{code}" if code > 0 else f"Signal{-code}"
            said = error.strip()
            how = f"exit code {code}" if code > 0 else f"signal {-code}"
            raise ScriptFailed(kind, said or f"{name} ended with {how}", f"{name} ended with {how}\n{said}")
        return out.decode("utf-8", "replace").strip()


def bounded_output(child, max_out, max_err):
    """The child's stdout and stderr, each kept up to its bound (the rest is read and dropped), until it ends.

    What the child leaves running with the pipes open does not hold the call: once the child has ended, what is
    already written is read and the call goes on (what it left is killed at the call's end)."""
    import selectors
    kept = {child.stdout.fileno(): (bytearray(), max_out), child.stderr.fileno(): (bytearray(), max_err)}
    selector = selectors.DefaultSelector()
    for fd in kept:
        selector.register(fd, selectors.EVENT_READ)
    ended = False
    while selector.get_map():
        ready = selector.select(0 if ended else 0.05)
        if not ready and ended:
            break
        for key, _ in ready:
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                selector.unregister(key.fd)
                continue
            buffer, bound = kept[key.fd]
            if len(buffer) < bound:
                buffer += chunk[:bound - len(buffer)]
        if not ended and child.poll() is not None:
            ended = True
    selector.close()
    result = bytes(kept[child.stdout.fileno()][0]), bytes(kept[child.stderr.fileno()][0])
    child.stdout.close()
    child.stderr.close()
    return result


def launch(argv):
    """--launch MEMORY -- PROGRAM ARGS: limits and process group as a worker's, the protocol on fd 3, then PROGRAM."""
    memory, program = int(argv[0]), argv[2:]
    os.dup2(1, 3, inheritable=True)
    os.dup2(2, 1)
    limit(memory)
    try:
        os.execvp(program[0], program)
    except OSError as exc:
        message = (f"no program '{program[0]}' on this host (install it, or set PYFI_NODE)"
                   if isinstance(exc, FileNotFoundError) else f"'{program[0]}' cannot be started: {exc}")
        os.write(3, (json.dumps({"ready": False, "error": {"type": type(exc).__name__, "message": message}}) + "\n").encode())
        return 3


class Requests:
    """The requests from stdin, read ahead, with the cancels that came for the ones not started."""

    def __init__(self):
        self.buffer = b""
        self.pending = collections.deque()
        self.cancelled = set()
        self.eof = False

    def _read(self, block):
        only_this_process()
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
    if sys.argv[1] == "--launch":
        return launch(sys.argv[2:])
    scripts = sys.argv[1] == "--scripts"
    arguments = sys.argv[2:] if scripts else sys.argv[1:]
    module_name, code_path = arguments[0], arguments[1]
    memory, max_payload = int(arguments[2]), int(arguments[3])
    global KINDS
    KINDS = types.SimpleNamespace(**json.loads(arguments[4]))

    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(text):
        only_this_process()
        protocol.write(text + "\n")
        protocol.flush()

    def send_json(message):
        send(json.dumps(message, separators=(",", ":")))

    limit(memory)
    threading.stack_size(256 * 1024)
    threading.Thread(target=watch_parent, args=(os.getppid(),), name="pyfi-watchdog", daemon=True).start()
    children = Children()
    try:
        module = ScriptFolder(module_name, code_path, max_payload) if scripts else import_from(module_name, code_path)
    except BaseException as exc:  # an import can raise anything, SystemExit included
        only_this_process(3)
        error = memory_error(exc, memory) if isinstance(exc, MemoryError) else describe(exc)
        send_json({"ready": False, "error": error})
        kill_descendants()
        return 3
    only_this_process()
    children.keep_current()
    send_json({"ready": True, "pid": MAIN_PID, "python": sys.version.split()[0]})

    requests = Requests()
    while True:
        request, cancelled = requests.next()
        if request is None:
            break
        call_id = request.get("id")
        if cancelled:
            send_json({"id": call_id, "ok": False, "output": "", "error": {
                "type": KINDS.cancelled, "message": "the call was cancelled before it started"}})
            continue
        reply_id = call_id if type(call_id) is int else json.dumps(call_id)
        send('{"started":%s}' % reply_id)
        name = request.get("function", "")
        if scripts:
            function, missing = module.find(name)
        else:
            function = getattr(module, name, None)
            if function is None or not callable(function) or name.startswith("_"):
                function, missing = None, f"module '{module_name}' has no function '{name}'"
        if function is None:
            send_json({"id": call_id, "ok": False, "output": "", "error": {
                "type": KINDS.function_not_found, "message": missing}})
            continue

        captured = io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = captured
        try:
            result = function(*request.get("args") or [], **(request.get("kwargs") or {}))
            failure = None
        except MemoryError as exc:
            result, failure = None, memory_error(exc, memory, skip_frames=1)
        except SystemExit as exc:  # fails the call, not the worker; in a forked child it ends the child here
            only_this_process(0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1)
            result, failure = None, describe(exc, skip_frames=1)
        except BaseException as exc:  # KeyboardInterrupt too
            only_this_process(1)
            result, failure = None, describe(exc, skip_frames=1)
        finally:
            sys.stdout, sys.stderr = saved
        only_this_process()  # a forked child that returned
        children.after_call()

        text = captured.getvalue()
        del captured
        output = json.dumps(cut(text, MAX_OUTPUT)) if text else '""'
        while len(output) > MAX_OUTPUT + 100:  # escapes can make a character many bytes
            output = json.dumps(cut(json.loads(output), MAX_OUTPUT * MAX_OUTPUT // len(output)))
        del text
        if failure is None:
            try:
                encoded = encode_result(result)
                if len(encoded) > max_payload:
                    failure = {"type": KINDS.result_too_large,
                               "message": f"the result of {name}() is {len(encoded)} bytes of JSON, more than the "
                                          f"{size(max_payload)} a result may be (PYFI_MAX_PAYLOAD)"}
            except MemoryError as exc:
                result = None
                failure = memory_error(exc, memory)
            except Exception as exc:  # TypeError, ValueError, RecursionError: not JSON
                failure = {"type": KINDS.result_not_serializable,
                           "message": cut(f"the result of {name}() cannot be sent back as JSON: {exc}", MAX_ERROR_TEXT)}
            del result
        if failure is not None:
            encoded = None
            send('{"id":%s,"ok":false,"error":%s,"output":%s}' % (reply_id, json.dumps(failure), output))
            continue
        send('{"id":%s,"ok":true,"result":%s,"output":%s}' % (reply_id, encoded, output))
    kill_descendants()
    return 0


if __name__ == "__main__":
    sys.exit(main())
