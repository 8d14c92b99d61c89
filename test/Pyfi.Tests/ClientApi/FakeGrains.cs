using System.Collections.Concurrent;
using System.Reflection;

namespace Pyfi.Tests.ClientApi;

/// <summary>
/// An <see cref="IGrainFactory"/> without a cluster, for fast tests of client code: <c>GetGrain&lt;T&gt;(key)</c>
/// returns what <see cref="Register{TGrain}"/> was given for <c>T</c>; any other member throws.
/// </summary>
public class FakeGrains : DispatchProxy
{
    private readonly ConcurrentDictionary<Type, Func<object, object>> _grains = new();

    /// <summary>A new fake factory.</summary>
    public static (IGrainFactory Factory, FakeGrains Fake) Create()
    {
        var factory = Create<IGrainFactory, FakeGrains>();
        return (factory, (FakeGrains)(object)factory);
    }

    /// <summary>Answers <c>GetGrain&lt;TGrain&gt;(key)</c> with <paramref name="grain"/>(key).</summary>
    public void Register<TGrain>(Func<object, TGrain> grain) where TGrain : class => _grains[typeof(TGrain)] = key => grain(key);

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method is { Name: "GetGrain", IsGenericMethod: true } && args is [{ } key, ..] && _grains.TryGetValue(method.GetGenericArguments()[0], out var grain))
        {
            return grain(key);
        }

        throw new NotSupportedException($"FakeGrains does not do {method?.Name}");
    }
}

/// <summary>
/// A task call grain whose answers a test scripts: each <see cref="ITaskCallGrain.WaitAsync"/> takes the next
/// answer from <see cref="Waits"/> (given the slice asked for and the caller's token).
/// </summary>
public sealed class ScriptedTaskCall : ITaskCallGrain
{
    /// <summary>What each wait answers, in turn.</summary>
    public Queue<Func<TimeSpan, CancellationToken, Task<CallInfo>>> Waits { get; } = new();

    /// <summary>What <see cref="GetAsync"/> answers.</summary>
    public Func<Task<CallInfo>> Get { get; set; } = () => throw new NotSupportedException("no answer scripted for GetAsync");

    /// <summary>The slices asked for, in order.</summary>
    public List<TimeSpan> Slices { get; } = [];

    /// <summary>The tokens the waits were given, in order.</summary>
    public List<CancellationToken> Tokens { get; } = [];

    /// <summary>How many times it was cancelled.</summary>
    public int Cancels { get; private set; }

    /// <inheritdoc />
    public Task<CallInfo> GetAsync() => Get();

    /// <inheritdoc />
    public Task<CallInfo> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Slices.Add(timeout);
        Tokens.Add(cancellationToken);
        return Waits.Count > 0 ? Waits.Dequeue()(timeout, cancellationToken) : throw new InvalidOperationException("no more waits scripted");
    }

    /// <inheritdoc />
    public Task<CallInfo> CancelAsync()
    {
        Cancels++;
        return Get();
    }

    /// <summary>A call of socket <c>s</c> in <paramref name="state"/>.</summary>
    public static CallInfo Call(Guid id, CallState state, string? result = null) => new()
    {
        Id = id,
        Socket = "s",
        Processor = "p",
        Function = "f",
        Created = DateTimeOffset.UnixEpoch,
        State = state,
        Result = result,
        Error = state == CallState.Failed ? new CallError("ValueError", "bad value") : null,
    };

    /// <summary>A wait that ends only when its token is cancelled (a call that does not end while the test looks).</summary>
    public static Task<CallInfo> Forever(TimeSpan slice, CancellationToken token) =>
        Task.Delay(Timeout.Infinite, token).ContinueWith<CallInfo>(_ => throw new OperationCanceledException(token), TaskScheduler.Default);
}
