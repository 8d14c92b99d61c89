using System.Globalization;

namespace Pyfi;

/// <summary>Sizes as people read them in messages: <c>16 MiB</c>, <c>64 KiB</c>, <c>1000 bytes</c>.</summary>
public static class ByteSize
{
    /// <summary><paramref name="bytes"/> in the largest binary unit it is a whole number of (else with one decimal).</summary>
    public static string Describe(long bytes)
    {
        const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
        return bytes switch
        {
            >= GiB => Unit(bytes, GiB, "GiB"),
            >= MiB => Unit(bytes, MiB, "MiB"),
            >= KiB => Unit(bytes, KiB, "KiB"),
            _ => bytes == 1 ? "1 byte" : $"{bytes} bytes",
        };

        static string Unit(long bytes, long unit, string name) =>
            (bytes % unit == 0 ? (bytes / unit).ToString(CultureInfo.InvariantCulture) : ((double)bytes / unit).ToString("0.#", CultureInfo.InvariantCulture)) + " " + name;
    }
}
