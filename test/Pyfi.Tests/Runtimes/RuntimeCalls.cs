using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Runtimes;

/// <summary>Calls as the runtime tests make and read them, through the real tool.</summary>
public static class RuntimeCalls
{
    /// <summary>Runs <c>task run -s SOCKET -d DATA -v</c> (with <paramref name="more"/>); returns the result and the call's id.</summary>
    public static async Task<(CliResult Run, string Id)> RunAsync(this PyfiCli cli, string socket, string data, params string[] more)
    {
        var run = await cli.RunAsync(["task", "run", "-s", socket, "-d", data, "-v", .. more], timeout: TimeSpan.FromMinutes(2));
        var id = run.Stderr.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
        return (run, id);
    }

    /// <summary>The call as <c>ls call --id ID --json</c> shows it.</summary>
    public static async Task<JsonElement> CallAsync(this PyfiCli cli, string id) =>
        JsonDocument.Parse((await cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;
}
