using Orleans.Storage;
using Pyfi.Storage;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Grain storage that turns the database driver's failures into <see cref="StorageUnavailableException"/>.
/// Driver exceptions (Npgsql, SQLite) cannot cross to clients, which would otherwise see a codec error
/// instead of "the database is unavailable"; this includes failures while a grain activates. A SQLite file that
/// is damaged is named, with what to do (<see cref="StorageFaults"/>).
/// </summary>
internal sealed class FaultTranslatingGrainStorage(IGrainStorage inner, PyfiDatabase database) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private async Task Translate(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception e) when (Cause(e) is { } cause)
        {
            throw StorageFaults.Unavailable(cause, database);
        }
    }

    private static Exception? Cause(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (StorageFaults.IsDriverFailure(inner)) return inner;
        }

        return null;
    }
}
