namespace Pyfi.Grains.Registry;

/// <summary>The kinds of definition the registry keeps, as users name them in messages.</summary>
internal static class ModelKind
{
    public const string Queue = "queue";
    public const string Processor = "processor";
    public const string Socket = "socket";
    public const string Plug = "plug";
    public const string Schedule = "schedule";

    /// <summary>Not a definition: the plugs leaving one socket, pushed to that socket (key <c>plugs:SOCKET</c>).</summary>
    public const string PlugsOf = "plugs";

    /// <summary>The registry's key for one definition in <see cref="RegistryState.Unsynced"/>.</summary>
    public static string Key(string kind, string name) => $"{kind}:{name}";

    public static (string Kind, string Name) Parse(string key)
    {
        var colon = key.IndexOf(':');
        return (key[..colon], key[(colon + 1)..]);
    }
}
