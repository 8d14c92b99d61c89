using System.Globalization;
using Spectre.Console;

namespace Pyfi.Cli.Infrastructure;

/// <summary>Pieces the tables share.</summary>
public static class Views
{
    /// <summary>A table with Pyfi's look.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns) table.AddColumn(new TableColumn(column).NoWrap());
        return table;
    }

    /// <summary>A two-column key/value grid for one object.</summary>
    public static Grid Details(IEnumerable<(string Key, string Value)> rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (key, value) in rows) grid.AddRow(new Markup($"[bold]{Markup.Escape(key)}[/]"), new Text(value));
        return grid;
    }

    /// <summary>A count, without grouping (tables and JSON read alike).</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A timestamp in local time.</summary>
    public static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Text safe for Spectre markup, with a dash for nothing.</summary>
    public static string Text(string? value) => string.IsNullOrEmpty(value) ? "-" : Markup.Escape(value);

    /// <summary>A name list, or a dash.</summary>
    public static string List(IEnumerable<string> names)
    {
        var joined = string.Join(", ", names);
        return joined.Length == 0 ? "-" : Markup.Escape(joined);
    }

    /// <summary>An enum value as the CLI spells it.</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
