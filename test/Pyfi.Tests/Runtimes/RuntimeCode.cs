namespace Pyfi.Tests.Runtimes;

/// <summary>The code the runtime tests run: a Node module, a folder of bash scripts and a Python step, in one repository.</summary>
public static class RuntimeCode
{
    /// <summary>The bash scripts, which the fixture commits as executable (all but <c>plain.sh</c>).</summary>
    public static readonly string[] Executables =
        ["bin/args.sh", "bin/stdin.sh", "bin/fail.sh", "bin/hang.sh", "bin/die-once.sh", "bin/big.sh", "bin/reverse.sh", "bin/forks.sh"];

    /// <summary>The repository's files.</summary>
    public static Dictionary<string, string> Files() => new()
    {
        ["lib/text.js"] = """
            const fs = require('fs');

            // Written whole (renamed into place), so a test that sees the file reads the pid.
            function mark(marker, text) {
              fs.writeFileSync(marker + '.tmp', text);
              fs.renameSync(marker + '.tmp', marker);
            }

            const forever = () => new Promise(() => setInterval(() => {}, 1000));

            exports.upper = (text) => { console.log('upper of', text); process.stderr.write('and on stderr\n'); return text.toUpperCase(); };
            exports.add = (a, b, options) => a + b + ((options && options.extra) || 0);
            exports.later = async (value) => { await new Promise((resolve) => setTimeout(resolve, 10)); return { value, list: [1, 'two', null] }; };
            exports.boom = (what) => { throw new TypeError(`bad ${what}`); };
            exports.hang = async (marker) => { mark(marker, String(process.pid)); await forever(); };
            exports.dieOnce = async (marker) => {
              if (!fs.existsSync(marker)) { mark(marker, String(process.pid)); await forever(); }
              return 'survived';
            };
            exports.big = () => 10n;
            exports.hog = () => { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)); };
            exports.buffers = (mb) => { const kept = []; for (let i = 0; i < mb; i++) kept.push(Buffer.alloc(1 << 20, 1)); return kept.length; };
            """,
        ["lib/app.js"] = "const shout = require('shout');\nexports.loud = (text) => shout(text);\n",
        ["vendor/shout/package.json"] = """{"name": "shout", "version": "1.0.0", "main": "index.js"}""",
        ["vendor/shout/index.js"] = "module.exports = (text) => text.toUpperCase() + '!';\n",
        ["package.json"] = """{"name": "runtime-tests", "version": "1.0.0", "dependencies": {"shout": "file:vendor/shout"}}""",
        ["package-lock.json"] = """
            {
              "name": "runtime-tests", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
              "packages": {
                "": {"name": "runtime-tests", "version": "1.0.0", "dependencies": {"shout": "file:vendor/shout"}},
                "node_modules/shout": {"resolved": "vendor/shout", "link": true},
                "vendor/shout": {"version": "1.0.0"}
              }
            }
            """,
        ["bin/args.sh"] = "#!/bin/bash\necho \"got $# arguments\" >&2\nprintf '[%s]' \"$@\"\n",
        ["bin/stdin.sh"] = "#!/bin/bash\ncat\n",
        ["bin/fail.sh"] = "#!/bin/bash\necho \"cannot resize $1\" >&2\nexit 3\n",
        ["bin/hang.sh"] = "#!/bin/bash\necho \"$$ $PPID\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\nsleep 600\n",
        ["bin/die-once.sh"] = "#!/bin/bash\nif [ ! -e \"$1\" ]; then echo \"$PPID\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"; sleep 600; fi\necho survived\n",
        ["bin/big.sh"] = "#!/bin/bash\nhead -c 20000000 /dev/zero | tr '\\0' a\n",
        ["bin/reverse.sh"] = "#!/bin/bash\nrev <<< \"$1\"\n",
        // Leaves a child running with the pipes open: the call still ends when the script does.
        ["bin/forks.sh"] = "#!/bin/bash\n(sleep 600; echo never) &\necho \"$!\"\n",
        ["bin/plain.sh"] = "#!/bin/bash\necho not executable\n",
        ["steps.py"] = "def start(text):\n    return text + '-py'\n",
    };
}
