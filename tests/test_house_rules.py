"""The house plan, checked from the source (issue 15): storage owns every query of bot/,
jobs/ and payments/, no package has an import cycle, storage/ has no aiogram, every document is in the one
list, and dialog getters only read."""

from __future__ import annotations

import ast
from collections import defaultdict

from beanie import Document

from bench.import_graph import (
    ROOT,
    cycles,
    database_touches,
    document_names,
    imports_of,
    module_name,
    project_files,
    resolve,
)
from storage.documents import DOCUMENTS

DIALOG_STATE_WRITES = {"pop", "popitem", "setdefault", "update", "clear"}


def parsed() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in project_files()}


def test_bot_jobs_and_payments_leave_every_query_to_storage() -> None:
    trees = parsed()
    documents = document_names(trees)
    touches = [
        f"{module}:{line} {what}"
        for module, tree in trees.items()
        if module.split(".")[0] in ("bot", "jobs", "payments")
        for line, what in database_touches(module, tree, documents)
    ]
    assert touches == []


def test_no_import_cycle_and_no_aiogram_in_storage() -> None:
    trees = parsed()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, tree in trees.items():
        for name in imports_of(tree, module):
            target = resolve(name, set(trees))
            if target and target != module:
                edges[module].add(target)
    assert cycles(edges) == []
    aiogram = [
        module
        for module, tree in trees.items()
        if module.startswith("storage")
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            name.split(".")[0] == "aiogram"
            for name in (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            )
        )
    ]
    assert aiogram == []


def test_every_document_is_in_the_one_list() -> None:
    defined = set(document_names(parsed()))
    listed = {model.__name__ for model in DOCUMENTS}
    assert listed == defined
    assert all(issubclass(model, Document) for model in DOCUMENTS)
    assert len(set(DOCUMENTS)) == len(DOCUMENTS)
    sources = "".join(p.read_text() for p in project_files())
    assert "register_documents" not in sources


def _getter_names(tree: ast.Module) -> set[str]:
    return {
        keyword.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "getter" and isinstance(keyword.value, ast.Name)
    }


def _is_dialog_data(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "dialog_data"


def _dialog_data_writes(function: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DIALOG_STATE_WRITES
            and _is_dialog_data(node.func.value)
        ):
            lines.append(node.lineno)
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        lines += [t.lineno for t in targets if isinstance(t, ast.Subscript) and _is_dialog_data(t.value)]
    return sorted(lines)


def test_dialog_getters_only_read() -> None:
    """A getter draws a screen; what an update changes, its handler changes (one-shot
    notices: ``bot.dialogs.notices``)."""
    writes = []
    for path in sorted((ROOT / "bot" / "dialogs").glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        getters = _getter_names(tree)
        writes += [
            f"{path.name}:{line} {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name in getters
            for line in _dialog_data_writes(node)
        ]
    assert writes == []


def test_the_getter_check_sees_a_write() -> None:
    tree = ast.parse(
        "async def g(dialog_manager):\n"
        "    dialog_manager.dialog_data.pop('notice', '')\n"
        "    dialog_manager.dialog_data['x'] = 1\n"
        "    return {}\n"
        "w = Window(getter=g)\n"
    )
    (function,) = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef)]
    assert _getter_names(tree) == {"g"}
    assert _dialog_data_writes(function) == [2, 3]
