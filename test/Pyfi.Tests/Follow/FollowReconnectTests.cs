using System.Collections.Concurrent;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Follow;

/// <summary>
/// Following skips nothing and repeats nothing through reconnects: 1,000 calls on a real silo with real Python, followed
/// by the tool, whose first follower is killed midway and a second started after the last position it printed, and
/// which rides a kill -9 of the silo and its restart; and by the .NET client, whose connection the same kill cuts.
/// Every ended call is printed (and yielded) exactly once.
/// </summary>
public sealed class FollowReconnectTests(ITestOutputHelper output)
{
    private const int Calls = 1000;

    [Fact]
    public async Task EveryOneOfAThousandEndedCallsIsFollowedOnceThroughAKilledFollowerAndASiloRestart()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-follow");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        PyfiClient? client = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        using var never = new CancellationTokenSource();
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await SampleCode.AddSocketsAsync(cli, ("many", "sleepy"));
            client = await silo.ConnectAsync();
            var submitted = new ConcurrentBag<Guid>();
            var printed = new ConcurrentQueue<JsonElement>();
            void Print(string line) => printed.Enqueue(JsonDocument.Parse(line).RootElement.Clone());

            // The .NET follower, from the socket's beginning, for the whole test.
            var yielded = new ConcurrentQueue<Guid>();
            var dotnet = Task.Run(async () =>
            {
                await foreach (var call in client.FollowAsync("many", after: 0, stop.Token)) yielded.Enqueue(call.Id);
            });

            using var killFirst = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var first = cli.StartAsync(["follow", "-s", "many", "--after", "0"], Print, killFirst.Token, never.Token);
            await SubmitAsync(client, 0, Calls / 2, submitted);
            await Poll.UntilAsync(() => printed.Count >= 100, TimeSpan.FromMinutes(3), "the first follower to print 100 calls");
            await killFirst.CancelAsync();
            Assert.Equal(-9, (await first).ExitCode);
            var last = printed.Last().GetProperty("position").GetInt64();
            output.WriteLine($"first follower killed after {printed.Count} calls, at position {last}");

            // The second follower goes on after the last line the first printed.
            var second = cli.StartAsync(["follow", "-s", "many", "--after", last.ToString()], Print, stop.Token, never.Token);
            await SubmitAsync(client, Calls / 2, Calls / 2, submitted);
            await Poll.UntilAsync(() => printed.Count >= Calls * 6 / 10, TimeSpan.FromMinutes(3), "the second follower to reach 600 calls");

            // The silo is killed with calls still to run (they were stored: the restarted silo takes them up); both
            // followers lose their connections and read on from their cursors once it answers again.
            await silo.KillAsync();
            output.WriteLine($"silo killed with {printed.Count} calls printed and {yielded.Count} yielded");
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);

            try
            {
                await Poll.UntilAsync(() => printed.Count >= Calls, TimeSpan.FromMinutes(3), "the followers to print every call");
            }
            catch (TimeoutException)
            {
                var ended = (await silo.Cli().OkAsync("ls", "calls", "-s", "many", "--state", "succeeded", "--limit", "5000", "--json")).Stdout;
                output.WriteLine($"printed {printed.Count}, yielded {yielded.Count}, stored ended {JsonDocument.Parse(ended).RootElement.GetArrayLength()}");
                output.WriteLine(second.IsCompleted ? $"second follower ended: {await second}" : "second follower still running");
                output.WriteLine(string.Join('\n', silo.WarningsAndErrors));
                throw;
            }
            await Poll.UntilAsync(() => yielded.Count >= Calls, TimeSpan.FromMinutes(3), "the .NET follower to yield every call");
            // A last call ends after all of them: once it is printed, anything printed twice would have been printed too.
            var sentinel = (await silo.Cli().OkAsync("task", "run", "-s", "many", "-d", "0", "--no-wait")).Stdout.Trim();
            await Poll.UntilAsync(() => printed.Any(l => l.GetProperty("id").GetString() == sentinel), TimeSpan.FromMinutes(1), "the sentinel to be printed");
            await Poll.UntilAsync(() => yielded.Contains(Guid.Parse(sentinel)), TimeSpan.FromMinutes(1), "the sentinel to be yielded");
            await stop.CancelAsync();
            await second;
            // The .NET follower ends with its cancellation.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dotnet);

            var ids = printed.Select(l => l.GetProperty("id").GetGuid()).Where(id => id != Guid.Parse(sentinel)).ToList();
            Assert.Equal(Calls, ids.Count);
            Assert.Equal(submitted.Order(), ids.Order());
            Assert.All(printed, l => Assert.Equal("succeeded", l.GetProperty("state").GetString()));
            var positions = printed.Select(l => l.GetProperty("position").GetInt64()).ToList();
            Assert.Equal(positions.Order(), positions);
            var fromDotnet = yielded.Where(id => id != Guid.Parse(sentinel)).ToList();
            Assert.Equal(Calls, fromDotnet.Count);
            Assert.Equal(submitted.Order(), fromDotnet.Order());
        }
        finally
        {
            await stop.CancelAsync();
            if (client is not null) await client.DisposeAsync();
            await silo.DisposeAsync();
        }
    }

    // Submits calls first .. first + count - 1 (each sleeps 10 ms), a few at a time; their ids go to submitted.
    private static async Task SubmitAsync(PyfiClient client, int first, int count, ConcurrentBag<Guid> submitted)
    {
        var socket = client.Socket<JsonElement>("many");
        foreach (var chunk in Enumerable.Range(first, count).Chunk(50))
        {
            foreach (var call in await Task.WhenAll(chunk.Select(_ => socket.StartAsync([0.01])))) submitted.Add(call.Id);
        }
    }
}
