"""The architecture of sync/ and rules/, as the import-linter contracts in pyproject.toml
keep it (README, "Where things live"): the code keeps them, and each contract breaks when
a change does what it forbids (checked on a copy of the code with one import added)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="lint-imports is not installed (pip install -e '.[test]')"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_code_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


LAYERS = "sync: entry points over use cases over adapters over the wiring"
RULES = "rules: pure, imported by all"
LOOPS = "no import loops among the modules of a package"

# (module, what is added to it, the contract it breaks)
VIOLATIONS = [
    ("sync/adapters/rawstore.py", "from sync.usecases import ingest", LAYERS),
    (
        "sync/adapters/rawstore.py",
        "def _app() -> None:\n    from sync.bootstrap import App",
        LAYERS,
    ),
    ("sync/usecases/status.py", "from sync.entrypoints import cli_common", LAYERS),
    ("sync/settings.py", "from sync.usecases import planning", LAYERS),
    ("sync/logs.py", "from sync.adapters import rawstore", LAYERS),
    # a new module straight in sync/ belongs to no layer until it is placed in one
    ("sync/export_helpers.py", "from sync.errors import BadInput", LAYERS),
    ("rules/plan.py", "from sync import errors", RULES),
    ("rules/ladder.py", "import sqlalchemy", RULES),
    ("rules/plan.py", "def _fetch() -> None:\n    import requests", RULES),
    # an import inside a function, which is how loops used to be dodged
    (
        "sync/usecases/ingest.py",
        "def _dodge() -> None:\n    from sync.usecases import inbox",
        LOOPS,
    ),
]


@pytest.mark.parametrize(("module", "added", "contract"), VIOLATIONS)
def test_a_contract_breaks_when_a_change_does_what_it_forbids(
    tmp_path: Path, module: str, added: str, contract: str
) -> None:
    for part in ("sync", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    before = target.read_text() if target.exists() else '"""A module added by the test."""\n'
    target.write_text(f"{before}\n\n{added}  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout
    # An upward import also closes a loop between siblings: that contract breaks too.
    broken = done.stdout.split("Broken contracts", 1)[1]
    assert f"{contract}" in broken
