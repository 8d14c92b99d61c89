using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Pyfi.Storage.Tokens;

namespace Pyfi.Grains.Security;

/// <summary>
/// Makes the first admin token: when a silo starts and the network has no admin token that works (a new database,
/// or every admin token expired), it makes one named <c>admin</c> and writes it to <c>PYFI_DATA/admin.token</c>,
/// readable by the silo's user only. So the quick start needs no extra step, and whoever holds a silo's data folder
/// (who could do anything there anyway) can always get back in. Silos that start together on an empty PostgreSQL
/// database make one token between them: the name is unique, and the silo whose insert lost writes no file.
/// </summary>
public sealed partial class AdminTokenBootstrap(TokenStore tokens, IOptions<PyfiRuntimeOptions> options, TimeProvider time, ILogger<AdminTokenBootstrap> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The first admin token's name.</summary>
    public const string Name = "admin";

    /// <summary>The file the first admin token is written to, in a data folder.</summary>
    public const string FileName = "admin.token";

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AdminTokenBootstrap), ServiceLifecycleStage.ApplicationServices, StartAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var existing = await tokens.ListAsync(cancellationToken);
        if (existing.Any(t => t.Role == PyfiRole.Admin && t.IsActive(now))) return;

        // An expired token named admin still holds the name: it no longer works, so it is marked revoked.
        if (existing.Any(t => t.Name == Name && t.Revoked is null)) await tokens.RevokeAsync(Name, now, cancellationToken);
        var (token, record) = TokenCodec.Create(Name, PyfiRole.Admin, now, null, "silo");
        if (!await tokens.InsertAsync(record, cancellationToken))
        {
            LogMadeElsewhere();
            return;
        }

        var path = Path.Combine(options.Value.DataPath, FileName);
        Write(path, token);
        LogMade(Path.GetFullPath(path), record.Id);
    }

    // Written beside, then renamed over: a reader never sees half a token, and the file is never readable by others.
    private static void Write(string path, string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var staged = path + ".new";
        File.Delete(staged);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(staged, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token + "\n");
        }

        File.Move(staged, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No admin token worked, so this silo made one: {Path} (token id {Id}). Keep it safe; make tokens for people and programs with `pyfi token create`.")]
    private partial void LogMade(string path, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another silo made the first admin token at the same time; it is in that silo's data folder")]
    private partial void LogMadeElsewhere();
}
