#!/usr/bin/env python3
"""scripts/check-code on fabricated trees: it must fail on an include the area table does not
allow, on a cycle in the table, on a CLI file that includes internals, and on a long function;
and pass on the project's own tree."""
import pathlib
import subprocess
import sys
import tempfile

SCRIPT = pathlib.Path(sys.argv[1])
PROJECT = pathlib.Path(sys.argv[2])
PROJECT_LIMIT = sys.argv[3] if len(sys.argv) > 3 else "100"


def run(root, *extra):
    r = subprocess.run([sys.executable, str(SCRIPT), "--root", str(root), *extra],
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def tree(files):
    root = pathlib.Path(tempfile.mkdtemp())
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


failures = []


def expect(name, got, code, needle):
    rc, out = got
    if rc != code or needle not in out:
        failures.append(f"{name}: exit {rc}, wanted {code} and {needle!r} in:\n{out}")


layered = {
    "libsign/areas.txt": "core:\nformat: core\nops: core format\n",
    "libsign/src/core/a.hpp": "#pragma once\n",
    "libsign/src/format/b.cpp": '#include "core/a.hpp"\n#include "ltsign/api.hpp"\n',
    "libsign/src/ops/c.cpp": '#include "format/b.hpp"\n',
    "tools/cli/main.cpp": '#include "ltsign/api.hpp"\n',
}
expect("a layered tree passes", run(tree(layered)), 0, "")

upward = dict(layered)
upward["libsign/src/core/bad.cpp"] = '#include "ops/c.hpp"\n'
expect("an upward include fails", run(tree(upward)), 1, "core may not include ops/")

cyclic = dict(layered)
cyclic["libsign/areas.txt"] = "core: ops\nformat: core\nops: core format\n"
expect("a cycle in the table fails", run(tree(cyclic)), 1, "form a cycle")

cli = dict(layered)
cli["tools/cli/main.cpp"] = '#include "format/b.hpp"\n'
expect("the CLI including internals fails", run(tree(cli)), 1, "only the public headers")

unknown = dict(layered)
unknown["libsign/src/stray/d.cpp"] = "\n"
expect("an area missing from the table fails", run(tree(unknown)), 1, "not in areas.txt")

long_body = "int f(int x) {\n" + "    x += 1;\n" * 12 + "    return x;\n}\n"
short_body = "int g() {\n    return 1;\n}\n"
longer = dict(layered)
longer["libsign/src/core/e.cpp"] = short_body + long_body
expect("a long function fails", run(tree(longer), "--max-function-lines", "10"), 1,
       "f is 15 lines long")
expect("within the limit passes", run(tree(longer), "--max-function-lines", "15"), 0, "")

expect("the project's own tree passes", run(PROJECT, "--max-function-lines", PROJECT_LIMIT), 0, "")

for f in failures:
    print(f)
sys.exit(1 if failures else 0)
