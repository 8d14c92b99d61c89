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

    /// <summary>
    /// A table of plain-text cells that fits <paramref name="width"/>: every column when they fit unwrapped (a pipe
    /// is 240 wide), else only the <paramref name="narrow"/> ones, wrapping inside their cells except those in
    /// <paramref name="whole"/> (ids people copy). Without this a table wider than the terminal prints as "…".
    /// The last column (a reason, say) wraps unless it is whole, counted at <paramref name="lastAtLeast"/> characters.
    /// </summary>
    public static Table Fitted(int width, string[] columns, IReadOnlyList<string[]> rows, string[] narrow, string[]? whole = null, int lastAtLeast = 24)
    {
        var all = Enumerable.Range(0, columns.Length).ToArray();
        var needed = all.Sum(i => (i == columns.Length - 1 ? lastAtLeast : rows.Select(r => r[i].Length).Append(columns[i].Length).Max()) + 3) + 1;
        var shown = needed <= width ? all : [.. all.Where(i => narrow.Contains(columns[i]))];
        var table = Table([.. shown.Select(i => columns[i])]);
        foreach (var row in rows) table.AddRow([.. shown.Select(i => Text(row[i]))]);
        for (var c = 0; c < shown.Length; c++)
        {
            var name = columns[shown[c]];
            table.Columns[c].NoWrap = whole?.Contains(name) == true || (shown[c] != columns.Length - 1 && shown.Length == columns.Length);
        }

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
