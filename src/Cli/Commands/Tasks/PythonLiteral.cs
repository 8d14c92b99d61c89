using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Pyfi.Cli.Commands.Tasks;

// Long on purpose: one recursive-descent reader of one grammar (ast.literal_eval's); split, the grammar would be
// scattered across files.
/// <summary>
/// Reads a Python literal, as <c>ast.literal_eval</c> accepts it (strings, numbers, <c>True</c>, <c>False</c>,
/// <c>None</c>, lists, tuples, dicts, unary signs, adjacent strings, comments), and writes it as JSON: what
/// <c>pyfi task run --data</c> takes. Nothing is evaluated. Values JSON cannot carry (bytes, sets, complex
/// numbers, infinities, non-string dict keys) are refused with a message that says so. Brackets may nest at
/// most <see cref="PyfiLimits.MaxDepth"/> deep: the parser recurses once per bracket, and refuses the one too
/// many before it recurses, so no input can exhaust the stack.
/// </summary>
public static class PythonLiteral
{
    /// <summary>A literal read as JSON.</summary>
    /// <param name="Json">The value as JSON text.</param>
    /// <param name="IsSequence">Whether it was a list or a tuple (and so is spread as positional arguments).</param>
    /// <param name="Depth">How deep its brackets nest (a tuple without brackets counts one): <c>1</c> is 0, <c>[1]</c> 1, <c>[[1]]</c> 2.</param>
    public sealed record Parsed(string Json, bool IsSequence, int Depth);

    /// <summary>
    /// Reads <paramref name="text"/>; throws <see cref="InvalidSpecException"/> saying where and why it is not a
    /// literal, or that it nests deeper than <paramref name="maxDepth"/>. <paramref name="what"/> names it in the message.
    /// </summary>
    public static Parsed Parse(string text, string what = "the value", int maxDepth = PyfiLimits.MaxDepth)
    {
        var parser = new Parser(text, what, maxDepth);
        var value = parser.ParseTop();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            try
            {
                value.Write(writer);
            }
            catch (ArgumentException e)
            {
                throw new InvalidSpecException($"{what} holds text JSON cannot carry: {e.Message}");
            }
        }

        return new Parsed(Encoding.UTF8.GetString(buffer.ToArray()), value is Sequence, parser.Depth);
    }

    private abstract record Value
    {
        public abstract void Write(Utf8JsonWriter writer);
    }

    private sealed record Str(string Text) : Value
    {
        public override void Write(Utf8JsonWriter writer) => writer.WriteStringValue(Text);
    }

    private sealed record Number(string Json) : Value
    {
        public override void Write(Utf8JsonWriter writer) => writer.WriteRawValue(Json, skipInputValidation: true);
    }

    private sealed record Constant(bool? Bool) : Value
    {
        public override void Write(Utf8JsonWriter writer)
        {
            if (Bool is { } b) writer.WriteBooleanValue(b);
            else writer.WriteNullValue();
        }
    }

    private sealed record Sequence(List<Value> Items) : Value
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            foreach (var item in Items) item.Write(writer);
            writer.WriteEndArray();
        }
    }

    private sealed record Mapping(List<(string Key, Value Value)> Entries) : Value
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            foreach (var (key, value) in Entries)
            {
                writer.WritePropertyName(key);
                value.Write(writer);
            }

            writer.WriteEndObject();
        }
    }

    private sealed class Parser(string text, string what, int maxDepth)
    {
        private int _at;
        private int _depth;

        // The deepest the brackets went (a tuple without brackets is one level around its items).
        public int Depth { get; private set; }

        public Value ParseTop()
        {
            SkipSpace();
            if (_at >= text.Length) throw Error("an empty value is not a literal");
            var first = ParseValue();
            SkipSpace();
            Value result = first;
            // `1, 2` is a tuple, as in Python.
            if (Peek() == ',')
            {
                var items = new List<Value> { first };
                while (Peek() == ',')
                {
                    _at++;
                    SkipSpace();
                    if (_at >= text.Length) break;
                    items.Add(ParseValue());
                    SkipSpace();
                }

                result = new Sequence(items);
                Depth++;
            }

            SkipSpace();
            if (_at < text.Length) throw Error($"unexpected '{text[_at]}' after the value");
            return result;
        }

        private Value ParseValue()
        {
            SkipSpace();
            if (_at >= text.Length) throw Error("the literal ends too early");
            var c = text[_at];
            switch (c)
            {
                case '[': return ParseSequence('[', ']', allowParenthesized: false);
                case '(': return ParseSequence('(', ')', allowParenthesized: true);
                case '{': return ParseBraces();
                case '-' or '+': return ParseSigned();
                case '"' or '\'': return ParseStrings();
            }

            if (char.IsAsciiDigit(c) || (c == '.' && _at + 1 < text.Length && char.IsAsciiDigit(text[_at + 1]))) return ParseNumber(negative: false);
            if (char.IsLetter(c) || c == '_')
            {
                var start = _at;
                while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
                var word = text[start.._at];
                if (Peek() is '"' or '\'') return ParsePrefixedString(word, start);
                return word switch
                {
                    "True" => new Constant(true),
                    "False" => new Constant(false),
                    "None" => new Constant(null),
                    _ => throw Error($"'{word}' is a name, not a literal (strings need quotes)", start),
                };
            }

            throw Error($"'{c}' cannot start a literal");
        }

        // One sign, as ast.literal_eval takes it (it refuses --1).
        private Value ParseSigned()
        {
            var negative = text[_at] == '-';
            _at++;
            SkipSpace();
            var c = Peek();
            if (c is not null && (char.IsAsciiDigit(c.Value) || c == '.')) return ParseNumber(negative);
            throw Error("a sign must be followed by a number");
        }

        private Number ParseNumber(bool negative)
        {
            var start = _at;
            if (Peek() == '0' && _at + 1 < text.Length && "xXoObB".Contains(text[_at + 1]))
            {
                var radix = char.ToLowerInvariant(text[_at + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
                _at += 2;
                var digitsStart = _at;
                while (_at < text.Length && (char.IsAsciiHexDigit(text[_at]) || text[_at] == '_')) _at++;
                var digits = text[digitsStart.._at].Replace("_", "", StringComparison.Ordinal);
                if (digits.Length == 0) throw Error("a number has no digits", start);
                var value = BigInteger.Zero;
                foreach (var d in digits)
                {
                    var digit = Convert.ToInt32(d.ToString(), 16);
                    if (digit >= radix) throw Error($"'{d}' is not a base-{radix} digit", start);
                    value = value * radix + digit;
                }

                RejectComplex(start);
                return new Number((negative ? -value : value).ToString(CultureInfo.InvariantCulture));
            }

            while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] is '_' or '.' or 'e' or 'E'
                   || ((text[_at] is '+' or '-') && _at > start && text[_at - 1] is 'e' or 'E')))
            {
                _at++;
            }

            var literal = text[start.._at].Replace("_", "", StringComparison.Ordinal);
            RejectComplex(start);
            var isFloat = literal.Contains('.') || literal.Contains('e') || literal.Contains('E');
            if (!isFloat)
            {
                if (literal.Length > 1 && literal[0] == '0' && literal.Any(ch => ch != '0')) throw Error("leading zeros are not allowed in a number", start);
                var integer = BigInteger.Parse(literal, CultureInfo.InvariantCulture);
                return new Number((negative ? -integer : integer).ToString(CultureInfo.InvariantCulture));
            }

            if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) throw Error($"'{literal}' is not a number", start);
            if (double.IsInfinity(number)) throw Error($"{literal} is too large to send as JSON (it would be infinity)", start);
            if (negative) number = -number;
            var json = number.ToString("R", CultureInfo.InvariantCulture);
            // Python must get a float back, not an int: keep a decimal point or an exponent.
            if (!json.Contains('.') && !json.Contains('E')) json += ".0";
            return new Number(json);
        }

        private void RejectComplex(int start)
        {
            if (Peek() is 'j' or 'J') throw Error("complex numbers cannot be sent as JSON", start);
        }

        // Every bracket is a level (even a parenthesized value's), counted before the parser recurses into it.
        private void Enter(int start)
        {
            if (++_depth > maxDepth) throw new InvalidSpecException($"{what} is nested deeper than {maxDepth} levels (at character {start + 1})");
            Depth = Math.Max(Depth, _depth);
        }

        private Value ParseSequence(char open, char close, bool allowParenthesized)
        {
            var start = _at;
            Enter(start);
            _at++;
            var items = new List<Value>();
            var sawComma = false;
            while (true)
            {
                SkipSpace();
                if (_at >= text.Length) throw Error($"'{open}' is never closed", start);
                if (text[_at] == close)
                {
                    _at++;
                    break;
                }

                items.Add(ParseValue());
                SkipSpace();
                if (Peek() == ',')
                {
                    sawComma = true;
                    _at++;
                }
                else if (Peek() != close)
                {
                    throw Error($"expected ',' or '{close}'");
                }
            }

            _depth--;
            // (x) is x; (x,) and () are tuples.
            return allowParenthesized && items.Count == 1 && !sawComma ? items[0] : new Sequence(items);
        }

        private Value ParseBraces()
        {
            var start = _at;
            Enter(start);
            _at++;
            SkipSpace();
            var entries = new List<(string, Value)>();
            if (Peek() == '}')
            {
                _at++;
                _depth--;
                return new Mapping(entries);
            }

            while (true)
            {
                SkipSpace();
                var keyAt = _at;
                var key = ParseValue();
                SkipSpace();
                if (Peek() is ',' or '}' && entries.Count == 0) throw Error("sets cannot be sent as JSON; use a list", start);
                if (Peek() != ':') throw Error("expected ':' after a dict key");
                if (key is not Str s) throw Error("dict keys must be strings to be sent as JSON", keyAt);
                _at++;
                var value = ParseValue();
                entries.Add((s.Text, value));
                SkipSpace();
                if (Peek() == ',')
                {
                    _at++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Error("expected ',' or '}'");
                }

                if (Peek() == '}')
                {
                    _at++;
                    _depth--;
                    return new Mapping(entries);
                }

                if (_at >= text.Length) throw Error("'{' is never closed", start);
            }
        }

        private Value ParsePrefixedString(string prefix, int start)
        {
            var p = prefix.ToLowerInvariant();
            if (p.Contains('f')) throw Error("f-strings are not literals", start);
            if (p.Contains('b')) throw Error("bytes cannot be sent as JSON; use a string", start);
            if (p is not ("r" or "u")) throw Error($"'{prefix}' is not a string prefix", start);
            _at = start;
            return ParseStrings();
        }

        // One or more adjacent string literals, joined as Python joins them.
        private Str ParseStrings()
        {
            var joined = new StringBuilder();
            do
            {
                var raw = false;
                if (Peek() is 'r' or 'R' or 'u' or 'U')
                {
                    raw = text[_at] is 'r' or 'R';
                    _at++;
                }

                joined.Append(ParseString(raw));
                var save = _at;
                SkipSpace();
                if (!StartsString())
                {
                    _at = save;
                    break;
                }
            }
            while (true);

            return new Str(joined.ToString());
        }

        private bool StartsString()
        {
            if (Peek() is '"' or '\'') return true;
            return _at + 1 < text.Length && text[_at] is 'r' or 'R' or 'u' or 'U' && text[_at + 1] is '"' or '\'';
        }

        private string ParseString(bool raw)
        {
            var start = _at;
            var quote = text[_at];
            var triple = _at + 2 < text.Length && text[_at + 1] == quote && text[_at + 2] == quote;
            _at += triple ? 3 : 1;
            var result = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length) throw Error("a string is never closed", start);
                var c = text[_at];
                if (c == quote && (!triple || (_at + 2 < text.Length && text[_at + 1] == quote && text[_at + 2] == quote)))
                {
                    _at += triple ? 3 : 1;
                    return result.ToString();
                }

                if (c == '\n' && !triple) throw Error("a string is never closed on its line", start);
                if (c == '\\')
                {
                    if (_at + 1 >= text.Length) throw Error("a string ends with a backslash", start);
                    if (raw)
                    {
                        result.Append(c).Append(text[_at + 1]);
                        _at += 2;
                        continue;
                    }

                    _at++;
                    Escape(result);
                    continue;
                }

                result.Append(c);
                _at++;
            }
        }

        private void Escape(StringBuilder result)
        {
            var c = text[_at++];
            switch (c)
            {
                case '\n': break;
                case '\\': result.Append('\\'); break;
                case '\'': result.Append('\''); break;
                case '"': result.Append('"'); break;
                case 'a': result.Append('\a'); break;
                case 'b': result.Append('\b'); break;
                case 'f': result.Append('\f'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 't': result.Append('\t'); break;
                case 'v': result.Append('\v'); break;
                case 'x': result.Append((char)Hex(2)); break;
                case 'u': result.Append((char)Hex(4)); break;
                case 'U': result.Append(char.ConvertFromUtf32(Hex(8))); break;
                case 'N': throw Error("\\N{…} escapes are not supported; write the character itself");
                case >= '0' and <= '7':
                    var value = c - '0';
                    for (var i = 0; i < 2 && _at < text.Length && text[_at] is >= '0' and <= '7'; i++) value = value * 8 + (text[_at++] - '0');
                    result.Append((char)value);
                    break;
                default:
                    // Python keeps an unknown escape as written.
                    result.Append('\\').Append(c);
                    break;
            }
        }

        private int Hex(int digits)
        {
            if (_at + digits > text.Length) throw Error($"an escape needs {digits} hex digits");
            var hex = text.Substring(_at, digits);
            if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) || value > 0x10FFFF)
            {
                throw Error($"'{hex}' is not a valid escape");
            }

            _at += digits;
            return value;
        }

        private void SkipSpace()
        {
            while (_at < text.Length)
            {
                var c = text[_at];
                if (c is ' ' or '\t' or '\r' or '\n' or '\f') _at++;
                else if (c == '\\' && _at + 1 < text.Length && text[_at + 1] == '\n') _at += 2;
                else if (c == '#')
                {
                    while (_at < text.Length && text[_at] != '\n') _at++;
                }
                else
                {
                    break;
                }
            }
        }

        private char? Peek() => _at < text.Length ? text[_at] : null;

        private InvalidSpecException Error(string message, int? at = null)
        {
            var position = Math.Min(at ?? _at, text.Length);
            return new InvalidSpecException($"{what} is not a Python literal: {message} (at character {position + 1})");
        }
    }
}
