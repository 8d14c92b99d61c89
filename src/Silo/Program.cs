using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Pyfi;
using Pyfi.Silo.Hosting;

// A Pyfi silo. Configuration: appsettings.json beside the binary, then PYFI_* environment variables,
// then command-line arguments (e.g. --Pyfi:GatewayPort=30001).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddInMemoryCollection(PyfiEnvironment.ReadOverrides());
builder.Configuration.AddCommandLine(args);

try
{
    builder.AddPyfiSilo();
}
catch (PyfiException e)
{
    Console.Error.WriteLine($"pyfi silo: {e.Message}");
    return 1;
}

using var host = builder.Build();
try
{
    await host.RunAsync();
}
catch (PyfiException e)
{
    Console.Error.WriteLine($"pyfi silo: {e.Message}");
    return 1;
}

return 0;
