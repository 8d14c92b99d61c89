namespace Pyfi.Client;

/// <summary>
/// The idempotency key a client gives a submission it did not key itself, so that the submission sent again after a
/// failure finds the first call instead of making a second (the <c>pyfi</c> tool, the gateway and <c>PyfiCall</c> alike).
/// </summary>
public static class CallKey
{
    /// <summary>What keys made here start with (a user's own key is kept as given).</summary>
    public const string AutomaticPrefix = "auto:";

    /// <summary>A new key for one submission: <c>auto:</c> and a random id.</summary>
    public static string New() => AutomaticPrefix + Guid.NewGuid().ToString("N");
}
