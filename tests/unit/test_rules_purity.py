"""rules/ is the pure core (README, "Where things live"). The import-linter contract in
pyproject.toml keeps sync, the store, FIT, Garmin and the scheduler out of it (see
test_import_contracts.py); these check what that contract cannot see: the standard
library's network and process modules, and what importing rules loads at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules"
# The standard library's IO: import-linter's graph leaves the standard library out.
STDLIB_IO = {"urllib", "http", "socket", "subprocess", "multiprocessing"}
# What importing rules must not load, by any path (the contract's list, and the above).
FORBIDDEN = STDLIB_IO | {
    "sync",
    "sqlalchemy",
    "fitparse",
    "garminconnect",
    "apscheduler",
    "requests",
    "alembic",
    "psycopg",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_rules_module_imports_the_standard_library_s_io() -> None:
    offenders = {
        str(path.relative_to(RULES.parent)): sorted(imported_roots(path) & STDLIB_IO)
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
    bad.write_text("from urllib.request import urlopen\nimport socket as s\nimport os\n")
    assert imported_roots(bad) & STDLIB_IO == {"urllib", "socket"}
