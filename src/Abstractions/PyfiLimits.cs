namespace Pyfi;

/// <summary>The bounds Pyfi holds every input to by default; each has a setting that changes it.</summary>
public static class PyfiLimits
{
    /// <summary>
    /// Largest payload one request may carry (<c>PYFI_MAX_PAYLOAD</c>): a call's arguments, a request line on the
    /// gateway port (plus a small allowance for its envelope).
    /// </summary>
    public const int DefaultMaxPayloadBytes = 16 * 1024 * 1024;
}
