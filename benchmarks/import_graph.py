"""Who imports whom inside baogao, the import cycles, and where settings and the manifest are read.

    python benchmarks/import_graph.py [--edges]

Counts every import statement (top level and inside functions) between the project's own
modules; a cycle is a strongly connected group of modules. The last table lists the lines
that read each environment setting or name the index manifest file.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "index", "ui")
SETTINGS = ("BAOGAO_HOME", "BAOGAO_VECTOR_STORE", "BAOGAO_MODEL", "manifest.json")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (a package's `from p import m` counts p.m)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                out.add(target)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def private_uses(found: dict[str, Path]) -> list[str]:
    """`from x import _name` and `obj._attr` of another module's object, across modules."""
    out = []
    for name, path in found.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in found:
                out += [f"{name}: from {node.module} import {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                out.append(f"{name}: {ast.unparse(node)}")
    return sorted(set(out))


def setting_reads(found: dict[str, Path]) -> dict[str, list[str]]:
    pattern = {s: re.compile(re.escape(s) + (r"\b" if s[0] == "B" else "")) for s in SETTINGS}
    out: dict[str, list[str]] = {s: [] for s in SETTINGS}
    for name, path in found.items():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if '"""' in line or code.strip().startswith(("help=", '"', "'")):
                continue  # docstrings and help text name a setting without reading it
            for setting, regex in pattern.items():
                if regex.search(code):
                    out[setting].append(f"{name}:{number}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="print every import edge")
    args = parser.parse_args()
    found = modules()
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}
    print(f"{len(found)} modules, {sum(map(len, graph.values()))} import edges")
    if args.edges:
        for name in sorted(graph):
            print(f"  {name} -> {', '.join(sorted(graph[name])) or '-'}")
    groups = cycles(graph)
    print(f"import cycles: {len(groups)}")
    for group in groups:
        print("  " + " <-> ".join(group))
    backwards = [f"{a} -> {b}" for a in graph for b in graph[a]
                 if PACKAGES.index(b.split(".")[0]) > PACKAGES.index(a.split(".")[0])]
    print(f"imports against ui -> index -> archive: {len(backwards)}")
    for edge in backwards:
        print("  " + edge)
    private = private_uses(found)
    print(f"private names used across objects/modules: {len(private)}")
    for line in private:
        print("  " + line)
    print("lines naming each setting (outside docstrings and help text):")
    for setting, places in setting_reads(found).items():
        print(f"  {setting}: {len(places)}  {' '.join(places)}")


if __name__ == "__main__":
    main()
