using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Storage;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Brings the database to this build's schema (<see cref="SchemaInstaller"/>: numbered migrations, each applied
/// once) before any storage, reminder or membership provider reads its queries, so a new user's first start needs
/// nothing installed. A silo process has done this already before its host started (with the files' check, so a
/// refusal is one line without Orleans' traces); here it finds nothing to do and says which version it serves.
/// </summary>
internal sealed partial class SchemaInitializer(PyfiDatabase database, ILogger<SchemaInitializer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaInitializer), ServiceLifecycleStage.First, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var states = await SchemaInstaller.ApplyAsync(database, cancellationToken);
        LogSchemaApplied(database.Describe(), string.Join(", ", states.Select(s => $"{Path.GetFileName(s.Where)} version {s.Version}")));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema ready on {Database} ({Versions})")]
    private partial void LogSchemaApplied(string database, string versions);
}
