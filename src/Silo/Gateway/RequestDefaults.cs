using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Pyfi.Protocol;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// Gives a request's arguments the declared default of every field they leave out, before they are read.
/// </summary>
/// <remarks>
/// System.Text.Json's source generator builds a record with init-only properties in one object initializer, so a
/// property the JSON leaves out is set to zero, not to its initializer (dotnet/runtime#84484): a socket added without
/// <c>maxQueued</c> held no calls, a retry policy without <c>multiplier</c> did not back off, a workflow step without
/// <c>steps</c> could not be stored. The CLI sends every field; a client of its own (Python, a script, the web UI) need
/// not. The defaults of each type are read once from an instance made by its parameterless constructor (which runs the
/// initializers), and only those that differ from zero are filled in, into nested objects and lists of objects too. A
/// type without such defaults (most, and the hot path's <see cref="TaskRunArgs"/>) is read as it is.
/// </remarks>
public sealed class RequestDefaults
{
    private readonly ConcurrentDictionary<Type, Shape> _shapes = new();
    private readonly Dictionary<Type, Shape> _building = [];

    /// <summary><paramref name="args"/> with the defaults of <typeparamref name="T"/> filled in (the same element when nothing is missing).</summary>
    public JsonElement Complete<T>(JsonElement args)
    {
        var shape = ShapeOf(typeof(T));
        if (shape.IsEmpty || args.ValueKind != JsonValueKind.Object || !shape.Lacks(args)) return args;
        var depth = new JsonDocumentOptions { MaxDepth = PyfiLimits.MaxMessageDepth };
        var node = JsonNode.Parse(args.GetRawText(), documentOptions: depth)!;
        shape.Fill(node);
        using var completed = JsonDocument.Parse(node.ToJsonString(), depth);
        return completed.RootElement.Clone();
    }

    private Shape ShapeOf(Type type)
    {
        if (_shapes.TryGetValue(type, out var known)) return known;
        lock (_building)
        {
            var shape = Build(type);

            // Published whole: a request read on another thread meanwhile never sees a shape half described.
            foreach (var built in _building.Values) built.IsEmpty = !built.HasDefaults([]);
            foreach (var (builtType, built) in _building) _shapes[builtType] = built;
            _building.Clear();
            return shape;
        }
    }

    private Shape Build(Type type)
    {
        if (_shapes.TryGetValue(type, out var known) || _building.TryGetValue(type, out known)) return known;
        var shape = new Shape();

        // Registered before it is described, so a type that holds itself (a workflow step's steps) finds it.
        _building[type] = shape;
        if (PyfiJson.Compact.TryGetTypeInfo(type, out var info) && info.Kind == JsonTypeInfoKind.Object) Describe(info, shape);
        return shape;
    }

    private void Describe(JsonTypeInfo info, Shape shape)
    {
        var instance = NewInstance(info.Type);
        foreach (var property in info.Properties)
        {
            if (instance is not null && !property.IsRequired && property.Get is { } get)
            {
                var value = get(instance);
                if (!IsZero(value, property.PropertyType))
                {
                    shape.Values[property.Name] = JsonSerializer.SerializeToNode(value, PyfiJson.Compact.GetTypeInfo(property.PropertyType));
                }
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!PyfiJson.Compact.TryGetTypeInfo(type, out var inner)) continue;
            if (inner.Kind == JsonTypeInfoKind.Object) shape.Nested[property.Name] = (Build(type), false);
            else if (inner.Kind == JsonTypeInfoKind.Enumerable && inner.ElementType is { } element
                && PyfiJson.Compact.TryGetTypeInfo(element, out var item) && item.Kind == JsonTypeInfoKind.Object)
            {
                shape.Nested[property.Name] = (Build(element), true);
            }
        }
    }

    // A record with required members still has a parameterless constructor (the compiler's); positional records have
    // none, and their parameters' defaults are read correctly already.
    private static object? NewInstance(Type type)
    {
        if (type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null) return null;
        try
        {
            return Activator.CreateInstance(type);
        }
        catch (Exception e) when (e is MemberAccessException or System.Reflection.TargetInvocationException)
        {
            return null;
        }
    }

    private static bool IsZero(object? value, Type type) =>
        value is null || (type.IsValueType && Nullable.GetUnderlyingType(type) is null && value.Equals(Activator.CreateInstance(type)));

    private sealed class Shape
    {
        public readonly Dictionary<string, JsonNode?> Values = new(StringComparer.OrdinalIgnoreCase);
        public readonly Dictionary<string, (Shape Shape, bool IsList)> Nested = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Whether it fills in nothing, here or below: set once it is described, before it is published.</summary>
        public bool IsEmpty { get; set; }

        public bool HasDefaults(HashSet<Shape> visiting) =>
            Values.Count > 0 || (visiting.Add(this) && Nested.Values.Any(n => n.Shape.HasDefaults(visiting)));

        /// <summary>Whether anything this shape would fill in is missing from <paramref name="element"/>.</summary>
        public bool Lacks(JsonElement element)
        {
            var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                present.Add(property.Name);
                if (!Nested.TryGetValue(property.Name, out var nested) || nested.Shape.IsEmpty) continue;
                if (!nested.IsList && property.Value.ValueKind == JsonValueKind.Object && nested.Shape.Lacks(property.Value)) return true;
                if (nested.IsList && property.Value.ValueKind == JsonValueKind.Array
                    && property.Value.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object && nested.Shape.Lacks(i)))
                {
                    return true;
                }
            }

            return Values.Keys.Any(name => !present.Contains(name));
        }

        public void Fill(JsonNode? node)
        {
            if (node is not JsonObject target) return;
            var present = new HashSet<string>(target.Select(p => p.Key), StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in Values)
            {
                if (!present.Contains(name)) target[name] = value?.DeepClone();
            }

            foreach (var (name, value) in target.ToList())
            {
                if (!Nested.TryGetValue(name, out var nested) || nested.Shape.IsEmpty) continue;
                if (!nested.IsList) nested.Shape.Fill(value);
                else if (value is JsonArray items)
                {
                    foreach (var item in items) nested.Shape.Fill(item);
                }
            }
        }
    }
}
