using Pyfi.Grains.Code;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Code;

/// <summary>A processor's module must be a file of its checkout: found as Python would find it there, never outside (no processes).</summary>
[Trait("Category", "Fast")]
public sealed class ModuleFilesTests : IDisposable
{
    private const string Commit = "abc123def4567890abc123def4567890abc12345";
    private readonly TempDirectory _folder = new("pyfi-modules");
    private readonly CodeEnvironment _environment;

    public ModuleFilesTests()
    {
        var checkout = Directory.CreateDirectory(_folder.File("checkout")).FullName;
        Write("top.py");
        Write("pkg/__init__.py");
        Write("pkg/mod.py");
        Write("pkg/sub/__init__.py");
        Write("namespace/mod.py");
        Directory.CreateDirectory(Path.Combine(checkout, "bare"));
        Write("both.py");
        Write("both/__init__.py");
        File.WriteAllText(_folder.File("outside.py"), "");
        File.CreateSymbolicLink(Path.Combine(checkout, "escape.py"), _folder.File("outside.py"));
        File.CreateSymbolicLink(Path.Combine(checkout, "inner.py"), Path.Combine(checkout, "top.py"));
        Directory.CreateDirectory(_folder.File("elsewhere"));
        File.WriteAllText(_folder.File("elsewhere/evil.py"), "");
        Directory.CreateSymbolicLink(Path.Combine(checkout, "linked"), _folder.File("elsewhere"));
        _environment = new CodeEnvironment("test", checkout, "python3", Commit);
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("top", "top.py")]
    [InlineData("pkg", "pkg/__init__.py")]
    [InlineData("pkg.mod", "pkg/mod.py")]
    [InlineData("pkg.sub", "pkg/sub/__init__.py")]
    [InlineData("namespace.mod", "namespace/mod.py")]
    [InlineData("both", "both/__init__.py")]
    [InlineData("inner", "inner.py")]
    public void AModuleIsFoundInTheCheckoutAsPythonWouldFindIt(string module, string file) =>
        Assert.Equal(Path.Combine(_environment.CheckoutPath, file), ModuleFiles.Find(_environment, module));

    [Theory]
    [InlineData("os")]
    [InlineData("builtins")]
    [InlineData("json")]
    [InlineData("pkg.missing")]
    [InlineData("bare")]
    [InlineData("escape")]
    [InlineData("linked.evil")]
    public void AModuleThatIsNotAFileOfTheCheckoutIsRefused(string module) =>
        Assert.Equal($"module '{module}' is not a file of the repository at commit abc123def456",
            Assert.Throws<DeploymentException>(() => ModuleFiles.Find(_environment, module)).Message);

    private void Write(string file)
    {
        var path = Path.Combine(_folder.File("checkout"), file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
    }
}
