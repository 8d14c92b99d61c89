using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pyfi.Storage.Calls;

/// <summary>
/// What a call's row holds as JSON (its <c>payload</c>; the columns the queries use are written beside it). Its
/// own type, not the wire record <see cref="CallInfo"/>: the client's view can change without rewriting stored
/// rows, and a row written by an earlier version is read into today's view here, in one place. Property names
/// are those rows were first written with (camelCase); a field is only ever added.
/// </summary>
/// <remarks>
/// A struct: it lives only while a row is written or read, so writing one costs no object. Its properties have
/// setters (not init): the serializer then reads a row into one boxed value, where init-only properties made it
/// gather every value in an argument array first.
/// </remarks>
internal record struct StoredCall
{
    public StoredCall()
    {
    }

    [JsonRequired]
    public Guid Id { get; set; }

    [JsonRequired]
    public string Socket { get; set; } = "";

    [JsonRequired]
    public string Processor { get; set; } = "";

    [JsonRequired]
    public string Function { get; set; } = "";

    public string Args { get; set; } = "[]";

    public string? Kwargs { get; set; }

    // By its camelCase name (see StoredCallStates): a string, so the serializer needs no converter and writes rows
    // through its generated fast path.
    public string State { get; set; } = "queued";

    public int Attempts { get; set; }

    public string? Result { get; set; }

    public CallError? Error { get; set; }

    public string? Output { get; set; }

    public string? Commit { get; set; }

    // The last attempt's process (host:port/pid). Rows written before the slot had a field of its own held the
    // slot (socket#slot) here while the call ran.
    public string? Worker { get; set; }

    public string? Slot { get; set; }

    [JsonRequired]
    public DateTimeOffset Created { get; set; }

    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Finished { get; set; }

    public Guid? Parent { get; set; }

    public Guid? Workflow { get; set; }

    public string? Key { get; set; }

    // Kept for rows' readers outside Pyfi; the lease_until column is what a renewal changes, and what is read.
    public DateTimeOffset? LeaseUntil { get; set; }

    public string? Owner { get; set; }

    public DateTimeOffset? NotBefore { get; set; }

    public ImmutableArray<CallAttempt> History { get; set; } = [];

    public RetryPolicy? Retry { get; set; }

    public TimeSpan? Timeout { get; set; }

    public int? MaxAttempts { get; set; }

    public DateTimeOffset? Cancelled { get; set; }

    public Guid? Run { get; set; }

    public int Hop { get; set; }

    public ImmutableArray<PlugDelivery> Deliveries { get; set; } = [];

    /// <summary>The JSON stored for <paramref name="call"/>.</summary>
    public static string Write(CallInfo call) => JsonSerializer.Serialize(From(call), StoredCallJson.Default.StoredCall);

    /// <summary>Writes the JSON stored for <paramref name="call"/> to <paramref name="writer"/> (SQLite's writer: UTF-8, no string made).</summary>
    public static void Write(Utf8JsonWriter writer, CallInfo call) => JsonSerializer.Serialize(writer, From(call), StoredCallJson.Default.StoredCall);

    /// <summary>The call a row holds, with the lease its column holds (a renewal changes only the column).</summary>
    public static CallInfo Read(string payload, DateTimeOffset? leaseUntil) =>
        Of(JsonSerializer.Deserialize(payload, StoredCallJson.Default.StoredCall), leaseUntil);

    /// <summary>The call a row holds as UTF-8, with the lease its column holds.</summary>
    public static CallInfo Read(ReadOnlySpan<byte> payload, DateTimeOffset? leaseUntil) =>
        Of(JsonSerializer.Deserialize(payload, StoredCallJson.Default.StoredCall), leaseUntil);

    private static CallInfo Of(StoredCall row, DateTimeOffset? leaseUntil) => row.ToCall(leaseUntil);

    private static StoredCall From(CallInfo call) => new()
    {
        Id = call.Id,
        Socket = call.Socket,
        Processor = call.Processor,
        Function = call.Function,
        Args = call.Args,
        Kwargs = call.Kwargs,
        State = StoredCallStates.Name(call.State),
        Attempts = call.Attempts,
        Result = call.Result,
        Error = call.Error,
        Output = call.Output,
        Commit = call.Commit,
        Worker = call.Worker,
        Slot = call.Slot,
        Created = call.Created,
        Started = call.Started,
        Finished = call.Finished,
        Parent = call.Parent,
        Workflow = call.Workflow,
        Key = call.Key,
        LeaseUntil = call.LeaseUntil,
        Owner = call.Owner,
        NotBefore = call.NotBefore,
        History = call.History,
        Retry = call.Retry,
        Timeout = call.Timeout,
        MaxAttempts = call.MaxAttempts,
        Cancelled = call.Cancelled,
        Run = call.Run,
        Hop = call.Hop,
        Deliveries = call.Deliveries,
    };

    // The lease column is what a renewal changes: it holds a running call's lease (the row's field, the one it was stored with).
    private CallInfo ToCall(DateTimeOffset? leaseColumn)
    {
        var state = StoredCallStates.Parse(State);
        // An earlier version's running row: its worker field named the slot.
        var (slot, worker) = Slot is null && Worker is { } w && w.Contains('#', StringComparison.Ordinal) && !w.Contains('/', StringComparison.Ordinal)
            ? (w, (string?)null)
            : (Slot, Worker);
        return new CallInfo
        {
            Id = Id,
            Socket = Socket,
            Processor = Processor,
            Function = Function,
            Args = Args,
            Kwargs = Kwargs,
            State = state,
            Attempts = Attempts,
            Result = Result,
            Error = Error,
            Output = Output,
            Commit = Commit,
            Worker = worker,
            Slot = slot,
            Created = Created,
            Started = Started,
            Finished = Finished,
            Parent = Parent,
            Workflow = Workflow,
            Key = Key,
            LeaseUntil = state == CallState.Running ? leaseColumn : LeaseUntil,
            Owner = Owner,
            NotBefore = NotBefore,
            History = History.IsDefault ? [] : History,
            Retry = Retry,
            Timeout = Timeout,
            MaxAttempts = MaxAttempts,
            Cancelled = Cancelled,
            Run = Run,
            Hop = Hop,
            Deliveries = Deliveries.IsDefault ? [] : Deliveries,
        };
    }
}

/// <summary>Source-generated JSON for stored calls: the same shape rows have always had (camelCase, states by name, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredCall))]
[JsonSerializable(typeof(string[]), TypeInfoPropertyName = "StringArray")]
internal sealed partial class StoredCallJson : JsonSerializerContext;

/// <summary>A call's state as rows hold it: its camelCase name ("queued"); read case-blind, as the enum converter once did.</summary>
internal static class StoredCallStates
{
    private static readonly FrozenDictionary<CallState, string> Names =
        Enum.GetValues<CallState>().ToFrozenDictionary(state => state, state => JsonNamingPolicy.CamelCase.ConvertName(state.ToString()));

    private static readonly FrozenDictionary<string, CallState> States =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The name stored for <paramref name="state"/>.</summary>
    public static string Name(CallState state) => Names[state];

    /// <summary>The state a row names; throws <see cref="JsonException"/> for a name no state has.</summary>
    public static CallState Parse(string name) =>
        States.TryGetValue(name, out var state) ? state : throw new JsonException($"a stored call's state '{name}' is not one Pyfi knows");
}
