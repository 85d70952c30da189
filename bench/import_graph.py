"""Prints the project's import graph between layers and modules, the import cycles,
the imports that point the wrong way, and the places outside storage/ that touch the
database (a Beanie document's query methods, or a PyMongo collection).

    python bench/import_graph.py            # layers, wrong-way arrows, cycles, counts
    python bench/import_graph.py --modules  # every module-to-module edge as well

Layers, innermost first: domain <- storage <- payments, jobs <- bot. An arrow may only
point inward (bot -> jobs/payments -> storage -> domain)."""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "jobs", "payments", "storage", "domain")
RANK = {"domain": 0, "storage": 1, "payments": 2, "jobs": 2, "bot": 3}
DOCUMENT_QUERY_METHODS = {
    "find", "find_one", "find_all", "find_many", "get", "insert", "insert_one", "insert_many",
    "save", "replace", "delete", "delete_all", "update", "update_many", "aggregate", "count",
    "get_pymongo_collection", "get_motor_collection", "distinct", "set", "inc", "upsert",
}  # fmt: skip
COLLECTION_METHODS = {
    "find_one_and_update", "find_one_and_delete", "update_one", "update_many", "insert_one",
    "insert_many", "delete_one", "delete_many", "bulk_write", "replace_one", "count_documents",
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def imports_of(tree: ast.Module, module: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def resolve(name: str, modules: set[str]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def document_names(trees: dict[str, ast.Module]) -> set[str]:
    """The project's Beanie documents: classes that subclass ``Document``."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", getattr(base, "attr", "")) == "Document" for base in node.bases
            ):
                names.add(node.name)
    return names


def database_touches(module: str, tree: ast.Module, documents: set[str]) -> list[tuple[int, str]]:
    """One entry per source line that queries the database (a chain counts once)."""
    touches: dict[int, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, node.func.value
        if method in ("get_pymongo_collection", "get_motor_collection"):
            touches.setdefault(node.lineno, ast.unparse(node.func))
        elif isinstance(receiver, ast.Name) and receiver.id in documents and method in DOCUMENT_QUERY_METHODS:
            touches[node.lineno] = f"{receiver.id}.{method}"
        elif method in COLLECTION_METHODS:
            touches[node.lineno] = ast.unparse(node.func)
    return sorted(touches.items())


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--modules", action="store_true", help="print every module-to-module edge")
    args = parser.parse_args()

    trees = {module_name(p): ast.parse(p.read_text(), str(p)) for p in project_files()}
    modules = set(trees)
    edges: dict[str, set[str]] = defaultdict(set)
    for module, tree in trees.items():
        for name in imports_of(tree, module):
            target = resolve(name, modules)
            if target and target != module:
                edges[module].add(target)

    layer_edges: dict[tuple[str, str], int] = defaultdict(int)
    wrong_way: list[tuple[str, str]] = []
    for source, targets in edges.items():
        for target in targets:
            a, b = source.split(".")[0], target.split(".")[0]
            if a != b:
                layer_edges[(a, b)] += 1
                if RANK[b] >= RANK[a]:
                    wrong_way.append((source, target))

    print("layer -> layer (module imports)")
    for (a, b), n in sorted(layer_edges.items()):
        mark = "" if RANK[b] < RANK[a] else "   <-- points outward or sideways"
        print(f"  {a:9} -> {b:9} {n:3}{mark}")
    print(f"\nimports pointing outward or sideways: {len(wrong_way)}")
    for source, target in sorted(wrong_way):
        print(f"  {source} -> {target}")

    found = cycles(edges)
    print(f"\nimport cycles: {len(found)}")
    for component in found:
        print(f"  {len(component)} modules: {', '.join(component)}")

    documents = document_names(trees)
    outside = [
        (module, line, what)
        for module, tree in sorted(trees.items())
        if not module.startswith("storage")
        for line, what in database_touches(module, tree, documents)
    ]
    print(f"\nplaces outside storage/ that touch the database: {len(outside)}")
    for module, line, what in outside:
        print(f"  {module}:{line}  {what}")

    if args.modules:
        print("\nmodule edges")
        for source in sorted(edges):
            for target in sorted(edges[source]):
                print(f"  {source} -> {target}")


if __name__ == "__main__":
    main()
