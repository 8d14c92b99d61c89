using System.Text.Json.Serialization;

namespace Pyfi.Cli;

/// <summary>Source-generated JSON for the few plain values the tool writes itself.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
