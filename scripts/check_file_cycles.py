#!/usr/bin/env python3
"""Fails when the source files of one crate import each other in a circle.

For every crate under crates/ and examples/src, each file's `crate::…` paths (in `use`
items and in code; comments and doc comments ignored) are resolved to the file that defines
the module, and the import graph between files is searched for cycles (strongly connected
components of more than one file). A `mod` declaration is not an import; a parent module
re-exporting its children (`pub use child::…`) is, so such a parent must not be imported back
by its children (they import siblings by path instead).

Usage: python3 scripts/check_file_cycles.py [ROOT]   (exit status 1 on a cycle)
"""

import os
import re
import sys


def module_files(src):
    """Maps each module path (tuple of names) to its file."""
    out = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main"):
                rel = rel[:-1]
            elif rel[-1] == "mod":
                rel = rel[:-1]
            out[tuple(rel)] = full
    return out


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.split("\n"))


def paths_in(text):
    """Every `crate::a::b…` path, including those inside `use crate::{a::b, c}` groups."""
    found = []
    for m in re.finditer(r"crate::((?:\w+::)*\w+)", text):
        found.append(m.group(1).split("::"))
    for m in re.finditer(r"use\s+crate::\{([^;]*)\};", text, flags=re.S):
        for item in re.split(r"[,{}]", m.group(1)):
            item = item.strip()
            if item:
                found.append(item.split("::"))
    for m in re.finditer(r"use\s+crate::(\w+(?:::\w+)*)::\{([^;]*)\};", text, flags=re.S):
        prefix = m.group(1).split("::")
        for item in re.split(r"[,{}]", m.group(2)):
            item = item.strip()
            if item:
                found.append(prefix + item.split("::"))
    return found


def resolve(path, modules):
    """The longest module prefix of `path` that is a file."""
    for n in range(len(path), 0, -1):
        key = tuple(path[:n])
        if key in modules:
            return modules[key]
    return None


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    srcs = [os.path.join(root, "crates", c, "src") for c in sorted(os.listdir(os.path.join(root, "crates")))]
    srcs.append(os.path.join(root, "examples", "src"))
    bad = 0
    for src in srcs:
        if not os.path.isdir(src):
            continue
        modules = module_files(src)
        graph = {}
        for file in modules.values():
            with open(file, encoding="utf-8") as fh:
                text = strip_comments(fh.read())
            deps = set()
            for p in paths_in(text):
                target = resolve(p, modules)
                if target and target != file:
                    deps.add(target)
            graph[file] = deps
        for comp in cycles(graph):
            bad += 1
            print("cycle:", " ↔ ".join(os.path.relpath(f, root) for f in comp))
    if bad:
        sys.exit(1)
    print("no file imports another that imports it back")


if __name__ == "__main__":
    main()
