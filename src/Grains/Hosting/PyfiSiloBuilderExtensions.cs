using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pyfi.Grains.Hosting;

/// <summary>Registers what Pyfi's grains need on a silo.</summary>
public static class PyfiSiloBuilderExtensions
{
    /// <summary>Adds the services Pyfi's grains depend on. Storage is added separately (<see cref="PyfiStorageSiloBuilderExtensions"/>).</summary>
    public static ISiloBuilder AddPyfiGrains(this ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        return silo;
    }
}
