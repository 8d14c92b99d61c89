using Microsoft.Extensions.Configuration;

namespace Pyfi.Grains;

/// <summary>
/// What this silo's grains run with: where code lives, how many cores they may use, which Python, how long leases
/// and ended calls last. Bound from the <c>Pyfi</c> section (a silo's <c>PYFI_*</c> variables set it) and checked at
/// start by <see cref="PyfiRuntimeOptionsValidator"/>.
/// </summary>
public sealed class PyfiRuntimeOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi";

    /// <summary>The data folder (<c>PYFI_DATA</c>): mirrors, checkouts, environments; a silo keeps its SQLite files and admin token there too.</summary>
    /// <value>Defaults to <c>./.pyfi</c>, relative to the working directory.</value>
    public string DataPath { get; set; } = "./.pyfi";

    /// <summary>Executing slots this silo offers, one per core (<c>PYFI_CORES</c>); 0 is read as the machine's cores.</summary>
    /// <value>Defaults to the machine's cores.</value>
    public int Cores { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Transactions this silo writes task calls in at once on PostgreSQL (<c>PYFI_CALL_WRITERS</c>, 1 to 16): a call's
    /// writes all go through one, chosen by its id. SQLite takes one writer at a time, so there it is always 1. More
    /// writers make smaller groups: on a small database host they cost more of its CPU per call for the same calls/s
    /// (bench/callstore.sh), so more than one is for a database with cores to spare and a long round trip to it.
    /// </summary>
    /// <value>Defaults to 1.</value>
    public int CallWriters { get; set; } = 1;

    /// <summary>The Python that processors' environments are built with (<c>PYFI_PYTHON</c>).</summary>
    /// <value>Defaults to <c>python3</c>.</value>
    public string Python { get; set; } = "python3";

    /// <summary>The Node.js that node processors run on (<c>PYFI_NODE</c>).</summary>
    /// <value>Defaults to <c>node</c>, looked up on PATH.</value>
    public string Node { get; set; } = "node";

    /// <summary>The npm that installs a node processor's <c>package-lock.json</c> (<c>PYFI_NPM</c>).</summary>
    /// <value>Defaults to <c>npm</c>, looked up on PATH.</value>
    public string Npm { get; set; } = "npm";

    /// <summary>How long a worker slot stays on its core with no call before it lets the core go.</summary>
    /// <value>Defaults to 500 milliseconds.</value>
    public TimeSpan SlotIdleTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The host name this silo answers to in processors' host lists (<c>PYFI_HOSTNAME</c>).</summary>
    /// <value>Defaults to the machine's name.</value>
    public string HostName { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>
    /// How long a running attempt's lease holds without renewal (<c>PYFI_LEASE</c>, e.g. <c>00:00:20</c>). The worker
    /// renews it at a third of this; a lease that lapsed means the attempt is lost (its silo or host is gone) and the
    /// call runs again.
    /// </summary>
    /// <value>Defaults to 20 seconds.</value>
    [ConfigurationKeyName("Lease")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a stopping silo (SIGTERM, Ctrl+C) lets the attempts running on it finish (<c>PYFI_DRAIN</c>, e.g.
    /// <c>00:00:30</c>); those still running then are cut off and handed back to their queue, not counted as attempts.
    /// A second Ctrl+C cuts them off at once.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    [ConfigurationKeyName("Drain")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long ended calls (and their results) are kept before the sweeper removes them (<c>PYFI_RETENTION</c>, e.g. <c>7.00:00:00</c>).</summary>
    /// <value>Defaults to 7 days.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The memory (address space) each Python worker may use unless its processor sets <c>--memory</c>
    /// (<c>PYFI_WORKER_MEMORY</c>, e.g. <c>2G</c>, <c>512M</c>); <c>0</c> for no limit.
    /// </summary>
    /// <value>Defaults to 2G.</value>
    public string WorkerMemory { get; set; } = "2G";

    /// <summary><see cref="WorkerMemory"/> in bytes (0: none); the validator has checked that it reads.</summary>
    public long WorkerMemoryBytes => ByteSize.TryParse(WorkerMemory, out var bytes) ? bytes : 0;

    /// <summary>
    /// The largest payload, in bytes of JSON, of a call's arguments and of its result (<c>PYFI_MAX_PAYLOAD</c>); also
    /// of a request line on the gateway port (with 64 KiB more for its envelope, checked while it is read). Orleans'
    /// messages are bounded at twice it and 4 MiB (a call's record carries its arguments and its result).
    /// </summary>
    /// <value>Defaults to 16 MiB (16777216).</value>
    public long MaxPayloadBytes { get; set; } = PyfiLimits.DefaultMaxPayloadBytes;

    /// <summary>
    /// The repositories processors may come from (<c>PYFI_REPOS</c>): URL prefixes and folders, separated by
    /// commas or semicolons, e.g. <c>https://github.com/myorg/,/srv/repos</c>. Empty allows any repository.
    /// </summary>
    /// <value>Defaults to empty: any repository.</value>
    public string Repositories { get; set; } = "";
}
