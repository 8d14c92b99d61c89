namespace Pyfi;

/// <summary>
/// What a follower follows (<c>pyfi follow</c>, <c>PyfiClient.FollowAsync</c>): the calls that end on one socket, or
/// the calls of one run wherever they end (its first call's socket and every socket its plugs reach). Exactly one of
/// <see cref="Socket"/> and <see cref="Run"/> is given.
/// </summary>
/// <param name="Socket">The socket whose ended calls are followed.</param>
/// <param name="Run">The run whose ended calls are followed (its first call's id).</param>
[GenerateSerializer, Immutable, Alias("pyfi.FollowTarget")]
public sealed record FollowTarget([property: Id(0)] string? Socket, [property: Id(1)] Guid? Run)
{
    /// <summary>A socket's ended calls.</summary>
    public static FollowTarget OfSocket(string socket) => new(socket, null);

    /// <summary>A run's ended calls.</summary>
    public static FollowTarget OfRun(Guid run) => new(null, run);

    /// <summary>The key of its stream (<see cref="FollowStreams"/>) and of its follower's lease: <c>socket/NAME</c> or <c>run/ID</c>.</summary>
    public string Key => Socket is { } socket ? SocketKey(socket) : RunKey(Run ?? Guid.Empty);

    /// <summary>The key a socket's follower has.</summary>
    public static string SocketKey(string socket) => "socket/" + socket;

    /// <summary>The key a run's follower has.</summary>
    public static string RunKey(Guid run) => "run/" + run.ToString("D");

    /// <summary>Throws <see cref="InvalidSpecException"/> unless exactly one of socket and run is given, and the socket's name is one.</summary>
    public FollowTarget Validated()
    {
        if ((Socket is null) == (Run is null)) throw new InvalidSpecException("follow takes one socket or one run");
        if (Socket is { } socket) ModelRules.Name("socket", socket);
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => Socket is { } socket ? $"socket '{socket}'" : $"run {Run}";
}

/// <summary>
/// Ended calls a follower has not seen, in the order their ends were committed, with where it goes on from.
/// </summary>
/// <param name="Calls">The calls (without their arguments and output), oldest end first.</param>
/// <param name="Positions">Each call's position in the order ends were committed (unique, increasing).</param>
/// <param name="Cursor">
/// Where the next page starts: every end of the target at or before it is in this page or an earlier one. Pass it back
/// as <c>after</c>.
/// </param>
[GenerateSerializer, Immutable, Alias("pyfi.FollowPage")]
public sealed record FollowPage([property: Id(0)] CallInfo[] Calls, [property: Id(1)] long[] Positions, [property: Id(2)] long Cursor)
{
    /// <summary>Most calls one page holds.</summary>
    public const int MaxCalls = 1000;

    /// <summary>
    /// About the most bytes of stored calls one page holds (a page always holds at least one call, whatever its size):
    /// a follower's answer stays well under the gateway's and Orleans' message bounds.
    /// </summary>
    public const int MaxBytes = 4 * 1024 * 1024;
}

/// <summary>
/// Where silos ring followers: one stream per followed target (<see cref="FollowTarget.Key"/>). A ring says "ends were
/// committed"; what they were is read from the database, so a lost ring only delays a follower (it looks again within a
/// second), never skips a call.
/// </summary>
public static class FollowStreams
{
    /// <summary>
    /// The stream provider's name, on silos and clients. Not the workflows' (<c>pyfi</c>): Orleans keeps a provider's
    /// subscriptions in the grain storage named like it when there is one, and <c>pyfi</c> is the model's SQL storage,
    /// whose JSON cannot read Orleans' pub-sub state back after a restart. Under this name they are kept in memory
    /// (<c>PubSubStore</c>): a follower subscribes again with each long poll, and reads each second meanwhile.
    /// </summary>
    public const string Provider = "pyfi.follow";

    /// <summary>The streams' namespace.</summary>
    public const string Namespace = "pyfi.follow";

    /// <summary>The provider's queues, the same on silos and clients: one, as <see cref="FlowStreams.Queues"/> says why.</summary>
    public const int Queues = 1;
}

/// <summary>A ring on a follow stream: this many ends of the target were committed in one batch.</summary>
/// <param name="Ended">How many.</param>
[GenerateSerializer, Immutable, Alias("pyfi.FollowBell")]
public sealed record FollowBell([property: Id(0)] int Ended);
