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

    /// <summary>A whole-number option; absent means <see langword="null"/>, and a non-number is a usage error that says so.</summary>
    public static Option<int?> Integer(string name, string description, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(token, out var value)) return value;
            result.AddError($"{name}: '{token}' is not a whole number");
            return null;
        },
    };

    /// <summary><c>--json</c>: machine-readable output.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table",
    };
}
