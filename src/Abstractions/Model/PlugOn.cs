namespace Pyfi;

/// <summary>Which end of a source call a plug carries to its target.</summary>
public enum PlugOn
{
    /// <summary>The source call succeeded: its result is carried.</summary>
    Success,

    /// <summary>The source call failed (after its attempts): its error is carried as a dict of type, message and traceback.</summary>
    Failure,
}
