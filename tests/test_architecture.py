"""The layout's rules (DESIGN.md §3): the core never reaches the GUI, the platform stands apart."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file of `package` imports, by file (absolute imports only: the
    project uses no relative ones)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.level == 0, f"{path}: relative import"
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file}: {name}"
        for file, names in imported_modules(package).items()
        for name in sorted(names)
        if any(name == f or name.startswith(f"{f}.") for f in forbidden)
    ]


def test_the_core_imports_no_widgets_gui_or_platform() -> None:
    assert _offenders("app", ("PySide6.QtWidgets", "PySide6.QtGui", "ui", "server")) == []


def test_the_window_never_imports_the_platform() -> None:
    assert _offenders("ui", ("server",)) == []


def test_the_platform_imports_nothing_of_the_client() -> None:
    assert _offenders("server", ("app", "ui", "PySide6")) == []


def test_import_contracts_hold_transitively() -> None:
    """import-linter follows imports through the whole graph (.importlinter)."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.fail("lint-imports (import-linter) is not installed in this environment")
    result = subprocess.run([linter], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
