using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// Drops Orleans' "Failed to address message" error (<c>Orleans.Messaging</c>, event 100071) when what failed is a
/// worker slot's placement refused for want of a free core (<see cref="NoCapacityException"/>): that is a call
/// waiting for a core, which its socket keeps queued and tries again, not a failure. Orleans logs every refused
/// placement at error level with its stack before it hands the refusal to the caller, and a refusal cannot be
/// avoided: a socket that believes its idle worker still holds a core may find the ledger took it back for another
/// socket meanwhile. It drops Orleans' two error lines for a worker slot's failed activation too (see GrainCategory).
/// Every other line of those events, and every other event, is logged as before.
/// </summary>
internal sealed class PlacementRefusalLogFilter(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    private const string Category = "Orleans.Messaging";
    private const int FailedToAddressMessage = 100071;

    // A worker slot that reached a silo without the director (a cached address) and found no core there refuses to
    // activate: Orleans logs the refusal twice (the activation's error and the failed activation). The activation
    // must fail, not succeed and refuse its call: a failed activation makes the next call ask the director again,
    // where a refused call would be sent to the same full silo over and over (tried, and four held calls on two
    // silos of two cores then ran three at once).
    private const string GrainCategory = "Orleans.Grain";
    private const int ErrorThrownFromOnActivate = 23568684;
    private const int ErrorActivatingGrain = 100513;

    /// <summary>Wraps every logger provider registered so far in <paramref name="services"/>.</summary>
    public static void Apply(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(ILoggerProvider) || descriptor.IsKeyedService) continue;
            services[i] = ServiceDescriptor.Singleton<ILoggerProvider>(sp => new PlacementRefusalLogFilter(Create(sp, descriptor)));
        }
    }

    private static ILoggerProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as ILoggerProvider
        ?? (ILoggerProvider?)descriptor.ImplementationFactory?.Invoke(services)
        ?? (ILoggerProvider)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) =>
        categoryName is Category or GrainCategory ? new Logger(inner.CreateLogger(categoryName)) : inner.CreateLogger(categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped) scoped.SetScopeProvider(scopeProvider);
    }

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id is FailedToAddressMessage or ErrorThrownFromOnActivate or ErrorActivatingGrain && exception is not null && PyfiException.Find(exception) is NoCapacityException) return;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
