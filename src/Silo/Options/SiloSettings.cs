using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pyfi.Grains;
using Pyfi.Grains.Hosting;
using Pyfi.Silo.Gateway;
using Pyfi.Storage;

namespace Pyfi.Silo.Options;

/// <summary>
/// A silo's options: <see cref="PyfiSiloOptions"/>, <see cref="PyfiConnectionOptions"/> and <see cref="PyfiRuntimeOptions"/>
/// bound from the <c>Pyfi</c> section, <see cref="PyfiStorageOptions"/> from <c>Pyfi:Storage</c>, each checked at start
/// by its validator; the silo's services take them as <c>IOptions&lt;T&gt;</c>. What the host's shape depends on (its
/// ports, data folder, storage provider, TLS files, web port) is read before the host is built by <see cref="Read"/>,
/// through the same registrations, so it is bound, completed and checked exactly as the services will see it, and a
/// setting that cannot work stops the silo with one line before it claims or changes anything.
/// </summary>
/// <param name="Silo">Ports, addresses, cluster, web port, TLS.</param>
/// <param name="Connections">What each port's connections may hold.</param>
/// <param name="Runtime">What the grains run with, and the data folder.</param>
/// <param name="Storage">The database.</param>
public sealed record SiloSettings(PyfiSiloOptions Silo, PyfiConnectionOptions Connections, PyfiRuntimeOptions Runtime, PyfiStorageOptions Storage)
{
    /// <summary>Registers the silo's options, bound from <paramref name="configuration"/> and validated at start.</summary>
    public static IServiceCollection Add(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PyfiSiloOptions>().Bind(configuration.GetSection(PyfiSiloOptions.Section)).ValidateOnStart();
        services.AddOptions<PyfiConnectionOptions>().Bind(configuration.GetSection(PyfiConnectionOptions.Section)).PostConfigure(FitToFileLimit).ValidateOnStart();
        services.AddPyfiRuntimeOptions().Bind(configuration.GetSection(PyfiRuntimeOptions.Section));
        services.AddOptions<PyfiStorageOptions>().Bind(configuration.GetSection(PyfiStorageOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PyfiSiloOptions>, PyfiSiloOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PyfiConnectionOptions>, PyfiConnectionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PyfiStorageOptions>, PyfiStorageOptionsValidator>());
        return services;
    }

    /// <summary>
    /// The options as the silo's services will see them; throws <see cref="InvalidSpecException"/> with one line
    /// naming the first setting that cannot work (or cannot be read).
    /// </summary>
    public static SiloSettings Read(IConfiguration configuration)
    {
        using var services = Add(new ServiceCollection(), configuration).BuildServiceProvider();
        try
        {
            return new(Value<PyfiSiloOptions>(services), Value<PyfiConnectionOptions>(services), Value<PyfiRuntimeOptions>(services), Value<PyfiStorageOptions>(services));
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the setting and the value ("Failed to convert configuration value 'x' at 'Pyfi:SiloPort'...").
            throw new InvalidSpecException($"invalid setting: {e.Message}");
        }
        catch (OptionsValidationException e)
        {
            throw new InvalidSpecException(e.Failures.First());
        }
    }

    private static T Value<T>(IServiceProvider services)
        where T : class => services.GetRequiredService<IOptions<T>>().Value;

    // Connection limits above what the process's file limit allows are cut to it (FileDescriptors); limits that
    // cannot work are left as set, so the validator names them as the user wrote them.
    private static void FitToFileLimit(PyfiConnectionOptions options)
    {
        if (FileDescriptors.Limit() is { } limit && PyfiConnectionOptionsValidator.Refusal(options) is null)
        {
            options.FitConnectionsTo(FileDescriptors.PerPort(limit));
        }
    }
}
