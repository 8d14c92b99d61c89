using System.Security.Cryptography;
using System.Text;
using Pyfi.Storage.Tokens;

namespace Pyfi.Grains.Security;

/// <summary>
/// What a token is made of: <c>pyfi.ID.SECRET</c>, where ID (12 hex digits) finds the row and SECRET (32 random
/// bytes, base64url) is checked against the row's salted SHA-256. A token carries 256 random bits, so a fast hash
/// is enough (no password stretching), and the check takes the same time whichever byte differs.
/// </summary>
public static class TokenCodec
{
    /// <summary>Longest text accepted as a token; anything longer is refused before it is looked at.</summary>
    public const int MaxLength = 128;

    private const string Prefix = "pyfi.";

    /// <summary>A new token for <paramref name="name"/>: the text to hand out, and the row to store.</summary>
    public static (string Token, TokenRecord Record) Create(string name, PyfiRole role, DateTimeOffset now, DateTimeOffset? expires, string? createdBy)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        var record = new TokenRecord(id, name, role, salt, Hash(salt, secret), now, expires, null, createdBy);
        return ($"{Prefix}{id}.{secret}", record);
    }

    /// <summary>Splits a token into its id and secret; <see langword="false"/> when it is not shaped like one.</summary>
    public static bool TryParse(string? token, out string id, out string secret)
    {
        id = secret = "";
        if (!TryFind(token, out var idPart, out var secretPart)) return false;
        id = token![idPart];
        secret = token[secretPart];
        return true;
    }

    /// <summary>Where a token's id is in it, without copying it out; <see langword="false"/> when it is not shaped like one.</summary>
    public static bool TryFindId(string? token, out Range id) => TryFind(token, out id, out _);

    private static bool TryFind(string? token, out Range id, out Range secret)
    {
        id = secret = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength || !token.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = token.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot != 12 || rest.Length <= dot + 1) return false;
        foreach (var c in rest[..dot]) if (!char.IsAsciiHexDigitLower(c)) return false;
        id = new Range(Prefix.Length, Prefix.Length + dot);
        secret = new Range(Prefix.Length + dot + 1, token.Length);
        return true;
    }

    /// <summary>Whether <paramref name="secret"/> is the one <paramref name="record"/> was made with (constant time).</summary>
    public static bool Matches(TokenRecord record, string secret) =>
        CryptographicOperations.FixedTimeEquals(Hash(record.Salt, secret), record.Hash);

    private static byte[] Hash(byte[] salt, string secret)
    {
        var bytes = new byte[salt.Length + Encoding.UTF8.GetByteCount(secret)];
        salt.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(secret, bytes.AsSpan(salt.Length));
        return SHA256.HashData(bytes);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
