using System.Text;
using System.Text.Json;

namespace Pyfi.Storage.Definitions;

// PyfiRegistry.Unsynced as a JSON array of strings, read and written without reflection (the pyfi tool is
// compiled ahead of time, and this assembly is part of it).
internal static class UnsyncedJson
{
    public static string Write(IEnumerable<string> keys)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var key in keys.Order(StringComparer.Ordinal)) writer.WriteStringValue(key);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyList<string> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString()!)];
    }
}
