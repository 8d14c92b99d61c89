namespace Pyfi;

/// <summary>
/// The backstop for calls (key <c>0</c>): on an Orleans reminder (durable, once a minute) and whenever a silo
/// starts or one leaves the cluster, it finds the sockets that have calls not ended in storage and has each
/// take them up (<see cref="ISocketGrain.ResumeAsync"/>), so a call stranded by a restart or a lost silo runs
/// again; and it removes ended calls older than the retention time.
/// </summary>
public interface ICallSweeperGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the reminder (idempotent) and sweeps once.</summary>
    Task StartAsync();

    /// <summary>Sweeps now: resumes sockets with calls not ended, then removes expired ended calls. Returns how many sockets it resumed.</summary>
    [ClientAccess(PyfiPermission.Operate, "sweep calls")]
    Task<int> SweepAsync();
}
