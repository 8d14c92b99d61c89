using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pyfi.Grains;
using Pyfi.Silo.Options;
using Pyfi.Storage;

namespace Pyfi.Tests.Silo;

/// <summary>
/// The silo's options as its host reads them before it is built and as its services see them (no processes):
/// one line for a setting that cannot work, and the same values either way.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SiloSettingsTests
{
    [Theory]
    [InlineData("Pyfi:SiloPort", "abc", "invalid setting: Failed to convert configuration value 'abc' at 'Pyfi:SiloPort'")]
    [InlineData("Pyfi:DashboardPort", "-1", "PYFI_DASHBOARD_PORT must be a port number between 1 and 65535 (or 0 for off), not -1")]
    [InlineData("Pyfi:TlsCert", "/silo.pem", "PYFI_TLS_CERT and PYFI_TLS_KEY go together: set both to turn TLS on, or neither")]
    [InlineData("Pyfi:GatewayMaxConnectionsPerAddress", "2000", "PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and PYFI_GATEWAY_MAX_CONNECTIONS (1024), not 2000")]
    [InlineData("Pyfi:OrleansHandshakeTimeout", "2.00:00:00", "PYFI_ORLEANS_HANDSHAKE_TIMEOUT must be between 100 milliseconds and 1 day, not 2.00:00:00")]
    [InlineData("Pyfi:Lease", "00:00:00", "PYFI_LEASE must be between 1 second and 1 hour, not 00:00:00")]
    [InlineData("Pyfi:Cores", "-1", "PYFI_CORES must be between 1 and 4096 (0 for the machine's cores), not -1")]
    [InlineData("Pyfi:WorkerMemory", "1M", "PYFI_WORKER_MEMORY must be between 64 MiB and 1 TiB, not 1 MiB")]
    [InlineData("Pyfi:Repositories", "file://elsewhere/srv/repos", "PYFI_REPOS: 'file://elsewhere/srv/repos' is not a repository URL or folder")]
    [InlineData("Pyfi:Storage:WalLimit", "5", "PYFI_SQLITE_WAL_LIMIT must be between 4194304 and 68719476736 bytes, not 5")]
    [InlineData("Pyfi:Storage:Provider", "oracle", "invalid setting: Failed to convert configuration value 'oracle' at 'Pyfi:Storage:Provider'")]
    public void ASettingThatCannotWorkIsRefusedWithOneLineNamingIt(string key, string value, string line)
    {
        var refusal = Assert.Throws<InvalidSpecException>(() => SiloSettings.Read(Configuration((key, value))));

        Assert.StartsWith(line, refusal.Message);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public void TheServicesSeeTheValuesTheHostReadBeforeItWasBuilt()
    {
        var configuration = Configuration(("Pyfi:GatewayPort", "31000"), ("Pyfi:GatewayIdleTimeout", "00:01:00"), ("Pyfi:Lease", "00:00:05"),
            ("Pyfi:Cores", "0"), ("Pyfi:WorkerMemory", "512M"), ("Pyfi:Storage:WalLimit", "8388608"));

        var early = SiloSettings.Read(configuration);
        using var services = SiloSettings.Add(new ServiceCollection(), configuration).BuildServiceProvider();

        Assert.Equal((31000, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), Environment.ProcessorCount, 512L << 20, 8L << 20),
            (early.Silo.GatewayPort, early.Connections.GatewayIdleTimeout, early.Runtime.LeaseDuration, early.Runtime.Cores, early.Runtime.WorkerMemoryBytes, early.Storage.WalLimit));
        Assert.Equivalent(early.Silo, services.GetRequiredService<IOptions<PyfiSiloOptions>>().Value, strict: true);
        Assert.Equivalent(early.Connections, services.GetRequiredService<IOptions<PyfiConnectionOptions>>().Value, strict: true);
        Assert.Equivalent(early.Runtime, services.GetRequiredService<IOptions<PyfiRuntimeOptions>>().Value, strict: true);
        Assert.Equivalent(early.Storage, services.GetRequiredService<IOptions<PyfiStorageOptions>>().Value, strict: true);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
