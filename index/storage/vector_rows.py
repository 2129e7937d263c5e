"""The stored vectors of passages, as the FAISS side reads them: in bulk, by id, and
what changed since a generation (the mixin `VectorRows` of `Store`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

import numpy as np

from index.errors import StoreError
from index.storage.readers import rows_for


@dataclass(frozen=True)
class VectorChanges:
    """What changed since a generation, read in one snapshot of the database."""

    generation: int
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    deleted: list[int] = field(default_factory=list)  # passage ids deleted since
    count: int = -1  # passages in the database at `generation` (-1: nothing changed)
    # When the log of deletions was trimmed past the generation asked about (see
    # storage.retention), `deleted` is incomplete: instead, every passage id up to
    # `after_id` still stored, sorted; the holder drops the ids it holds that are not here.
    kept: np.ndarray | None = None


# Stored vectors are float16 (schema 7): 1,536 B a 768-dim passage instead of 3,072.
# Normalised embeddings lose nothing that ranks: over the 10,528 cached dev-set texts
# (rtqa-gold, rtqa-evidence, seed), 500 of them against all, cosines moved by at most
# 4.6e-5, far below the gaps fusion and abstention act on.
STORED_DTYPE = np.float16


def encode_vector(vector: np.ndarray) -> bytes:
    """The blob stored for a passage's vector."""
    return np.asarray(vector, dtype=STORED_DTYPE).tobytes()


def decode_vector(blob: bytes) -> np.ndarray:
    """A stored blob as float32 (what FAISS and the scores use)."""
    return np.frombuffer(blob, dtype=STORED_DTYPE).astype(np.float32)


def decode_vectors(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored blobs of one dimension as one float32 matrix, a row each."""
    return _matrix(b"".join(blobs), len(blobs))


def _matrix(stored: bytes, rows: int) -> np.ndarray:
    """`rows` stored vectors of one dimension, end to end, as one float32 matrix."""
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(stored, dtype=STORED_DTYPE).reshape(rows, -1).astype(np.float32)


# A question's reads of a few hundred passages' integers and vectors come back packed,
# one row per chunk of ids: the sqlite3 module releases and retakes the GIL at every
# row, and with bm25 running on the other thread each retake can wait. 300 rows with
# their vectors at 100k passages, p50 / p95: alone 2.2 / 3.3 ms row by row, 1.5 / 2.4
# ms packed; beside a bm25 loop 5.0 / 9.4 ms row by row, 2.2 / 3.3 ms packed. The
# aggregates of one SELECT step over the same rows in the same order, so their lists
# line up; group_concat copies a blob's bytes as they are (NULs included) into text
# of the database's encoding, UTF-8, which the CAST gives back as the same bytes.
_PACKED = "SELECT group_concat(id){columns}{vectors} FROM passages WHERE id IN (?)"
_PACKED_VECTORS = (
    ", CAST(group_concat(vector, '') AS BLOB), min(length(vector)), max(length(vector))"
)


def packed_passages(
    db: sqlite3.Connection, columns: Sequence[str], ids: Sequence[int], *, vectors: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, their integer `columns` as an int64 array of a row per id, and with
    `vectors` their stored vectors as one float32 matrix, else an empty one) of the
    passages with these ids that are stored, in no particular order."""
    sql = _PACKED.format(
        columns="".join(f", group_concat({column})" for column in columns),
        vectors=_PACKED_VECTORS if vectors else "",
    )
    found: list[int] = []
    values: list[list[int]] = [[] for _ in columns]
    blobs: list[bytes] = []
    width = 0
    for row in rows_for(db, sql, ids):
        if row[0] is None:  # none of this chunk's ids is stored
            continue
        count = len(found)
        found += map(int, row[0].split(","))
        for column, text in zip(values, row[1 : 1 + len(columns)], strict=True):
            column += map(int, text.split(","))
        if vectors:
            blob, shortest, longest = row[-3:]
            width = width or shortest
            if not shortest == longest == width or len(blob) != width * (len(found) - count):
                raise StoreError("the stored vectors do not split evenly: the index is damaged")
            blobs.append(blob)
    table = np.array(values, dtype=np.int64).reshape(len(columns), len(found)).T
    matrix = _matrix(b"".join(blobs), len(found) if vectors else 0)
    return np.array(found, dtype=np.int64), table, matrix


def positions_in(
    found: np.ndarray, ids: Iterable[int], keep: Container[int] | None = None
) -> list[int]:
    """The positions in `found` of `ids` (those found, and in `keep` when given), in the
    order of `ids`."""
    at = {pid: i for i, pid in enumerate(found.tolist()) if keep is None or pid in keep}
    return [at[pid] for pid in ids if pid in at]


# The generation up to which `deleted_passages` rows may have been dropped (meta key).
DELETED_LOG_FLOOR = "deleted_log_floor"


def generation_of(db: sqlite3.Connection) -> int:
    """The generation recorded in the database (0 before the first commit)."""
    row = db.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def deleted_log_floor(db: sqlite3.Connection) -> int:
    """The generation up to which the log of deleted passages was trimmed (0: never)."""
    row = db.execute(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", (DELETED_LOG_FLOOR,)
    ).fetchone()
    return int(row[0]) if row else 0


class VectorRows:
    """Reads of the passages' vector blobs."""

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, vectors) of every passage, for rebuilding the FAISS index."""
        with self._read() as db:
            rows = db.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, decode_vectors([r[1] for r in rows])

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Return the stored vectors of these passages (those still stored)."""
        found, matrix = self.vector_matrix(ids)
        return dict(zip(found.tolist(), matrix, strict=True))

    def vector_matrix(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ids still stored, their vectors as one matrix), in the order of `ids`."""
        ids = list(ids)
        with self._read() as db:
            found, _, matrix = packed_passages(db, (), ids, vectors=True)
        order = positions_in(found, ids)
        return found[order], matrix[order]

    def passage_ids(self) -> np.ndarray:
        """Every passage id, ascending."""
        # Without ORDER BY, SQLite scans the small covering index passages_article, not
        # the table's rows (text and vector: 4 GB at 1M passages), and group_concat
        # gives the ids in one row instead of a million: 2.06 s -> 0.21 s at 1M, a
        # third of the time to the first answer after a start. Sorted here.
        with self._read() as db:
            text = db.execute("SELECT group_concat(id) FROM passages").fetchone()[0]
        if not text:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.fromstring(text, dtype=np.int64, sep=","))

    def id_snapshot(self) -> tuple[int, np.ndarray]:
        """(generation, every passage id sorted), read in one snapshot."""
        with self._snapshot() as db:
            return generation_of(db), self.passage_ids()

    def vector_snapshot(self) -> tuple[int, np.ndarray, np.ndarray]:
        """(generation, ids, vectors) of every passage, read in one snapshot."""
        with self._snapshot() as db:
            return (generation_of(db), *self.all_vectors())

    def changes_since(self, generation: int, after_id: int) -> VectorChanges:
        """The passages added (id > `after_id`) and deleted since `generation`.

        One read transaction, so the generation, the rows and the count agree. Passage
        ids grow with every commit (AUTOINCREMENT, one writer at a time), so a holder of
        every passage up to `after_id` needs only the rows above it. When the log of
        deletions no longer reaches back to `generation`, `kept` replaces `deleted`.
        """
        with self._snapshot() as db:
            now = generation_of(db)
            if now == generation:
                return VectorChanges(now)
            rows = db.execute(
                "SELECT id, vector FROM passages WHERE id > ? ORDER BY id", (after_id,)
            ).fetchall()
            kept = None
            if generation < deleted_log_floor(db):
                deleted = []
                held = db.execute(
                    "SELECT id FROM passages WHERE id <= ? ORDER BY id", (after_id,)
                ).fetchall()
                kept = np.fromiter((r[0] for r in held), dtype=np.int64, count=len(held))
            else:
                deleted = [
                    r[0]
                    for r in db.execute(
                        "SELECT id FROM deleted_passages WHERE generation > ? ORDER BY id",
                        (generation,),
                    )
                ]
            count = int(db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = decode_vectors([r[1] for r in rows])
        return VectorChanges(now, ids, vectors, deleted, count, kept)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: the reads in the block see one state of the database."""
        with self._read() as db:
            if db.in_transaction:  # inside this thread's write transaction
                yield db
                return
            db.execute("BEGIN")
            try:
                yield db
            finally:
                db.execute("COMMIT")
