"""The rules of the house, checked on the code's own imports.

    newswatch (the shell: CLI, serve) -> flows -> pipeline -> extract, reports, store
    flows      Prefect only: flows, tasks, the Prefect glue; no SQL, no store
    pipeline   the steps the flows call, plain Python over the settings
    reports    digest selection, stories, rendering, sending: nothing of pipeline or store
    store      all SQL; knows only the record types of extract.models
    extract    nothing of the project; inside it, the rooms feeds/, article/ and relevance/ use
               the base modules (errors, models, urls, fetch, guard, pages) and never each other
    testkit    helpers shared by tests/ and bench/; nothing of the project

Nothing imports upward, no two top-level packages import each other, only flows/ and the shell
import Prefect, only store/ imports DuckDB, and no module grows past ~500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("newswatch", "flows", "pipeline", "extract", "reports", "store", "testkit", "bench")
PROJECT = set(PACKAGES) | {"tests"}

# package -> the project packages (or modules) it may import
ALLOWED: dict[str, set[str]] = {
    "newswatch": {"newswatch", "flows", "pipeline", "extract", "reports"},
    "flows": {"flows", "pipeline", "extract", "reports"},
    "pipeline": {"pipeline", "extract", "reports", "store"},
    "reports": {"reports", "extract"},
    "store": {"store", "extract.models"},
    "extract": {"extract"},
    "testkit": {"testkit"},
    "bench": {"bench", "testkit", "pipeline", "flows", "extract", "reports", "store"},
}
PREFECT_ALLOWED = {"flows", "newswatch"}
EXTRACT_ROOMS = ("feeds", "article", "relevance")
MAX_LINES = 500


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


def project_imports(path: Path) -> set[str]:
    """Project modules imported ("from extract import models" is "extract.models")."""
    names = imports_of(path)
    return {
        n
        for n in names
        if n.split(".")[0] in PROJECT and not any(o.startswith(n + ".") for o in names)
    }


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_package_is_known() -> None:
    top = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert top <= set(PACKAGES) | {"tests"}, top - set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    problems = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in sorted(project_imports(path))
        if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[package])
    ]
    assert not problems, "\n".join(problems)


def test_no_circle_between_packages() -> None:
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for package in PACKAGES:
        for path in modules(package):
            edges[package].update(
                n.split(".")[0] for n in project_imports(path) if n.split(".")[0] != package
            )

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in edges.get(start, ())
        )

    circles = [p for p in PACKAGES if reaches(p, p, {p})]
    assert not circles, circles


def test_the_rooms_of_extract_do_not_import_each_other() -> None:
    problems = []
    for room in EXTRACT_ROOMS:
        others = {f"extract.{r}" for r in EXTRACT_ROOMS if r != room}
        for path in modules(f"extract/{room}"):
            for name in project_imports(path):
                if any(name == o or name.startswith(o + ".") for o in others):
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    base = [p for p in (ROOT / "extract").glob("*.py")]
    for path in base:
        for name in project_imports(path):
            if any(name.startswith(f"extract.{r}") for r in EXTRACT_ROOMS):
                problems.append(f"{path.relative_to(ROOT)} (a base module) imports {name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", sorted(set(PACKAGES) - PREFECT_ALLOWED))
def test_only_the_orchestration_layer_imports_prefect(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if package != "bench"
        and any(n == "prefect" or n.startswith("prefect.") for n in imports_of(path))
    ]
    assert not offenders


def test_sql_lives_in_store() -> None:
    offenders = []
    for package in set(PACKAGES) - {"store", "bench"}:
        for path in modules(package):
            names = imports_of(path)
            if "duckdb" in names or any(n.startswith("duckdb.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in modules(package)
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert not missing, missing


def test_modules_stay_small() -> None:
    big = {
        str(path.relative_to(ROOT)): lines
        for package in set(PACKAGES) - {"bench"}
        for path in modules(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, big


def test_no_module_shadows_the_standard_library() -> None:
    """A flow's directory is put on `sys.path` when a Prefect worker loads its entrypoint, and the
    extraction pool's spawned workers inherit that path: a `flows/secrets.py` was imported in place
    of the standard `secrets` there, and every worker died on start."""
    import sys

    entrypoint_dirs = {Path(e.split(":")[0]).parent for e in _entrypoints()}
    shadows = [
        str(path.relative_to(ROOT))
        for folder in entrypoint_dirs | {Path(".")}
        for path in (ROOT / folder).glob("*")
        if path.stem in sys.stdlib_module_names and (path.suffix == ".py" or path.is_dir())
    ]
    assert entrypoint_dirs == {Path("flows")}, entrypoint_dirs
    assert not shadows, shadows


def _entrypoints() -> list[str]:
    import re

    return re.findall(r"entrypoint:\s*(\S+)", (ROOT / "prefect.yaml").read_text(encoding="utf-8"))
