using System.Runtime.ExceptionServices;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Polly;
using Polly.Retry;
using Pyfi.Client.Gateway;

namespace Pyfi.Client;

/// <summary>
/// How a Pyfi client rides through changes of the cluster: the one place that says which failures are transient
/// (<see cref="IsTransient"/>) and retries an operation through them, with jittered exponential backoff, for at
/// most <see cref="Patience"/> from the first failure in a row; then it gives up with an
/// <see cref="UnavailableException"/> whose message is one line for a person (never an Orleans type name).
/// </summary>
/// <remarks>
/// Only operations that may safely run twice are given to it: reads, waits, cancels, a workflow's start under the id
/// the client chose, and a call's submission under an idempotency key (a repeated submission finds the first call).
/// The silo's gateway runs the <c>pyfi</c> tool's operations through one, <see cref="Gateway.GatewayConnection"/> its
/// repeatable requests; the .NET client's <c>PyfiClient</c>, <c>PyfiCall</c> and <c>PyfiFlow</c> run theirs through one too.
/// </remarks>
public sealed class PyfiRetry
{
    /// <summary>How long a client keeps trying through failures in a row by default: a silo killed outright is declared dead within about 30 s.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    // Backoff between tries: doubling from the first to the last, each with jitter (many clients retrying at once spread out).
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastDelay = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<DateTimeOffset> FirstFailure = new("pyfi.first-failure");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;

    /// <summary>Creates the retry: trying for at most <paramref name="patience"/> (default <see cref="DefaultPatience"/>) on <paramref name="time"/>'s clock.</summary>
    public PyfiRetry(TimeSpan? patience = null, TimeProvider? time = null)
    {
        Patience = patience ?? DefaultPatience;
        if (Patience < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(patience), "patience cannot be negative");
        _time = time ?? TimeProvider.System;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsTransient(e) && !args.Context.CancellationToken.IsCancellationRequested && StillPatient(args.Context)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = LastDelay,
            })
            .Build();
    }

    /// <summary>The retry every client uses unless told otherwise.</summary>
    public static PyfiRetry Default { get; } = new();

    /// <summary>How long failures in a row are retried before the operation gives up.</summary>
    public TimeSpan Patience { get; }

    /// <summary>The clock its backoff and patience run on (and the deadlines of waits that use it).</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// Whether <paramref name="exception"/> says only that the cluster is changing, so the same request may succeed
    /// if sent again: a message rejected or undeliverable (a silo lost, its address still cached), a silo unavailable,
    /// a response that did not come in time (membership still settling), a gateway too busy or whose connection
    /// failed, the connection to the <c>pyfi</c> gateway broken, or a silo stopping. A refusal (a Pyfi error: not
    /// found, invalid, queue full, not allowed, database unavailable) is an answer, not transient; so is
    /// <see cref="UnavailableException"/>, which says a retry has already waited as long as it would.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } one => IsTransient(one.InnerExceptions[0]),
        OrleansMessageRejectionException => true, // SiloUnavailableException too
        ConnectionFailedException => true,
        GatewayTooBusyException => true,
        TimeoutException => true,
        PyfiConnectionException => true,
        GatewayException { Kind: GatewayException.Stopping } => true,
        _ => false,
    };

    /// <summary>
    /// Runs <paramref name="operation"/>, again after each transient failure (see <see cref="IsTransient"/>) until it
    /// succeeds, fails otherwise, <paramref name="cancellationToken"/> is cancelled, or failures in a row have lasted
    /// <see cref="Patience"/>: then it throws <see cref="UnavailableException"/>. The operation must be safe to run twice.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        // Almost every operation succeeds at once, so its first try runs here: the retry pipeline's machinery per run
        // (its context, outcome and state machines) was a fifth of the .NET client's CPU on a stream of calls. Only
        // an operation that failed transiently enters the pipeline, which sees that failure as its first try's.
        ExceptionDispatchInfo failure;
        try
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var retried = new Retried<T>(operation, failure);
            return await _pipeline.ExecuteAsync(static async (ctx, state) => await state.TryAsync(ctx.CancellationToken).ConfigureAwait(false), context, retried).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new UnavailableException($"the network did not answer within {Format(Patience)} ({Reason(e)}); a silo may have been lost: try again once the cluster has settled", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>What a transient failure means, in a few words for a person.</summary>
    public static string Reason(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } one => Reason(one.InnerExceptions[0]),
        SiloUnavailableException => "a silo it needed is unavailable",
        OrleansMessageRejectionException or ConnectionFailedException => "a silo it needed could not be reached",
        GatewayTooBusyException => "the gateway is too busy",
        TimeoutException => "no answer in time",
        PyfiException pyfi => pyfi.Message,
        _ => "an unexpected error",
    };

    // True while failures in a row began less than Patience ago; the first failure starts the count.
    private bool StillPatient(ResilienceContext context)
    {
        var now = _time.GetUtcNow();
        if (!context.Properties.TryGetValue(FirstFailure, out var first))
        {
            context.Properties.Set(FirstFailure, now);
            first = now;
        }

        return now - first < Patience;
    }

    // An operation in the pipeline whose first try already failed: the pipeline's first try is that failure again.
    private sealed class Retried<T>(Func<CancellationToken, Task<T>> operation, ExceptionDispatchInfo first)
    {
        private ExceptionDispatchInfo? _first = first;

        public Task<T> TryAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _first, null) is { } failed) failed.Throw();
            return operation(cancellationToken);
        }
    }

    private static string Format(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.TotalSeconds == Math.Floor(span.TotalSeconds) ? $"{span.TotalSeconds:0} s" : $"{span.TotalMilliseconds:0} ms";
}
