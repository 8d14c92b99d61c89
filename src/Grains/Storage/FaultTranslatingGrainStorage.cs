using System.Data.Common;
using Orleans.Storage;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Grain storage that turns the database driver's failures into <see cref="StorageUnavailableException"/>.
/// Driver exceptions (Npgsql, SQLite) cannot cross to clients, which would otherwise see a codec error
/// instead of "the database is unavailable"; this includes failures while a grain activates.
/// </summary>
internal sealed class FaultTranslatingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private static async Task Translate(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception e) when (Cause(e) is { } cause)
        {
            throw new StorageUnavailableException($"the database is unavailable ({cause.Message.Split('\n')[0].Trim()})");
        }
    }

    private static Exception? Cause(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is DbException or TimeoutException or System.Net.Sockets.SocketException) return inner;
        }

        return null;
    }
}
