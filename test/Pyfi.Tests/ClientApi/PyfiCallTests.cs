using System.Reflection;
using Orleans.Runtime;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Client.Sockets;

namespace Pyfi.Tests.ClientApi;

/// <summary>
/// <see cref="PyfiCall"/>'s semantics without a cluster: a wait is slices the socket answers (pushed at the call's end),
/// ridden through transient failures; a waiter that leaves takes its wait with it; a submission carries an
/// idempotency key and is sent again with the same one. Grains are scripted fakes; time is a fake clock.
/// </summary>
[Trait("Category", "Fast")]
public sealed class PyfiCallTests
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly ScriptedTaskCall _grain = new();
    private readonly RetryClock _clock = new();
    private readonly IGrainFactory _grains;
    private readonly PyfiRetry _retry;

    public PyfiCallTests()
    {
        (_grains, var fake) = FakeGrains.Create();
        fake.Register<ITaskCallGrain>(key => (Guid)key == _id ? _grain : throw new InvalidOperationException("another call"));
        fake.Register<ISocketGrain>(_ => _socket);
        _retry = new PyfiRetry(TimeSpan.FromSeconds(60), _clock);
    }

    private readonly ISocketGrain _socket = ScriptedSocket.Create();

    private ScriptedSocket Socket => (ScriptedSocket)(object)_socket;

    [Fact]
    public async Task AWaitAsksSliceBySliceUntilTheCallEnds()
    {
        _grain.Waits.Enqueue((_, _) => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Running)));
        _grain.Waits.Enqueue((_, _) => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Queued)));
        _grain.Waits.Enqueue((_, _) => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Succeeded, "42")));
        var call = new PyfiCall(_grains, _id, _retry);

        var ended = await call.WaitAsync();

        Assert.Equal(CallState.Succeeded, ended.State);
        Assert.Equal([PyfiCall.Slice, PyfiCall.Slice, PyfiCall.Slice], _grain.Slices);
        Assert.True(PyfiCall.Slice < TimeSpan.FromSeconds(30), "a slice must end inside Orleans' response timeout");
        Assert.Same(ended, call.Last);
    }

    [Fact]
    public async Task AWaitRidesThroughASiloLost()
    {
        _grain.Waits.Enqueue((_, _) => Task.FromException<CallInfo>(new SiloUnavailableException()));
        _grain.Waits.Enqueue((_, _) => Task.FromException<CallInfo>(new TimeoutException("Response did not arrive on time")));
        _grain.Waits.Enqueue((_, _) => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Succeeded, "\"done\"")));
        var call = new PyfiCall(_grains, _id, _retry);

        var waiting = call.GetAsync<string>();
        for (var i = 0; i < 2; i++)
        {
            await _clock.TimerCreatedAsync();
            _clock.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal("done", await waiting);
        Assert.Equal(3, _grain.Slices.Count);
    }

    [Fact]
    public async Task AWaiterThatLeavesTakesItsWaitWithIt()
    {
        _grain.Waits.Enqueue(ScriptedTaskCall.Forever);
        using var leave = new CancellationTokenSource();
        var waiting = new PyfiCall(_grains, _id, _retry).WaitAsync(cancellationToken: leave.Token);
        Assert.Single(_grain.Tokens);

        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        // The token went with the grain call: the socket drops the wait the moment the waiter leaves.
        Assert.True(_grain.Tokens[0].IsCancellationRequested);
    }

    [Fact]
    public async Task AWaitWithATimeoutEndsWithTimeoutExceptionAndDropsItsWait()
    {
        _grain.Waits.Enqueue(ScriptedTaskCall.Forever);
        var waiting = new PyfiCall(_grains, _id, _retry).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromSeconds(5), await _clock.TimerCreatedAsync());
        _clock.Advance(TimeSpan.FromSeconds(5));

        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => waiting);
        Assert.Equal($"call {_id} did not end within 00:00:05; it goes on in the network", timedOut.Message);
        Assert.True(_grain.Tokens[0].IsCancellationRequested);
    }

    [Fact]
    public async Task AnEndedCallIsNotAskedAgain()
    {
        Socket.Answers.Enqueue(request => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Succeeded, "1") with { Key = request.Key }));

        var call = await PyfiCall.StartAsync(_grains, new CallRequest { Socket = "s", Args = "[]" }, PyfiCall.Slice, _retry);

        Assert.Equal(1, await call.GetAsync<int>());
        Assert.Empty(_grain.Slices);
        Assert.Equal([PyfiCall.Slice], Socket.Waits);
    }

    [Fact]
    public async Task ASubmissionCarriesAKeyAndIsSentAgainWithTheSameOne()
    {
        // The first answer is lost (the silo died after storing the call): the second finds the same call by its key.
        Socket.Answers.Enqueue(_ => Task.FromException<CallInfo>(new TimeoutException()));
        Socket.Answers.Enqueue(request => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Queued) with { Key = request.Key }));

        var starting = PyfiCall.StartAsync(_grains, new CallRequest { Socket = "s", Args = "[]" }, _retry);
        await _clock.TimerCreatedAsync();
        _clock.Advance(TimeSpan.FromSeconds(2));
        var call = await starting;

        Assert.Equal(_id, call.Id);
        Assert.Equal(2, Socket.Requests.Count);
        Assert.StartsWith(CallKey.AutomaticPrefix, Socket.Requests[0].Key);
        Assert.Equal(Socket.Requests[0].Key, Socket.Requests[1].Key);
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero], Socket.Waits);
    }

    [Fact]
    public async Task AUsersOwnKeyIsKept()
    {
        Socket.Answers.Enqueue(request => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Queued) with { Key = request.Key }));

        await PyfiCall.StartAsync(_grains, new CallRequest { Socket = "s", Args = "[]", Key = "invoice-7" }, _retry);

        Assert.Equal("invoice-7", Socket.Requests.Single().Key);
    }

    [Fact]
    public async Task ARefusedSubmissionIsNotSentAgain()
    {
        Socket.Answers.Enqueue(_ => Task.FromException<CallInfo>(new QueueFullException("s", 10)));

        await Assert.ThrowsAsync<QueueFullException>(() => PyfiCall.StartAsync(_grains, new CallRequest { Socket = "s", Args = "[]" }, _retry));

        Assert.Single(Socket.Requests);
    }

    [Fact]
    public async Task AFailedCallIsAnExceptionWithTheCall()
    {
        _grain.Waits.Enqueue((_, _) => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Failed)));

        var failed = await Assert.ThrowsAsync<PyfiCallFailedException>(() => new PyfiCall(_grains, _id, _retry).GetAsync<int>());

        Assert.Equal("s failed: ValueError: bad value", failed.Message);
        Assert.Equal(_id, failed.Call.Id);
    }

    [Fact]
    public async Task CancelIsSentAgainThroughASiloLost()
    {
        var answers = new Queue<Func<Task<CallInfo>>>([
            () => Task.FromException<CallInfo>(new SiloUnavailableException()),
            () => Task.FromResult(ScriptedTaskCall.Call(_id, CallState.Cancelled)),
        ]);
        _grain.Get = () => answers.Dequeue()();

        var cancelling = new PyfiCall(_grains, _id, _retry).CancelAsync();
        await _clock.TimerCreatedAsync();
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(CallState.Cancelled, (await cancelling).State);
        Assert.Equal(2, _grain.Cancels);
    }

    /// <summary>A socket grain that records each submission and answers it as scripted.</summary>
    public class ScriptedSocket : DispatchProxy
    {
        /// <summary>What each submission answers, in turn.</summary>
        public Queue<Func<CallRequest, Task<CallInfo>>> Answers { get; } = new();

        /// <summary>The submissions, in order.</summary>
        public List<CallRequest> Requests { get; } = [];

        /// <summary>The waits the submissions asked for, in order.</summary>
        public List<TimeSpan> Waits { get; } = [];

        /// <summary>A new scripted socket.</summary>
        public static ISocketGrain Create() => Create<ISocketGrain, ScriptedSocket>();

        /// <inheritdoc />
        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method?.Name != nameof(ISocketGrain.RunAsync) || args is not [CallRequest request, TimeSpan wait, ..]) throw new NotSupportedException(method?.Name);
            Requests.Add(request);
            Waits.Add(wait);
            return Answers.Dequeue()(request);
        }
    }
}
