using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pyfi.Tests.Infrastructure;

/// <summary>A certificate authority and certificates it signed, written as PEM files, as an operator would make them with openssl.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string folder) => Folder = folder;

    /// <summary>Where the files are.</summary>
    public string Folder { get; }

    /// <summary>The authority's certificate (<c>PYFI_TLS_CA</c>).</summary>
    public string Authority => Path.Combine(Folder, "ca.pem");

    /// <summary>The certificate of <paramref name="name"/> (<c>PYFI_TLS_CERT</c>).</summary>
    public string Certificate(string name) => Path.Combine(Folder, $"{name}.pem");

    /// <summary>The private key of <paramref name="name"/> (<c>PYFI_TLS_KEY</c>).</summary>
    public string Key(string name) => Path.Combine(Folder, $"{name}.key");

    /// <summary>The SHA-256 fingerprint of <paramref name="name"/>'s certificate, in hex (<c>PYFI_TLS_FINGERPRINT</c>).</summary>
    public string Fingerprint(string name) => Convert.ToHexStringLower(SHA256.HashData(X509Certificate2.CreateFromPem(File.ReadAllText(Certificate(name))).RawData));

    /// <summary><paramref name="name"/>'s certificate with its private key, to show in a TLS handshake.</summary>
    public X509Certificate2 WithKey(string name) => X509Certificate2.CreateFromPemFile(Certificate(name), Key(name));

    /// <summary>
    /// An authority, and for each of <paramref name="names"/> a certificate it signed for 127.0.0.1 and localhost;
    /// <c>stranger</c> is self-signed, trusted by nobody.
    /// </summary>
    public static TestCertificates Create(string folder, params string[] names)
    {
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=Pyfi test CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // One validity for all: a certificate may not outlive its issuer (an issuer made a moment earlier ends earlier).
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var until = from.AddDays(31);
        using var authority = authorityRequest.CreateSelfSigned(from, until.AddMinutes(1));
        var certificates = new TestCertificates(folder);
        File.WriteAllText(certificates.Authority, authority.ExportCertificatePem());

        foreach (var name in names.Append("stranger"))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            var altNames = new SubjectAlternativeNameBuilder();
            altNames.AddIpAddress(IPAddress.Loopback);
            altNames.AddDnsName("localhost");
            request.CertificateExtensions.Add(altNames.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
            using var certificate = name == "stranger"
                ? request.CreateSelfSigned(from, until)
                : request.Create(authority, from, until, RandomNumberGenerator.GetBytes(8));
            File.WriteAllText(certificates.Certificate(name), certificate.ExportCertificatePem());
            File.WriteAllText(certificates.Key(name), key.ExportPkcs8PrivateKeyPem());
        }

        return certificates;
    }
}
