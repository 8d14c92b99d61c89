namespace Pyfi.Grains;

/// <summary>What this silo's grains run with: where code lives, how many cores they may use, which Python.</summary>
public sealed class PyfiRuntimeOptions
{
    /// <summary>The data folder (<c>PYFI_DATA</c>): mirrors, checkouts, environments.</summary>
    public string DataPath { get; set; } = "./.pyfi";

    /// <summary>Executing slots this silo offers (<c>PYFI_CORES</c>): one per core by default.</summary>
    public int Cores { get; set; } = Environment.ProcessorCount;

    /// <summary>The Python to build environments with (<c>PYFI_PYTHON</c>).</summary>
    public string Python { get; set; } = "python3";

    /// <summary>How long a worker slot stays on its core with no call before it lets the core go.</summary>
    public TimeSpan SlotIdleTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The host this silo runs on, as processors' host lists name it (<c>PYFI_HOSTNAME</c>; default the machine's name).</summary>
    public string HostName { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>
    /// How long a running attempt's lease holds without renewal. The worker renews it at a third of this; a
    /// lease that lapsed means the attempt is lost (its silo or host is gone) and the call runs again.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a stopping silo lets the attempts running on it finish (<c>PYFI_DRAIN</c>); those still running then are
    /// cut off and handed back, not counted as attempts.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long ended calls (and their results) are kept before the sweeper removes them.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The memory (address space) a Python worker may use unless its processor says otherwise (<c>--memory</c>):
    /// <c>PYFI_WORKER_MEMORY</c>, 2 GiB by default; 0 for no limit.
    /// </summary>
    public long WorkerMemoryBytes { get; set; } = 2L << 30;

    /// <summary>
    /// The largest arguments (and keyword arguments) a call may have, and the largest result it may return, as
    /// JSON (<c>PYFI_MAX_PAYLOAD</c>, 16 MiB by default).
    /// </summary>
    public long MaxPayloadBytes { get; set; } = PyfiLimits.DefaultMaxPayloadBytes;

    /// <summary>The repositories processors may come from (<c>PYFI_REPOS</c>: URL prefixes and folders); empty allows any.</summary>
    public IReadOnlyList<string> Repositories { get; set; } = [];
}
