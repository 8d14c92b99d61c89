using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using Pyfi.Silo.Options;
using Pyfi.Silo.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// Makes the silo's host. With its web port on (<c>PYFI_DASHBOARD_PORT</c> above 0, the default) it is an ASP.NET
/// Core web application that serves the Orleans Dashboard at <c>/</c> and Prometheus metrics at <c>/metrics</c>
/// beside the silo; with it off, a plain host, so a silo that serves no web page does not load ASP.NET Core (less
/// memory, a faster start).
/// </summary>
public static class PyfiSiloHost
{
    /// <summary>A host builder configured from appsettings.json beside the binary, then PYFI_* variables, then <paramref name="args"/>.</summary>
    public static IHostApplicationBuilder CreateBuilder(string[] args)
    {
        var settings = new ConfigurationBuilder();
        Configure(settings.SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true), args);
        var dashboard = SiloSettings.Read(settings.Build()).Silo.DashboardPort;

        IHostApplicationBuilder builder = dashboard > 0
            ? WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory })
            : Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        Configure(builder.Configuration, args);
        return builder;
    }

    /// <summary>Builds the host (with the dashboard's routes when it is a web application).</summary>
    public static IHost Build(IHostApplicationBuilder builder)
    {
        if (builder is not WebApplicationBuilder web) return ((HostApplicationBuilder)builder).Build();
        var app = web.Build();
        if (!app.Services.GetRequiredService<IOptions<PyfiSiloOptions>>().Value.DashboardPublic) app.UsePyfiWebAccess();
        app.MapPrometheusScrapingEndpoint();
        app.MapOrleansDashboard();
        return app;
    }

    private static void Configure(IConfigurationBuilder configuration, string[] args)
    {
        configuration.AddInMemoryCollection(PyfiEnvironment.ReadOverrides());
        configuration.AddCommandLine(args);
    }
}
