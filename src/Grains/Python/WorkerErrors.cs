namespace Pyfi.Grains.Python;

/// <summary>The failure kinds a Python worker reports, handed to <c>pyfi_worker.py</c> when it starts: it has no names of its own.</summary>
public static class WorkerErrors
{
    /// <summary>The names <c>pyfi_worker.py</c> reports, by the role it reports them in, as its JSON argument.</summary>
    public static string ForWorker { get; } = "{" + string.Join(',', new (string Role, FailureKind Kind)[]
    {
        ("cancelled", FailureKinds.Cancelled),
        ("function_not_found", FailureKinds.FunctionNotFound),
        ("result_not_serializable", FailureKinds.ResultNotSerializable),
        ("result_too_large", FailureKinds.ResultTooLarge),
        ("memory_limit_exceeded", FailureKinds.MemoryLimitExceeded),
    }.Select(k => $"\"{k.Role}\":\"{k.Kind.Name}\"")) + "}";
}
