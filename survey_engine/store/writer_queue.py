"""A queue for SQLite writers, so that waiting for the write lock does not waste time sleeping.

SQLite has one writer at a time.  A connection that finds the database locked runs SQLite's
busy handler, which sleeps and retries with growing pauses (1, 2, 5, 10, ... up to 100 ms):
under many concurrent writers (a web server with several processes and threads) the lock is
often free while every waiter still sleeps, and those pauses, not the writes, set the
throughput and the tail latency.

So the write helpers of :mod:`survey_engine.store.engine` first take a turn here:

* the threads of one process queue on a re-entrant lock (a waiter wakes when the previous
  write commits);
* the processes then queue on an advisory ``flock`` of a small side file next to the
  database (``<database>-writers``, like SQLite's own ``-wal`` and ``-shm``), polled every
  half millisecond, so another process's commit is noticed within that time.

Either wait is bounded by the engine's busy timeout; after it the write goes ahead and
SQLite's own locking decides (a stuck writer still surfaces as "database is locked").  The
queue is only an optimisation: writers that do not use it (another program, the ``sqlite3``
shell) are still serialised correctly by SQLite itself.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads are still queued, processes are not
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterQueue"]

_POLL_SECONDS = 0.0005


class WriterQueue:
    """The write turn of one SQLite database, shared by the threads of this process."""

    def __init__(self, database_path: str | None, timeout_seconds: float) -> None:
        self._side_file = f"{database_path}-writers" if database_path and fcntl is not None else None
        self._timeout = timeout_seconds
        self._threads = threading.RLock()
        self._depth = threading.local()
        self._fd: int | None = None
        self._fd_pid: int | None = None

    def __del__(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            os.close(self._fd)
            self._fd = None

    def _descriptor(self) -> int | None:
        """The side file, opened once per process (a descriptor inherited over fork would share
        the lock with the parent, so a forked worker opens its own)."""
        if self._side_file is None:
            return None
        if self._fd is None or self._fd_pid != os.getpid():
            try:
                self._fd = os.open(self._side_file, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # read-only folder: fall back to SQLite's own waiting
                self._side_file = None
                return None
            self._fd_pid = os.getpid()
        return self._fd

    def _lock_file(self, fd: int, deadline: float) -> bool:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL_SECONDS)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold this database's write turn (re-entrant within a thread)."""
        deadline = time.monotonic() + self._timeout
        if not self._threads.acquire(timeout=self._timeout):
            yield
            return
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        fd = self._descriptor() if depth == 0 else None
        file_locked = fd is not None and self._lock_file(fd, deadline)
        try:
            yield
        finally:
            if file_locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._depth.value = depth
            self._threads.release()
