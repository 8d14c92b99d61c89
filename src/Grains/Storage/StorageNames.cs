namespace Pyfi.Grains.Storage;

/// <summary>Names of the grain storage providers Pyfi registers.</summary>
public static class StorageNames
{
    /// <summary>Definitions and runtime state of queues, processors, sockets and the registry.</summary>
    public const string Model = "pyfi";
}
