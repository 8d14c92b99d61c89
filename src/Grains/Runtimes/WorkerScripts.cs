using Pyfi.Grains.Code;

namespace Pyfi.Grains.Runtimes;

/// <summary>The worker scripts Pyfi embeds, written once under the data folder where workers can run them.</summary>
public sealed class WorkerScripts(CodePaths paths)
{
    private readonly Lazy<string> _node = new(() => Write(paths, "Runtimes", "pyfi_worker.js"));

    /// <summary>The Node worker's path.</summary>
    public string NodeWorker => _node.Value;

    /// <summary>Writes the embedded <paramref name="name"/> (from the folder <paramref name="folder"/> of this assembly) unless it is there already; returns its path.</summary>
    public static string Write(CodePaths paths, string folder, string name)
    {
        using var stream = typeof(WorkerScripts).Assembly.GetManifestResourceStream($"Pyfi.Grains.{folder}.{name}")
            ?? throw new InvalidOperationException($"{name} is not embedded");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        Directory.CreateDirectory(paths.Runtime);
        var path = Path.Combine(paths.Runtime, name);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            var staging = $"{path}.{Environment.ProcessId}";
            File.WriteAllText(staging, text);
            File.Move(staging, path, overwrite: true);
        }

        return path;
    }
}
