using Microsoft.Extensions.Options;

namespace Pyfi.Storage;

/// <summary>Refuses <see cref="PyfiStorageOptions"/> that cannot work, with one line naming the first such setting.</summary>
public sealed class PyfiStorageOptionsValidator : IValidateOptions<PyfiStorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PyfiStorageOptions options) =>
        Refusal(options) is { } refusal ? ValidateOptionsResult.Fail(refusal) : ValidateOptionsResult.Success;

    private static string? Refusal(PyfiStorageOptions o)
    {
        if (o.WalLimit is < 4L * 1024 * 1024 or > 64L * 1024 * 1024 * 1024) return $"PYFI_SQLITE_WAL_LIMIT must be between 4194304 and 68719476736 bytes, not {o.WalLimit}";
        if (o.StartCheck < TimeSpan.Zero || o.StartCheck > TimeSpan.FromHours(1)) return $"PYFI_SQLITE_CHECK must be between 00:00:00 (off) and 01:00:00, not {o.StartCheck}";
        if (o.MaxPoolSize < 1) return $"Pyfi:Storage:MaxPoolSize must be at least 1, not {o.MaxPoolSize}";
        return null;
    }
}
