using System.Diagnostics.CodeAnalysis;
using Pyfi.Client.Sockets;

namespace Pyfi.Client.Calls;

/// <summary>
/// One task call in the network, by id: started here (<see cref="StartAsync(IGrainFactory, CallRequest, PyfiRetry?, CancellationToken)"/>,
/// <see cref="PyfiSocket{TResult}.StartAsync(object?[], CancellationToken)"/>) or by any other client
/// (<see cref="PyfiClient.Call(Guid)"/>), to ask how it is, wait for its end, take its result or cancel it. The call
/// runs whether or not this handle is kept.
/// </summary>
/// <remarks>
/// Every operation rides through changes of the cluster (<see cref="PyfiRetry"/>): each is safe to send again, a
/// submission because it carries an idempotency key. Waiting is pushed, not polled: the socket holding the call
/// answers a wait the moment the call ends. One grain call may wait at most <see cref="Slice"/> (inside Orleans'
/// 30 s response timeout), so a longer wait asks again each slice; a waiter that is cancelled, or whose gateway
/// client went away, drops its wait on the socket at once (the token travels with the grain call).
/// </remarks>
public sealed class PyfiCall
{
    /// <summary>How long one grain call waits for a call's end before it is asked again.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromSeconds(20);

    private readonly IGrainFactory _grains;
    private readonly PyfiRetry _retry;

    /// <summary>
    /// A handle on call <paramref name="id"/> through <paramref name="grains"/> (an Orleans client, or a grain
    /// factory inside a silo), retrying through cluster changes with <paramref name="retry"/> (default <see cref="PyfiRetry.Default"/>).
    /// </summary>
    public PyfiCall(IGrainFactory grains, Guid id, PyfiRetry? retry = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _retry = retry ?? PyfiRetry.Default;
        Id = id;
    }

    private PyfiCall(IGrainFactory grains, CallInfo known, PyfiRetry? retry)
        : this(grains, known.Id, retry) => Last = known;

    /// <summary>The call's id.</summary>
    public Guid Id { get; }

    /// <summary>The call as this handle last saw it (after a start, an answer or a wait), or <see langword="null"/> before it asked.</summary>
    public CallInfo? Last { get; private set; }

    /// <summary>
    /// Submits <paramref name="request"/> to its socket and returns the handle once the network has stored the call.
    /// A request without an idempotency key gets one (<see cref="CallKey"/>), so a submission sent again after a
    /// failure finds the first call instead of making a second. Throws <see cref="NotFoundException"/> for a socket that
    /// does not exist, <see cref="InvalidSpecException"/> for malformed arguments, <see cref="QueueFullException"/>
    /// when the socket's queue is at its bound, and <see cref="UnavailableException"/> when the network did not answer.
    /// </summary>
    public static Task<PyfiCall> StartAsync(IGrainFactory grains, CallRequest request, PyfiRetry? retry = null, CancellationToken cancellationToken = default) =>
        StartAsync(grains, request, TimeSpan.Zero, retry, cancellationToken);

    /// <summary>
    /// Submits <paramref name="request"/> (see <see cref="StartAsync(IGrainFactory, CallRequest, PyfiRetry?, CancellationToken)"/>)
    /// and lets the submission wait up to <paramref name="firstWait"/> (at most <see cref="Slice"/>) for the call's end:
    /// a short call is started and answered in one grain call. <see cref="Last"/> has the call as the submission left it.
    /// </summary>
    public static Task<PyfiCall> StartAsync(IGrainFactory grains, CallRequest request, TimeSpan firstWait, PyfiRetry? retry = null, CancellationToken cancellationToken = default) =>
        StartAsync(grains, request, firstWait, retry, null, cancellationToken);

    /// <summary>
    /// Submits <paramref name="request"/> (see <see cref="StartAsync(IGrainFactory, CallRequest, TimeSpan, PyfiRetry?, CancellationToken)"/>)
    /// straight to the partition of its socket that its key goes to, as far as <paramref name="routes"/> knows
    /// (a client keeps one <see cref="SocketRoutes"/> for all its submissions).
    /// </summary>
    public static async Task<PyfiCall> StartAsync(IGrainFactory grains, CallRequest request, TimeSpan firstWait, PyfiRetry? retry, SocketRoutes? routes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(request);
        var keyed = request.Key is null ? request with { Key = CallKey.New() } : request;
        var wait = firstWait < Slice ? firstWait : Slice;
        var socket = routes?.For(grains, keyed) ?? grains.GetGrain<ISocketGrain>(keyed.Socket);
        var call = await (retry ?? PyfiRetry.Default).RunAsync(token => socket.RunAsync(keyed, wait, token), cancellationToken).ConfigureAwait(false);
        return new PyfiCall(grains, call, retry);
    }

    /// <summary>The call as it is now. Throws <see cref="NotFoundException"/> for an unknown id.</summary>
    public async Task<CallInfo> InfoAsync(CancellationToken cancellationToken = default)
    {
        var grain = Grain;
        return Last = await _retry.RunAsync(_ => grain.GetAsync(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the call to end, however it ends (succeeded, failed or cancelled), and returns it. Throws
    /// <see cref="TimeoutException"/> when <paramref name="timeout"/> passes first (the call goes on),
    /// <see cref="NotFoundException"/> for an unknown id, and <see cref="UnavailableException"/> when the network did not
    /// answer for <see cref="PyfiRetry.Patience"/>. <paramref name="cancellationToken"/> stops the waiting, not the call.
    /// </summary>
    public async Task<CallInfo> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (Last is { } known && known.State.IsFinal()) return known;
        using var deadline = timeout is { } t ? new CancellationTokenSource(t, _retry.Time) : null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        var grain = Grain;
        try
        {
            CallInfo call;
            do
            {
                call = Last = await _retry.RunAsync(token => grain.WaitAsync(Slice, token), limit.Token).ConfigureAwait(false);
            }
            while (!call.State.IsFinal());
            return call;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && limit.IsCancellationRequested)
        {
            throw new TimeoutException($"call {Id} did not end within {timeout}; it goes on in the network");
        }
    }

    /// <summary>
    /// Waits for the call to end (see <see cref="WaitAsync"/>) and returns its result as <typeparamref name="TResult"/>.
    /// Throws <see cref="PyfiCallFailedException"/> when it failed or was cancelled, and <see cref="PyfiTypeMismatchException"/>
    /// when the result is not a <typeparamref name="TResult"/>.
    /// </summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public async Task<TResult> GetAsync<TResult>(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ResultOf<TResult>(await WaitAsync(timeout, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Cancels the call: a queued call never runs, a running attempt is stopped. Returns it cancelled; cancelling a
    /// cancelled call again returns it as it is. Throws <see cref="CallEndedException"/> when it had already ended otherwise.
    /// </summary>
    public async Task<CallInfo> CancelAsync(CancellationToken cancellationToken = default)
    {
        var grain = Grain;
        return Last = await _retry.RunAsync(_ => grain.CancelAsync(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The result of an ended call as <typeparamref name="TResult"/>, or its failure as an exception.</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    internal static TResult ResultOf<TResult>(CallInfo call)
    {
        if (call.State != CallState.Succeeded) throw new PyfiCallFailedException(call);
        return Json.Result<TResult>(call.Socket, call.Result ?? "null");
    }

    private ITaskCallGrain Grain => _grains.GetGrain<ITaskCallGrain>(Id);
}
