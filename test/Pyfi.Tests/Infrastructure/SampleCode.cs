namespace Pyfi.Tests.Infrastructure;

/// <summary>The processor code the execution tests run: the original's sample module and a few functions that misbehave on purpose.</summary>
public static class SampleCode
{
    /// <summary>The module's name, as in the original quick start.</summary>
    public const string Module = "pyfi.processors.sample";

    /// <summary>The files of a repository holding the sample module; <paramref name="version"/> is what <c>version()</c> returns.</summary>
    public static Dictionary<string, string> Files(string version = "v1") => new()
    {
        ["pyfi/__init__.py"] = "",
        ["pyfi/processors/__init__.py"] = "",
        ["pyfi/processors/sample.py"] = Sample.Replace("VERSION = 'v1'", $"VERSION = '{version}'", StringComparison.Ordinal),
    };

    private const string Sample = """
        import json
        import os
        import time

        VERSION = 'v1'


        def do_something(message, *args):
            print("Inside do_something:", message)
            return "Message: " + str(message) + "".join(" " + str(a) for a in args)


        def do_this(message, *args):
            return "This: " + str(message) + "".join(" " + str(a) for a in args)


        def noop(x=None):
            return x


        def echo(*args, **kwargs):
            return {"args": list(args), "kwargs": kwargs}


        def shout(text):
            print("shouting", text)
            import sys
            print("and on stderr", file=sys.stderr)
            return text.upper()


        def fail(x):
            raise ValueError("bad value " + str(x))


        def not_json():
            return {1, 2, 3}


        def version():
            return VERSION


        def slow_version(seconds):
            time.sleep(seconds)
            return VERSION


        def crash_once(marker):
            # The first attempt kills its interpreter; the second finds the marker and succeeds.
            if not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(9)
            return "survived"


        def flaky(counter, failures):
            # Raises until it has been called more than `failures` times (counted in a file); returns the count.
            count = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
            with open(counter, "w") as f:
                f.write(str(count))
            if count <= failures:
                raise RuntimeError("flaky failure %d" % count)
            return count


        def append(path, token, seconds=0):
            # A side effect that can be counted: one line per run.
            if seconds:
                time.sleep(seconds)
            with open(path, "a") as f:
                f.write(str(token) + "\n")
            return token


        def link(*args):
            # A pipeline step with a countable side effect: the last three arguments are the file, a token and
            # seconds to sleep (a previous step's result, if any, comes first and is ignored).
            path, token, seconds = args[-3:]
            time.sleep(seconds)
            with open(path, "a") as f:
                f.write(str(token) + "\n")
            return token


        def sleepy(seconds):
            time.sleep(seconds)
            return seconds


        def held(gate, marker=None):
            # Runs until the file `gate` exists: a call that lasts exactly as long as the test needs it to. With a
            # marker it first says it began (a line per start, written at once): starts can be counted and awaited.
            start = time.time()
            if marker:
                with open(marker, "a") as f:
                    f.write("began\n")
            while not os.path.exists(gate):
                time.sleep(0.02)
            return {"start": start, "end": time.time(), "pid": os.getpid()}


        def marked_sleep(path, seconds):
            # Says it began (a line per start, written at once), then sleeps: starts can be counted and awaited.
            with open(path, "a") as f:
                f.write("began\n")
            time.sleep(seconds)
            return seconds


        def poison():
            # Kills its interpreter every time.
            os._exit(3)


        def maybe_poison(x):
            # "poison" kills the interpreter every time; anything else is returned.
            if x == "poison":
                os._exit(3)
            return x


        def raise_key(name):
            raise KeyError(name)


        def relay(message):
            # A plug chain's step with a countable side effect: message is {"path", "token", "hop", "seconds"}; sleeps,
            # appends "hop:token" (a line per run of the step) and passes the message on, one hop further.
            time.sleep(message.get("seconds", 0))
            with open(message["path"], "a") as f:
                f.write("%d:%s\n" % (message["hop"], message["token"]))
            return dict(message, hop=message["hop"] + 1)


        def window(seconds):
            start = time.time()
            time.sleep(seconds)
            return {"start": start, "end": time.time(), "pid": os.getpid()}
        """;

    /// <summary>
    /// Adds queue <c>q</c> and processor <c>sample</c> (this module, from <paramref name="repository"/>) through
    /// <paramref name="cli"/>, with <paramref name="processorOptions"/> added to the processor's command: what most
    /// tests start with.
    /// </summary>
    public static async Task AddAsync(PyfiCli cli, GitRepository repository, params string[] processorOptions)
    {
        await cli.OkAsync("add", "queue", "-n", "q");
        await cli.OkAsync(["add", "processor", "-n", "sample", "-g", repository.Path, "-m", Module, .. processorOptions]);
    }

    /// <summary>Adds each socket of <paramref name="sockets"/> (its name, the function it calls) on <c>q</c> and <c>sample</c>, of 2 slots.</summary>
    public static async Task AddSocketsAsync(PyfiCli cli, params (string Name, string Function)[] sockets)
    {
        foreach (var (name, function) in sockets) await cli.OkAsync("add", "socket", "-n", name, "-q", "q", "-pn", "sample", "-t", function, "-c", "2");
    }

    /// <summary>Adds a socket for each of <paramref name="functions"/>, named after it, on <c>q</c> and <c>sample</c>, of 2 slots.</summary>
    public static async Task AddSocketsAsync(PyfiCli cli, params string[] functions)
    {
        await AddSocketsAsync(cli, [.. functions.Select(f => (f, f))]);
    }
}
