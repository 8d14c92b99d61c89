namespace Pyfi;

/// <summary>
/// A request the network refused or could not carry out. Its message is meant for the user as it is: one
/// sentence that says what was wrong. Every Pyfi error derives from it.
/// </summary>
[GenerateSerializer, Alias("pyfi.PyfiException")]
public class PyfiException : Exception
{
    /// <summary>Creates the exception with its user-facing message.</summary>
    public PyfiException(string message) : base(message) { }

    /// <summary>Creates the exception with its user-facing message and the cause.</summary>
    public PyfiException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>The error's kind as answers name it: the type's name without <c>Exception</c> (<c>NotFound</c>, <c>QueueFull</c>).</summary>
    public string ErrorKind => GetType().Name is var name && name.EndsWith(nameof(Exception), StringComparison.Ordinal) ? name[..^nameof(Exception).Length] : name;

    /// <summary>
    /// The Pyfi error in <paramref name="exception"/> or among its inner exceptions, if any: Orleans wraps
    /// errors raised by storage providers and activations in its own exception types.
    /// </summary>
    public static PyfiException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e.InnerException)
        {
            if (e is PyfiException pyfi) return pyfi;
        }

        return null;
    }
}

/// <summary>A definition names something (queue, processor, socket, call) that does not exist.</summary>
[GenerateSerializer, Alias("pyfi.NotFoundException")]
public sealed class NotFoundException : PyfiException
{
    /// <summary>Creates the exception for <paramref name="kind"/> <paramref name="name"/>.</summary>
    public NotFoundException(string kind, string name) : base($"{kind} '{name}' does not exist")
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>What was looked for: <c>queue</c>, <c>processor</c>, <c>socket</c>, ….</summary>
    [Id(0)] public string Kind { get; }

    /// <summary>The name that was not found.</summary>
    [Id(1)] public string Name { get; }
}

/// <summary>A definition with that name already exists.</summary>
[GenerateSerializer, Alias("pyfi.AlreadyExistsException")]
public sealed class AlreadyExistsException : PyfiException
{
    /// <summary>Creates the exception for <paramref name="kind"/> <paramref name="name"/>.</summary>
    public AlreadyExistsException(string kind, string name) : base($"{kind} '{name}' already exists")
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>The kind of definition.</summary>
    [Id(0)] public string Kind { get; }

    /// <summary>The name already taken.</summary>
    [Id(1)] public string Name { get; }
}

/// <summary>A definition cannot be deleted (or changed) because others still refer to it.</summary>
[GenerateSerializer, Alias("pyfi.InUseException")]
public sealed class InUseException : PyfiException
{
    /// <summary>Creates the exception for <paramref name="kind"/> <paramref name="name"/> used by <paramref name="users"/> (sockets, or <paramref name="userKind"/>s).</summary>
    public InUseException(string kind, string name, IReadOnlyList<string> users, string userKind = "socket")
        : base($"{kind} '{name}' is used by {userKind}{(users.Count == 1 ? "" : "s")} {string.Join(", ", users.Select(u => $"'{u}'"))}; delete or move {(users.Count == 1 ? "it" : "them")} first")
    {
        Kind = kind;
        Name = name;
        Users = [.. users];
    }

    /// <summary>The kind of definition.</summary>
    [Id(0)] public string Kind { get; }

    /// <summary>Its name.</summary>
    [Id(1)] public string Name { get; }

    /// <summary>The definitions (sockets, or plugs) that refer to it.</summary>
    [Id(2)] public string[] Users { get; }
}

/// <summary>A definition or argument is malformed; the message says which field and why.</summary>
[GenerateSerializer, Alias("pyfi.InvalidSpecException")]
public sealed class InvalidSpecException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public InvalidSpecException(string message) : base(message) { }
}

/// <summary>The database behind the network could not be reached or refused the write; nothing was changed.</summary>
[GenerateSerializer, Alias("pyfi.StorageUnavailableException")]
public sealed class StorageUnavailableException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException(string message) : base(message) { }
}

/// <summary>No silo has a free core for another worker right now; the call stays queued.</summary>
[GenerateSerializer, Alias("pyfi.NoCapacityException")]
public sealed class NoCapacityException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public NoCapacityException(string message) : base(message) { }
}

/// <summary>A socket's queue holds as many calls as it may: the call was not accepted (nothing was stored).</summary>
[GenerateSerializer, Alias("pyfi.QueueFullException")]
public sealed class QueueFullException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public QueueFullException(string socket, int bound)
        : base($"socket '{socket}' has {bound} calls waiting, its queue's bound: try again later or raise it (--max-queue)")
    {
    }
}

/// <summary>The call has ended and can no longer be cancelled.</summary>
[GenerateSerializer, Alias("pyfi.CallEndedException")]
public sealed class CallEndedException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public CallEndedException(Guid id, CallState state) : base($"call {id} has already ended ({state.ToString().ToLowerInvariant()})") { }
}
