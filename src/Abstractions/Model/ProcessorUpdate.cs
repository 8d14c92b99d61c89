namespace Pyfi;

/// <summary>
/// A change to a processor; properties left <see langword="null"/> stay as they are. An empty string clears
/// an optional text property (branch, commit, requirements).
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.ProcessorUpdate")]
public sealed record ProcessorUpdate
{
    /// <summary>New git repository.</summary>
    [Id(0)] public string? Repository { get; init; }

    /// <summary>New module.</summary>
    [Id(1)] public string? Module { get; init; }

    /// <summary>New branch; empty for the default branch.</summary>
    [Id(2)] public string? Branch { get; init; }

    /// <summary>New pinned commit; empty to follow the branch again.</summary>
    [Id(3)] public string? Commit { get; init; }

    /// <summary>New concurrency cap; 0 removes the cap.</summary>
    [Id(4)] public int? Concurrency { get; init; }

    /// <summary>New requirements file; empty for the default.</summary>
    [Id(5)] public string? Requirements { get; init; }

    /// <summary>Enable or disable.</summary>
    [Id(6)] public bool? Enabled { get; init; }

    /// <summary>New requested status.</summary>
    [Id(7)] public ProcessorStatus? RequestedStatus { get; init; }

    /// <summary>New hosts the processor may run on (empty: any host).</summary>
    [Id(8)] public string[]? Hosts { get; init; }

    /// <summary>New memory limit per worker, in bytes; 0 returns to the silo's default.</summary>
    [Id(9)] public long? Memory { get; init; }

    /// <summary>New runtime.</summary>
    [Id(10)] public ProcessorRuntime? Runtime { get; init; }

    /// <summary>The processor with this change applied.</summary>
    public ProcessorSpec ApplyTo(ProcessorSpec spec) => spec with
    {
        Repository = Repository ?? spec.Repository,
        Module = Module ?? spec.Module,
        Branch = Clearable(Branch, spec.Branch),
        Commit = Clearable(Commit, spec.Commit),
        Concurrency = Concurrency is null ? spec.Concurrency : Concurrency == 0 ? null : Concurrency,
        Requirements = Clearable(Requirements, spec.Requirements),
        Enabled = Enabled ?? spec.Enabled,
        RequestedStatus = RequestedStatus ?? spec.RequestedStatus,
        Hosts = Hosts is null ? spec.Hosts : [.. Hosts],
        Memory = Memory is null ? spec.Memory : Memory == 0 ? null : Memory,
        Runtime = Runtime ?? spec.Runtime,
    };

    private static string? Clearable(string? change, string? current) =>
        change is null ? current : change.Length == 0 ? null : change;
}
