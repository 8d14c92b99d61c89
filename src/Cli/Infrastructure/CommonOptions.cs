using System.CommandLine;

namespace Pyfi.Cli.Infrastructure;

/// <summary>Options several commands share, each made new per command.</summary>
public static class CommonOptions
{
    /// <summary><c>-n/--name</c>, required.</summary>
    public static Option<string> Name(string kind) => new("--name", "-n")
    {
        Description = $"Name of the {kind}",
        Required = true,
    };

    /// <summary><c>--json</c>: machine-readable output.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table",
    };
}
