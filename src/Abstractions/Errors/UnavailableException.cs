namespace Pyfi;

/// <summary>
/// The network did not answer while a client kept trying (a silo lost and the cluster still settling, a silo
/// stopping, no gateway reachable) for as long as that client was willing to wait. Nothing is known to have
/// changed: a read can be asked again; a submission with an idempotency key can be sent again and finds the first.
/// </summary>
[GenerateSerializer, Alias("pyfi.UnavailableException")]
public sealed class UnavailableException : PyfiException
{
    /// <summary>Creates the exception with its user-facing message.</summary>
    public UnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with its user-facing message and the last failure.</summary>
    public UnavailableException(string message, Exception? innerException) : base(message, innerException) { }
}
