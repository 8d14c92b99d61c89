using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Pyfi.Cli.Infrastructure;

/// <summary>
/// Options several commands share, each made new per command. A value that is not of its option's kind (a
/// number, a duration, an amount of memory, one of a set of names, an id) is a usage error found while the
/// command line is parsed: exit 2 with one line, before anything is read or sent.
/// </summary>
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
            var token = Last(result);
            if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            result.AddError($"{name}: '{token}' is not a whole number");
            return null;
        },
    };

    /// <summary>A number option (e.g. seconds); a non-number is a usage error that says so.</summary>
    public static Option<double> Number(string name, string description, double defaultValue, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var token = Last(result);
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
            result.AddError($"{name}: '{token}' is not a number");
            return defaultValue;
        },
    };

    /// <summary><c>--id</c>, required: a call's or a workflow's id; anything else is a usage error that says so.</summary>
    public static Option<Guid> Id(string description) => new("--id")
    {
        Description = description,
        Required = true,
        CustomParser = result =>
        {
            var token = Last(result);
            if (Guid.TryParse(token, out var id)) return id;
            result.AddError($"--id: '{token}' is not an id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)");
            return Guid.Empty;
        },
    };

    /// <summary>
    /// Has the parser check the option's values with <paramref name="check"/> (one of the CLI's readers: a
    /// duration, an amount of memory, a choice), so a value it refuses is a usage error, not a refusal after
    /// connecting. The command's action reads the value again with the same reader.
    /// </summary>
    public static TOption Checked<TOption>(this TOption option, Action<string> check) where TOption : Option
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                try
                {
                    check(token.Value);
                }
                catch (InvalidSpecException e)
                {
                    result.AddError(e.Message);
                    return;
                }
            }
        });
        return option;
    }

    /// <summary><c>--json</c>: machine-readable output.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table",
    };

    private static string Last(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
