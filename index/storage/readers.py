"""`Readers`: the read connections of one index database, each held by one thread at a
time (`Store` reads through them; its writing connection is separate)."""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from index.errors import StoreError

# Read connections: a question reads on up to three at once (its two bm25 reads,
# LexicalReads._scores, and the dense search's re-score, Retriever.candidates), or
# several questions read side by side. WAL readers never block each other.
READERS = 3
ID_CHUNK = 500  # ids bound in one `IN (...)`: well under SQLite's limit on parameters


def rows_for(db: sqlite3.Connection, sql: str, ids: Sequence[int]) -> Iterator[tuple]:
    """The rows `sql` gives for `ids`, where it says `IN (?)`, read ID_CHUNK ids at a
    time (in no particular order across chunks)."""
    for start in range(0, len(ids), ID_CHUNK):
        part = ids[start : start + ID_CHUNK]
        yield from db.execute(sql.replace("IN (?)", f"IN ({','.join('?' * len(part))})"), part)


class Readers:
    """A pool of `count` read-only connections to the database at `path`."""

    def __init__(self, path: Path, count: int, timeout: float) -> None:
        self._all: list[sqlite3.Connection] = []
        self._free: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._held = threading.local()  # the reader this thread holds, if any
        self._closed = False
        try:
            for _ in range(count):
                reader = sqlite3.connect(
                    path, check_same_thread=False, isolation_level=None, timeout=timeout
                )
                self._all.append(reader)
                reader.execute("PRAGMA query_only=ON")
                self._free.put(reader)
        except BaseException:
            self._close_all()
            raise

    @contextmanager
    def hold(self) -> Iterator[sqlite3.Connection]:
        """A reader for the block: the one this thread already holds (nested reads see
        one snapshot), else a free one, waiting while all are busy. A thread waiting
        when the pool closes gets StoreError."""
        held = getattr(self._held, "reader", None)
        if held is not None:
            yield held
            return
        while True:
            if self._closed:
                raise StoreError("the index database is closed")
            try:
                reader = self._free.get(timeout=0.5)
                break
            except queue.Empty:
                continue
        self._held.reader = reader
        try:
            yield reader
        finally:
            self._held.reader = None
            self._free.put(reader)

    @contextmanager
    def spare(self) -> Iterator[sqlite3.Connection | None]:
        """Another free reader for the block, for a second thread of this one's read
        (None when none is free now: never waits, so two such reads cannot deadlock)."""
        try:
            reader = self._free.get_nowait()
        except queue.Empty:
            yield None
            return
        try:
            yield reader
        finally:
            self._free.put(reader)

    def close(self) -> None:
        """Close every reader once it is back (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for _ in self._all:
            self._free.get()
        self._close_all()

    def _close_all(self) -> None:
        for reader in self._all:
            reader.close()
