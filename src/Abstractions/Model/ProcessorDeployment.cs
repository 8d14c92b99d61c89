namespace Pyfi;

/// <summary>What a processor runs: its code at one commit, and whether that code is ready.</summary>
/// <param name="Processor">The processor's name.</param>
/// <param name="Repository">The git repository.</param>
/// <param name="Module">The module (see <see cref="ProcessorSpec.Module"/>).</param>
/// <param name="Commit">The full commit id the branch or pin resolved to; <see langword="null"/> when resolution failed.</param>
/// <param name="Requirements">The requirements file inside the repository, if one is set.</param>
/// <param name="Status">Ready, Deploying or Error.</param>
/// <param name="Error">Why the deployment failed.</param>
/// <param name="Revision">The definition revision this deployment is for.</param>
/// <param name="Hosts">The hosts the code may run on (empty for any).</param>
/// <param name="Memory">The memory limit of each worker in bytes; <see langword="null"/> for the silo's default.</param>
/// <param name="Runtime">What runs the code.</param>
[GenerateSerializer, Immutable, Alias("pyfi.ProcessorDeployment")]
public sealed record ProcessorDeployment(
    string Processor, string Repository, string Module, string? Commit, string? Requirements,
    ProcessorStatus Status, string? Error, long Revision, System.Collections.Immutable.ImmutableArray<string> Hosts = default, long? Memory = null, ProcessorRuntime Runtime = ProcessorRuntime.Python)
{
    /// <summary>The hosts its code may run on, as text for a request context (empty for any).</summary>
    public string HostList => Hosts.IsDefaultOrEmpty ? "" : string.Join(',', Hosts);

    /// <summary>Whether calls can run on it.</summary>
    public bool IsReady => Status is ProcessorStatus.Ready or ProcessorStatus.Running && Commit is not null;
}
