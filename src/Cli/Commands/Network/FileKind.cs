using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Pyfi.Cli.Commands.Network;

/// <summary>One key of a definition in a network file: the tool's long option name, how it is read into the definition and written from it.</summary>
/// <typeparam name="TSpec">The definition's record.</typeparam>
/// <param name="Key">The key: the long option of <c>pyfi add</c> / <c>update</c> that sets the same field.</param>
/// <param name="Write">The field's value as the file holds it (<see langword="null"/>: not set, the default).</param>
/// <param name="Read">The definition with the field set from a value (never null: null is the default); throws naming the path.</param>
/// <param name="Required">Whether a definition must have it.</param>
internal sealed record FileField<TSpec>(string Key, Func<TSpec, JsonNode?> Write, Func<TSpec, JsonNode, string, TSpec> Read, bool Required = false);

/// <summary>What <see cref="NetworkFile"/> needs of each kind, whatever its record.</summary>
internal interface IFileKind
{
    /// <summary>The file's top-level key: <c>queues</c>.</summary>
    string Plural { get; }

    /// <summary>The kind as the network names it: <c>queue</c>.</summary>
    string Name { get; }

    /// <summary>The keys a definition may have, in the order written.</summary>
    IEnumerable<string> Keys { get; }

    /// <summary>
    /// Reads the list under <see cref="Plural"/> into <paramref name="network"/>, adding a problem for each wrong key or
    /// value; a definition with problems stays in the list (its bad fields at their defaults; one that is not a mapping as
    /// nothing), so the network's own checks see every name and the paths of their problems match the file's.
    /// </summary>
    NetworkSpec Read(JsonNode? list, NetworkSpec network, List<string> problems);

    /// <summary>The definitions of this kind in <paramref name="network"/>, as the file writes them.</summary>
    JsonArray Write(NetworkSpec network);

    /// <summary>The fields of definition <paramref name="name"/> that differ between <paramref name="before"/> and <paramref name="after"/>: <c>concurrency 2 -> 4</c>.</summary>
    IEnumerable<string> Differences(NetworkSpec before, NetworkSpec after, string name);
}

/// <summary>A row of <see cref="NetworkFile"/>'s kinds.</summary>
/// <typeparam name="TSpec">The definition's record.</typeparam>
internal sealed class FileKind<TSpec> : IFileKind where TSpec : class
{
    /// <inheritdoc />
    public required string Plural { get; init; }

    /// <inheritdoc />
    public required string Name { get; init; }

    /// <summary>A definition with every field at its default (required ones empty), which the file's fields are set on.</summary>
    public required TSpec Empty { get; init; }

    /// <summary>The fields.</summary>
    public required ImmutableArray<FileField<TSpec>> Fields { get; init; }

    /// <summary>The definitions of this kind a network holds.</summary>
    public required Func<NetworkSpec, ImmutableArray<TSpec>> Of { get; init; }

    /// <summary>A network with these definitions of this kind.</summary>
    public required Func<NetworkSpec, ImmutableArray<TSpec>, NetworkSpec> With { get; init; }

    /// <summary>A definition's name.</summary>
    public required Func<TSpec, string> NameOf { get; init; }

    /// <inheritdoc />
    public IEnumerable<string> Keys => Fields.Select(f => f.Key);

    /// <inheritdoc />
    public NetworkSpec Read(JsonNode? list, NetworkSpec network, List<string> problems)
    {
        if (list is null) return network;
        if (list is not JsonArray items)
        {
            problems.Add($"{Plural}: must be a list of {Plural} (- name: …)");
            return network;
        }

        var specs = new List<TSpec>(items.Count);
        for (var i = 0; i < items.Count; i++) specs.Add(ReadOne(items[i], $"{Plural}[{i}]", problems)!);
        return With(network, [.. specs]);
    }

    /// <inheritdoc />
    public JsonArray Write(NetworkSpec network) =>
        [.. Of(network).Select(spec => (JsonNode?)new JsonObject(Fields.Select(f => KeyValuePair.Create(f.Key, f.Write(spec)))))];

    /// <inheritdoc />
    public IEnumerable<string> Differences(NetworkSpec before, NetworkSpec after, string name)
    {
        var was = Of(before).FirstOrDefault(s => s is not null && NameOf(s) == name);
        var now = Of(after).FirstOrDefault(s => s is not null && NameOf(s) == name);
        if (was is null || now is null) return [];
        return Fields.Select(f => (f.Key, Was: f.Write(was), Now: f.Write(now)))
            .Where(d => !JsonNode.DeepEquals(d.Was, d.Now))
            .Select(d => $"{d.Key} {Show(d.Was)} -> {Show(d.Now)}");
    }

    private TSpec? ReadOne(JsonNode? item, string path, List<string> problems)
    {
        if (item is not JsonObject fields)
        {
            problems.Add($"{path}: must be a mapping of keys to values (name: …), not {(item is JsonArray ? "a list" : item?.ToJsonString() ?? "nothing")}");
            return null;
        }

        var spec = Empty;
        foreach (var (key, value) in fields)
        {
            if (Fields.FirstOrDefault(f => f.Key == key) is not { } field)
            {
                problems.Add($"{path}.{key}: unknown key{NetworkFile.Suggest(key, Keys, $"{Name}s take {string.Join(", ", Keys)}")}");
                continue;
            }

            if (value is null) continue; // null: the default, as when the key is left out
            try
            {
                spec = field.Read(spec, value, $"{path}.{key}");
            }
            catch (InvalidSpecException e)
            {
                problems.Add(e.Message);
            }
        }

        foreach (var field in Fields.Where(f => f.Required && fields[f.Key] is null))
        {
            problems.Add($"{path}: {field.Key} is required");
        }

        return spec;
    }

    // A value in a plan's line: text as it is, nothing as '-', lists and numbers as JSON.
    private static string Show(JsonNode? value) => value switch
    {
        null => "-",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };
}
