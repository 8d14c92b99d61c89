using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Pyfi.Client;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;

namespace Pyfi.Tests.ClientApi;

/// <summary>
/// Which failures a client retries (those that only say the cluster is changing) and how: backoff on the clock,
/// patience counted from the first failure in a row, one clear line at the end. No processes, a fake clock.
/// </summary>
[Trait("Category", "Fast")]
public sealed class PyfiRetryTests
{
    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new SiloUnavailableException(), true },
        { new ConnectionFailedException("Unable to connect to S127.0.0.1:11111:0"), true },
        { new GatewayTooBusyException(), true },
        { new TimeoutException("Response did not arrive on time in 00:00:30"), true },
        { new PyfiConnectionException("the connection to 127.0.0.1:30000 broke"), true },
        { new GatewayException(GatewayException.Stopping, "the silo is stopping"), true },
        { new AggregateException(new SiloUnavailableException()), true },
        { new NotFoundException("socket", "s"), false },
        { new QueueFullException("s", 10), false },
        { new InvalidSpecException("bad"), false },
        { new StorageUnavailableException("the database is unavailable"), false },
        { new NotAuthenticatedException("no token"), false },
        { new UnavailableException("already retried"), false },
        { new GatewayException("NotFound", "socket 's' does not exist"), false },
        { new GatewayException("Unavailable", "the network did not answer"), false },
        { new OperationCanceledException(), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void OnlyFailuresThatSayTheClusterIsChangingAreTransient(Exception failure, bool transient) =>
        Assert.Equal(transient, PyfiRetry.IsTransient(failure));

    [Fact]
    public void AMessageRejectionIsTransient()
    {
        // Orleans makes these itself (the constructors are not public): a rejection is what a client sees while a
        // silo that was lost is still in the directory ("Unable to connect to S127.0.0.1:…").
        var rejection = (Exception)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(OrleansMessageRejectionException));
        Assert.True(PyfiRetry.IsTransient(rejection));
    }

    [Fact]
    public async Task TransientFailuresAreRetriedWithBackoffUntilTheOperationSucceeds()
    {
        var clock = new RetryClock();
        var retry = new PyfiRetry(TimeSpan.FromSeconds(60), clock);
        var attempts = 0;
        var run = retry.RunAsync(_ => ++attempts < 4 ? Task.FromException<int>(new SiloUnavailableException()) : Task.FromResult(42));

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            delays.Add(await clock.TimerCreatedAsync());
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(42, await run);
        Assert.Equal(4, attempts);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task APersistentOutageGivesUpAfterThePatienceWithOneLineAndNoTypeName()
    {
        var clock = new RetryClock();
        var retry = new PyfiRetry(TimeSpan.FromSeconds(10), clock);
        var attempts = 0;
        var started = clock.GetUtcNow();
        var run = retry.RunAsync<int>(_ =>
        {
            attempts++;
            return Task.FromException<int>(new ConnectionFailedException("Unable to connect to S127.0.0.1:11111:0, will retry after 1000ms"));
        });

        // Each backoff is at most 2 s: moving 2 s on wakes it whatever its jitter.
        while (!run.IsCompleted)
        {
            var waiting = clock.TimerCreatedAsync();
            if (await Task.WhenAny(waiting, run) == run) break;
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        var failure = await Assert.ThrowsAsync<UnavailableException>(() => run);
        // Tries at 0, 2, 4, 6, 8 and 10 s; the one at 10 s is the patience's end.
        Assert.Equal(6, attempts);
        Assert.Equal(TimeSpan.FromSeconds(10), clock.GetUtcNow() - started);
        Assert.Equal("the network did not answer within 10 s (a silo it needed could not be reached); a silo may have been lost: try again once the cluster has settled", failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.DoesNotContain("Exception", failure.Message);
        Assert.DoesNotContain("Orleans", failure.Message);
    }

    [Fact]
    public async Task PatienceCountsFromTheFirstFailureNotFromTheStart()
    {
        var clock = new RetryClock();
        var retry = new PyfiRetry(TimeSpan.FromSeconds(4), clock);
        var attempts = 0;
        var operationStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowFirstAnswer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = retry.RunAsync(_ =>
        {
            attempts++;
            if (attempts == 1)
            {
                operationStarted.SetResult();
                return slowFirstAnswer.Task;
            }

            return attempts < 3 ? Task.FromException<int>(new TimeoutException()) : Task.FromResult(7);
        });

        // The first try waits 30 s (a long wait is not a failure), then times out: patience starts only then.
        await operationStarted.Task;
        clock.Advance(TimeSpan.FromSeconds(30));
        slowFirstAnswer.SetException(new TimeoutException());
        for (var i = 0; i < 2; i++)
        {
            await clock.TimerCreatedAsync();
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(7, await run);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task ARefusalIsNotRetried()
    {
        var retry = new PyfiRetry(TimeSpan.FromSeconds(60), new RetryClock());
        var attempts = 0;

        await Assert.ThrowsAsync<NotFoundException>(() => retry.RunAsync<int>(_ =>
        {
            attempts++;
            return Task.FromException<int>(new NotFoundException("call", "x"));
        }));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task CancellingStopsTheRetriesAtOnce()
    {
        var clock = new RetryClock();
        var retry = new PyfiRetry(TimeSpan.FromSeconds(60), clock);
        using var cancel = new CancellationTokenSource();
        var attempts = 0;
        var run = retry.RunAsync<int>(_ =>
        {
            attempts++;
            return Task.FromException<int>(new SiloUnavailableException());
        }, cancel.Token);

        await clock.TimerCreatedAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, attempts);
    }

    [Theory]
    [InlineData(GatewayOps.GetCall, true)]
    [InlineData(GatewayOps.CancelCall, true)]
    [InlineData(GatewayOps.GetFlow, true)]
    [InlineData(GatewayOps.WatchFlow, true)]
    [InlineData(GatewayOps.ListCalls, true)]
    [InlineData(GatewayOps.ListSockets, true)]
    [InlineData(GatewayOps.Hello, true)]
    [InlineData(GatewayOps.AddSocket, false)]
    [InlineData(GatewayOps.DeleteQueue, false)]
    [InlineData(GatewayOps.UpdateProcessor, false)]
    [InlineData(GatewayOps.StartFlow, false)]
    [InlineData(GatewayOps.CreateToken, false)]
    [InlineData(GatewayOps.RevokeToken, false)]
    public void OnlyRequestsThatMaySafelyRunTwiceAreSentAgain(string op, bool repeatable) =>
        Assert.Equal(repeatable, GatewayOps.IsRepeatable(op, null));

    [Fact]
    public void ASubmissionIsSentAgainOnlyUnderAnIdempotencyKey()
    {
        var args = System.Text.Json.JsonDocument.Parse("[]").RootElement;
        Assert.True(GatewayOps.IsRepeatable(GatewayOps.RunTask, new TaskRunArgs("s", args, Key: "auto:1")));
        Assert.False(GatewayOps.IsRepeatable(GatewayOps.RunTask, new TaskRunArgs("s", args)));
    }
}
