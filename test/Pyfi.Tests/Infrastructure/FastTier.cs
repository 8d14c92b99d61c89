namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// The fast tier: tests that start no process (no silo, in-process or not, no <c>pyfi</c> tool, no git, no Python,
/// no browser) and need no PostgreSQL, marked <c>[Trait("Category", "Fast")]</c> on their class (or on a method
/// when its class also has tests that do). <c>./test.sh --fast</c> runs them alone, in under a minute; <c>./test.sh</c>
/// runs them first, then the rest. In both, <c>PYFI_TEST_TIER=fast</c> is set for the fast tier's run and every
/// helper here that starts a process or reaches PostgreSQL calls <see cref="Refuse"/>: a test marked fast that
/// starts one fails instead of quietly making the tier slow.
/// </summary>
public static class FastTier
{
    /// <summary>The variable test.sh sets for the fast tier's run.</summary>
    public const string Variable = "PYFI_TEST_TIER";

    /// <summary>Throws when this run is the fast tier's: a test in it is about to start <paramref name="what"/>.</summary>
    public static void Refuse(string what)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "fast")
        {
            throw new InvalidOperationException(
                $"a test marked [Trait(\"Category\", \"Fast\")] started {what}: the fast tier starts no process and needs no PostgreSQL (take the trait off, or test the logic without the process)");
        }
    }
}
