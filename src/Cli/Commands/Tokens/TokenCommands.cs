using System.CommandLine;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;

namespace Pyfi.Cli.Commands.Tokens;

/// <summary><c>pyfi token create|ls|revoke</c>: the network's access tokens (admin role).</summary>
public static class TokenCommands
{
    /// <summary><c>pyfi token create -n NAME --role ROLE [--expires 30d] [--json]</c>: prints the token, this once.</summary>
    public static Command Create(CliContext context)
    {
        var name = CommonOptions.Name("token");
        var role = new Option<string>("--role", "-r")
        {
            Description = "What its holder may do",
            HelpName = Choices.Of<PyfiRole>(),
            Required = true,
        }.Checked(r => Choices.Parse<PyfiRole>(r, "--role"));
        var expires = new Option<string?>("--expires") { Description = "How long it works, e.g. 30d, 12h (default: until revoked)" }.Checked(e => Durations.Parse(e, "--expires"));
        var json = CommonOptions.Json();
        var command = new Command("create", "Make a token; it is printed on standard output, this once") { name, role, expires, json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var request = new TokenRequest(
                parse.GetRequiredValue(name),
                Choices.Parse<PyfiRole>(parse.GetRequiredValue(role), "--role"),
                parse.GetValue(expires) is { } e ? Durations.Parse(e, "--expires") : null);
            var made = await gateway.SendAsync<NewToken>(GatewayOps.CreateToken, request, cancellationToken);
            if (parse.GetValue(json))
            {
                context.WriteJson(made);
                return CommandActions.Done;
            }

            // The token alone on standard output, so `TOKEN=$(pyfi token create …)` works; the rest for people.
            context.Output.WriteLine(made.Token);
            var until = made.Info.Expires is { } at ? $"until {Views.Time(at)}" : "until revoked";
            context.Error.WriteLine($"token '{made.Info.Name}' ({Views.Name(made.Info.Role)}, {until}) created; it is shown only now");
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi token ls [--json]</c>: every token, revoked ones included, never a secret.</summary>
    public static Command List(CliContext context)
    {
        var json = CommonOptions.Json();
        var command = new Command("ls", "List tokens (names, roles, expiry; never the tokens themselves)") { json };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var tokens = await gateway.SendAsync<TokenInfo[]>(GatewayOps.ListTokens, null, cancellationToken);
            if (parse.GetValue(json))
            {
                context.WriteJson(tokens);
                return CommandActions.Done;
            }

            var table = Views.Table("Name", "Role", "Id", "Created", "Expires", "Revoked", "Created by");
            foreach (var t in tokens)
            {
                table.AddRow(Views.Text(t.Name), Views.Name(t.Role), t.Id, Views.Time(t.Created),
                    t.Expires is { } e ? Views.Time(e) : "-", t.Revoked is { } r ? Views.Time(r) : "-", Views.Text(t.CreatedBy));
            }

            context.Console.Write(table);
            return CommandActions.Done;
        });
    }

    /// <summary><c>pyfi token revoke -n NAME</c>: within seconds no silo accepts it.</summary>
    public static Command Revoke(CliContext context)
    {
        var name = CommonOptions.Name("token");
        var command = new Command("revoke", "Revoke a token: every silo refuses it within seconds") { name };
        return command.WithGatewayAction(context, async (gateway, parse, cancellationToken) =>
        {
            var revoked = await gateway.SendAsync<TokenInfo>(GatewayOps.RevokeToken, new NameArgs(parse.GetRequiredValue(name)), cancellationToken);
            context.Output.WriteLine($"token '{revoked.Name}' revoked");
            return CommandActions.Done;
        });
    }
}
