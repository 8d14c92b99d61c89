using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using Pyfi.Cli.Commands.Tasks;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// <see cref="PythonLiteral"/> against Python's own <c>ast.literal_eval</c>: every literal here is read by
/// both, and Python checks that the JSON Pyfi made decodes to the same values with the same types (those two
/// start python3; the rest are in the fast tier).
/// </summary>
public sealed class PythonLiteralTests
{
    private static readonly string[] Valid =
    [
        "1", "-1", "+7", "- 3", "0", "00", "1_000_000", "0x1F", "0o17", "0b1011", "-0x10", "123456789012345678901234567890",
        "1.5", "-0.25", ".5", "5.", "1e10", "1E-3", "1_0.5e1_0", "-0.0", "3.141592653589793", "1e308",
        "'a'", "\"b\"", "'''tri\nple'''", "\"\"\"x\"\"\"", "'it''s'", "'a' 'b'  \"c\"", "r'\\d+'", "R\"\\n\"", "u'x'",
        "'\\n\\t\\\\\\''", "'\\x41\\u00e9\\U0001F600'", "'\\101'", "'\\q'", "'é ü 漢字'", "''",
        "True", "False", "None",
        "[]", "()", "(1,)", "(1)", "[1, 2, 3]", "[1, 'two', 3.0, None, True]", "['some data']", "[[1, [2, [3]]]]",
        "('a', 2, 3.5)", "1, 2", "'HI', ", "{}", "{'a': 1}", "{'a': [1, {'b': None}], \"c\": (1, 2)}", "[1, 2,]", "{'k': 'v',}",
        "  [1,\n  2]  ", "[1, # comment\n 2]", "  42", "'x' # trailing comment",
    ];

    private static readonly string[] Invalid =
    [
        "", "   ", "x", "os.system('ls')", "[1, 2", "'unclosed", "1 2", "{1, 2}", "{'a'}", "b'bytes'", "f'x{1}'", "1j", "1+2j",
        "{1: 'a'}", "1e999", "[1,,2]", "(,)", "None None", "True()", "0x", "08", "--3", "@", "{'a' 1}",
    ];

    [Fact]
    public async Task ValidLiteralsBecomeTheJsonPythonWouldDecodeToTheSameValues()
    {
        var cases = Valid.Select(source => (source, parsed: PythonLiteral.Parse(source))).ToList();

        var verdicts = await CheckWithPythonAsync(cases.Select(c => new { source = c.source, json = c.parsed.Json, sequence = c.parsed.IsSequence }));

        Assert.All(cases.Zip(verdicts), pair => Assert.True(pair.Second == "ok", $"{pair.First.source} -> {pair.First.parsed.Json}: {pair.Second}"));
    }

    [Fact]
    public async Task WhatIsNotALiteralOrNotJsonIsRefusedWithTheReason()
    {
        var errors = Invalid.Select(source => (source, error: Record.Exception(() => PythonLiteral.Parse(source)))).ToList();

        Assert.All(errors, e => Assert.True(e.error is InvalidSpecException, $"{e.source}: {e.error?.GetType().Name ?? "accepted"}"));
        Assert.All(errors, e => Assert.StartsWith("the value is not a Python literal: ", e.error!.Message));
        // And Python agrees each is either not a literal at all, or not something JSON can carry.
        var verdicts = await CheckWithPythonAsync(Invalid.Select(source => new { source, json = (string?)null, sequence = false }));
        Assert.All(Invalid.Zip(verdicts), pair => Assert.True(pair.Second is "not a literal" or "not JSON", $"{pair.First}: {pair.Second}"));
        Assert.Contains("sets cannot be sent as JSON", errors.Single(e => e.source == "{1, 2}").error!.Message);
        Assert.Contains("dict keys must be strings", errors.Single(e => e.source == "{1: 'a'}").error!.Message);
    }

    [Trait("Category", "Fast")]
    [Fact]
    public void NamedUnicodeEscapesAreTheOneKnownGap()
    {
        // Python reads the named escape; .NET has no table of character names, so Pyfi says what to do instead.
        var error = Assert.Throws<InvalidSpecException>(() => PythonLiteral.Parse(@"'\N{BULLET}'"));

        Assert.Contains(@"\N{…} escapes are not supported; write the character itself", error.Message);
    }

    [Trait("Category", "Fast")]
    [Theory]
    [InlineData("[", "]")]
    [InlineData("(", ",)")]
    [InlineData("{'k': ", "}")]
    [InlineData("(", ")")]
    public void BracketsNestToTheLimitAndTheOneTooManyIsRefusedBeforeTheParserGoesIn(string open, string close)
    {
        string Nested(int depth) => string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));

        var deepest = PythonLiteral.Parse(Nested(PyfiLimits.MaxDepth));
        var tooDeep = Assert.Throws<InvalidSpecException>(() => PythonLiteral.Parse(Nested(PyfiLimits.MaxDepth + 1), "--data"));
        // What crashed the tool with a stack overflow: refused at the same bracket, the rest never read.
        var unclosed = Assert.Throws<InvalidSpecException>(() => PythonLiteral.Parse(string.Concat(Enumerable.Repeat(open, 100_000)), "--data"));

        Assert.Equal(PyfiLimits.MaxDepth, deepest.Depth);
        var at = PyfiLimits.MaxDepth * open.Length + 1;
        Assert.Equal($"--data is nested deeper than 64 levels (at character {at})", tooDeep.Message);
        Assert.Equal(tooDeep.Message, unclosed.Message);
    }

    [Trait("Category", "Fast")]
    [Theory]
    [InlineData("1", 0, false)]
    [InlineData("'[[['", 0, false)]
    [InlineData("[1]", 1, true)]
    [InlineData("{'a': [1, (2,)]}", 3, false)]
    [InlineData("[[1]], 2", 3, true)]
    [InlineData("1, 2", 1, true)]
    public void TheDepthSaysHowDeepTheJsonNests(string literal, int depth, bool sequence)
    {
        var parsed = PythonLiteral.Parse(literal);

        Assert.Equal((depth, sequence), (parsed.Depth, parsed.IsSequence));
    }

    private static async Task<List<string>> CheckWithPythonAsync<T>(IEnumerable<T> cases)
    {
        FastTier.Refuse("python3");
        using var folder = new TempDirectory("pyfi-literal");
        var input = folder.File("cases.json");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(cases.ToList()));
        var result = await CliWrap.Cli.Wrap("python3").WithArguments(["-c", Checker, input]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonSerializer.Deserialize<List<string>>(result.StandardOutput)!;
    }

    private const string Checker = """
        import ast, json, math, sys

        def norm(v):
            if isinstance(v, (list, tuple)):
                return ["list", [norm(x) for x in v]]
            if isinstance(v, dict):
                return ["dict", {k: norm(x) for k, x in v.items()}]
            return [type(v).__name__, v]

        def jsonable(v):
            if isinstance(v, (list, tuple)):
                return all(jsonable(x) for x in v)
            if isinstance(v, dict):
                return all(isinstance(k, str) and jsonable(x) for k, x in v.items())
            if isinstance(v, float):
                return math.isfinite(v)
            return v is None or isinstance(v, (bool, int, str))

        verdicts = []
        for case in json.load(open(sys.argv[1])):
            try:
                expected = ast.literal_eval(case["source"])
            except Exception:
                verdicts.append("not a literal")
                continue
            if not jsonable(expected):
                verdicts.append("not JSON")
                continue
            if case["json"] is None:
                verdicts.append("accepted by Python")
                continue
            got = json.loads(case["json"])
            if norm(got) != norm(expected):
                verdicts.append(f"python reads {expected!r}")
            elif case["sequence"] != isinstance(expected, (list, tuple)):
                verdicts.append("spread differs")
            else:
                verdicts.append("ok")
        print(json.dumps(verdicts))
        """;
}
