using System.Collections.Immutable;

namespace Pyfi;

/// <summary>
/// A processor: a module in a git repository (Python, Node or a folder of bash scripts), whose functions sockets expose. Code only ever comes
/// from this repository, never from a client.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.ProcessorSpec")]
public sealed record ProcessorSpec
{
    /// <summary>Unique processor name, e.g. <c>proc1</c>.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>The git repository: a URL, a <c>file://</c> URL or a local path.</summary>
    [Id(1)] public required string Repository { get; init; }

    /// <summary>
    /// The module that holds the functions, as its <see cref="Runtime"/> names it: a Python module
    /// (<c>pyfi.processors.sample</c>), a Node file or package folder (<c>lib/text.js</c>), a folder of scripts (<c>bin/</c>).
    /// </summary>
    [Id(2)] public required string Module { get; init; }

    /// <summary>The branch to follow; <see langword="null"/> follows the repository's default branch.</summary>
    [Id(3)] public string? Branch { get; init; }

    /// <summary>A pinned commit; when set it wins over the branch tip.</summary>
    [Id(4)] public string? Commit { get; init; }

    /// <summary>
    /// Most cores the processor's sockets may occupy together across the network (the original's <c>-w</c>);
    /// <see langword="null"/> for no cap beyond each socket's own concurrency.
    /// </summary>
    [Id(5)] public int? Concurrency { get; init; }

    /// <summary>Requirements file inside the repository; <see langword="null"/> means <c>requirements.txt</c> when present.</summary>
    [Id(6)] public string? Requirements { get; init; }

    /// <summary>A disabled processor keeps its definition and its queued calls but runs nothing.</summary>
    [Id(7)] public bool Enabled { get; init; } = true;

    /// <summary>The status the user asks for; the network moves the actual status towards it.</summary>
    [Id(8)] public ProcessorStatus RequestedStatus { get; init; } = ProcessorStatus.Ready;

    /// <summary>
    /// Host names (a silo's <c>PYFI_HOSTNAME</c>) the processor's code may run on; empty for any. While no silo
    /// on one of them is up, calls to its sockets wait, stored, and run when one comes (the original's
    /// <c>--hostname</c>).
    /// </summary>
    [Id(9)] public ImmutableArray<string> Hosts { get; init; } = [];

    /// <summary>
    /// Most memory (address space, in bytes) each of the processor's Python workers may use; a call that needs
    /// more fails with <c>MemoryLimitExceeded</c>. <see langword="null"/> for the silo's default (<c>PYFI_WORKER_MEMORY</c>).
    /// </summary>
    [Id(10)] public long? Memory { get; init; }

    /// <summary>What runs the code: Python (the default), Node or bash.</summary>
    [Id(11)] public ProcessorRuntime Runtime { get; init; } = ProcessorRuntime.Python;
}
