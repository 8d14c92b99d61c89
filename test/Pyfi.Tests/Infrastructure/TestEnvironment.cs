using System.Reflection;

namespace Pyfi.Tests.Infrastructure;

/// <summary>Where the built silo and CLI are, and the PostgreSQL server the suite uses.</summary>
public static class TestEnvironment
{
    private static readonly Assembly Self = typeof(TestEnvironment).Assembly;

    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>Debug or Release: the configuration this test assembly was built in, and so were the silo and CLI.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    /// <summary>The silo's entry assembly.</summary>
    public static string SiloDll { get; } = Built("Silo", "Pyfi.Silo.dll");

    /// <summary>The CLI's entry assembly.</summary>
    public static string CliDll { get; } = Built("Cli", "pyfi.dll");

    /// <summary>The dotnet host that runs this test process.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// How to start the <c>pyfi</c> tool: the native binary <c>./test.sh</c> publishes as users get it (Native AOT,
    /// <c>PYFI_TEST_CLI</c>), else the built assembly through the dotnet host. The native tool also proves the tool
    /// stays AOT-clean, and a run costs a busy host ~0.06 s of CPU where the JIT-compiled one costs ~0.3 s: the suite
    /// runs it thousands of times.
    /// </summary>
    public static IReadOnlyList<string> CliCommand { get; } =
        Environment.GetEnvironmentVariable("PYFI_TEST_CLI") is { Length: > 0 } native
            ? File.Exists(native) ? [native] : throw new FileNotFoundException($"PYFI_TEST_CLI names {native}, which does not exist", native)
            : [Dotnet, CliDll];

    /// <summary><see cref="CliCommand"/> for a POSIX shell, each word single-quoted (the paths hold no quote).</summary>
    public static string CliShellCommand => string.Join(' ', CliCommand.Select(word => $"'{word}'"));

    /// <summary>
    /// Connection string of a PostgreSQL role that may create databases (<c>PYFI_TEST_POSTGRES</c>). The test
    /// command (<c>./test.sh</c>) starts a server on 127.0.0.1 and sets it.
    /// </summary>
    public static string PostgresAdmin
    {
        get
        {
            FastTier.Refuse("PostgreSQL");
            return Environment.GetEnvironmentVariable("PYFI_TEST_POSTGRES") is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException("PYFI_TEST_POSTGRES is not set: run the suite with ./test.sh, which starts PostgreSQL on 127.0.0.1");
        }
    }

    private static string Metadata(string key) =>
        Self.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Built(string project, string file)
    {
        var path = Path.Combine(RepositoryRoot, "src", project, "bin", Configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{file} is not built at {path}", path);
    }
}
