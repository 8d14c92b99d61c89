using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pyfi.Client.Calls;
using Pyfi.Client.Workflows;

namespace Pyfi.Client.Sockets;

/// <summary>
/// A socket as a .NET function (see <see cref="PyfiClient.Socket{TResult}(string)"/>): its arguments cross to
/// Python as JSON, and its result comes back as <typeparamref name="TResult"/>.
/// </summary>
/// <typeparam name="TResult">What the Python function returns, read from its JSON result.</typeparam>
public class PyfiSocket<TResult>
{
    private readonly IGrainFactory _grains;
    private readonly PyfiRetry _retry;
    private readonly SocketRoutes _routes;

    internal PyfiSocket(IGrainFactory grains, string name, PyfiRetry retry, SocketRoutes routes)
    {
        _grains = grains;
        _retry = retry;
        _routes = routes;
        Name = ModelRules.Name("socket", name);
    }

    /// <summary>The socket's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Runs the function once with <paramref name="args"/> as its positional arguments and returns its result.
    /// Throws <see cref="PyfiCallFailedException"/> when the call fails (a Python exception after its attempts,
    /// or cancelled), <see cref="NotFoundException"/> for a socket that does not exist, and
    /// <see cref="PyfiTypeMismatchException"/> when an argument cannot be sent as JSON or the result is not a
    /// <typeparamref name="TResult"/>, and <see cref="InvalidSpecException"/> when the arguments nest deeper than
    /// <see cref="PyfiLimits.MaxDepth"/> levels or are larger than <see cref="PyfiLimits.DefaultMaxPayloadBytes"/>.
    /// It rides through changes of the cluster (a silo lost, see <see cref="PyfiRetry"/>): the call is submitted with
    /// an idempotency key, so a submission sent again is the same call; <see cref="UnavailableException"/> when the
    /// network did not answer for the retry's patience. <paramref name="cancellationToken"/> stops the waiting, not the call.
    /// </summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public Task<TResult> CallAsync(object?[] args, CancellationToken cancellationToken = default) =>
        CallAsync(args, null, cancellationToken);

    /// <summary>Runs the function with positional <paramref name="args"/> and keyword <paramref name="kwargs"/> (see <see cref="CallAsync(object?[], CancellationToken)"/>).</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public async Task<TResult> CallAsync(object?[] args, IReadOnlyDictionary<string, object?>? kwargs, CancellationToken cancellationToken = default)
    {
        // A short call is submitted and answered in one grain call; a longer one is waited for by its handle.
        var call = await PyfiCall.StartAsync(_grains, Request(args, kwargs), PyfiCall.Slice, _retry, _routes, cancellationToken);
        return await call.GetAsync<TResult>(cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Submits a call of the function with <paramref name="args"/> and returns its handle once the network has stored
    /// it, without waiting for it to run (see <see cref="PyfiCall"/>: wait, take its result, cancel).
    /// </summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public Task<PyfiCall> StartAsync(object?[] args, CancellationToken cancellationToken = default) => StartAsync(args, null, cancellationToken);

    /// <summary>Submits a call with positional <paramref name="args"/> and keyword <paramref name="kwargs"/> (see <see cref="StartAsync(object?[], CancellationToken)"/>).</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public Task<PyfiCall> StartAsync(object?[] args, IReadOnlyDictionary<string, object?>? kwargs, CancellationToken cancellationToken = default) =>
        PyfiCall.StartAsync(_grains, Request(args, kwargs), TimeSpan.Zero, _retry, _routes, cancellationToken);

    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    private CallRequest Request(object?[] args, IReadOnlyDictionary<string, object?>? kwargs) =>
        new() { Socket = Name, Args = Json.Arguments(Name, args), Kwargs = kwargs is null ? null : Json.Keywords(Name, kwargs) };

    /// <summary>A deferred call of this socket with <paramref name="args"/> (the original's <c>socket.p(...)</c>), for pipelines, parallels and funnels.</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public PyfiStep<TResult> Bind(params object?[] args) => new(FlowStep.Call(Name, Json.Arguments(Name, args)));

}

/// <summary>A socket taking one argument of a known type (see <see cref="PyfiClient.Socket{TArg, TResult}(string)"/>).</summary>
/// <typeparam name="TArg">The argument's type, sent as JSON.</typeparam>
/// <typeparam name="TResult">The result's type, read from JSON.</typeparam>
public sealed class PyfiSocket<TArg, TResult> : PyfiSocket<TResult>
{
    internal PyfiSocket(IGrainFactory grains, string name, PyfiRetry retry, SocketRoutes routes)
        : base(grains, name, retry, routes)
    {
    }

    /// <summary>Runs the function with <paramref name="arg"/> and returns its result (see <see cref="PyfiSocket{TResult}.CallAsync(object?[], CancellationToken)"/>).</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public Task<TResult> CallAsync(TArg arg, CancellationToken cancellationToken = default) => CallAsync([arg], cancellationToken);

    /// <summary>A deferred call with <paramref name="arg"/>.</summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public PyfiStep<TResult> Bind(TArg arg) => Bind([arg]);
}

/// <summary>A call that did not succeed: it failed after its attempts, or was cancelled. <see cref="Call"/> has everything about it.</summary>
public sealed class PyfiCallFailedException(CallInfo call)
    : PyfiException($"{call.Socket} {(call.State == CallState.Cancelled ? "was cancelled" : "failed")}: {call.Error?.ToString() ?? call.State.ToString()}")
{
    /// <summary>The call as it ended.</summary>
    public CallInfo Call { get; } = call;

    /// <summary>The Python traceback, when the failure was a Python exception.</summary>
    public string? PythonTraceback => Call.Error?.Traceback;
}

/// <summary>An argument could not be sent as JSON, or a result is not of the type asked for.</summary>
public sealed class PyfiTypeMismatchException(string message, Exception? inner = null) : PyfiException(message, inner);

// Arguments and results as JSON, with errors that say which socket and what type.
internal static class Json
{
    /// <summary>Why the typed API is not for trimmed or Native AOT applications as it is.</summary>
    public const string Reflection =
        "Arguments and results are converted to and from JSON by reflection over their types; in a trimmed or Native AOT " +
        "application keep those types, or use JsonElement / JsonNode.";

    // Serialising stops one level inside the limit: each argument sits in the arguments' list (or the keywords' dict).
    private static readonly JsonSerializerOptions Bounded = new() { MaxDepth = PyfiLimits.MaxDepth };

    // A result is read as deep as Python could write it.
    private static readonly JsonSerializerOptions Results = new() { MaxDepth = PyfiLimits.MaxResultDepth };

    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public static string Arguments(string socket, object?[] args)
    {
        var array = new JsonArray();
        foreach (var arg in args) array.Add(Node(socket, arg));
        var json = array.ToJsonString();
        ModelRules.Json($"the arguments of {socket}", json, JsonValueKind.Array);
        return json;
    }

    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public static string Keywords(string socket, IReadOnlyDictionary<string, object?> kwargs)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in kwargs) obj[key] = Node(socket, value);
        var json = obj.ToJsonString();
        ModelRules.Json($"the keyword arguments of {socket}", json, JsonValueKind.Object);
        return json;
    }

    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public static TResult Result<TResult>(string socket, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TResult>(json, Results)!;
        }
        catch (JsonException e)
        {
            throw new PyfiTypeMismatchException($"the result of {socket} ({Shorten(json)}) is not a {typeof(TResult).Name}", e);
        }
    }

    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    private static JsonNode? Node(string socket, object? value)
    {
        try
        {
            return value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Bounded);
        }
        catch (JsonException)
        {
            // The serializer's only JsonException when writing: the value nests past MaxDepth (or is a cycle, which would).
            throw new InvalidSpecException(
                $"an argument of {socket} ({value!.GetType().Name}) nests deeper than the {PyfiLimits.MaxDepth} levels a call's arguments may have, or refers to itself");
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            throw new PyfiTypeMismatchException($"an argument of {socket} ({value!.GetType().Name}) cannot be sent as JSON: {e.Message}", e);
        }
    }

    private static string Shorten(string json) => json.Length <= 60 ? json : json[..57] + "...";
}
