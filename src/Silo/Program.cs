using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pyfi;
using Pyfi.Grains.Workers;
using Pyfi.Silo.Hosting;

// A Pyfi silo. Configuration: appsettings.json beside the binary, then PYFI_* environment variables,
// then command-line arguments (e.g. --Pyfi:GatewayPort=30001).

// Git (LibGit2Sharp), SQLite and process starts block thread-pool threads; with the pool's default minimum
// (one thread per core) a deployment in progress would make every call wait for the pool to grow.
ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
ThreadPool.SetMinThreads(Math.Max(minWorkers, Environment.ProcessorCount * 8 + 8), minIo);

try
{
    var builder = PyfiSiloHost.CreateBuilder(args);
    builder.AddPyfiSilo();
    using var host = PyfiSiloHost.Build(builder);

    // SIGTERM or Ctrl+C stops the silo gracefully (the host's own handler): running attempts may finish for
    // PYFI_DRAIN. A second one cuts them off at once (handed back, not counted as attempts).
    var drain = host.Services.GetRequiredService<SiloDrain>();
    var signals = 0;
    void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref signals) < 2) return;
        context.Cancel = true;
        drain.Hurry();
    }

    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    await host.RunAsync();
    return 0;
}
catch (Exception e)
{
    // One line a person can act on: a bad setting, a database that cannot be reached, a port in use.
    Console.Error.WriteLine($"pyfi silo: could not run: {StartupFailure.Describe(e)}");
    return 1;
}
