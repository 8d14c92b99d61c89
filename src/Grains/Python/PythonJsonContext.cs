using System.Text.Json.Serialization;

namespace Pyfi.Grains.Python;

/// <summary>Source-generated JSON for the few values the worker protocol writes from .NET.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class PythonJsonContext : JsonSerializerContext;
