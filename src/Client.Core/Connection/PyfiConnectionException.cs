namespace Pyfi.Client;

/// <summary>The client could not reach any gateway of the network.</summary>
[GenerateSerializer, Alias("pyfi.PyfiConnectionException")]
public sealed class PyfiConnectionException : PyfiException
{
    /// <summary>Creates the exception.</summary>
    public PyfiConnectionException(string message, Exception? innerException = null) : base(message, innerException) { }
}
