using System.Globalization;

namespace Pyfi;

/// <summary>Amounts of memory as people type them: <c>512M</c>, <c>1G</c>, <c>1.5GiB</c>, <c>2048K</c> or a number of bytes (powers of 1024).</summary>
public static class ByteSize
{
    private const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

    /// <summary>The number of bytes <paramref name="text"/> says, or <see langword="false"/> when it is not an amount.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var t = text?.Trim() ?? "";
        if (t.EndsWith("iB", StringComparison.OrdinalIgnoreCase)) t = t[..^2];
        else if (t.Length > 1 && char.IsLetter(t[^2]) && t[^1] is 'B' or 'b') t = t[..^1];
        if (t.Length == 0) return false;
        long scale = char.ToUpperInvariant(t[^1]) switch
        {
            'K' => KiB,
            'M' => MiB,
            'G' => GiB,
            'T' => TiB,
            'B' => 1,
            _ => 0,
        };
        var number = scale == 0 ? t : t[..^1].TrimEnd();
        scale = Math.Max(scale, 1);
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value > long.MaxValue / scale) return false;
        bytes = (long)(value * scale);
        return true;
    }

    /// <summary>The bytes <paramref name="text"/> says; <see cref="InvalidSpecException"/> naming <paramref name="what"/> otherwise.</summary>
    public static long Parse(string text, string what) =>
        TryParse(text, out var bytes) ? bytes : throw new InvalidSpecException($"{what}: '{text}' is not an amount of memory (e.g. 512M, 2G)");

    /// <summary>A short rendering in the largest unit that divides it, e.g. <c>2 GiB</c>, <c>1536 MiB</c>.</summary>
    public static string Format(long bytes)
    {
        foreach (var (unit, size) in new[] { ("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB) })
        {
            if (bytes >= size && bytes % size == 0) return $"{bytes / size} {unit}";
        }

        return $"{bytes} bytes";
    }
}
