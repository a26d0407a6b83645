#!/usr/bin/env python3
"""scripts/check-code on fabricated trees: it must fail on an include the area table does not
allow, on a cycle in the table, on a CLI file that includes internals, on a long function and on
a sentence for people that is not marked for translation; and pass on the project's own tree."""
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

def with_source(path, text):
    files = dict(layered)
    files[path] = text
    return tree(files)


# Sentences for people are marked for translation (docs/architecture.md, Languages).
unmarked = {
    "a thrown message": 'void f() { throw Error(Errc::usage, "no files to sign"); }\n',
    "a thrown sentence built from pieces":
        'void f(std::string n) {\n    throw Error(Errc::io, n + ": cannot be read");\n}\n',
    "an explanation": 'void f(R& r) {\n    r.explanation = "the chain is broken";\n}\n',
    "a note": 'void f(R& r) {\n    r.notes.push_back({NoteCode::poe_used,\n'
              '                      "the record proves it"});\n}\n',
    "a verdict": 'void f(R& r) { set_verdict(r, I::x, S::y, "it proves nothing"); }\n',
    "a format area's refusal": 'void f(std::string w) { bad(w, "not a DER SEQUENCE"); }\n',
    "a reason field": 'void f(F& f) {\n    f.format_problem = "the token is malformed";\n}\n',
    "a word inside trf's values":
        'void f(bool b) { throw Error(Errc::usage, trf("{0} is wrong", {b ? "this" : "that"})); }\n',
}
for name, text in unmarked.items():
    expect(f"{name} without tr() fails", run(with_source("libsign/src/core/m.cpp", text)), 1,
           "m.cpp:")
expect("an unmarked message in the CLI fails",
       run(with_source("tools/cli/cmd.cpp", unmarked["a thrown message"])), 1, "cmd.cpp:1:")
expect("the finding names the line", run(with_source("libsign/src/core/m.cpp", unmarked["a note"])),
       1, 'm.cpp:3: "the record proves it"')

marked = {
    "tr": 'void f() { throw Error(Errc::usage, tr("no files to sign")); }\n',
    "trf over lines": 'void f(std::string n) {\n    throw Error(Errc::io, trf("{0}: cannot be "\n'
                      '                                 "read", {n}));\n}\n',
    "punctuation only": 'void f(std::string n) { throw Error(Errc::io, n + ": " + tr("gone")); }\n',
    "an opt-out": 'void f() {\n    // untranslated: matched by the other program\n'
                  '    throw Error(Errc::internal, "sentinel failure");\n}\n',
    "a standard exception": 'void f() { throw std::runtime_error("internal, caught below"); }\n',
    "an HTTP answer": 'void f() { refuse(413, "too many files", "too many files"); }\n',
    "a comment about a throw": '// throw Error(Errc::usage, "never");\nint x;\n',
}
for name, text in marked.items():
    expect(f"{name} passes", run(with_source("libsign/src/core/m.cpp", text)), 0, "")

expect("the project's own tree passes", run(PROJECT, "--max-function-lines", PROJECT_LIMIT), 0, "")

for f in failures:
    print(f)
sys.exit(1 if failures else 0)
