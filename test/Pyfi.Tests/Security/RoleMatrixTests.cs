using System.Reflection;
using Orleans.Concurrency;
using Pyfi.Client;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// Every role against every operation, on a real silo: each gateway operation (what the <c>pyfi</c> tool sends) and each
/// grain method a .NET client can name. What each operation needs is written here from the product's definition of
/// the roles, not read from the code, so a permission changed by mistake fails a test.
/// </summary>
public sealed class RoleMatrixTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    private const PyfiPermission R = PyfiPermission.Read, S = PyfiPermission.Submit, O = PyfiPermission.Operate,
        D = PyfiPermission.Develop, A = PyfiPermission.Administer;

    // The roles' definition: viewers read; submitters run calls and workflows; operators run the network (queues,
    // sockets, plugs, schedules, cancel); developers own code (processors); admins do all, tokens included.
    private static readonly Dictionary<string, PyfiPermission> GatewayNeeds = new()
    {
        ["hello"] = R,
        ["queue.add"] = O, ["queue.update"] = O, ["queue.delete"] = O, ["queue.get"] = R, ["queue.list"] = R,
        ["processor.add"] = D, ["processor.update"] = D, ["processor.delete"] = D, ["processor.get"] = R, ["processor.list"] = R,
        ["socket.add"] = O, ["socket.update"] = O, ["socket.delete"] = O, ["socket.get"] = R, ["socket.list"] = R,
        ["plug.add"] = O, ["plug.update"] = O, ["plug.delete"] = O, ["plug.get"] = R, ["plug.list"] = R,
        ["schedule.add"] = O, ["schedule.update"] = O, ["schedule.delete"] = O, ["schedule.get"] = R, ["schedule.list"] = R,
        // Applying a network file needs at the door only to read (a plan is a read); the registry then refuses a role
        // that lacks what any of its changes needs (ApplyTests, NetworkPlannerTests).
        ["network.apply"] = R, ["network.export"] = R,
        ["task.run"] = S, ["call.get"] = R, ["call.cancel"] = O, ["call.list"] = R, ["call.graph"] = R, ["call.follow"] = R,
        ["cluster.agents"] = R,
        ["flow.start"] = S, ["flow.get"] = R, ["flow.cancel"] = O, ["flow.watch"] = R,
        ["token.create"] = A, ["token.list"] = A, ["token.revoke"] = A,
    };

    private static readonly Dictionary<string, PyfiPermission> GrainNeeds = new()
    {
        ["IRegistryGrain.AddQueueAsync"] = O, ["IRegistryGrain.UpdateQueueAsync"] = O, ["IRegistryGrain.DeleteQueueAsync"] = O,
        ["IRegistryGrain.GetQueueAsync"] = R, ["IRegistryGrain.ListQueuesAsync"] = R,
        ["IRegistryGrain.AddProcessorAsync"] = D, ["IRegistryGrain.UpdateProcessorAsync"] = D, ["IRegistryGrain.DeleteProcessorAsync"] = D,
        ["IRegistryGrain.GetProcessorAsync"] = R, ["IRegistryGrain.ListProcessorsAsync"] = R,
        ["IRegistryGrain.AddSocketAsync"] = O, ["IRegistryGrain.UpdateSocketAsync"] = O, ["IRegistryGrain.DeleteSocketAsync"] = O,
        ["IRegistryGrain.GetSocketAsync"] = R, ["IRegistryGrain.ListSocketsAsync"] = R,
        ["IRegistryGrain.AddPlugAsync"] = O, ["IRegistryGrain.UpdatePlugAsync"] = O, ["IRegistryGrain.DeletePlugAsync"] = O,
        ["IRegistryGrain.GetPlugAsync"] = R, ["IRegistryGrain.ListPlugsAsync"] = R,
        ["IRegistryGrain.AddScheduleAsync"] = O, ["IRegistryGrain.UpdateScheduleAsync"] = O, ["IRegistryGrain.DeleteScheduleAsync"] = O,
        ["IRegistryGrain.GetScheduleAsync"] = R, ["IRegistryGrain.ListSchedulesAsync"] = R,
        ["IRegistryGrain.ApplyNetworkAsync"] = R, ["IRegistryGrain.ExportNetworkAsync"] = R,
        ["ISocketGrain.RunAsync"] = S, ["ISocketGrain.GetCallAsync"] = R, ["ISocketGrain.WaitCallAsync"] = R, ["ISocketGrain.CancelAsync"] = O,
        ["ISocketGrain.GetPartitionsAsync"] = R,
        ["ITaskCallGrain.GetAsync"] = R, ["ITaskCallGrain.WaitAsync"] = R, ["ITaskCallGrain.CancelAsync"] = O,
        ["ICallListingGrain.ListAsync"] = R, ["ICallListingGrain.ListWorkflowAsync"] = R, ["ICallListingGrain.FollowAsync"] = R,
        ["ICallSweeperGrain.SweepAsync"] = O,
        ["IWorkflowGrain.StartAsync"] = S, ["IWorkflowGrain.GetAsync"] = R, ["IWorkflowGrain.GetProgressAsync"] = R, ["IWorkflowGrain.GetSummaryAsync"] = R, ["IWorkflowGrain.WaitAsync"] = R, ["IWorkflowGrain.CancelAsync"] = O,
        ["ISlotLedgerGrain.GetAgentsAsync"] = R,
        ["IAccessGrain.CreateTokenAsync"] = A, ["IAccessGrain.ListTokensAsync"] = A, ["IAccessGrain.RevokeTokenAsync"] = A,
    };

    [Fact]
    public void TheMatrixNamesEveryGatewayOperation()
    {
        var operations = typeof(GatewayOps).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(operations.Order(), GatewayNeeds.Keys.Order());
    }

    [Fact]
    public async Task EachRoleMayDoOnTheGatewayExactlyWhatItsPermissionsAllow()
    {
        List<string> wrong = [];
        foreach (var (role, token) in fixture.Tokens)
        {
            await using var gateway = await GatewayConnection.ConnectAsync(fixture.Silo.Gateway, TimeSpan.FromSeconds(5), token);
            foreach (var (op, needs) in GatewayNeeds)
            {
                // No arguments: an operation the role may do fails on its arguments (or, asking nothing, succeeds);
                // one it may not do is refused before the arguments are read. Nothing changes either way.
                var refusal = await RefusalAsync(() => gateway.SendAsync(op, null));
                var allowed = role.Allows(needs);
                if (allowed && refusal is GatewayException { Kind: "NotAllowed" or "NotAuthenticated" })
                {
                    wrong.Add($"{role.Name()} {op}: refused ({refusal.Message})");
                }
                else if (!allowed && (refusal is not GatewayException { Kind: "NotAllowed" } || !refusal.Message.StartsWith($"not allowed: role {role.Name()} cannot ", StringComparison.Ordinal)))
                {
                    wrong.Add($"{role.Name()} {op}: not refused ({refusal?.Message ?? "done"})");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task WithoutAValidTokenEveryGatewayOperationIsRefusedAsNotAuthenticated()
    {
        List<string> wrong = [];
        foreach (var token in new string?[] { null, "", "pyfi.0123456789ab.not-a-secret", fixture.Tokens[PyfiRole.Admin][..^2] + "xx" })
        {
            await using var gateway = await GatewayConnection.ConnectAsync(fixture.Silo.Gateway, TimeSpan.FromSeconds(5), token);
            foreach (var op in GatewayNeeds.Keys.Append("no.such.operation"))
            {
                var refusal = await RefusalAsync(() => gateway.SendAsync(op, null));
                if (refusal is not GatewayException { Kind: "NotAuthenticated" }) wrong.Add($"token '{token}' {op}: {refusal?.Message ?? "done"}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void TheMatrixNamesEveryClientCallableGrainMethod()
    {
        var marked = GrainMethods().Where(m => m.Access is not null).ToList();

        Assert.Equal(marked.Select(m => m.Name).Order(), GrainNeeds.Keys.Order());
        foreach (var method in marked) Assert.Equal(GrainNeeds[method.Name], method.Access!.Permission);
    }

    [Fact]
    public async Task EachRoleMayCallThroughTheOrleansGatewayExactlyWhatItsPermissionsAllowAndNoRoleReachesAnInternalMethod()
    {
        List<string> wrong = [];
        List<(string TokenName, GrainMethod Method, PyfiClient Client)> oneWay = [];
        List<PyfiClient> clients = [];
        try
        {
            foreach (var (role, token) in fixture.Tokens)
            {
                var client = await fixture.Silo.ConnectAsync(token);
                clients.Add(client);
                foreach (var method in GrainMethods())
                {
                    var allowed = GrainNeeds.TryGetValue(method.Name, out var needs) && role.Allows(needs);
                    if (method.Method.GetCustomAttribute<OneWayAttribute>() is not null)
                    {
                        // Nothing comes back from a one-way call: its refusal is seen in the silo's log.
                        Assert.False(allowed, $"{method.Name} is one-way and client-callable: the matrix cannot see its refusal");
                        oneWay.Add((role == PyfiRole.Admin ? "admin" : $"the-{role.Name()}", method, client));
                        continue;
                    }

                    var refusal = await RefusalAsync(() => Invoke(client.Cluster, method));
                    if (allowed && refusal is NotAllowedException or NotAuthenticatedException) wrong.Add($"{role.Name()} {method.Name}: refused ({refusal.Message})");
                    else if (!allowed && refusal is not NotAllowedException) wrong.Add($"{role.Name()} {method.Name}: not refused ({refusal?.GetType().Name}: {refusal?.Message ?? "done"})");
                }
            }

            // Sent again until logged: refusals past the log's rate are counted, not logged one by one.
            foreach (var (tokenName, method, client) in oneWay)
            {
                await Poll.UntilAsync(async () =>
                {
                    await Invoke(client.Cluster, method);
                    // A worker slot is refused where it would be placed (it would hold a core from its activation on).
                    var what = method.Grain == typeof(IWorkerGrain) ? $"{method.Grain.Name} (activating worker slot" : method.Method.Name;
                    return fixture.Silo.Output.Split('\n').Any(l => l.Contains(what, StringComparison.Ordinal) && l.Contains($"for token '{tokenName}'", StringComparison.Ordinal));
                }, TimeSpan.FromSeconds(30), $"the refusal of {method.Name} for {tokenName} in the silo's log");
            }
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task ARoleTooSmallIsOneClearLineFromTheCliAndChangesNothing()
    {
        var submitter = fixture.Silo.Cli(fixture.Tokens[PyfiRole.Submitter]);
        // The definitions (a processor's status moves from deploying to ready by itself meanwhile).
        async Task<string> DefinitionsAsync() => string.Join("\n", System.Text.Json.JsonDocument.Parse((await fixture.Silo.Cli().OkAsync("ls", "processors", "--json")).Stdout)
            .RootElement.EnumerateArray().Select(p => p.GetProperty("spec").GetRawText()));
        var before = await DefinitionsAsync();

        var refused = await submitter.RunAsync(["add", "processor", "-n", "mine", "-g", fixture.Repository.Path, "-m", SampleCode.Module]);
        var ran = await submitter.RunAsync(["task", "run", "-s", "do_this", "--data", "['matrix']"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("pyfi: not allowed: role submitter cannot add processors", refused.Stderr.Trim());
        Assert.Equal(before, await DefinitionsAsync());
        Assert.True(ran.ExitCode == 0, ran.ToString());
        Assert.Equal("This: matrix", ran.Stdout.Trim());
        // Refusals are logged one by one up to 20 a second (the other tests of this class make dozens at once), and by
        // the console logger's own thread: asked again (it still changes nothing), the line is there once a second
        // with room for it has begun.
        await Poll.UntilAsync(async () =>
        {
            if (fixture.Silo.Output.Contains("Refused to add processors for token 'the-submitter' from gateway client 127.0.0.1:", StringComparison.Ordinal)) return true;
            Assert.Equal(1, (await submitter.RunAsync(["add", "processor", "-n", "mine", "-g", fixture.Repository.Path, "-m", SampleCode.Module])).ExitCode);
            return false;
        }, TimeSpan.FromSeconds(30), "the refusal's log line");
        Assert.Equal(before, await DefinitionsAsync());
        foreach (var token in fixture.Tokens.Values) Assert.DoesNotContain(token.Split('.')[2], fixture.Silo.Output);
    }

    // Every method of every grain interface of the contracts, with the interface it is reached through (a method
    // inherited from IDefinitionOwner<T> is reached through each owner's interface).
    private static IEnumerable<GrainMethod> GrainMethods() =>
        typeof(IRegistryGrain).Assembly.GetExportedTypes()
            .Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t) && !t.IsGenericTypeDefinition)
            .SelectMany(t => t.GetInterfaces().Append(t).Where(i => i.Assembly == typeof(IRegistryGrain).Assembly)
                .SelectMany(i => i.GetMethods()).Select(m => new GrainMethod(t, m)))
            .DistinctBy(g => g.Name);

    // Calls the method on a grain of its interface with default arguments: enough to see whether it is refused.
    private static async Task Invoke(IClusterClient cluster, GrainMethod target)
    {
        var grain = true switch
        {
            _ when typeof(IGrainWithStringKey).IsAssignableFrom(target.Grain) => cluster.GetGrain(target.Grain, "matrix.probe"),
            _ when typeof(IGrainWithGuidKey).IsAssignableFrom(target.Grain) => cluster.GetGrain(target.Grain, Guid.NewGuid()),
            _ => cluster.GetGrain(target.Grain, 0L),
        };
        var args = target.Method.GetParameters().Select(p => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null).ToArray();
        var task = (Task)target.Method.Invoke(grain.AsReference(target.Grain), args)!;
        await task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<Exception?> RefusalAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e)
        {
            return PyfiException.Find(e) ?? e;
        }
    }

    private sealed record GrainMethod(Type Grain, MethodInfo Method)
    {
        public string Name => $"{Grain.Name}.{Method.Name}";

        public ClientAccessAttribute? Access => Method.GetCustomAttribute<ClientAccessAttribute>();
    }
}
