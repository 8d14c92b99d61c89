using System.Reflection;

namespace Pyfi;

/// <summary>The version of this Pyfi build, as tools and silos report it.</summary>
public static class PyfiVersion
{
    /// <summary>E.g. <c>0.1.0</c>.</summary>
    public static string Current { get; } =
        typeof(PyfiVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
