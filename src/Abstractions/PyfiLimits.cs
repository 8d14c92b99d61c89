namespace Pyfi;

/// <summary>
/// The bounds every input from outside is read within, in one place: the CLI, the gateway, the grains and the
/// .NET client check the same numbers, each while reading, so nothing deeper or larger is ever built.
/// </summary>
public static class PyfiLimits
{
    /// <summary>
    /// How deep a call's arguments, its keyword arguments and a workflow may nest: the arguments' list (or the
    /// keywords' dict) is level 1, a list or dict inside it level 2, and so on; a pipeline, parallel or funnel
    /// inside another is one level more; a workflow file's lists and mappings nest at most this deep too.
    /// System.Text.Json's default, and far inside what Python's <c>json</c> module reads.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// How deep one gateway message (or a grain's stored state) may nest as JSON: its envelope around arguments
    /// nested <see cref="MaxDepth"/> levels, or around a workflow nested <see cref="MaxDepth"/> levels (each two
    /// JSON levels: a step and its list of steps).
    /// </summary>
    public const int MaxMessageDepth = 2 * MaxDepth + 8;

    /// <summary>
    /// How deep a call's result may nest to be read: as deep as Python's <c>json</c> module writes (its recursion
    /// limit stops it near 1000 levels). Results are read without recursion; a result too deep for the next
    /// step's arguments is refused there, with <see cref="MaxDepth"/>.
    /// </summary>
    public const int MaxResultDepth = 1024;

    /// <summary>
    /// Largest payload one request may carry (<c>PYFI_MAX_PAYLOAD</c>): a call's arguments, a request line on the
    /// gateway port, and what the <c>pyfi</c> tool reads to send (<c>--data</c>, <c>--kwargs</c>, standard input, a
    /// workflow file).
    /// </summary>
    public const int DefaultMaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>The environment variable that sets the largest payload, in bytes.</summary>
    public const string PayloadVariable = "PYFI_MAX_PAYLOAD";

    /// <summary>Call steps one workflow may have.</summary>
    public const int MaxWorkflowCalls = 100_000;

    /// <summary>
    /// Nodes (keys, scalars, lists and mappings) a workflow file may hold: ten per call step at the most calls,
    /// so a file with room for every call is read, and a larger one is refused before it is all built.
    /// </summary>
    public const int MaxWorkflowFileNodes = 10 * MaxWorkflowCalls;
}
