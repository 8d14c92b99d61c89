using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// The cluster's count of executing slots: how many cores each silo offers and which worker holds which.
/// The per-core placement director asks it where a new worker may go, so no silo ever runs more workers
/// than it has cores. Use the grain with key 0.
/// </summary>
public interface ISlotLedgerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Reserves a core for <paramref name="worker"/> on the least loaded of <paramref name="candidates"/> whose
    /// host is one of <paramref name="hosts"/> (comma-separated; empty for any); <see langword="null"/> when all are full.
    /// </summary>
    Task<SiloAddress?> ReserveAsync(GrainId worker, SiloAddress[] candidates, string hosts = "");

    /// <summary>
    /// Reserves a core for <paramref name="worker"/> on any active silo before it is activated, so a socket
    /// can learn that no core is free without a placement failing; <see langword="false"/> when all are taken
    /// (or no silo runs on one of <paramref name="hosts"/>).
    /// </summary>
    Task<bool> TryReserveAsync(GrainId worker, string hosts = "");

    /// <summary>
    /// The silo for a new activation of <paramref name="socket"/> among <paramref name="candidates"/>: the one its
    /// sockets' calls load least per core, counting sockets placed there since it last reported.
    /// </summary>
    Task<SiloAddress> PlaceSocketAsync(GrainId socket, SiloAddress[] candidates);

    /// <summary>Gives back <paramref name="worker"/>'s core.</summary>
    Task ReleaseAsync(GrainId worker);

    /// <summary>
    /// A silo says how many cores it offers, on which host, and how it and its workers are (at start, and again
    /// every few seconds).
    /// </summary>
    Task ReportSiloAsync(SiloAddress silo, AgentInfo report);

    /// <summary>Every active silo as it last reported itself, with its cores held now, ordered by host and address.</summary>
    [ClientAccess(PyfiPermission.Read, "read the cluster")]
    [ReadOnly] Task<AgentInfo[]> GetAgentsAsync();

    /// <summary>Which silos offer how many cores, and which workers hold them.</summary>
    [ReadOnly] Task<SlotSnapshot> GetSnapshotAsync();
}

/// <summary>The ledger's view: cores per silo and the workers holding them.</summary>
/// <param name="Cores">Cores each silo offers.</param>
/// <param name="Holders">Which silo each worker's core is on.</param>
[GenerateSerializer, Immutable, Alias("pyfi.SlotSnapshot")]
public sealed record SlotSnapshot(Dictionary<SiloAddress, int> Cores, Dictionary<GrainId, SiloAddress> Holders);
