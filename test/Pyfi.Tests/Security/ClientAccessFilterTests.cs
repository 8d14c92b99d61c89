using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using Orleans.Serialization.Invocation;
using Pyfi.Grains.Placement;
using Pyfi.Grains.Security;
using Pyfi.Storage;
using Pyfi.Storage.Tokens;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// The filters every call of a silo passes, without a silo: what a client's call runs with once it is allowed
/// (nothing the client put in its request context), what the network's own call keeps, that a call carrying only the
/// mark runs without it and without the caller's async locals, and that the calls a grain makes are marked on their
/// way out without the mark staying in the grain's context.
/// </summary>
[Trait("Category", "Fast")]
public sealed class ClientAccessFilterTests : IAsyncLifetime
{
    private static readonly MethodInfo AddQueue = typeof(IRegistryGrain).GetMethod(nameof(IRegistryGrain.AddQueueAsync))!;
    private static readonly MethodInfo CreateToken = typeof(IAccessGrain).GetMethod(nameof(IAccessGrain.CreateTokenAsync))!;
    private static readonly MethodInfo Run = typeof(ISocketGrain).GetMethod(nameof(ISocketGrain.RunAsync))!;
    private static readonly CallRequest AsAWorkflowStep = new() { Socket = "s", Args = "[1]", Workflow = Guid.NewGuid() };

    private readonly TempDirectory _data = new("pyfi-filter");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private TokenStore _store = null!;
    private ClusterKey _key = null!;
    private ClientAccessFilter _filter = null!;

    public async Task InitializeAsync()
    {
        var database = PyfiDatabase.From(new PyfiStorageOptions(), _data.Path);
        await SchemaInstaller.ApplyAsync(database);
        _store = new TokenStore(database, "test");
        _key = new ClusterKey(_store);
        await StartedLifecycle.RunAsync(_key);
        _filter = new ClientAccessFilter(_key, new AccessControl(_store, _time, NullLogger<AccessControl>.Instance));
        RequestContext.Clear();
    }

    public Task DisposeAsync()
    {
        RequestContext.Clear();
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AnAllowedClientCallRunsWithNothingTheClientPutInItsRequestContext()
    {
        var token = await MakeAsync("ops", PyfiRole.Operator);
        RequestContext.Set(AccessContext.TokenKey, token);
        RequestContext.Set(PlacementHosts.Key, "no-such-host");
        RequestContext.Set("anything", "else");
        Probe.Value = "the caller's";
        var call = new Call(AddQueue);

        await _filter.Invoke(call);

        Assert.True(call.Ran);
        Assert.Empty(call.Seen);
        Assert.Null(call.ProbeSeen);
    }

    [Fact]
    public async Task TheNetworksOwnCallThatCarriesOnlyItsMarkRunsWithoutItAndWithoutTheCallersAsyncLocals()
    {
        RequestContext.Set(ClusterKey.MarkKey, _key.Mark!);
        Probe.Value = "the caller's";
        var call = new Call(AddQueue);

        await _filter.Invoke(call);

        Assert.True(call.Ran);
        Assert.Empty(call.Seen);
        Assert.Null(call.ProbeSeen);
        Assert.True(_key.IsOwn(RequestContext.Get(ClusterKey.MarkKey)), "the caller's own context is unchanged");
    }

    [Fact]
    public async Task ACallTheNetworkMakesCarriesTheMarkWhichDoesNotStayInTheCallersContext()
    {
        var marker = new InternalCallMarker(_key);
        RequestContext.Set(PlacementHosts.Key, "host-a");
        var call = new Call(AddQueue);

        await marker.Invoke(call);

        Assert.True(_key.IsOwn(call.Seen[ClusterKey.MarkKey]), "the message is made with the network's mark");
        Assert.Equal("host-a", call.Seen[PlacementHosts.Key]);
        Assert.Null(RequestContext.Get(ClusterKey.MarkKey));
        Assert.Equal("host-a", RequestContext.Get(PlacementHosts.Key));
    }

    [Fact]
    public async Task ACallToAClientNeverCarriesTheMark()
    {
        var marker = new InternalCallMarker(_key);
        RequestContext.Set(ClusterKey.MarkKey, _key.Mark!);
        var call = new Call(AddQueue, GrainId.Create("sys.client", "c1"));

        await marker.Invoke(call);

        Assert.True(call.Ran);
        Assert.Empty(call.Seen);
    }

    [Fact]
    public async Task ACallThatChangesTokensAlsoCarriesItsCallersName()
    {
        var token = await MakeAsync("root", PyfiRole.Admin);
        RequestContext.Set(AccessContext.TokenKey, token);
        var call = new Call(CreateToken);

        await _filter.Invoke(call);

        Assert.Equal("root", call.Seen[AccessContext.CallerKey]);
        Assert.DoesNotContain(AccessContext.TokenKey, call.Seen.Keys);
    }

    [Fact]
    public async Task ARefusedClientCallDoesNotRun()
    {
        var token = await MakeAsync("viewer", PyfiRole.Viewer);
        RequestContext.Set(AccessContext.TokenKey, token);
        var call = new Call(AddQueue);

        var refusal = await Assert.ThrowsAsync<NotAllowedException>(() => _filter.Invoke(call));

        Assert.False(call.Ran);
        Assert.Equal("not allowed: role viewer cannot add queues", refusal.Message);
    }

    [Fact]
    public async Task ASubmissionIsLookedAtOnlyOnceItsCallerIsKnown()
    {
        var stranger = new Call(Run, request: AsAWorkflowStep);
        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => _filter.Invoke(stranger));
        Assert.StartsWith("not authenticated: no token given", refusal.Message);

        RequestContext.Set(AccessContext.TokenKey, await MakeAsync("ci", PyfiRole.Submitter));
        var submitter = new Call(Run, request: AsAWorkflowStep);
        var invalid = await Assert.ThrowsAnyAsync<PyfiException>(() => _filter.Invoke(submitter));

        Assert.Contains("set by the network, not by clients", invalid.Message);
        Assert.False(stranger.Ran || submitter.Ran);
    }

    [Fact]
    public async Task TheNetworksOwnCallKeepsItsRequestContext()
    {
        RequestContext.Set(ClusterKey.MarkKey, _key.Mark!);
        RequestContext.Set(PlacementHosts.Key, "host-a");
        var call = new Call(AddQueue);

        await _filter.Invoke(call);

        Assert.Equal("host-a", call.Seen[PlacementHosts.Key]);
    }

    private async Task<string> MakeAsync(string name, PyfiRole role)
    {
        var (token, record) = TokenCodec.Create(name, role, _time.GetUtcNow(), null, "test");
        Assert.True(await _store.InsertAsync(record));
        return token;
    }

    // A grain call as the filter sees it: a client's call of one method, recording the request context it ran with.
    private static readonly AsyncLocal<string?> Probe = new();

    private sealed class Call(MethodInfo method, GrainId? target = null, CallRequest? request = null) : IIncomingGrainCallContext, IOutgoingGrainCallContext
    {
        public bool Ran { get; private set; }

        public Dictionary<string, object?> Seen { get; } = [];

        // The test's async local as the call saw it.
        public string? ProbeSeen { get; private set; }

        public IInvokable Request { get; } = new Arguments(request);

        public object Grain => null!;

        public GrainId? SourceId => null;

        public GrainId TargetId { get; } = target ?? GrainId.Create("test", "target");

        public IGrainContext? SourceContext => null;

        public GrainInterfaceType InterfaceType { get; } = GrainInterfaceType.Create(method.DeclaringType!.FullName!);

        public string InterfaceName => method.DeclaringType!.FullName!;

        public string MethodName => method.Name;

        public MethodInfo InterfaceMethod => method;

        public object? Result { get; set; }

        public Response? Response { get; set; }

        public IGrainContext TargetContext => null!;

        public MethodInfo ImplementationMethod => method;

        public Task Invoke()
        {
            Ran = true;
            ProbeSeen = Probe.Value;
            foreach (var key in RequestContext.Keys) Seen[key] = RequestContext.Get(key);
            return Task.CompletedTask;
        }
    }

    // A call's arguments: none, or the submission it carries.
    private sealed class Arguments(CallRequest? request) : IInvokable
    {
        public bool IsCancellable => false;

        public int GetArgumentCount() => request is null ? 0 : 1;

        public object? GetArgument(int index) => index == 0 && request is not null ? request : throw new ArgumentOutOfRangeException(nameof(index));

        public void SetArgument(int index, object value) => throw new ArgumentOutOfRangeException(nameof(index));

        public object? GetTarget() => null;

        public void SetTarget(ITargetHolder holder) { }

        public ValueTask<Response> Invoke() => throw new NotSupportedException();

        public string GetMethodName() => "";

        public string GetInterfaceName() => "";

        public string GetActivityName() => "";

        public MethodInfo GetMethod() => null!;

        public Type GetInterfaceType() => typeof(object);

        public TimeSpan? GetDefaultResponseTimeout() => null;

        public CancellationToken GetCancellationToken() => default;

        public bool TryCancel() => false;

        public void Dispose() { }
    }

    // Runs a silo lifecycle participant's start stages, in order, as a silo's start would.
    private sealed class StartedLifecycle : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage { get; private set; }

        public int LowestStoppedStage => int.MaxValue;

        public static async Task RunAsync(ILifecycleParticipant<ISiloLifecycle> participant)
        {
            var lifecycle = new StartedLifecycle();
            participant.Participate(lifecycle);
            foreach (var (stage, observer) in lifecycle._observers.OrderBy(o => o.Stage))
            {
                await observer.OnStart(CancellationToken.None);
                lifecycle.HighestCompletedStage = stage;
            }
        }

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new NoSubscription();
        }

        private sealed class NoSubscription : IDisposable
        {
            public void Dispose() { }
        }
    }
}
