using Microsoft.Extensions.Options;
using Pyfi.Grains.Code;

namespace Pyfi.Grains;

/// <summary>
/// Refuses <see cref="PyfiRuntimeOptions"/> that cannot work, with one line naming the first such setting by the
/// variable that sets it (the silo prints it and stops).
/// </summary>
public sealed class PyfiRuntimeOptionsValidator : IValidateOptions<PyfiRuntimeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PyfiRuntimeOptions options) =>
        Refusal(options) is { } refusal ? ValidateOptionsResult.Fail(refusal) : ValidateOptionsResult.Success;

    private static string? Refusal(PyfiRuntimeOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.DataPath)) return "PYFI_DATA must name a folder";
        if (o.Cores is < 0 or > 4096) return $"PYFI_CORES must be between 1 and 4096 (0 for the machine's cores), not {o.Cores}";
        if (o.CallWriters is < 1 or > Pyfi.Storage.Calls.CallStore.MaxWriters) return $"PYFI_CALL_WRITERS must be between 1 and {Pyfi.Storage.Calls.CallStore.MaxWriters}, not {o.CallWriters}";
        if (o.LeaseDuration < TimeSpan.FromSeconds(1) || o.LeaseDuration > TimeSpan.FromHours(1)) return $"PYFI_LEASE must be between 1 second and 1 hour, not {o.LeaseDuration}";
        if (o.DrainTimeout < TimeSpan.Zero || o.DrainTimeout > TimeSpan.FromHours(1)) return $"PYFI_DRAIN must be between 0 and 1 hour, not {o.DrainTimeout}";
        if (o.Retention < TimeSpan.FromSeconds(1)) return $"PYFI_RETENTION must be at least a second, not {o.Retention}";
        if (o.SlotIdleTimeout < TimeSpan.FromMilliseconds(10) || o.SlotIdleTimeout > TimeSpan.FromHours(1))
            return $"Pyfi:SlotIdleTimeout must be between 10 milliseconds and 1 hour, not {o.SlotIdleTimeout}";
        if (string.IsNullOrWhiteSpace(o.Python)) return "PYFI_PYTHON must name a Python interpreter";
        if (string.IsNullOrWhiteSpace(o.Node)) return "PYFI_NODE must name a Node.js program";
        if (string.IsNullOrWhiteSpace(o.Npm)) return "PYFI_NPM must name an npm program";
        if (!ByteSize.TryParse(o.WorkerMemory, out var memory)) return $"PYFI_WORKER_MEMORY must be an amount of memory like 2G or 512M (0 for no limit), not '{o.WorkerMemory}'";
        if (memory != 0 && Refused(() => ModelRules.WorkerMemory("PYFI_WORKER_MEMORY", memory)) is { } outOfRange) return outOfRange;
        if (o.MaxPayloadBytes is < 1024 or > 1L << 30) return $"PYFI_MAX_PAYLOAD must be between 1024 and {1L << 30} bytes, not {o.MaxPayloadBytes}";
        return Refused(() => _ = new RepositoryPolicy(RepositoryPolicy.Split(o.Repositories)));
    }

    // The model's rule for a worker's memory and the repositories' parser refuse in their own words.
    private static string? Refused(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (InvalidSpecException e)
        {
            return e.Message;
        }
    }
}
