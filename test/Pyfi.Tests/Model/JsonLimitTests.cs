using System.Text.Json;
using Pyfi.Protocol;

namespace Pyfi.Tests.Model;

/// <summary>
/// The one check of a call's JSON arguments (<see cref="ModelRules.Json"/>: shape, depth, size), and how JSON
/// that could not be read is described to users (<see cref="PyfiJson.Describe"/>), in the fast tier.
/// </summary>
[Trait("Category", "Fast")]
public sealed class JsonLimitTests
{
    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    [Fact]
    public void ArgumentsNestToTheLimitAndDeeperIsRefusedWhileReading()
    {
        ModelRules.Json("the arguments", Nested(PyfiLimits.MaxDepth), JsonValueKind.Array);
        ModelRules.Json("the keywords", "{\"k\": " + Nested(PyfiLimits.MaxDepth - 1) + "}", JsonValueKind.Object);

        Assert.Equal("the arguments nest deeper than 64 levels", Refusal(Nested(PyfiLimits.MaxDepth + 1), JsonValueKind.Array));
        Assert.Equal("the arguments nest deeper than 64 levels", Refusal(new string('[', 1_000_000), JsonValueKind.Array));
        Assert.Equal("the arguments nest deeper than 64 levels", Refusal("{\"k\": " + Nested(PyfiLimits.MaxDepth) + "}", JsonValueKind.Object));
    }

    [Fact]
    public void ArgumentsOfTheWrongShapeSizeOrSyntaxAreRefusedWithWhy()
    {
        Assert.Equal("the arguments must be a JSON array", Refusal("{}", JsonValueKind.Array));
        Assert.Equal("the arguments must be a JSON object", Refusal("[1]", JsonValueKind.Object));
        Assert.Equal("the arguments are missing: they must be a JSON array", Refusal(null, JsonValueKind.Array));
        Assert.Equal("the arguments are larger than 1 KiB (PYFI_MAX_PAYLOAD)", Refusal($"[\"{new string('x', 1024)}\"]", JsonValueKind.Array, maxBytes: 1024));
        Assert.Equal("the arguments are larger than 1 KiB (PYFI_MAX_PAYLOAD)", Refusal($"[\"{new string('é', 600)}\"]", JsonValueKind.Array, maxBytes: 1024));
        Assert.Equal("the arguments are not valid JSON: '2' is invalid after a single JSON value. Expected end of data (line 1, byte 5)",
            Refusal("[1] 2", JsonValueKind.Array));
    }

    [Theory]
    [InlineData("{\"op\": 5}", "a value has the wrong type at $.op (line 1, byte 9)")]
    [InlineData("{\"op\": \"task.run\", \"args\": }", "'}' is an invalid start of a value at $.args (line 1, byte 28)")]
    [InlineData("not json", "'not json' is an invalid JSON literal. Expected the literal 'null' (line 1, byte 2)")]
    public void ARequestThatCannotBeReadIsDescribedWithoutDotNetTypeNames(string line, string description)
    {
        var error = Assert.ThrowsAny<JsonException>(() => PyfiJson.Deserialize<GatewayRequest>(line));

        Assert.Equal(description, PyfiJson.Describe(error));
    }

    [Theory]
    [InlineData(GatewayOps.RunTask, "{\"socket\": 5}", "a value has the wrong type at $.socket")]
    [InlineData(GatewayOps.RunTask, "{\"socket\": \"s\", \"timeout\": \"soon\"}", "a value has the wrong type at $.timeout")]
    [InlineData(GatewayOps.StartFlow, "{}", "required fields are missing: 'kind'")]
    [InlineData(GatewayOps.StartFlow, "{\"kind\": \"loop\"}", "a value has the wrong type at $.kind")]
    [InlineData(GatewayOps.GetCall, "{\"id\": \"x\"}", "a value has the wrong type at $.id")]
    public void ArgumentsOfTheWrongTypeAreDescribedByWhereNotByDotNetType(string op, string args, string description)
    {
        using var document = JsonDocument.Parse(args);
        var error = Assert.ThrowsAny<JsonException>(() => op switch
        {
            GatewayOps.RunTask => PyfiJson.Deserialize<TaskRunArgs>(document.RootElement),
            GatewayOps.StartFlow => PyfiJson.Deserialize<FlowStep>(document.RootElement),
            _ => (object?)PyfiJson.Deserialize<CallArgs>(document.RootElement),
        });

        Assert.StartsWith(description, PyfiJson.Describe(error));
        Assert.DoesNotMatch(@"System\.|Pyfi\.|Exception", PyfiJson.Describe(error));
    }

    [Fact]
    public void AMessageMayCarryAWorkflowNestedToTheLimitAndNoDeeper()
    {
        var step = FlowStep.Call("s");
        for (var i = 1; i < PyfiLimits.MaxDepth; i++) step = FlowStep.Pipeline([step]);
        var request = new GatewayRequest(GatewayOps.StartFlow, PyfiJson.ToElement(step));

        var read = PyfiJson.Deserialize<GatewayRequest>(PyfiJson.Serialize(request))!;
        var tooDeep = Assert.ThrowsAny<JsonException>(() => PyfiJson.Deserialize<GatewayRequest>($"{{\"op\": \"x\", \"args\": {Nested(PyfiLimits.MaxMessageDepth)}}}"));

        Assert.Equal(PyfiLimits.MaxDepth, Depth(PyfiJson.Deserialize<FlowStep>(read.Args!.Value)!));
        Assert.Equal("it nests deeper than 136 levels at $.args (line 1, byte 156)", PyfiJson.Describe(tooDeep));
    }

    private static int Depth(FlowStep step)
    {
        var depth = 1;
        for (; step.Kind != FlowStepKind.Call; step = step.Steps[0]) depth++;
        return depth;
    }

    private static string Refusal(string? json, JsonValueKind kind, long maxBytes = PyfiLimits.DefaultMaxPayloadBytes) =>
        Assert.Throws<InvalidSpecException>(() => ModelRules.Json("the arguments", json, kind, maxBytes)).Message;
}
