namespace Pyfi.Tests.Infrastructure;

/// <summary>Processor code that misbehaves the ways hostile or buggy code in a worker does: forks, writes on the protocol pipe, hogs memory, leaves processes.</summary>
public static class SandboxCode
{
    /// <summary>The module's name.</summary>
    public const string Module = "sandbox";

    /// <summary>A reply line as the worker writes one, for a request that is not running (what <c>act('line', …)</c> writes).</summary>
    public const string ForgedReply = """{"id": 1, "ok": true, "result": "forged", "output": ""}""";

    /// <summary>The module's source.</summary>
    public const string Source = """
        import os, subprocess, sys, time

        FORGED = '{"id": 1, "ok": true, "result": "forged", "output": ""}'

        def echo(value):
            return value

        def act(kind, value):
            # One function for a socket whose calls run behind each other in one worker.
            if kind == 'fork':
                return fork_and_exit(value)
            if kind == 'line':
                return write_line(FORGED, value)
            return value

        def fork_and_exit(value):
            # An ordinary bug: the child comes back into the worker through SystemExit.
            if os.fork() == 0:
                sys.exit(0)
            return value

        def fork_and_return(value):
            os.fork()
            return value

        def _protocol_pipe():
            # The pipe the worker replies on: neither stdin nor stderr (stdout is stderr).
            taken = {os.readlink('/proc/self/fd/0'), os.readlink('/proc/self/fd/2')}
            for fd in range(3, 256):
                try:
                    link = os.readlink(f'/proc/self/fd/{fd}')
                except OSError:
                    continue
                if link.startswith('pipe:') and link not in taken:
                    return fd

        def write_line(line, value):
            os.write(_protocol_pipe(), line.encode() + b'\n')
            return value

        def forge_own_reply(value):
            # Reads its own request's id from the worker's frame, and answers for itself before the worker does.
            call_id = sys._getframe(1).f_locals['call_id']
            os.write(_protocol_pipe(), ('{"id": %d, "ok": true, "result": "forged", "output": ""}\n' % call_id).encode())
            return value

        def write_without_end(size):
            os.write(_protocol_pipe(), b'x' * size)
            time.sleep(30)

        def hog(megabytes):
            return len(bytearray(megabytes << 20))

        def grow():
            kept = []
            while True:
                kept.append(' ' * 10**6)

        def big(size):
            return 'x' * size

        def undecodable():
            print(b'caf\xe9'.decode('utf-8', 'surrogateescape'))
            return 1

        def spawn(path, seconds):
            child = subprocess.Popen(['sleep', '1000'], start_new_session=True)
            with open(path + '.tmp', 'w') as f:
                f.write(str(child.pid))
            os.rename(path + '.tmp', path)
            time.sleep(seconds)
            return child.pid

        def double_fork():
            # A daemon: its parent exits at once, so it is nobody's child but the worker's (the subreaper).
            read, write = os.pipe()
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.write(write, str(os.getpid()).encode())
                    time.sleep(1000)
                os._exit(0)
            os.wait()
            return int(os.read(read, 32))
        """;
}
