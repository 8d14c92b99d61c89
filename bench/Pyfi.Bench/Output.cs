using System.Text.Json;

namespace Pyfi.Bench;

/// <summary>Figures printed as the peers print them: one JSON object per line.</summary>
public static class Output
{
    /// <summary>The system name on every line (<c>PYFI_BENCH_SYSTEM</c>, default <c>pyfi</c>).</summary>
    public static string System { get; } = Environment.GetEnvironmentVariable("PYFI_BENCH_SYSTEM") is { Length: > 0 } s ? s : "pyfi";

    /// <summary>Prints one figure.</summary>
    public static void Emit(string workload, object figures)
    {
        var json = JsonSerializer.SerializeToElement(figures);
        var fields = string.Join(", ", json.EnumerateObject().Select(p => $"\"{p.Name}\": {p.Value.GetRawText()}"));
        Console.WriteLine($"{{\"system\": \"{System}\", \"workload\": \"{workload}\", {fields}}}");
    }

    /// <summary>Rounds for printing.</summary>
    public static double Round(double value, int digits = 3) => Math.Round(value, digits);
}
