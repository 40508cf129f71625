"""The inbox folder: which files wait in it, their identity (name, size, time), how long
they have been still, and moving them out without overwriting anything.

A name that is not UTF-8 is kept on disk as it is and written \\xNN elsewhere."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
from pathlib import Path

from sync.errors import FolderError
from sync.formatting import safe_text

# Names that are still being written by a browser, rsync or an editor.
_PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp", ".partial", ".download")


# FIT files are runs; CSV files are symptom journals (columns named like the options).
INBOX_SUFFIXES = (".fit", ".csv")


def pending_files(inbox: Path, ignored: list[tuple[str, str]] | None = None) -> list[Path]:
    """FIT and CSV files waiting in the inbox (top level, not hidden, not half-downloaded).
    What else is there and why it is left alone goes to `ignored` (name, why). Raises
    FolderError when the inbox cannot be read."""
    if not inbox.is_dir():
        return []
    found = []
    try:
        with os.scandir(inbox) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.lower().endswith(_PARTIAL_SUFFIXES):
                    continue
                if entry.is_file(follow_symlinks=False) and name.lower().endswith(INBOX_SUFFIXES):
                    found.append(Path(entry.path))
                elif ignored is not None:
                    ignored.append((name, _why_ignored(entry)))
    except OSError as exc:
        raise FolderError.from_os(exc, inbox, "read") from None
    return sorted(found)


def _why_ignored(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "a link, not a file: copy the file itself into the inbox"
    if entry.is_dir(follow_symlinks=False):
        return "a folder: put its files in the inbox itself"
    if entry.name.lower().endswith((".gz", ".zip")):
        return "compressed: unpack it and drop the .fit file"
    return "not a .fit or .csv file"


def item_key(name: str, size: int, mtime_ns: int) -> str:
    if safe_text(name) != name:
        name = "/" + hashlib.sha256(os.fsencode(name)).hexdigest()[:40]
    return f"{name}|{size}|{mtime_ns}"


def locate(inbox: Path, key: str) -> Path | None:
    """The inbox file a work item is about, while it is still as it was when the item was
    made (same size and time); None once it is gone or has changed since (a newer item
    covers it then)."""
    name, size, mtime_ns = key.rsplit("|", 2)
    if name.startswith("/"):
        try:
            with os.scandir(inbox) as entries:
                names = [e.name for e in entries]
        except OSError:
            return None
        matches = [n for n in names if item_key(n, 0, 0).split("|", 1)[0] == name]
        if not matches:
            return None
        name = matches[0]
    path = inbox / name
    try:
        st = path.stat()
    except OSError:
        return None
    return path if (st.st_size, st.st_mtime_ns) == (int(size), int(mtime_ns)) else None


def observe(files: list[Path]) -> dict[str, tuple[int, int]]:
    seen = {}
    for path in files:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        seen[path.name] = (st.st_size, st.st_mtime_ns)
    return seen


def incomplete_fit(data: bytes) -> int | None:
    """The size a FIT file says it has, when `data` is only the start of it (a copy still
    arriving); None when it is whole, or not a FIT file at all (its reader says why). Pure.

    The header (12 or 14 bytes) holds the size of the records after it; two CRC bytes
    follow them. A header whose size is still 0 is being written by a streaming encoder.
    """
    if len(data) < 12:
        return 12 if not data or data[0] in (12, 14) else None
    header = data[0]
    if header not in (12, 14) or data[8:12] != b".FIT":
        return None
    records = int.from_bytes(data[4:8], "little")
    expected = header + records + 2
    if records == 0 and len(data) > header:
        return len(data) + 1  # the size is not filled in yet: more is coming
    return expected if len(data) < expected else None


NAME_MAX = 255  # bytes in one file name (Linux, macOS, most file systems)


NOTE_SUFFIX = ".reason.txt"


def _target_name(path: Path, n: int) -> str:
    """NAME, NAME.2, NAME.3 ... each short enough that NAME.reason.txt still fits in a
    file name: a long name is shortened, never refused (bytes that are not UTF-8 stay)."""
    suffix = path.suffix if len(path.suffix) <= 16 else ""
    stem = path.name[: -len(suffix)] if suffix else path.name
    tag = "" if n == 1 else f".{n}"
    room = NAME_MAX - len(NOTE_SUFFIX) - len((tag + suffix).encode("utf-8", "surrogateescape"))
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) > room:
        stem = raw[:room].decode("utf-8", "surrogateescape")
    return f"{stem}{tag}{suffix}"


def move_without_overwrite(path: Path, folder: Path, source: Path | None = None) -> Path:
    """Move `path` into `folder`, choosing NAME.2.fit, NAME.3.fit ... when NAME is taken.

    A hard link then an unlink never replaces an existing file, even when two workers
    move files of the same name at once. FileNotFoundError when `path` is gone (another
    worker took it); FolderError when `folder` cannot be written, or `source` (the folder
    `path` is in) cannot give it up.
    """
    source = source or path.parent
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise FolderError.from_os(exc, folder, "move files into") from None
    n = 1
    while True:
        target = folder / _target_name(path, n)
        try:
            os.link(path, target)
        except FileExistsError:
            if _same_file(path, target):
                # A move cut short by a crash (linked, not yet unlinked): finish it.
                _unlink(path, source)
                return target
            n += 1
            continue
        except FileNotFoundError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP):
                raise FolderError.from_os(exc, folder, "move files into") from None
            if target.exists():  # another filesystem: no links, move carefully
                n += 1
                continue
            try:
                shutil.move(str(path), str(target))
            except FileNotFoundError:
                raise
            except OSError as exc2:
                # A copy cut short (a full disk): remove the part, the original stays put.
                with contextlib.suppress(OSError):
                    if path.exists():
                        target.unlink(missing_ok=True)
                raise FolderError.from_os(exc2, folder, "move files into") from None
            return target
        _unlink(path, source)
        return target


def _unlink(path: Path, source: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise FolderError.from_os(exc, source, "remove files from") from None


def being_written(path: Path) -> bool:
    """True unless the kernel agrees that no process has `path` open for writing. When a
    lease cannot be tried (not the owner, another filesystem), say True: the periodic
    scan decides then."""
    return lease_test(path) is not False


def lease_test(path: Path) -> bool | None:
    """Whether some process has `path` open for writing: True, False, or None when the
    kernel cannot tell us (not the file's owner, a filesystem without leases, no file).

    A read lease (fcntl F_SETLEASE) is granted only when no one has the file open for
    writing (else EAGAIN); taking and dropping one is the exact test.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    except OSError as exc:
        return True if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) else None
    finally:
        os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False
