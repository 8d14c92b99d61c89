namespace Pyfi;

/// <summary>A change to a plug; properties left <see langword="null"/> stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.PlugUpdate")]
public sealed record PlugUpdate
{
    /// <summary>New source socket.</summary>
    [Id(0)] public string? Source { get; init; }

    /// <summary>New target socket.</summary>
    [Id(1)] public string? Target { get; init; }

    /// <summary>New end carried.</summary>
    [Id(2)] public PlugOn? On { get; init; }

    /// <summary>New positional argument.</summary>
    [Id(3)] public int? Arg { get; init; }

    /// <summary>New hop limit; 0 removes it.</summary>
    [Id(4)] public int? MaxHops { get; init; }

    /// <summary>The plug with this change applied.</summary>
    public PlugSpec ApplyTo(PlugSpec spec) => spec with
    {
        Source = Source ?? spec.Source,
        Target = Target ?? spec.Target,
        On = On ?? spec.On,
        Arg = Arg ?? spec.Arg,
        MaxHops = MaxHops is null ? spec.MaxHops : MaxHops == 0 ? null : MaxHops,
    };
}
