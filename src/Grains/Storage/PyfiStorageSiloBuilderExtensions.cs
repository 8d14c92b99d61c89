using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Storage.Definitions;
using Pyfi.Storage.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Wires Orleans' ADO.NET grain storage, reminders and (PostgreSQL) clustering to Pyfi's database
/// (<see cref="PyfiDatabase"/>, in Pyfi.Storage), with the call and token stores beside them: the Orleans side of
/// storage, kept here because Pyfi.Storage stays free of Orleans' runtime for the <c>pyfi</c> tool.
/// </summary>
public static class PyfiStorageSiloBuilderExtensions
{
    /// <summary>
    /// Keeps grain state and reminders in <paramref name="database"/> through Orleans' ADO.NET providers,
    /// with state stored as JSON, and applies the schema at start when <paramref name="applySchema"/> is set.
    /// </summary>
    public static ISiloBuilder AddPyfiStorage(this ISiloBuilder silo, PyfiDatabase database, bool applySchema = true)
    {
        silo.Services.AddSingleton(database);
        if (applySchema)
        {
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaInitializer>();
        }

        silo.AddAdoNetGrainStorage(StorageNames.ModelDriver, options =>
        {
            options.Invariant = database.Invariant;
            options.ConnectionString = database.ConnectionString;
            options.GrainStorageSerializer = new JsonGrainStateSerializer();
            // Deleting a definition removes its row instead of leaving an empty one behind.
            options.DeleteStateOnClear = true;
        });
        silo.Services.AddGrainStorage(StorageNames.Model, (services, _) =>
            new FaultTranslatingGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(StorageNames.ModelDriver), database));

        // Task calls have their own table and a group-committing writer (see CallStore).
        silo.Services.AddSingleton(services =>
            CallStore.Create(database, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                services.GetRequiredService<ILoggerFactory>().CreateLogger<CallStore>(),
                writers: services.GetService<IOptions<PyfiRuntimeOptions>>()?.Value.CallWriters ?? 1));

        // The embedded pyfi.db's write-ahead log stays bounded (the calls' file is bounded by its own writer).
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StateLogLimiter>();

        // The registry's catalogue: one row per definition, a change written as one transaction of the rows it touches.
        silo.Services.AddSingleton(services =>
            new DefinitionStore(database, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));

        // Access tokens, read by every silo's AccessControl.
        silo.Services.AddSingleton(services =>
            new TokenStore(database, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));

        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = database.Invariant;
            options.ConnectionString = database.ConnectionString;
        });
        return silo;
    }

    /// <summary>Uses the database for cluster membership too (PostgreSQL clusters of several silos).</summary>
    public static ISiloBuilder UsePyfiClustering(this ISiloBuilder silo, PyfiDatabase database)
    {
        if (database.Provider != StorageProvider.Postgres)
        {
            throw new InvalidOperationException("database clustering needs PostgreSQL; the embedded SQLite default runs one silo");
        }

        return silo.UseAdoNetClustering(options =>
        {
            options.Invariant = database.Invariant;
            options.ConnectionString = database.ConnectionString;
        });
    }
}
