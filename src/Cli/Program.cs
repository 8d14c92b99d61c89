using Pyfi.Cli;
using Pyfi.Cli.Infrastructure;

// pyfi: the command-line tool. Exit codes: 0 done, 1 refused or failed, 2 usage, 3 not ended yet.
return await PyfiCommandLine.RunAsync(args, new CliContext(Console.Out, Console.Error));
