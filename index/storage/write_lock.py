"""`WriteLock`: the lock file that lets one process (and one thread) at a time commit a
batch to an index directory."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import StoreError


class WriteLock:
    """An exclusive lock file in the index directory: one writer at a time, across
    processes (`fcntl.flock`) and threads (a mutex; a flock is per open file).

    The kernel drops a flock when its holder dies, kill -9 included: a crash never
    leaves the index locked.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Wait for the lock and hold it for the block."""
        with self._mutex:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StoreError(f"cannot open {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    @contextmanager
    def try_hold(self) -> Iterator[bool]:
        """Hold the lock for the block if it is free now; yield whether it is held."""
        if not self._mutex.acquire(blocking=False):
            yield False
            return
        try:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:  # a read-only directory: no writer can run here either
                yield False
                return
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                yield True
            finally:
                os.close(fd)
        finally:
            self._mutex.release()
