using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Pyfi.Cli.Infrastructure;
using Pyfi.Storage;

namespace Pyfi.Cli.Commands.Db;

/// <summary>
/// <c>pyfi db init</c>: brings the database to this build's schema straight away, no silo needed: checks the SQLite
/// files (as a silo's start does), then applies the numbered migrations it does not have, each in its own transaction.
/// </summary>
public static class DbCommands
{
    /// <summary><c>pyfi db init [--storage sqlite|postgres] [--postgres CONNSTR] [--data DIR]</c></summary>
    public static Command Init(CliContext context)
    {
        var storage = new Option<string?>("--storage") { Description = "sqlite or postgres (default: PYFI_STORAGE, else sqlite)", HelpName = "sqlite|postgres" };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string (default: PYFI_POSTGRES)" };
        var data = new Option<string?>("--data") { Description = "Data folder holding the SQLite file (default: PYFI_DATA, else ./.pyfi)" };
        var command = new Command("init", "Create or migrate Pyfi's tables and queries to this version's schema (safe to run again)") { storage, postgres, data };
        return command.WithAction(context, async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(StorageEnvironment.ReadOverrides()).Build();
            var options = configuration.GetSection(PyfiStorageOptions.Section).Get<PyfiStorageOptions>() ?? new();
            if (parse.GetValue(storage) is { } s) options.Provider = Choices.Parse<StorageProvider>(s, "--storage");
            if (parse.GetValue(postgres) is { } p)
            {
                options.Postgres = p;
                if (parse.GetValue(storage) is null) options.Provider = StorageProvider.Postgres;
            }

            var dataPath = parse.GetValue(data) ?? configuration["Pyfi:DataPath"] ?? "./.pyfi";
            var database = PyfiDatabase.From(options, dataPath);
            var states = await DatabaseStartup.PrepareAsync(database, options.StartCheck, applySchema: true, cancellationToken);
            foreach (var state in states)
            {
                var applied = state.Applied.Count == 0 ? "up to date" : $"applied {string.Join(", ", state.Missing.Select(m => m.Name))}";
                context.Output.WriteLine($"schema applied: {state.Where} at version {state.Version} ({applied})");
            }
            return CommandActions.Done;
        });
    }
}
