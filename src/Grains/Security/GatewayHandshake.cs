using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Pyfi.Grains.Security;

/// <summary>
/// The silo's side of <see cref="TokenHandshake"/> on Orleans' client gateway. A connection whose token is missing,
/// malformed or not valid, or that does not send it in time, is closed: nothing of the network is reached, no grain is
/// activated, and an idle connection does not stay open. Each call is checked again by <see cref="ClientAccessFilter"/>
/// (roles, revocation).
/// </summary>
public static class GatewayHandshake
{
    /// <summary>Adds the silo's side: read the token, check it, then hand the connection to Orleans or close it.</summary>
    public static IConnectionBuilder UseTokenHandshake(this IConnectionBuilder builder, AccessControl access) =>
        builder.Use(next => async connection =>
        {
            string? token;
            using (var timeout = new CancellationTokenSource(TokenHandshake.Timeout))
            {
                try
                {
                    token = await ReadTokenAsync(connection, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    token = null;
                }
            }

            try
            {
                await access.AuthorizeAsync(token, PyfiPermission.Read, "connect to the Orleans gateway", $"Orleans client {connection.RemoteEndPoint}");
            }
            catch (PyfiException)
            {
                connection.Abort();
                return;
            }

            await next(connection);
        });

    // Reads exactly the frame, leaving what follows (Orleans' preamble) in the pipe; null if it is malformed.
    private static async Task<string?> ReadTokenAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Transport.Input;
        int? length = null;
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (length is null && reader.TryReadLittleEndian(out int declared))
            {
                length = declared;
                if (length is < 1 or > TokenHandshake.MaxTokenBytes)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
            }

            if (length is { } n && buffer.Length >= 4 + n)
            {
                var token = Encoding.UTF8.GetString(buffer.Slice(4, n));
                input.AdvanceTo(buffer.GetPosition(4 + n));
                return token;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
