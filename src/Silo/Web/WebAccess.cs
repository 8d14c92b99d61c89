using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pyfi.Grains.Security;

namespace Pyfi.Silo.Web;

/// <summary>
/// The silo's web port (the Orleans Dashboard at <c>/</c>, Prometheus metrics at <c>/metrics</c>) answers only a
/// request with a valid token of any role, unless <c>PYFI_DASHBOARD_PUBLIC=true</c>. The token comes as
/// <c>Authorization: Bearer TOKEN</c> (Prometheus' <c>authorization</c>, scripts) or as the password of HTTP Basic
/// authentication (browsers ask for it, with any user name, and send it again with each of the page's requests).
/// A refusal is 401 with one line and nothing else.
/// </summary>
public static class WebAccess
{
    /// <summary>Requires a token on every request that reaches the routes added after it.</summary>
    public static IApplicationBuilder UsePyfiWebAccess(this IApplicationBuilder app)
    {
        var access = app.ApplicationServices.GetRequiredService<AccessControl>();
        return app.Use(async (context, next) =>
        {
            var what = context.Request.Path.StartsWithSegments("/metrics") ? "read metrics" : "view the dashboard";
            try
            {
                await access.AuthorizeAsync(TokenOf(context.Request), PyfiPermission.Read, what, $"web client {context.Connection.RemoteIpAddress}", context.RequestAborted);
            }
            catch (PyfiException e)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"pyfi\", charset=\"UTF-8\"";
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(e.Message + "\n", context.RequestAborted);
                return;
            }

            await next(context);
        });
    }

    // Bearer TOKEN, or Basic base64(user:TOKEN); anything longer than a token is not looked at.
    private static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 1024) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header[7..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
