namespace Pyfi.Grains.Storage;

/// <summary>Names of the grain storage providers Pyfi registers.</summary>
public static class StorageNames
{
    /// <summary>Definitions and runtime state of queues, processors, sockets and the registry.</summary>
    public const string Model = "pyfi";

    /// <summary>The ADO.NET provider behind <see cref="Model"/>; grains use <see cref="Model"/>, which reports its failures in Pyfi's terms.</summary>
    public const string ModelDriver = "pyfi.adonet";
}
