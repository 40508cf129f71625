"""rules/ is the pure core: no IO libraries, no sync (DESIGN, 'Where things live')."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules"
FORBIDDEN = {
    "sync",
    "sqlalchemy",
    "fitparse",
    "garminconnect",
    "apscheduler",
    "requests",
    "alembic",
    "psycopg",
    "urllib",
    "http",
    "socket",
    "subprocess",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_rules_module_imports_io_libraries_or_sync() -> None:
    offenders = {
        str(path.relative_to(RULES.parent)): sorted(imported_roots(path) & FORBIDDEN)
        for path in RULES.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_rules_module_loads_none_of_them() -> None:
    modules = [f"rules.{p.stem}" for p in RULES.glob("*.py") if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(r for r in {sorted(FORBIDDEN)!r} if r in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=RULES.parent
    )
    assert out.stdout.strip() == ""


def test_the_purity_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from sync.store import schema\nimport sqlalchemy.orm as orm\n")
    assert imported_roots(bad) & FORBIDDEN == {"sync", "sqlalchemy"}
