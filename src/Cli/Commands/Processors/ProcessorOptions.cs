using System.CommandLine;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Processors;

/// <summary>The options that describe a processor, shared by <c>add</c> and <c>update</c> (the original's flags kept as aliases).</summary>
public sealed class ProcessorOptions
{
    /// <summary><c>-g/--gitrepo</c></summary>
    public Option<string?> Repository { get; } = new("--gitrepo", "-g", "--repo") { Description = "Git repository: URL, file:// URL or path" };

    /// <summary><c>-m/--module</c></summary>
    public Option<string?> Module { get; } = new("--module", "-m") { Description = "Module holding the functions: python pkg.mod, node lib/text.js (or a package folder), bash bin/ (a folder of scripts)" };

    /// <summary><c>--runtime</c></summary>
    public Option<string?> Runtime { get; } = new Option<string?>("--runtime") { Description = "What runs the code: python (default), node or bash" }.Checked(r => Choices.Parse<ProcessorRuntime>(r, "--runtime"));

    /// <summary>The runtime given, if any.</summary>
    public ProcessorRuntime? ParseRuntime(ParseResult parse) => parse.GetValue(Runtime) is { } r ? Choices.Parse<ProcessorRuntime>(r, "--runtime") : null;

    /// <summary><c>-b/--branch</c></summary>
    public Option<string?> Branch { get; } = new("--branch", "-b", "-br") { Description = "Branch to follow (default: the repository's default branch)" };

    /// <summary><c>--commit</c></summary>
    public Option<string?> Commit { get; } = new("--commit") { Description = "Commit to pin (wins over the branch tip)" };

    /// <summary><c>-w/--workers/--concurrency</c></summary>
    public Option<int?> Concurrency { get; } = CommonOptions.Integer("--concurrency", "Most cores the processor may occupy across the network (update: 0 removes the cap)", "-w", "--workers");

    /// <summary><c>--requirements</c></summary>
    public Option<string?> Requirements { get; } = new("--requirements", "-rq") { Description = "Requirements file inside the repository (default: requirements.txt when present)" };

    /// <summary><c>--memory</c></summary>
    public Option<string?> Memory { get; } = new Option<string?>("--memory") { Description = "Most memory each of its workers may use, e.g. 512M, 2G (default: the silo's PYFI_WORKER_MEMORY; update: 0 returns to it)" }.Checked(m => ByteSize.Parse(m, "--memory"));

    /// <summary>The memory limit given, in bytes, if any.</summary>
    public long? ParseMemory(ParseResult parse) => parse.GetValue(Memory) is { } text ? ByteSize.Parse(text, "--memory") : null;

    /// <summary><c>--enabled</c> (update only)</summary>
    public Option<string?> Enabled { get; } = new Option<string?>("--enabled") { Description = "true or false" }.Checked(e => Choices.ParseBool(e, "--enabled"));

    /// <summary><c>--hostname</c>: the original's <c>-h/--hostname</c> (<c>-h</c> is help here)</summary>
    public Option<string?> Hosts { get; } = new("--hostname", "--hosts") { Description = "Hosts (silos' PYFI_HOSTNAME) the code may run on, comma-separated; calls wait while none is up (update: '' allows any)" };

    /// <summary>The hosts given, if any.</summary>
    public string[]? ParseHosts(ParseResult parse) =>
        parse.GetValue(Hosts) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    /// <summary><c>--requested-status</c> (update only)</summary>
    public Option<string?> RequestedStatus { get; } = new Option<string?>("--requested-status", "-r") { Description = "Status to move to: ready, running, paused or stopped" }.Checked(s => Choices.Parse<ProcessorStatus>(s, "--requested-status"));

    /// <summary>Adds the options to <paramref name="command"/>; <c>add</c> leaves out the update-only ones.</summary>
    public void AddTo(Command command, bool forUpdate)
    {
        command.Options.Add(Repository);
        command.Options.Add(Module);
        command.Options.Add(Runtime);
        command.Options.Add(Branch);
        command.Options.Add(Commit);
        command.Options.Add(Concurrency);
        command.Options.Add(Requirements);
        command.Options.Add(Memory);
        command.Options.Add(Hosts);
        if (!forUpdate) return;
        command.Options.Add(Enabled);
        command.Options.Add(RequestedStatus);
    }
}
