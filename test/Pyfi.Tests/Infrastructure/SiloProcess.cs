using System.Diagnostics;
using System.Text;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// A real silo process (<c>dotnet Pyfi.Silo.dll</c>) on free loopback ports with its own data folder.
/// Output is captured for failure messages; <see cref="StartAsync"/> returns once the silo says it is ready.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _cpuLogged = Task.CompletedTask;

    private SiloProcess(Process process, int[] ports, string dataPath)
    {
        _process = process;
        Ports = ports;
        DataPath = dataPath;
    }

    /// <summary>Its data folder (PYFI_DATA).</summary>
    public string DataPath { get; }

    /// <summary>
    /// The admin token this silo made on its first start (<c>PYFI_DATA/admin.token</c>). A silo that joined a network
    /// whose database already had one has none: use the first silo's.
    /// </summary>
    public string AdminToken => File.Exists(AdminTokenFile)
        ? File.ReadAllText(AdminTokenFile).Trim()
        : throw new InvalidOperationException($"silo {Gateway} made no admin token ({AdminTokenFile} does not exist): use the token of the silo that started the network");

    /// <summary>Where this silo writes the admin token it makes.</summary>
    public string AdminTokenFile => Path.Combine(DataPath, "admin.token");

    /// <summary>The <c>pyfi</c> tool pointed at this silo, with <paramref name="token"/> (default: its admin token).</summary>
    public PyfiCli Cli(string? token = null) => new(Gateway, token: token ?? AdminToken);

    /// <summary>A .NET client connected to this silo, with <paramref name="token"/> (default: its admin token).</summary>
    // The silo is ready, so a slow connect is the machine's load (several suites' silos and clients starting at once
    // took the Orleans client past the product's 10 s default), not what a test checks.
    public Task<Pyfi.Client.PyfiClient> ConnectAsync(string? token = null) =>
        Pyfi.Client.PyfiClient.ConnectAsync(new Pyfi.Client.PyfiClientOptions { Gateways = Gateway, Token = token ?? AdminToken, ConnectTimeout = TimeSpan.FromSeconds(60) });

    /// <summary>Silo, gateway and Orleans gateway ports, in that order (pass them to restart on the same ports).</summary>
    public int[] Ports { get; }

    /// <summary>Port silos talk on.</summary>
    public int SiloPort => Ports[0];

    /// <summary>Port clients connect to.</summary>
    public int GatewayPort => Ports[1];

    /// <summary><c>127.0.0.1:port</c> of the gateway.</summary>
    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts a silo with <paramref name="dataPath"/> as PYFI_DATA and <paramref name="environment"/> on top
    /// (no inherited PYFI_* variable leaks in). Waits for its ready line unless <paramref name="waitForReady"/> is false.
    /// With <paramref name="ownProcessGroup"/> it leads a process group of its own, as a silo started in a terminal
    /// is in the terminal's foreground group (<see cref="InterruptGroupAsync"/> is then the terminal's Ctrl+C).
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string dataPath, IReadOnlyDictionary<string, string>? environment = null,
        bool waitForReady = true, int[]? ports = null, bool ownProcessGroup = false)
    {
        FastTier.Refuse("a silo process");
        ports ??= FreePorts.Take(3);
        // A session of its own, made by a wrapper that execs in place (the child of Process.Start leads no group),
        // so the process id stays the silo's. The wrapper also gives SIGINT its default action back: a test run
        // started in the background by a shell without job control inherits it ignored, and the runtime keeps an
        // ignored SIGINT ignored (a terminal's foreground silo always gets it).
        var start = new ProcessStartInfo(ownProcessGroup ? "python3" : TestEnvironment.Dotnet)
        {
            ArgumentList = { TestEnvironment.SiloDll },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dataPath,
        };
        if (ownProcessGroup)
        {
            start.ArgumentList.Insert(0, TestEnvironment.Dotnet);
            start.ArgumentList.Insert(0, "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])");
            start.ArgumentList.Insert(0, "-c");
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PYFI_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(key);
        start.Environment["PYFI_DATA"] = dataPath;
        start.Environment["PYFI_SILO_PORT"] = ports[0].ToString();
        start.Environment["PYFI_GATEWAY_PORT"] = ports[1].ToString();
        start.Environment["PYFI_ORLEANS_GATEWAY_PORT"] = ports[2].ToString();
        start.Environment["PYFI_DASHBOARD_PORT"] = "0";
        start.Environment["DOTNET_gcServer"] = "0";
        // Tiered compilation back on for test silos: the shipped silo compiles fully at each method's first call (a
        // third less CPU per call once warm, see src/Silo's project), which costs 2.5-3 s of CPU per start here; a
        // test silo lives seconds and the suite starts over a hundred, on two cores (1.5 s each with tiers).
        start.Environment["DOTNET_TieredCompilation"] = "1";
        // And code stays at the first tier: counting calls and compiling hot methods again in the background cost a
        // test silo ~1 s of CPU over its first 20 s (0.118 -> 0.039 of a core the first 10 s, bench/idle.sh). Over the
        // whole suite the gain is smaller (5.9 -> 5.5 CPU s a silo, by process accounting): the busiest silos run
        // slower first-tier code.
        start.Environment["DOTNET_TC_CallCounting"] = "0";
        // A stop waits this long for running calls before handing them back: short, so a test that stops a silo
        // under a long call does not wait out the 30 s default (tests of the drain itself set their own).
        start.Environment["PYFI_DRAIN"] = "00:00:02";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, ports, dataPath);
        process.OutputDataReceived += (_, e) => silo.Record(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Record(e.Data);
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"the silo exited with code {process.ExitCode} before it was ready:\n{silo.Output}"));
        process.Start();
        silo._cpuLogged = SiloCpuLog.Follow(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitForReady) await silo.WaitForReadyAsync(TimeSpan.FromSeconds(60));
        return silo;
    }

    /// <summary>Waits for the ready line.</summary>
    public async Task WaitForReadyAsync(TimeSpan timeout)
    {
        try
        {
            await _ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the silo was not ready within {timeout}:\n{Output}");
        }
    }

    /// <summary>Waits for the process to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the silo did not exit within {timeout}:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager would, and waits for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGINT to the silo's whole process group, as Ctrl+C in its terminal sends it (start it with its own group).</summary>
    public async Task InterruptGroupAsync()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-INT", "--", $"-{_process.Id}"]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGTERM, without waiting for the exit.</summary>
    public async Task TerminateAsync()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits until the silo has printed a line containing <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        Poll.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout, $"the silo to print '{text}':\n{Output}");

    /// <summary>
    /// The lines it logged at warning level or above (the console logger's <c>warn:</c>, <c>fail:</c>, <c>crit:</c>), but
    /// Orleans' scheduler saying a turn took longer than a second (WorkItemGroup 101215): that measures how busy the
    /// machine is (the suite shares two cores), not what the silo did.
    /// </summary>
    public IReadOnlyList<string> WarningsAndErrors =>
        [
            .. Output.Split('\n')
                .Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal))
                .Where(l => !l.Contains("Orleans.Runtime.Scheduler.WorkItemGroup[101215]", StringComparison.Ordinal)),
        ];

    /// <summary>
    /// Asserts the silo logged no warning or error (see <see cref="WarningsAndErrors"/>); the message puts those lines
    /// first, so a runner that shows only a failure's first lines shows them, then the whole log.
    /// </summary>
    public void AssertNoWarnings() =>
        Assert.True(WarningsAndErrors.Count == 0, $"the silo logged {WarningsAndErrors.Count} warning(s) or error(s):\n{string.Join('\n', WarningsAndErrors)}\n--- its whole log:\n{Output}");

    /// <summary>SIGKILL: the process dies at once, as in a crash or power loss of the process.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGKILL to the silo's process alone, as the kernel's OOM killer sends it: its Python workers see their silo vanish.</summary>
    public async Task KillProcessOnlyAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-KILL", _process.Id.ToString()]);
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }

        await _cpuLogged;
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.Contains("Pyfi silo ready", StringComparison.Ordinal)) _ready.TrySetResult();
    }
}
