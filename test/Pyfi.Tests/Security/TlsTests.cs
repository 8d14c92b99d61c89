using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// Silos with TLS on (<c>PYFI_TLS_CERT</c>/<c>PYFI_TLS_KEY</c>): the tool and the .NET client trust them by authority
/// or by fingerprint, nothing else gets an answer on any port, and two silos with certificates of one authority form
/// a cluster over mutual TLS.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("pyfi-tls");
    private TestCertificates _certificates = null!;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(_folder.Path, "silo", "silo-a", "silo-b");
        _silo = await SiloProcess.StartAsync(Directory.CreateDirectory(_folder.File("data")).FullName, Tls("silo"));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task TheToolTrustsTheSiloByItsAuthorityOrItsFingerprintAndRefusesAnyOtherInOneLine()
    {
        var byAuthority = await Cli(new() { ["PYFI_TLS_CA"] = _certificates.Authority }).RunAsync(["add", "queue", "-n", "over.tls"]);
        var byFingerprint = await Cli(new() { ["PYFI_TLS_FINGERPRINT"] = _certificates.Fingerprint("silo") }).RunAsync(["ls", "queues", "--json"]);
        var otherFingerprint = await Cli(new() { ["PYFI_TLS_FINGERPRINT"] = _certificates.Fingerprint("stranger") }).RunAsync(["ls", "queues"]);
        var otherAuthority = await Cli(new() { ["PYFI_TLS_CA"] = _certificates.Certificate("stranger") }).RunAsync(["ls", "queues"]);
        var plain = await Cli([]).RunAsync(["ls", "queues"]);

        Assert.True(byAuthority.ExitCode == 0, byAuthority.ToString());
        Assert.Contains("over.tls", byFingerprint.Stdout);
        foreach (var refused in new[] { otherFingerprint, otherAuthority })
        {
            Assert.Equal(1, refused.ExitCode);
            var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.Contains("TLS with 127.0.0.1:", line);
            Assert.Contains("is its certificate trusted by PYFI_TLS_CA or PYFI_TLS_FINGERPRINT?", line);
        }

        Assert.Equal(1, plain.ExitCode);
        Assert.Single(plain.Stderr.Trim().Split('\n'));
        Assert.Contains("one that speaks TLS needs PYFI_TLS_CA or PYFI_TLS_FINGERPRINT", plain.Stderr);
    }

    [Fact]
    public async Task TheDotNetClientSpeaksTlsToBothGatewaysAndAPlainClientGetsNothing()
    {
        await using (var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = _silo.Gateway, Token = _silo.AdminToken, TlsCa = _certificates.Authority }))
        {
            await client.Registry.AddQueueAsync(new QueueSpec { Name = "from.dotnet" });
            Assert.Contains((await client.Registry.ListQueuesAsync()).Select(q => q.Spec.Name), n => n == "from.dotnet");
        }

        var plain = await Record.ExceptionAsync(() => PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = _silo.Gateway, Token = _silo.AdminToken }));

        Assert.IsType<PyfiConnectionException>(plain);
    }

    [Fact]
    public async Task NoPortAnswersInClearText()
    {
        // The gateway port: a request line in clear gets no answer, only the end of the connection.
        using (var gateway = new TcpClient())
        {
            await gateway.ConnectAsync("127.0.0.1", _silo.GatewayPort);
            var stream = gateway.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"op\":\"queue.list\",\"token\":\"{_silo.AdminToken}\"}}\n"));
            var answer = await ReadAllAsync(stream);
            Assert.DoesNotContain("\"ok\"", answer);
        }

        // Orleans' gateway: no answer to a client that does not speak TLS.
        using var orleans = new TcpClient();
        await orleans.ConnectAsync("127.0.0.1", _silo.Ports[2]);
        await orleans.GetStream().WriteAsync(TokenHandshake.Frame(_silo.AdminToken));
        Assert.Equal("", await ReadAllAsync(orleans.GetStream()));
    }

    [Fact]
    public async Task TheSiloPortAcceptsOnlyAPeerThatShowsTheClustersCertificate()
    {
        const string Rejected = "rejected by the provided RemoteCertificateValidationCallback";
        var before = Count(_silo.Output, Rejected);

        // The silo's own certificate (a cluster sharing one): the silo speaks Orleans on the connection (its
        // preamble), or waits for the peer's.
        await using (var peer = await HandshakeAsync(_certificates.WithKey("silo")))
        {
            var read = peer.ReadAsync(new byte[64]).AsTask();
            if (read == await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(3)))) Assert.True(await read > 0, "the silo closed the connection of a peer with its own certificate");
        }

        // No certificate, a self-signed one, one of the right authority the silo was not told to trust: each is
        // rejected (on Linux after the handshake's last message: the silo's verdict closes the connection).
        foreach (var certificate in new[] { null, _certificates.WithKey("stranger"), _certificates.WithKey("silo-a") })
        {
            await using var stranger = await HandshakeAsync(certificate);
            var closed = await Record.ExceptionAsync(async () => Assert.Equal(0, await stranger.ReadAsync(new byte[64]).AsTask().WaitAsync(TimeSpan.FromSeconds(20))));
            Assert.True(closed is null or IOException or InvalidOperationException, $"{certificate?.Subject ?? "no certificate"}: {closed}");
        }

        await Record.ExceptionAsync(() => Poll.UntilAsync(() => Count(_silo.Output, Rejected) >= before + 3, TimeSpan.FromSeconds(30), "three rejected peers"));
        Assert.True(before + 3 == Count(_silo.Output, Rejected), _silo.Output);
    }

    // A TLS client on the silo port showing certificate (or none), as a silo would.
    private async Task<SslStream> HandshakeAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _silo.SiloPort);
        var secured = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true, (_, _, _, _, _) => certificate!);
        try
        {
            await secured.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = certificate is null ? null : [certificate],
            }).WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            // Rejected within the handshake (TLS 1.2 on some platforms).
        }

        return secured;
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    [Fact]
    public async Task TwoSilosWithCertificatesOfOneAuthorityFormAClusterOverMutualTls()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var dataA = new TempDirectory("pyfi-tls-a");
        using var dataB = new TempDirectory("pyfi-tls-b");
        var postgres = new Dictionary<string, string> { ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = db.ConnectionString, ["PYFI_TLS_CA"] = _certificates.Authority };
        await using var a = await SiloProcess.StartAsync(dataA.Path, new Dictionary<string, string>(Tls("silo-a").Concat(postgres)));
        await using var b = await SiloProcess.StartAsync(dataB.Path, new Dictionary<string, string>(Tls("silo-b").Concat(postgres)));
        var cli = new PyfiCli(b.Gateway, new Dictionary<string, string> { ["PYFI_TLS_CA"] = _certificates.Authority }, a.AdminToken);

        JsonElement agents = default;
        await Poll.UntilAsync(async () =>
        {
            agents = JsonDocument.Parse((await cli.OkAsync("ls", "agents", "--json")).Stdout).RootElement;
            return agents.GetArrayLength() == 2;
        }, TimeSpan.FromSeconds(30), "both silos in the agents listing");

        Assert.Equal(2, agents.GetArrayLength());
    }

    private Dictionary<string, string> Tls(string name) => new()
    {
        ["PYFI_TLS_CERT"] = _certificates.Certificate(name),
        ["PYFI_TLS_KEY"] = _certificates.Key(name),
    };

    private PyfiCli Cli(Dictionary<string, string> environment) => new(_silo.Gateway, environment, _silo.AdminToken);

    // What the other end sends until it closes (or 20 s pass).
    private static async Task<string> ReadAllAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var text = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        catch (IOException)
        {
        }

        return text.ToString();
    }
}
