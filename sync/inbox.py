"""The inbox: gather (list the files), decide (which are ready), apply (ingest, move).

A good file goes to archive/, a refused one to quarantine/ with NAME.reason.txt beside
it. Nothing is deleted and nothing is overwritten.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from sync import logs
from sync.bootstrap import App
from sync.rawstore import write_private_atomic
from sync.service import IngestResult, ingest_file

# Names that are still being written by a browser, rsync or an editor.
_PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp", ".partial", ".download")


@dataclass(frozen=True)
class Seen:
    """A file as observed: its size and modification time, and when we first saw them."""

    size: int
    mtime_ns: int
    since_s: float


# FIT files are runs; CSV files are symptom journals (columns named like the options).
INBOX_SUFFIXES = (".fit", ".csv")


def pending_files(inbox: Path) -> list[Path]:
    """FIT and CSV files waiting in the inbox (top level, not hidden, not half-downloaded)."""
    if not inbox.is_dir():
        return []
    found = []
    for entry in os.scandir(inbox):
        name = entry.name
        if name.startswith(".") or name.lower().endswith(_PARTIAL_SUFFIXES):
            continue
        if entry.is_file(follow_symlinks=False) and name.lower().endswith(INBOX_SUFFIXES):
            found.append(Path(entry.path))
    return sorted(found)


def observe(files: list[Path]) -> dict[str, tuple[int, int]]:
    seen = {}
    for path in files:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        seen[path.name] = (st.st_size, st.st_mtime_ns)
    return seen


def decide_ready(
    current: Mapping[str, tuple[int, int]],
    previous: Mapping[str, Seen],
    now_s: float,
    stable_s: float,
    closed: Collection[str] = (),
) -> tuple[list[str], dict[str, Seen]]:
    """Which files are ready, and what to remember for the next look. Pure.

    A file is ready once its size and modification time have been unchanged for
    `stable_s`: its mtime is at least that old, and it has not changed since the last
    look (a copy that keeps the original mtime still changes size while it grows). A file
    the filesystem reported closed after writing, or moved in, is ready at once.
    """
    ready: list[str] = []
    memory: dict[str, Seen] = {}
    for name, (size, mtime_ns) in sorted(current.items()):
        before = previous.get(name)
        if before is None or (before.size, before.mtime_ns) != (size, mtime_ns):
            seen = Seen(size, mtime_ns, now_s)
            changed = before is not None
        else:
            seen = before
            changed = False
        quiet_for = now_s - mtime_ns / 1e9
        if name in closed or (not changed and quiet_for >= stable_s):
            ready.append(name)
        else:
            memory[name] = seen
    return ready, memory


def wait_needed(memory: Mapping[str, Seen], now_s: float, stable_s: float) -> float:
    """Seconds until the files not yet ready could be (for a one-shot pass)."""
    if not memory:
        return 0.0
    return max(
        0.0, min(stable_s, max(stable_s - (now_s - s.mtime_ns / 1e9) for s in memory.values()))
    )


def take(app: App, path: Path) -> IngestResult:
    """Ingest one inbox file (a run, or a symptom CSV), then archive or quarantine it."""
    if path.suffix.lower() == ".csv":
        result = _import_symptoms(app, path)
    else:
        result = ingest_file(app, path, source="inbox")
    if result.state == "rejected" and result.reason and result.reason.startswith("cannot read"):
        return result  # leave it where it is; the next pass tries again
    if result.ok:
        moved = move_without_overwrite(path, app.settings.archive)
        logs.event("archived", file=path.name, to=str(moved))
    else:
        moved = move_without_overwrite(path, app.settings.quarantine)
        note = moved.with_name(moved.name + ".reason.txt")
        write_private_atomic(note, f"{result.reason}\n".encode())
        # A symptom file's reason may quote a symptom value: it stays in the note.
        shown = result.reason if result.state != "refused-journal" else "see the .reason.txt note"
        logs.event("quarantined", file=path.name, to=str(moved), reason=shown)
    return result


def move_without_overwrite(path: Path, folder: Path) -> Path:
    """Move `path` into `folder`, choosing NAME.2.fit, NAME.3.fit ... when NAME is taken.

    A hard link then an unlink never replaces an existing file, even when two workers
    move files of the same name at once.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    n = 1
    while True:
        target = folder / (path.name if n == 1 else f"{path.stem}.{n}{path.suffix}")
        try:
            os.link(path, target)
        except FileExistsError:
            if _same_file(path, target):
                # A move cut short by a crash (linked, not yet unlinked): finish it.
                path.unlink()
                return target
            n += 1
            continue
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP):
                raise
            if target.exists():  # another filesystem: no links, move carefully
                n += 1
                continue
            shutil.move(str(path), str(target))
            return target
        path.unlink()
        return target


def _import_symptoms(app: App, path: Path) -> IngestResult:
    """A symptom CSV is imported whole or not at all (then quarantined with the reason)."""
    from sync.errors import BadInput
    from sync.journal import import_csv

    try:
        report = import_csv(app, path, source="inbox")
    except BadInput as exc:
        with app.uow() as uow:
            uow.repo.log_ingest(
                at=app.clock(), file_name=path.name, source="inbox", state="rejected",
                reason=str(exc),
            )  # fmt: skip
            uow.commit()
        return IngestResult(path.name, "refused-journal", reason=str(exc))
    reason = f"symptoms: {report.added} added, {report.already} already recorded"
    return IngestResult(path.name, "imported", reason=reason)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False
