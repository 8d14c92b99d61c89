using System.Globalization;
using System.Text.RegularExpressions;

namespace Pyfi.Cli.Infrastructure;

/// <summary>Parses durations as people type them: <c>30</c> (seconds), <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>30d</c>, <c>1m30s</c>, or <c>00:05:00</c>.</summary>
public static partial class Durations
{
    /// <summary>The duration, or <see cref="InvalidSpecException"/> naming <paramref name="option"/>.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        text = text.Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ when text.EndsWith('h') => (text[..^1], 3600),
            _ when text.EndsWith('d') => (text[..^1], 86400),
            _ => (text, 1),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            && value * scale < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero) return span;
        // What Format writes for listings (1m30s): a sum of parts, each a number and its unit.
        if (Compound().IsMatch(text))
        {
            var total = TimeSpan.Zero;
            foreach (Match part in Part().Matches(text)) total += Parse(part.Value, option);
            return total;
        }

        throw new InvalidSpecException($"{option}: '{text}' is not a duration (e.g. 30s, 5m, 250ms)");
    }

    /// <summary>A short rendering, e.g. <c>30s</c> or <c>1m30s</c>.</summary>
    public static string Format(TimeSpan? span)
    {
        if (span is not { } s) return "-";
        if (s < TimeSpan.FromSeconds(1)) return $"{s.TotalMilliseconds:0}ms";
        if (s < TimeSpan.FromMinutes(1)) return $"{s.TotalSeconds:0.###}s";
        if (s < TimeSpan.FromHours(1)) return s.Seconds == 0 ? $"{(int)s.TotalMinutes}m" : $"{(int)s.TotalMinutes}m{s.Seconds}s";
        return s.ToString("c", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(\d+(\.\d+)?(ms|s|m|h|d)){2,}$")]
    private static partial Regex Compound();

    [GeneratedRegex(@"\d+(\.\d+)?(ms|s|m|h|d)")]
    private static partial Regex Part();
}
