using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Pyfi.Cli.Infrastructure;
using Pyfi.Storage;

namespace Pyfi.Cli.Commands.Db;

/// <summary><c>pyfi db init</c>: applies Pyfi's schema straight to the database, no silo needed.</summary>
public static class DbCommands
{
    /// <summary><c>pyfi db init [--storage sqlite|postgres] [--postgres CONNSTR] [--data DIR]</c></summary>
    public static Command Init(CliContext context)
    {
        var storage = new Option<string?>("--storage") { Description = "sqlite or postgres (default: PYFI_STORAGE, else sqlite)", HelpName = "sqlite|postgres" };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string (default: PYFI_POSTGRES)" };
        var data = new Option<string?>("--data") { Description = "Data folder holding the SQLite file (default: PYFI_DATA, else ./.pyfi)" };
        var command = new Command("init", "Create Pyfi's tables and queries in the database (safe to run again)") { storage, postgres, data };
        return command.WithAction(context, async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(PyfiEnvironment.ReadOverrides()).Build();
            var options = configuration.GetSection(PyfiStorageOptions.Section).Get<PyfiStorageOptions>() ?? new();
            if (parse.GetValue(storage) is { } s) options.Provider = Choices.Parse<StorageProvider>(s, "--storage");
            if (parse.GetValue(postgres) is { } p)
            {
                options.Postgres = p;
                if (parse.GetValue(storage) is null) options.Provider = StorageProvider.Postgres;
            }

            var dataPath = parse.GetValue(data) ?? configuration["Pyfi:DataPath"] ?? "./.pyfi";
            var database = PyfiDatabase.From(options, dataPath);
            await SchemaInstaller.ApplyAsync(database, cancellationToken);
            context.Output.WriteLine($"schema applied: {database.Describe()}");
            return CommandActions.Done;
        });
    }
}
