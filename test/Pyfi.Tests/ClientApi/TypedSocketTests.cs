using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pyfi.Client;
using Pyfi.Client.Hosting;
using Pyfi.Client.Sockets;
using Pyfi.Tests.Execution;

namespace Pyfi.Tests.ClientApi;

/// <summary>Sockets as typed .NET functions through the client library, against a real silo and real Python.</summary>
public sealed class TypedSocketTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    [Fact]
    public async Task ASocketIsCalledLikeAFunctionWithTypedArgumentsAndResult()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var doSomething = pyfi.Socket<string, string>("do_something");
        var echo = pyfi.Socket<EchoResult>("echo");

        Assert.Equal("Message: One", await doSomething.CallAsync("One"));
        var echoed = await echo.CallAsync([1, "two", new[] { 3.5 }], new Dictionary<string, object?> { ["flag"] = true });
        Assert.Equal("[1,\"two\",[3.5]]", System.Text.Json.JsonSerializer.Serialize(echoed.args));
        Assert.True(echoed.kwargs["flag"].GetBoolean());
        Assert.Equal(42, await pyfi.Socket<int, int>("noop").CallAsync(42));
        Assert.Null(await pyfi.Socket<string?>("noop").CallAsync([null]));
    }

    [Fact]
    public async Task APythonExceptionIsAnExceptionWithTheCallAndItsTraceback()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();

        var failed = await Assert.ThrowsAsync<PyfiCallFailedException>(() => pyfi.Socket<int, string>("fail").CallAsync(7));

        Assert.StartsWith("fail failed: ValueError: bad value 7", failed.Message);
        Assert.Equal(CallState.Failed, failed.Call.State);
        Assert.Contains("raise ValueError", failed.PythonTraceback);
    }

    [Fact]
    public async Task TypeMismatchesAndUnknownSocketsAreClearErrors()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();

        var result = await Assert.ThrowsAsync<PyfiTypeMismatchException>(() => pyfi.Socket<string, int>("do_something").CallAsync("One"));
        var argument = await Assert.ThrowsAsync<PyfiTypeMismatchException>(() => pyfi.Socket<IntPtr, string>("do_something").CallAsync(new IntPtr(1)));
        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => pyfi.Socket<string, string>("no.such.socket").CallAsync("x"));

        Assert.Equal("the result of do_something (\"Message: One\") is not a Int32", result.Message);
        Assert.StartsWith("an argument of do_something (IntPtr) cannot be sent as JSON", argument.Message);
        Assert.Equal("socket 'no.such.socket' does not exist", unknown.Message);
        Assert.Throws<InvalidSpecException>(() => pyfi.Socket<string>("bad name!"));
    }

    [Fact]
    public async Task BindMakesADeferredStepWithItsArgumentsAsJson()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();

        var one = pyfi.Socket<string, string>("do_something").Bind("Two");
        var many = pyfi.Socket<string>("echo").Bind(1, "x", null, new { a = 1 });

        Assert.Equal(("do_something", "[\"Two\"]"), (one.Socket, one.Args));
        Assert.Equal("[1,\"x\",null,{\"a\":1}]", many.Args);
    }

    [Fact]
    public async Task AnApplicationsHostGetsThePyfiClientFromAddPyfiClient()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddPyfiClient(o =>
        {
            o.Gateways = fixture.Silo.Gateway;
            o.Token = fixture.Silo.AdminToken;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var pyfi = host.Services.GetRequiredService<PyfiClient>();

            Assert.Equal("This: hosted", await pyfi.Socket<string, string>("do_this").CallAsync("hosted"));
            Assert.Null(pyfi.Network);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>What the sample's <c>echo</c> returns.</summary>
    public sealed record EchoResult(System.Text.Json.JsonElement[] args, Dictionary<string, System.Text.Json.JsonElement> kwargs);
}
