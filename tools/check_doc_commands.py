#!/usr/bin/env python3
"""Checks that the shell commands shown in README.md and docs/**/*.md still match the project.

For every command line shown in a page (indented code blocks and ```sh/```bash/```console
blocks; continuation lines joined):

- `odeflow <subcommand> [options]` (also as build/.../odeflow or tools/dev run ... odeflow):
  the subcommand exists and every `--option`/`-x` it uses appears in `odeflow <subcommand>
  --help` (global options in `odeflow --help`);
- `tools/<script>` and other repository paths (tools/..., benchmarks/..., examples/...,
  tests/fixtures/...) exist, scripts are executable;
- `tools/dev bench <name>` names a benchmark program of benchmarks/;
- `build/release/<dir>/<program>` names a program that the build defines (an
  add_executable in that directory's CMakeLists.txt);
- `cmake --preset <name>` / `--build --preset` / `ctest --preset` name presets of
  CMakePresets.json.

Prints one line per problem (`page:line: what`) and exits 1 if there is any.
Usage: check_doc_commands.py <source dir> <odeflow executable>
"""
import json
import os
import re
import subprocess
import sys


def command_lines(path):
    """(line number, command) for each command shown in a Markdown page."""
    out = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    fenced = None  # language of the open fence, or None
    pending, start = "", 0
    for no, line in enumerate(lines, 1):
        m = re.match(r"^\s*```(\w*)", line)
        if m:
            fenced = None if fenced is not None else m.group(1)
            continue
        if fenced is not None:
            if fenced not in ("sh", "bash", "console", "shell"):
                continue
            text = line.strip()
        elif line.startswith("    ") and (pending or not line.lstrip().startswith(("- ", "| ", "* ", "1. "))):
            text = line[4:].strip()
        else:
            continue
        if text.startswith("$ "):
            text = text[2:]
        if not pending:
            start = no
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        out.append((start, pending + text))
        pending = ""
    return out


def strip_comment(cmd):
    return re.sub(r"\s+#.*$", "", cmd)


def help_text(exe, args, cache):
    key = tuple(args)
    if key not in cache:
        r = subprocess.run([exe, *args, "--help"], capture_output=True, text=True, timeout=60)
        cache[key] = (r.returncode, r.stdout + r.stderr)
    return cache[key]


def option_tokens(tokens):
    opts = []
    for t in tokens:
        if re.match(r"^--[a-z][a-z0-9-]*(=.*)?$", t):
            opts.append(t.split("=")[0])
        elif re.match(r"^-[a-zA-Z]$", t):
            opts.append(t)
    return opts


def main():
    root, exe = sys.argv[1], sys.argv[2]
    pages = [os.path.join(root, "README.md")]
    for d, _, files in os.walk(os.path.join(root, "docs")):
        pages += [os.path.join(d, f) for f in sorted(files) if f.endswith(".md")]
    with open(os.path.join(root, "CMakePresets.json"), encoding="utf-8") as f:
        presets = json.load(f)
    preset_names = {p["name"] for k in ("configurePresets", "buildPresets", "testPresets")
                    for p in presets.get(k, [])}
    cache = {}
    top_rc, top_help = help_text(exe, [], cache)
    subcommands = set(re.findall(r"^  ([a-z]+)\s{2,}", top_help.split("SUBCOMMANDS:")[-1], re.M))
    problems, checked = [], 0

    def problem(page, no, what):
        problems.append(f"{os.path.relpath(page, root)}:{no}: {what}")

    for page in pages:
        for no, raw in command_lines(page):
            cmd = strip_comment(raw)
            toks = cmd.split()
            if not toks:
                continue
            checked += 1
            # odeflow invocations, however they are reached
            for i, t in enumerate(toks):
                if t == "odeflow" or t.endswith("/odeflow"):
                    if any(x.startswith(("<", "[")) for x in toks[i + 1:i + 3]):
                        break  # a synopsis line
                    j = i + 1
                    glob = []
                    while j < len(toks) and toks[j].startswith("-"):
                        glob.append(toks[j])
                        if toks[j] == "--threads":
                            j += 1
                        j += 1
                    for o in option_tokens(glob):
                        if not re.search(r"(^|[\s,])" + re.escape(o) + r"\b", top_help):
                            problem(page, no, f"'odeflow {o}' is not a global option of odeflow")
                    if j >= len(toks) or toks[j] in ("&&", "|", ";", "#"):
                        break
                    sub = toks[j]
                    if sub not in subcommands:
                        problem(page, no, f"'odeflow {sub}': no such subcommand (known: {', '.join(sorted(subcommands))})")
                        break
                    rest = []
                    for t2 in toks[j + 1:]:
                        if t2 in ("&&", "|", ";", ">", "2>"):
                            break
                        rest.append(t2)
                    rc, text = help_text(exe, [sub], cache)
                    for o in option_tokens(rest):
                        if o in ("-h", "--help"):
                            continue
                        if not re.search(r"(^|[\s,])" + re.escape(o) + r"\b", text):
                            problem(page, no, f"'odeflow {sub} {o}': no such option (odeflow {sub} --help)")
                    break
            # repository paths
            for t in toks:
                t = t.strip("'\"`")
                m = re.match(r"^((tools|benchmarks|examples|tests/fixtures)/[\w./-]+)$", t)
                if m and not re.search(r"[<>*]", t):
                    p = os.path.join(root, m.group(1))
                    if not os.path.exists(p):
                        problem(page, no, f"{m.group(1)}: no such file in the repository")
                    elif m.group(2) == "tools" and not p.endswith(".py") and not os.access(p, os.X_OK):
                        problem(page, no, f"{m.group(1)}: not executable")
            # tools/dev bench NAME
            for i, t in enumerate(toks[:-2]):
                if t.endswith("tools/dev") and toks[i + 1] == "bench":
                    name = toks[i + 2]
                    if not os.path.exists(os.path.join(root, "benchmarks", name + ".cpp")):
                        problem(page, no, f"tools/dev bench {name}: no benchmarks/{name}.cpp")
            # build/release/<dir>/<program>
            for t in toks:
                m = re.match(r"^build/release/([\w/]+)/(\w+)$", t)
                if m:
                    cml = os.path.join(root, m.group(1), "CMakeLists.txt")
                    text = open(cml, encoding="utf-8").read() if os.path.exists(cml) else ""
                    if not re.search(r"(add_executable|odeflow_add_test|odeflow_add_example|OUTPUT_NAME)\s*\(?\s*" + re.escape(m.group(2)) + r"\b", text) \
                            and not re.search(r"\b" + re.escape(m.group(2)) + r"\b", text):
                        problem(page, no, f"{t}: {m.group(1)}/CMakeLists.txt defines no program {m.group(2)}")
            # presets
            for i, t in enumerate(toks[:-1]):
                if t == "--preset" and toks[i + 1] not in preset_names:
                    problem(page, no, f"--preset {toks[i + 1]}: not in CMakePresets.json")
    for p in problems:
        print(p)
    print(f"check_doc_commands: {checked} commands in {len(pages)} pages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
