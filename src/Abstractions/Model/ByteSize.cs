namespace Pyfi;

/// <summary>Amounts of memory for people, in powers of 1024.</summary>
public static class ByteSize
{
    private const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

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
