using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Pyfi.Grains.Security;

/// <summary>
/// A silo's TLS (<c>PYFI_TLS_CERT</c>, <c>PYFI_TLS_KEY</c>, <c>PYFI_TLS_CA</c>): its certificate, which it shows on every
/// port, and which silos it accepts as peers. Silos talk mutual TLS: a peer must show a certificate that chains to
/// the certificate authority, or, without one, the very certificate this silo has (a cluster sharing one). Clients
/// show none on the gateways (their token says who they are) and check the silo's (see <c>PyfiTls</c> in the client).
/// </summary>
public sealed class SiloTls
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly byte[] _fingerprint;

    private SiloTls(X509Certificate2 certificate, X509Certificate2Collection? authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
        _fingerprint = SHA256.HashData(certificate.RawData);
    }

    /// <summary>The silo's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Loads the PEM certificate and key, and the PEM certificate authority when given. Throws
    /// <see cref="InvalidSpecException"/> naming the setting that cannot be read.
    /// </summary>
    public static SiloTls Load(string certificate, string key, string? authority)
    {
        X509Certificate2 loaded;
        try
        {
            loaded = X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidSpecException($"PYFI_TLS_CERT/PYFI_TLS_KEY: cannot load '{certificate}' with key '{key}': {e.Message}");
        }

        if (!loaded.HasPrivateKey) throw new InvalidSpecException($"PYFI_TLS_KEY: '{key}' is not the private key of '{certificate}'");
        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrWhiteSpace(authority))
        {
            authorities = [];
            try
            {
                authorities.ImportFromPemFile(authority);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new InvalidSpecException($"PYFI_TLS_CA: cannot read '{authority}': {e.Message}");
            }

            if (authorities.Count == 0) throw new InvalidSpecException($"PYFI_TLS_CA: '{authority}' holds no PEM certificate");
        }

        return new SiloTls(loaded, authorities);
    }

    /// <summary>
    /// TLS on every Orleans connection of the silo: inbound from silos (mutual), outbound to silos (mutual), inbound
    /// from clients (the silo's certificate only). Added before the gateway's token handshake, so tokens cross inside TLS.
    /// </summary>
    public void Configure(SiloConnectionOptions connections)
    {
        connections.ConfigureSiloInboundConnection(c => c.UseServerTls(ForSilos()));
        connections.ConfigureSiloOutboundConnection(c => c.UseClientTls(ForSilos()));
        connections.ConfigureGatewayInboundConnection(c => c.UseServerTls(new TlsOptions
        {
            LocalCertificate = Certificate,
            RemoteCertificateMode = RemoteCertificateMode.NoCertificate,
        }));
    }

    /// <summary>Whether <paramref name="peer"/> may be a silo of this network (see the class's summary).</summary>
    public bool AcceptsPeer(X509Certificate2? peer)
    {
        if (peer is null) return false;
        if (_authorities is null) return CryptographicOperations.FixedTimeEquals(SHA256.HashData(peer.RawData), _fingerprint);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }

    // Silo addresses are IP addresses and change; a peer is known by its certificate, not by the name it shows.
    private TlsOptions ForSilos() => new()
    {
        LocalCertificate = Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, _, _) => AcceptsPeer(certificate),
    };
}
