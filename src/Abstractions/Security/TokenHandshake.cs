using System.Buffers.Binary;
using System.Text;

namespace Pyfi;

/// <summary>
/// What a client sends first on a connection to Orleans' client gateway, before Orleans' own preamble (after TLS
/// when it is on): its token, as a 4-byte little-endian length and then the token's UTF-8 bytes. The silo closes a
/// connection that does not present a valid token within <see cref="Timeout"/>.
/// </summary>
public static class TokenHandshake
{
    /// <summary>How long a new connection has to present its token.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes a token frame may declare.</summary>
    public const int MaxTokenBytes = 1024;

    /// <summary>The frame for <paramref name="token"/>.</summary>
    public static byte[] Frame(string? token)
    {
        var bytes = Encoding.UTF8.GetBytes(token ?? "");
        var frame = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, bytes.Length);
        bytes.CopyTo(frame, 4);
        return frame;
    }
}
