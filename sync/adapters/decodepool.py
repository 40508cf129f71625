"""Decode FIT files in worker processes; the results come back in the order asked for.

Reading a file, hashing it and fitparse's decode are most of what taking a run costs,
and they need nothing but the file: they run here, in `jobs` processes. Storing and
matching need the database and stay with the one caller (the writer), which takes the
results in input order, so what it stores and says is what one process would store and
say. At most PREFETCH_PER_JOB files per process are read ahead, never the whole folder.

A file whose decode kills its process (BrokenProcessPool) is decoded again alone in a
fresh process, as is every other file that was in flight when the pool broke: a file
that kills that one too is refused (CRASHED) and the rest go on. When processes cannot
be had at all, decoding goes on in this process (said once in the log).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Collection, Generator, Iterable, Iterator
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sync.adapters.decoding import (
    Decoded,
    Decoder,
    decode_in_child,
    decode_path,
    init_child,
    nothing,
)
from sync.adapters.pool_processes import (
    abandon_pool,
    main_hidden,
    sigint_blocked,
    stderr_to_nowhere,
    tracker_quiet,
)
from sync.adapters.rawstore import RawStore, sha256_of
from sync.adapters.reading import read_file

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# multiprocessing and concurrent.futures are imported where a pool starts: one file, or
# --jobs 1, costs nothing for them.

# Files handed to the pool per process, ahead of the writer. Enough to keep the
# processes busy while the writer does its own first things (imports SQLAlchemy and
# migrates, imports pandas for its first match: about a second, in which each process
# decodes some six one-hour files; with 3, they sat idle for half of it); a one-hour
# run decoded is about 0.6 MB, so 16 in flight on two cores are about 10 MB.
PREFETCH_PER_JOB = 8
CRASHED = "reading it crashed the FIT decoder (its process died): the file may be damaged"

# 'forkserver', on purpose. 'fork' would copy the caller as it is at that moment: an
# SQLAlchemy engine with open SQLite or PostgreSQL connections, the worker's APScheduler
# and watchdog threads, the logging handler's lock; a child can inherit a lock another
# thread held (and wait on it forever) or write on a connection it shares with its
# parent. 'spawn' is safe but starts a fresh interpreter for every child. The fork
# server is one small clean interpreter, started once per runback process, that forks
# each child from itself: no interpreter start per child, nothing of the caller's, and
# each child imports only the decoder (this module, sync.adapters.fitfile, fitparse), with this
# process's sys.path. Runback's modules are not preloaded into the server: Python 3.11's
# fork server imports its preload with the current folder first on its path, so a
# `sync` or `fitparse` there would be imported instead of runback's.
CONTEXT = "forkserver"
PRELOAD = ["concurrent.futures.process"]  # the standard library's pool, ready in each child


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: taskset, a cgroup's cpuset,
    systemd's CPUAffinity), else the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class _Closing:
    """A context manager over `close`: left by an exception (Ctrl-C, an error), it
    closes with `abandon`, not waiting for files nobody wants any more."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(abandon=exc_type is not None)

    def close(self, *, abandon: bool = False) -> None:
        raise NotImplementedError


class DecodePool(_Closing):
    """`map` decodes files in up to `jobs` processes (never more than the usable cores,
    nor than the files) and yields them in order. A context
    manager: the processes end with it (on Ctrl-C too, once each finishes its file).

    `known`: hashes already stored (such a file is read and hashed, not decoded);
    `keep_bytes`: send each file's bytes back (the writer stores them); `decode`: what
    runs in a child, importable by name (tests pass one that crashes)."""

    def __init__(
        self,
        jobs: int,
        tz: tzinfo,
        *,
        known: Collection[str] = (),
        keep_bytes: bool = True,
        decode: Decoder | None = None,
    ) -> None:
        # More processes than cores would only take memory (some 20 MB each): each
        # decode keeps a core busy, and --jobs 1000 on 60 files once started 61.
        self.jobs = max(1, min(jobs, usable_cores()))
        self._setup = (decode or decode_path, tz, frozenset(known), keep_bytes)
        self._executor: ProcessPoolExecutor | None = None
        self._in_process = self.jobs < 2

    def close(self, *, abandon: bool = False) -> None:
        """Cancel what has not started; wait for the files being decoded, then the
        processes are gone. `abandon` (Ctrl-C, an error: nobody wants those files any
        more): the files being decoded get a few seconds, then their processes are
        ended (one may never finish: a file on a stalled network share)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if abandon:
            abandon_pool(executor)
        else:
            executor.shutdown(wait=True, cancel_futures=True)

    def map(self, paths: Iterable[Path]) -> Generator[tuple[Path, Decoded], None, None]:
        """(path, Decoded) for each of `paths`, in their order. Fewer than two files, or
        one job: decoded here, no process started. The first files are handed out now,
        before the first result is asked for: a caller with work of its own to do first
        (opening the database) has them decoded meanwhile."""
        todo = deque(paths)
        workers = min(self.jobs, len(todo))
        window: deque[tuple[Path, Future[Decoded] | None]] = deque()
        self._hand_out(todo, window, workers)
        return self._results(todo, window, workers)

    # --- inside -------------------------------------------------------------------------

    def _hand_out(
        self, todo: deque[Path], window: deque[tuple[Path, Future[Decoded] | None]], workers: int
    ) -> None:
        while todo and len(window) < workers * PREFETCH_PER_JOB:
            path = todo.popleft()
            window.append((path, self._submit(path, workers)))

    def _results(
        self, todo: deque[Path], window: deque[tuple[Path, Future[Decoded] | None]], workers: int
    ) -> Generator[tuple[Path, Decoded], None, None]:
        from concurrent.futures.process import BrokenProcessPool

        while window:
            path, future = window.popleft()
            if future is None:
                yield path, self._here(path)
            else:
                try:
                    decoded = future.result()
                except BrokenProcessPool:
                    # Some file in flight killed its process: each one is a suspect.
                    suspects = [(path, future), *window]
                    window.clear()
                    self._discard()
                    for suspect, done in suspects:
                        yield suspect, self._settle(suspect, done)
                else:
                    yield path, decoded
            self._hand_out(todo, window, workers)

    def _submit(self, path: Path, workers: int) -> Future[Decoded] | None:
        """The file handed to the pool (started when needed); None: decode it here."""
        if self._in_process or workers < 2:
            return None
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        try:
            if self._executor is None:
                self._executor = self._start(workers)
            return self._executor.submit(decode_in_child, str(path))
        except BrokenProcessPool as exc:  # it broke before we saw it: a suspect too
            broken: Future[Decoded] = Future()
            broken.set_exception(exc)
            return broken
        except (OSError, RuntimeError, ValueError) as exc:  # no processes to be had
            self._give_up(f"cannot start decoding processes ({exc})")
            return None

    def _settle(self, path: Path, future: Future[Decoded] | None) -> Decoded:
        """A suspect's result: its own when it finished before the pool broke, else the
        file decoded alone in a fresh process."""
        from concurrent.futures.process import BrokenProcessPool

        if future is not None and future.done() and not future.cancelled():
            broke = isinstance(future.exception(), BrokenProcessPool)
            if not broke:
                return future.result()  # a bug in the decoder raises, as in this process
        if self._in_process:
            return self._here(path)
        return self._alone(path)

    def _alone(self, path: Path) -> Decoded:
        from concurrent.futures.process import BrokenProcessPool

        try:
            solo = self._start(1)
        except (OSError, RuntimeError, ValueError) as exc:
            self._give_up(f"cannot start decoding processes ({exc})")
            return self._here(path)
        try:
            return solo.submit(decode_in_child, str(path)).result()
        except BrokenProcessPool:
            pass
        except BaseException:  # Ctrl-C while it decodes: it is not waited for long
            abandon_pool(solo)
            raise
        finally:
            solo.shutdown(wait=True, cancel_futures=True)
        if not self._processes_work():
            self._give_up("decoding processes die as they start")
            return self._here(path)
        return self._crash(path)

    def _processes_work(self) -> bool:
        """Whether a fresh process can run anything at all (else it is not the file)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            probe = self._start(1)
        except (OSError, RuntimeError, ValueError):
            return False
        try:
            probe.submit(nothing).result()
            return True
        except BrokenProcessPool:
            return False
        finally:
            probe.shutdown(wait=True, cancel_futures=True)

    def _crash(self, path: Path) -> Decoded:
        """A file that killed its decoder, refused; its bytes read here (reading is safe)
        so that the refusal is recorded like any other."""
        _, _, _, keep_bytes = self._setup
        try:
            data = read_file(path)
        except OSError as exc:
            return Decoded(unreadable=f"cannot read: {exc.strerror or exc}")
        return Decoded(sha256_of(data), data if keep_bytes else None, refused=CRASHED)

    def _here(self, path: Path) -> Decoded:
        decode, tz, known, keep_bytes = self._setup
        return decode(str(path), tz, known, keep_bytes)

    def _start(self, workers: int) -> ProcessPoolExecutor:
        import multiprocessing
        import multiprocessing.forkserver
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import resource_tracker

        context = multiprocessing.get_context(CONTEXT)
        context.set_forkserver_preload(PRELOAD)
        # The fork server starts with SIGINT blocked, and so does every child forked
        # from it: Ctrl-C in her terminal goes to the whole process group, and only this
        # process must answer it (the children finish their file and go when the pool
        # is closed; no KeyboardInterrupt traces). The resource tracker first: starting
        # it blocks and then unblocks SIGINT itself, which would undo the block.
        with tracker_quiet():
            resource_tracker.ensure_running()
        with sigint_blocked(), stderr_to_nowhere():
            multiprocessing.forkserver.ensure_running()
        executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=init_child,
            initargs=(*self._setup, os.getpid()),
        )
        # Each submit starts a process while none is idle: `workers` of them start them
        # all, here, with the caller's main script out of sight (see main_hidden).
        try:
            with main_hidden():
                for _ in range(workers):
                    executor.submit(nothing)
        except BaseException:  # Ctrl-C, or no process could start: none is left behind
            abandon_pool(executor)
            raise
        return executor

    def _discard(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _give_up(self, reason: str) -> None:
        """Decode the files not yet handed out here; those already handed out finish."""
        from sync import logs  # here: the decoding processes import this module, and no log

        if not self._in_process:
            logs.event("decode-in-process", reason=reason)
        self._in_process = True


class RawDecoding(_Closing):
    """The raw store's files, being decoded in `jobs` processes (None: every usable core;
    1: in this one, as they are asked for). It needs no database: `db rebuild` starts it
    before the database opens, and its processes decode the first files meanwhile. A
    context manager: the processes end with it."""

    def __init__(self, raw: RawStore, tz: tzinfo, jobs: int | None = None) -> None:
        self.unreadable: list[str] = []  # folders of the store that cannot be listed
        self.kept = list(raw.all(self.unreadable))  # (sha256, path), in the store's order
        self._pool = DecodePool(usable_cores() if jobs is None else jobs, tz, keep_bytes=False)
        self.outcomes: Iterator[tuple[Path, Decoded]] = (
            self._pool.map(path for _, path in self.kept)
            if self._pool.jobs > 1
            else ((path, decode_path(str(path), tz, (), False)) for _, path in self.kept)
        )

    def close(self, *, abandon: bool = False) -> None:
        self._pool.close(abandon=abandon)


class Ahead(_Closing):
    """Files decoded ahead of a caller that takes them one by one, in the order given,
    each asked for by its path (the worker's inbox pass). A path asked for out of turn
    passes over the ones before it (another worker took those); a path not among them
    is None (the caller decodes it itself). A context manager, like the pool."""

    def __init__(self, pool: DecodePool | None = None, paths: Iterable[Path] = ()) -> None:
        self._pool = pool
        self._paths = list(paths)
        self._left = set(self._paths)
        self._results = pool.map(self._paths) if pool is not None else None

    def get(self, path: Path) -> Decoded | None:
        if self._results is None or path not in self._left:
            return None
        for done, decoded in self._results:
            self._left.discard(done)
            if done == path:
                return decoded
        return None

    def close(self, *, abandon: bool = False) -> None:
        if self._results is not None:
            self._results.close()
        if self._pool is not None:
            self._pool.close(abandon=abandon)
