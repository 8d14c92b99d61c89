using System.Text.Json;
using System.Text.RegularExpressions;
using Pyfi.Grains.Python;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Model;

/// <summary>The failure kinds are one list: the silo's names, their retryability, and what the Python worker reports.</summary>
[Trait("Category", "Fast")]
public sealed partial class FailureKindsTests
{
    [Fact]
    public void KindsThatSayTheCodeOrItsResultIsWrongAreNeverRetriedAndAFunctionsOwnExceptionIs()
    {
        Assert.Equal(FailureKinds.All.Count, FailureKinds.All.Select(k => k.Name).Distinct().Count());
        Assert.Equal(
            ["Cancelled", "DeploymentFailed", "FunctionNotFound", "JoinTimeout", "MemoryLimitExceeded", "ResultNotSerializable", "ResultTooLarge", "WorkerProtocolViolation"],
            FailureKinds.All.Where(k => !FailureKinds.IsRetried(k.Name)).Select(k => k.Name).Order());
        Assert.True(FailureKinds.IsRetried("ValueError"));
        Assert.Null(FailureKinds.Find("ValueError"));
        Assert.Same(FailureKinds.WorkerLost, FailureKinds.Find("WorkerLost"));
    }

    [Fact]
    public void ThePythonWorkerHasNoNamesOfItsOwnAndEveryRoleItUsesIsGivenToIt()
    {
        var script = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "src", "Grains", "Python", "pyfi_worker.py"));
        var given = JsonSerializer.Deserialize<Dictionary<string, string>>(WorkerErrors.ForWorker)!;
        var used = Roles().Matches(script).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.NotEmpty(used);
        Assert.Subset(given.Keys.ToHashSet(), used);
        Assert.All(given.Values, name => Assert.NotNull(FailureKinds.Find(name)));
        Assert.All(FailureKinds.All, kind => Assert.DoesNotContain($"\"{kind.Name}\"", script, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"KINDS\.([a-z_]+)")]
    private static partial Regex Roles();
}
