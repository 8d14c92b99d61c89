using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// Makes the calls a socket's plugs carry (internal; key: the source socket's name). The socket stores each end with
/// the deliveries it carries and hands the call here; this grain makes each target call (under a key, so once) and
/// then clears them from the row. Rows whose deliveries are not cleared after a crash are found again by
/// <see cref="ResumeAsync"/> (the sweeper), so none is lost.
/// </summary>
public interface IPlugDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Makes <paramref name="ended"/>'s deliveries (its end is stored with them).</summary>
    [OneWay] Task DeliverAsync(CallInfo ended);

    /// <summary>Makes the deliveries of every ended call of this socket whose row still carries some.</summary>
    Task ResumeAsync();
}
