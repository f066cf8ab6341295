"""A digest of files: what some kept result was computed from (data files and the source of the
code that computed it), so the result is computed again when any of them changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType


def fingerprint(files: Iterable[tuple[str, Path]]) -> str:
    """sha256 over (label, length, bytes) of each file; an unreadable file counts as such."""
    digest = hashlib.sha256()
    for label, path in files:
        try:
            body = path.read_bytes()
        except OSError:
            body = b"unreadable"  # what reads it reports what is wrong with it
        digest.update(f"{label}\0{len(body)}\0".encode())
        digest.update(body)
    return digest.hexdigest()


def source_files(*modules: ModuleType) -> list[tuple[str, Path]]:
    """The source file of each module; for a package, every module file in its folder."""
    files: list[tuple[str, Path]] = []
    for module in modules:
        if module.__file__ is None:
            raise ValueError(f"{module.__name__} has no source file to fingerprint")
        path = Path(module.__file__)
        paths = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
        files += [(f"{module.__name__}:{p.name}", p) for p in paths]
    return files
