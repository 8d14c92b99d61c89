using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pyfi.Client;

/// <summary>
/// How a client trusts silos that speak TLS (<c>PYFI_TLS_CERT</c> on the silo): a certificate authority whose
/// certificates it accepts for the host it dialled (<see cref="PyfiClientOptions.TlsCa"/>, <c>PYFI_TLS_CA</c>), or
/// the SHA-256 fingerprint of the one certificate it accepts (<see cref="PyfiClientOptions.TlsFingerprint"/>,
/// <c>PYFI_TLS_FINGERPRINT</c>). With neither, the client speaks plain TCP.
/// </summary>
public sealed class PyfiTls
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly byte[]? _fingerprint;

    private PyfiTls(X509Certificate2Collection? authorities, byte[]? fingerprint)
    {
        _authorities = authorities;
        _fingerprint = fingerprint;
    }

    /// <summary>
    /// The trust <paramref name="options"/> configure, or <see langword="null"/> for plain TCP. Throws
    /// <see cref="InvalidSpecException"/> for a CA file that cannot be read or a malformed fingerprint.
    /// </summary>
    public static PyfiTls? From(PyfiClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TlsCa) && string.IsNullOrWhiteSpace(options.TlsFingerprint)) return null;
        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrWhiteSpace(options.TlsCa))
        {
            try
            {
                authorities = [];
                authorities.ImportFromPemFile(options.TlsCa);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new InvalidSpecException($"PYFI_TLS_CA: cannot read the certificate authority '{options.TlsCa}': {e.Message}");
            }

            if (authorities.Count == 0) throw new InvalidSpecException($"PYFI_TLS_CA: '{options.TlsCa}' holds no PEM certificate");
        }

        return new PyfiTls(authorities, string.IsNullOrWhiteSpace(options.TlsFingerprint) ? null : ParseFingerprint(options.TlsFingerprint));
    }

    /// <summary>TLS client settings for a connection to <paramref name="host"/> (a name or an address, as dialled).</summary>
    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = host,
        RemoteCertificateValidationCallback = (_, certificate, _, errors) => Accepts(certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate)), errors),
    };

    /// <summary>
    /// Whether the silo's <paramref name="certificate"/> is trusted: its fingerprint is the pinned one, or it chains to
    /// the configured authority and names the host dialled (<paramref name="errors"/> holds no name mismatch).
    /// </summary>
    public bool Accepts(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        if (_fingerprint is { } pinned) return CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.RawData), pinned);
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>The SHA-256 fingerprint of <paramref name="certificate"/> as <c>PYFI_TLS_FINGERPRINT</c> takes it.</summary>
    public static string FingerprintOf(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    // Hex, with or without colons, optionally prefixed "sha256:".
    private static byte[] ParseFingerprint(string text)
    {
        var hex = text.Trim();
        if (hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) hex = hex[7..];
        hex = hex.Replace(":", "", StringComparison.Ordinal);
        try
        {
            var bytes = Convert.FromHexString(hex);
            if (bytes.Length == 32) return bytes;
        }
        catch (FormatException)
        {
        }

        throw new InvalidSpecException($"PYFI_TLS_FINGERPRINT: '{text}' is not a SHA-256 fingerprint (64 hex digits)");
    }
}
