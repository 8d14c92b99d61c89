namespace Pyfi.Silo.Hosting;

/// <summary>Finds the sentence worth printing in an exception raised while a silo starts.</summary>
internal static class StartupFailure
{
    /// <summary>Pyfi's own message when there is one in the chain, else the innermost cause.</summary>
    public static string Describe(Exception exception)
    {
        var chain = Flatten(exception).ToList();
        var pyfi = chain.OfType<PyfiException>().FirstOrDefault();
        var chosen = pyfi ?? chain[^1];
        return chosen.Message.Split('\n')[0].Trim();
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        for (var e = exception; e is not null; e = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e.InnerException)
        {
            yield return e;
        }
    }
}
