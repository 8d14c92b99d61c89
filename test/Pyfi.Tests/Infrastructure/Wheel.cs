using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Pyfi.Tests.Infrastructure;

/// <summary>Builds a pure-Python wheel file, so a requirements file can name a package pip installs without any index.</summary>
public static class Wheel
{
    /// <summary>Writes <c>{name}-{version}-py3-none-any.whl</c> holding <c>{name}/__init__.py</c> with <paramref name="source"/>; returns its path.</summary>
    public static string Build(string folder, string name, string version, string source)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}-{version}-py3-none-any.whl");
        var distInfo = $"{name}-{version}.dist-info";
        var files = new Dictionary<string, string>
        {
            [$"{name}/__init__.py"] = source,
            [$"{distInfo}/METADATA"] = $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            [$"{distInfo}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: pyfi-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        };
        var record = new StringBuilder();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entry, content) in files)
            {
                var bytes = Encoding.UTF8.GetBytes(content);
                using (var stream = zip.CreateEntry(entry).Open()) stream.Write(bytes);
                var hash = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                record.Append($"{entry},sha256={hash},{bytes.Length}\n");
            }

            record.Append($"{distInfo}/RECORD,,\n");
            using var recordStream = zip.CreateEntry($"{distInfo}/RECORD").Open();
            recordStream.Write(Encoding.UTF8.GetBytes(record.ToString()));
        }

        return path;
    }
}
