namespace Pyfi.Cli.Infrastructure;

/// <summary>Parses an enum value as people type it (any case), or says which values exist.</summary>
public static class Choices
{
    /// <summary>The lower-case names of <typeparamref name="TEnum"/>'s values, for help text.</summary>
    public static string Of<TEnum>() where TEnum : struct, Enum =>
        string.Join('|', Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));

    /// <summary>The value named <paramref name="text"/>; <see cref="InvalidSpecException"/> naming <paramref name="option"/> otherwise.</summary>
    public static TEnum Parse<TEnum>(string text, string option) where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)
            ? value
            : throw new InvalidSpecException($"{option}: '{text}' is not one of {Of<TEnum>()}");

    /// <summary>Parses <c>true/false/yes/no/on/off/1/0</c>.</summary>
    public static bool ParseBool(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new InvalidSpecException($"{option}: '{text}' is not true or false"),
    };
}
