"""Dependencies point one way; only the orchestration layer imports Prefect.

flows    -> newswatch, extract, store, reports
newswatch (steps, settings, CLI) -> extract, store, reports (the CLI also starts flows)
reports  -> store (read side), extract (records, dedup)
store    -> extract.models only (the record types it persists)
extract  -> nothing of the project
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"flows", "extract", "store", "reports", "newswatch"}

ALLOWED: dict[str, set[str]] = {
    "extract": {"extract"},
    "store": {"store", "extract.models"},
    "reports": {"reports", "store", "extract"},
    "newswatch": {"newswatch", "extract", "store", "reports", "flows"},
    "flows": {"flows", "newswatch", "extract", "store", "reports"},
}
PREFECT_ALLOWED = {"flows", "newswatch"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    problems = []
    for path in modules(package):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top not in PROJECT:
                continue
            if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[package]):
                # "from extract import models" shows up as both "extract" and "extract.models"
                if any(other.startswith(name + ".") for other in imports_of(path)):
                    continue
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", sorted(set(ALLOWED) - PREFECT_ALLOWED))
def test_only_the_orchestration_layer_imports_prefect(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if any(n == "prefect" or n.startswith("prefect.") for n in imports_of(path))
    ]
    assert not offenders


def test_sql_lives_in_store() -> None:
    offenders = []
    for package in PROJECT - {"store"}:
        for path in modules(package):
            names = imports_of(path)
            if "duckdb" in names or any(n.startswith("duckdb.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in PROJECT
        for path in modules(package)
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert not missing, missing
