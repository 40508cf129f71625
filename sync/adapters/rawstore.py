"""Raw FIT bytes, content-addressed under RUNBACK_HOME/raw, so the database can be rebuilt.

Layout: raw/ab/abcdef....fit (the sha256 of the bytes) with abcdef....json beside it
holding where the file came from (source, file name), owner-readable only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sync.errors import FolderError


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RawOrigin:
    source: str
    file_name: str
    source_id: str | None = None


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.fit"

    def put(self, sha256: str, data: bytes, origin: RawOrigin) -> Path:
        """Keep `data` under its hash (once; a second put of the same bytes changes nothing).
        Raises FolderError when the store cannot be written (read-only, full)."""
        path = self.path_for(sha256)
        try:
            if not path.exists():
                if not path.parent.is_dir():
                    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                write_private_atomic(path, data)
            meta = path.with_suffix(".json")
            if not meta.exists():
                body = {
                    "source": origin.source,
                    "file_name": origin.file_name,
                    "source_id": origin.source_id,
                }
                write_private_atomic(meta, json.dumps(body).encode())
        except OSError as exc:
            raise FolderError.from_os(exc, self.root, "write to") from None
        return path

    def origin(self, sha256: str) -> RawOrigin | None:
        meta = self.path_for(sha256).with_suffix(".json")
        try:
            body = json.loads(meta.read_text())
            return RawOrigin(str(body["source"]), str(body["file_name"]), body.get("source_id"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def all(self, unreadable: list[str] | None = None) -> Iterator[tuple[str, Path]]:
        """(sha256, path) of every kept file, in a stable order. A folder of the store
        that cannot be listed goes to `unreadable` ("raw/ab: cannot read this folder
        (why)"): a rebuild must not pass over runs without saying so."""
        problems = [] if unreadable is None else unreadable
        try:
            folders = sorted(e.name for e in os.scandir(self.root) if _folder(e))
        except FileNotFoundError:
            return
        except OSError as exc:
            problems.append(f"{self.root.name}: cannot read this folder ({exc.strerror or exc})")
            return
        for name in folders:
            try:
                files = sorted(e.name for e in os.scandir(self.root / name) if _kept(e))
            except OSError as exc:
                problems.append(
                    f"{self.root.name}/{name}: cannot read this folder ({exc.strerror or exc})"
                )
                continue
            for file_name in files:
                yield file_name[: -len(".fit")], self.root / name / file_name


def _folder(entry: os.DirEntry[str]) -> bool:
    return len(entry.name) == 2 and entry.is_dir()


def _kept(entry: os.DirEntry[str]) -> bool:
    """A kept file: NAME.fit, a regular file (not a FIFO or a device put there, which a
    read would wait on)."""
    return entry.name.endswith(".fit") and entry.is_file()


def write_private_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 0600) so that readers see all of it or nothing."""
    # A short temporary name: NAME plus a suffix could pass the 255-byte name limit.
    tmp = path.with_name(f".runback-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
