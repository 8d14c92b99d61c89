namespace Pyfi.Grains.Security;

/// <summary>Who is calling: the name and role of the token they gave.</summary>
/// <param name="Name">The token's name.</param>
/// <param name="Role">Its role.</param>
public sealed record PyfiPrincipal(string Name, PyfiRole Role);
