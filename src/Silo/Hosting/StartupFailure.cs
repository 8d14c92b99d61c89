namespace Pyfi.Silo.Hosting;

/// <summary>Finds the sentence worth printing in an exception raised while a silo starts.</summary>
internal static class StartupFailure
{
    /// <summary>Pyfi's own message when there is one in the chain, else the innermost cause.</summary>
    public static string Describe(Exception exception)
    {
        var chosen = PyfiException.Find(exception) ?? Innermost(exception);
        return chosen.Message.Split('\n')[0].Trim();
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null) exception = exception.InnerException;
        return exception;
    }
}
