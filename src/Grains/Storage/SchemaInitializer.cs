using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Storage;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Applies Pyfi's schema before any storage, reminder or membership provider reads its queries, so a new
/// user's first start needs nothing installed.
/// </summary>
internal sealed partial class SchemaInitializer(PyfiDatabase database, ILogger<SchemaInitializer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaInitializer), ServiceLifecycleStage.First, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await SchemaInstaller.ApplyAsync(database, cancellationToken);
        LogSchemaApplied(database.Describe());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema ready on {Database}")]
    private partial void LogSchemaApplied(string database);
}
