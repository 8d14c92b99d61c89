using System.CommandLine;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Plugs;

/// <summary>The options that describe a plug, shared by <c>add</c> and <c>update</c>.</summary>
public sealed class PlugOptions
{
    /// <summary><c>-s/--source</c></summary>
    public Option<string?> Source { get; } = new("--source", "-s") { Description = "Socket whose calls' ends are carried" };

    /// <summary><c>-t/--target</c></summary>
    public Option<string?> Target { get; } = new("--target", "-t") { Description = "Socket a call is made on" };

    /// <summary><c>--on</c></summary>
    public Option<string?> On { get; } = new Option<string?>("--on")
    {
        Description = "Which end is carried: a success's result (default) or a failure's error (a dict of type, message, traceback)",
        HelpName = Choices.Of<PlugOn>(),
    }.Checked(o => Choices.Parse<PlugOn>(o, "--on"));

    /// <summary><c>--arg</c></summary>
    public Option<int?> Arg { get; } = CommonOptions.Integer("--arg", $"The target call's positional argument the value goes to (0 to {PlugSpec.MaxArg}; default 0)");

    /// <summary><c>--max-hops</c></summary>
    public Option<int?> MaxHops { get; } = CommonOptions.Integer("--max-hops", "Most plug hops a run may take through this plug (needed on a plug that closes a cycle; update: 0 removes it)");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Source);
        command.Options.Add(Target);
        command.Options.Add(On);
        command.Options.Add(Arg);
        command.Options.Add(MaxHops);
    }
}
