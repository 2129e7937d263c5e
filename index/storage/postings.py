"""The passages' own inverted index: bm25 from postings that carry what it needs.

FTS5's bm25 is an auxiliary function called once per matching row; it reads the row's
size and decodes its positions, ~1.6 us a row. At 100k passages a question's rare
terms match ~6,600 rows (16 ms a question, half the engine). Here each posting holds
the term's count in the passage's text and in its title and the passage's length in
tokens, so numpy scores those rows in a fraction of a millisecond.

The scores are FTS5's own, to the bit: the tokens come from FTS5's tokenizer (an
in-memory FTS5 table with the index's settings, `Tokenizer`), the row and token totals
from FTS5's statistics of the same rows (`fts_totals`), and the formula is
fts5_aux.c's, evaluated in the same order (`bm25_terms`). tests/test_postings.py
compares them with FTS5 over random corpora.

Rows of `passage_postings`: (epoch, token, part) -> postings of the passages with
`id // EPOCH == epoch` that hold the token, as column arrays (storage.posting_codec,
which also holds `Postings`): a raw tail that commits extend and compressed parts
merged as they gather (storage.posting_writes), in the same transaction as the
passages themselves, so a crash leaves both or neither.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.storage.posting_codec import (
    COUNT_MAX,
    EMPTY,
    LENGTH_MAX,
    Postings,
    concat,
    decode_parts,
)

# The tokenizer of passages_fts (index.storage.schema): the tokens must be its tokens.
TOKENIZE = "porter unicode61 remove_diacritics 2"
# A token's raw tail in an epoch holds fewer postings than this (storage.posting_writes).
TAIL = 256
K1, B = 1.2, 0.75  # fts5_aux.c's bm25 constants


class Tokenizer:
    """FTS5's tokenizer with the index's settings, run on an in-memory FTS5 table:
    what passages_fts makes of passages (`postings`) or of a query phrase (`tokens`)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, title, tokenize = '{TOKENIZE}')")
        self._db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        self._lock = threading.Lock()

    def postings(self, rows: Sequence[tuple[int, str, str]]) -> dict[str, Postings]:
        """The postings of (passage id, text, title) rows, by token."""
        if not rows:
            return {}
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT INTO t(rowid, text, title) VALUES (?, ?, ?)", rows)
                found = self._db.execute("SELECT term, doc, col = 'title' FROM v").fetchall()
            finally:
                self._db.execute("ROLLBACK")
        if not found:
            return {}
        terms, docs, in_title = zip(*found, strict=True)
        names, term_index = np.unique(np.array(terms, dtype=object), return_inverse=True)
        doc = np.array(docs, dtype=np.int64)
        title = np.array(in_title, dtype=bool)
        doc_ids, doc_index, doc_length = np.unique(doc, return_inverse=True, return_counts=True)
        # One key per (token, passage); token-major, so each token's postings are one
        # run, ids ascending.
        key = term_index.astype(np.int64) * len(doc_ids) + doc_index
        keys, inverse = np.unique(key, return_inverse=True)
        text_count = np.bincount(inverse, weights=(~title).astype(np.float64), minlength=len(keys))
        title_count = np.bincount(inverse, weights=title.astype(np.float64), minlength=len(keys))
        key_term, key_doc = keys // len(doc_ids), keys % len(doc_ids)
        starts = np.searchsorted(key_term, np.arange(len(names) + 1))
        text8 = np.minimum(text_count, COUNT_MAX).astype(np.uint8)
        title8 = np.minimum(title_count, COUNT_MAX).astype(np.uint8)
        length16 = np.minimum(doc_length[key_doc], LENGTH_MAX).astype(np.uint16)
        ids = doc_ids[key_doc]
        out: dict[str, Postings] = {}
        for i, name in enumerate(names.tolist()):
            run = slice(starts[i], starts[i + 1])
            out[name] = Postings(ids[run], text8[run], title8[run], length16[run])
        return out

    def tokens(self, text: str) -> tuple[str, ...]:
        """The tokens of `text`, in order."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("INSERT INTO t(rowid, text, title) VALUES (1, ?, '')", (text,))
                rows = self._db.execute("SELECT term FROM v ORDER BY offset").fetchall()
            finally:
                self._db.execute("ROLLBACK")
        return tuple(r[0] for r in rows)


TOKENIZER = Tokenizer()  # passages being written
_PHRASES = Tokenizer()  # query phrases: a question never waits for a commit's batch


@lru_cache(maxsize=16384)
def phrase_tokens(term: str) -> tuple[str, ...]:
    """The tokens of a query phrase, in order (FTS5 matches them as adjacent)."""
    return _PHRASES.tokens(term)


# -- reading ------------------------------------------------------------------------
def last_epoch(db: sqlite3.Connection) -> int:
    """The newest epoch holding postings (-1 when none): one step down the key."""
    row = db.execute("SELECT MAX(epoch) FROM passage_postings").fetchone()
    return -1 if row[0] is None else int(row[0])


def _epochs(last: int) -> str:
    """Epochs 0..last as an SQL list: the key leads with the epoch, so a token's
    postings are one seek an epoch (an empty list when there are none)."""
    return ",".join(str(epoch) for epoch in range(last + 1))


# A part as the cache knows it: epoch, part, rows, last id, bytes, and a raw part's
# bytes themselves. A sealed part (TAIL postings or more) with the same key holds the
# same postings: postings are only appended above every id stored or removed, sealed
# parts other than an epoch's first (which holds its lowest ids) are made only by
# appends, so each has a last id no earlier part had, and the first part holding the
# same count up to the same last id holds the same ids.
PartKey = tuple[int, int, int, int, int, bytes | None]


@dataclass(frozen=True)
class _Held:
    parts: tuple[PartKey, ...]  # the token's parts when read, in order
    postings: Postings  # all of them, read-only
    clipped: bool


class PostingsCache:
    """Decoded postings of common tokens, kept while their parts stay the same.

    At 1M passages a question's common tokens ("trump", "updates": ~360k postings each)
    cost most of its bm25 in zlib and numpy decoding them (the 8 slowest of 100 bench
    questions: 17 of their 33 ms), and news questions share those tokens. A token's
    parts are identified by their `PartKey`s, read without the sealed parts' data; a
    commit that extends a token's raw tail re-decodes that tail alone.
    Tokens of fewer than `FROM` postings decode in microseconds and are not kept.
    """

    FROM = 4096
    # 12 bytes a posting: ~64 MiB, about the 16 most common tokens at 1M passages.
    BUDGET = 5_500_000

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget  # postings kept at most
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def read(self, db: sqlite3.Connection, token: str, last: int) -> tuple[Postings, bool]:
        """Every posting of `token`, ids ascending (`last`: `last_epoch`), read inside
        the caller's read transaction; and whether a count or a length in them may be
        capped (`Postings.clipped`)."""
        where = f"WHERE epoch IN ({_epochs(last)}) AND token = ? ORDER BY epoch, part"
        with self._lock:
            held = self._held.get(token)
            if held is not None:
                self._held.move_to_end(token)
        if held is None:
            rows = db.execute(
                f"SELECT epoch, part, rows, last, length(data), data FROM passage_postings {where}",
                (token,),
            ).fetchall()
            keys = tuple((*row[:5], row[5] if row[2] < TAIL else None) for row in rows)
            postings = decode_parts([(row[0], row[2], row[5]) for row in rows])
        else:
            # A raw part's bytes are part of its key: deleting postings rewrites an
            # epoch, and its new raw part may end at the same id with the same count
            # while holding others (a sealed part cannot: see PartKey).
            keys = tuple(
                db.execute(
                    "SELECT epoch, part, rows, last, length(data),"
                    f" CASE WHEN rows < {TAIL} THEN data END FROM passage_postings {where}",
                    (token,),
                ).fetchall()
            )
            if keys == held.parts:
                return held.postings, held.clipped
            postings = self._update(db, token, held, keys)
        clipped = postings.clipped()
        if len(postings) >= self.FROM:
            self._keep(token, _Held(keys, _read_only(postings), clipped))
        elif held is not None:  # fallen under FROM since
            with self._lock:
                self._drop(token)
        return postings, clipped

    def _update(
        self, db: sqlite3.Connection, token: str, held: _Held, keys: tuple[PartKey, ...]
    ) -> Postings:
        """The token's postings from the parts `held` has, and the others read."""
        ends = np.cumsum([0, *(key[2] for key in held.parts)]).tolist()
        spans = {key: (ends[i], ends[i + 1]) for i, key in enumerate(held.parts)}
        pieces = []
        for key in keys:
            span = spans.get(key)
            if span is not None:
                pieces.append(held.postings.take(slice(*span)))
                continue
            data = key[5]
            if data is None:
                data = db.execute(
                    "SELECT data FROM passage_postings WHERE epoch = ? AND token = ? AND part = ?",
                    (key[0], token, key[1]),
                ).fetchone()[0]
            pieces.append(decode_parts([(key[0], key[2], data)]))
        return concat(pieces)

    def _drop(self, token: str) -> None:
        """Forget the token's postings (the caller holds the lock)."""
        old = self._held.pop(token, None)
        self._size -= len(old.postings) if old else 0

    def _keep(self, token: str, held: _Held) -> None:
        with self._lock:
            self._drop(token)
            if len(held.postings) > self.budget:
                return
            self._held[token] = held
            self._size += len(held.postings)
            while self._size > self.budget:
                _, dropped = self._held.popitem(last=False)
                self._size -= len(dropped.postings)


def _read_only(postings: Postings) -> Postings:
    """The same postings, their arrays made read-only (they are shared)."""
    for array in (postings.ids, postings.text, postings.title, postings.length):
        array.setflags(write=False)
    return postings


def count_postings(db: sqlite3.Connection, token: str) -> int:
    """Passages holding `token`: one statement, so one snapshot of the epochs too."""
    row = db.execute(
        "WITH RECURSIVE epochs(e) AS (SELECT 0 UNION ALL SELECT e + 1 FROM epochs"
        " WHERE e < (SELECT MAX(epoch) FROM passage_postings))"
        " SELECT COALESCE(SUM(rows), 0) FROM passage_postings"
        " WHERE epoch IN epochs AND token = ?",
        (token,),
    ).fetchone()
    return int(row[0])


def _varints(blob: bytes) -> list[int]:
    """SQLite's big-endian varints (FTS5's records use them)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for j in range(9):
            byte = blob[i]
            i += 1
            if j == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def fts_totals(db: sqlite3.Connection, table: str = "passages_fts") -> tuple[int, int]:
    """(rows, tokens in all columns) of an FTS5 table: the N and the average length's
    numerator of its bm25, from its averages record (rowid 1 of `<table>_data`)."""
    row = db.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    if not row or not row[0]:
        return 0, 0
    numbers = _varints(bytes(row[0]))
    return numbers[0], sum(numbers[1:])


def idf(rows: int, hits: int) -> float:
    """fts5_aux.c's IDF: never below 1e-6."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else 1e-6


def bm25_terms(
    postings: Postings, idf_value: float, avgdl: float, title_weight: float
) -> np.ndarray:
    """One phrase's term of bm25 in each of its postings, as fts5_aux.c computes it: the
    phrase's frequency sums the column weights of its instances, text before title."""
    freq = postings.text.astype(np.float64)
    for k in range(1, int(postings.title.max(initial=0)) + 1):
        freq = np.where(postings.title >= k, freq + title_weight, freq)
    length = postings.length.astype(np.float64)
    return idf_value * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * length / avgdl)))


def rows_of(held: Iterable[np.ndarray]) -> np.ndarray:
    """The ids in any of these ascending arrays of ids, ascending."""
    parts = [ids for ids in held if len(ids)]
    if len(parts) < 2:
        return parts[0] if parts else EMPTY.ids
    # A merge of sorted runs (timsort finds them): 2-3x np.unique's hashing.
    merged = np.sort(np.concatenate(parts), kind="stable")
    first = np.ones(len(merged), dtype=bool)
    np.not_equal(merged[1:], merged[:-1], out=first[1:])
    return merged[first]
