namespace Pyfi;

/// <summary>A token as listed: who it is, what it may do, and whether it still works. Never its secret.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.TokenInfo")]
public sealed record TokenInfo
{
    /// <summary>Its name, unique among tokens not revoked.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>Its role.</summary>
    [Id(1)] public required PyfiRole Role { get; init; }

    /// <summary>The public part of the token (<c>pyfi.ID.secret</c>): says which token a log line or a listing means.</summary>
    [Id(2)] public required string Id { get; init; }

    /// <summary>When it was made.</summary>
    [Id(3)] public required DateTimeOffset Created { get; init; }

    /// <summary>When it stops working, if ever.</summary>
    [Id(4)] public DateTimeOffset? Expires { get; init; }

    /// <summary>When it was revoked, if it was.</summary>
    [Id(5)] public DateTimeOffset? Revoked { get; init; }

    /// <summary>The token that made it (its name), or <c>silo</c> for the first admin token.</summary>
    [Id(6)] public string? CreatedBy { get; init; }
}

/// <summary>What <c>pyfi token create</c> asks for.</summary>
/// <param name="Name">The token's name.</param>
/// <param name="Role">Its role.</param>
/// <param name="ExpiresIn">How long it works, or forever.</param>
[GenerateSerializer, Immutable, Alias("pyfi.TokenRequest")]
public sealed record TokenRequest([property: Id(0)] string Name, [property: Id(1)] PyfiRole Role, [property: Id(2)] TimeSpan? ExpiresIn = null);

/// <summary>A token just made: its listing and, this once, the token itself.</summary>
/// <param name="Info">The token as listed.</param>
/// <param name="Token">The token to give its holder; Pyfi keeps only a salted hash of it.</param>
[GenerateSerializer, Immutable, Alias("pyfi.NewToken")]
public sealed record NewToken([property: Id(0)] TokenInfo Info, [property: Id(1)] string Token);
