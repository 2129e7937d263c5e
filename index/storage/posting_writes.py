"""Writing the passages' own postings (storage.postings), in the transaction that
writes the passages, and checking them against the stored passages.

A token's postings in an epoch are parts, ids ascending: the last one raw (6 bytes a
posting) while it holds fewer than TAIL, which each commit extends at the cost of a
copy; the others compressed (storage.posting_codec, ~1.7 bytes a posting), merged
FANOUT at a time once FANOUT of a size have gathered (an LSM tree per token and epoch:
each posting is compressed about log4(postings / TAIL) times, and a token reads few
parts). Rewriting the whole growing row at every commit instead cost the ingest 2.7 ms
a passage at 10k passages and 4.7 ms at 1M; a raw tail of 4,096 made the index 5 %
larger.

New passages only ever fall in the newest epoch, so the older ones are frozen: each
commit that adds passages also merges, for a bounded number of a frozen epoch's tokens,
their parts into one (`compact_frozen`). A question reads a token's parts one row and
one decode each; at 1M passages a common token had ~55 parts over its 16 epochs, and
the per-part cost was most of its read (16,560 postings in 54 parts: ~2 ms, 120 ns a
posting, against ~25 ns in one large part).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

import numpy as np

from index.storage.posting_codec import (
    EMPTY,
    EPOCH,
    RAW,
    DamagedPart,
    Postings,
    concat,
    decode,
    decode_parts,
    encode,
)
from index.storage.postings import TAIL, TOKENIZER

FANOUT = 4
# Postings a commit may merge in frozen epochs, per posting it adds: an epoch holds
# ~5.7M postings at 1M passages, merged while the next ~8k passages are added (all 15
# frozen epochs of the 1M bench index at once: 16.2 s, ~17 us a passage; a token's
# one-part check counts as one posting).
COMPACT_SHARE = 8
COMPACTED = "postings_compacted"  # meta key: [epoch, token] the merges have reached
LAYOUT = 2  # 2: frozen epochs merged to a part a token (bench indexes record it)

Part = tuple[str, int, int, int, int, bytes]  # token, epoch, part, rows, last id, data


def write_postings(
    db: sqlite3.Connection,
    added: Sequence[tuple[int, str, str]],
    removed: Sequence[tuple[int, str, str]] = (),
) -> None:
    """Add the postings of the `added` (passage id, text, title) rows and drop those of
    the `removed` ones (their text and title as indexed), inside the caller's
    transaction."""
    new = TOKENIZER.postings(added)
    gone = TOKENIZER.postings(removed)
    newest = max(pid for pid, _, _ in added) // EPOCH if added else _newest_epoch(db)
    writes: list[Part] = []
    for token in sorted(new.keys() | gone.keys()):
        dropped = gone.get(token, EMPTY).ids
        fresh = new.get(token, EMPTY)
        if len(dropped) and len(fresh):  # added and deleted before this commit
            fresh = fresh.take(~np.isin(fresh.ids, dropped))
        for epoch in np.union1d(fresh.ids // EPOCH, dropped // EPOCH).tolist():
            part = fresh.take((fresh.ids // EPOCH) == epoch)
            if len(dropped) or not _append(db, token, epoch, part, writes):
                _rewrite(db, token, epoch, part, dropped, writes, frozen=epoch < newest)
    _insert(db, writes)
    if newest > 0 and new:
        compact_frozen(db, newest, COMPACT_SHARE * sum(map(len, new.values())))


def _insert(db: sqlite3.Connection, parts: Sequence[Part]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO passage_postings(token, epoch, part, rows, last, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        parts,
    )


def _newest_epoch(db: sqlite3.Connection) -> int:
    """The epoch new passages fall in: the highest id ever given (AUTOINCREMENT never
    gives one again), over EPOCH."""
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'passages'").fetchone()
    return int(row[0]) // EPOCH if row else 0


def compact_frozen(db: sqlite3.Connection, newest: int, budget: int) -> None:
    """Merge the parts of tokens in epochs below `newest` into one part a token, going on
    from where the last call stopped (the meta row COMPACTED), until `budget` postings
    were merged or looked at. A token whose parts are damaged is left for
    `postings_mismatch` to report: ingest goes on."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (COMPACTED,)).fetchone()
    start: tuple[int, str] = tuple(json.loads(row[0])) if row else (0, "")
    epoch, after = start
    while budget > 0 and epoch < newest:
        found = db.execute(
            "SELECT token, COUNT(*), SUM(rows) FROM passage_postings"
            " WHERE epoch = ? AND token > ? GROUP BY token ORDER BY token LIMIT 256",
            (epoch, after),
        ).fetchall()
        if not found:
            epoch, after = epoch + 1, ""
            continue
        for token, parts, rows in found:
            after = token
            budget -= rows if parts > 1 else 1
            if parts > 1:
                _merge_epoch(db, token, epoch)
            if budget <= 0:
                break
    if (epoch, after) != start:
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            (COMPACTED, json.dumps([epoch, after])),
        )


def _merge_epoch(db: sqlite3.Connection, token: str, epoch: int) -> None:
    """The token's parts in `epoch` as one packed part, numbered 0 (the lowest ids)."""
    rows = db.execute(
        "SELECT rows, data FROM passage_postings WHERE epoch = ? AND token = ? ORDER BY part",
        (epoch, token),
    ).fetchall()
    try:
        postings = decode_parts([(epoch, count, data) for count, data in rows])
    except DamagedPart:
        return
    if not len(postings):  # parts that claim no postings: damaged too
        return
    db.execute("DELETE FROM passage_postings WHERE epoch = ? AND token = ?", (epoch, token))
    _insert(db, [_part(token, epoch, 0, postings, packed=True)])


def _part(token: str, epoch: int, number: int, postings: Postings, *, packed: bool) -> Part:
    last = int(postings.ids[-1])
    return (token, epoch, number, len(postings), last, encode(postings, epoch, packed=packed))


def _level(rows: int) -> int:
    """A sealed part's tier: 0 below TAIL * FANOUT postings, then one a factor FANOUT."""
    level = 0
    while rows >= TAIL * FANOUT ** (level + 1):
        level += 1
    return level


def _append(
    db: sqlite3.Connection, token: str, epoch: int, fresh: Postings, writes: list[Part]
) -> bool:
    """Add `fresh` to the token's raw tail in the epoch, sealing it once it holds TAIL
    and merging the last FANOUT sealed parts of one tier; False when an id of `fresh` is
    not above those stored (then the epoch is rewritten)."""
    parts = db.execute(
        "SELECT part, rows, last, substr(data, 1, 1) FROM passage_postings"
        " WHERE token = ? AND epoch = ? ORDER BY part",
        (token, epoch),
    ).fetchall()
    if parts and max(last for _, _, last, _ in parts) >= int(fresh.ids[0]):
        return False
    tail, tail_number = EMPTY, None
    number = parts[-1][0] + 1 if parts else 0
    if parts and parts[-1][3] == RAW:
        number = tail_number = parts[-1][0]
        row = db.execute(
            "SELECT data FROM passage_postings WHERE token = ? AND epoch = ? AND part = ?",
            (token, epoch, number),
        ).fetchone()
        tail = decode(row[0], epoch)
        parts.pop()
    merged = concat([tail, fresh])
    if len(merged) < TAIL:
        writes.append(_part(token, epoch, number, merged, packed=False))
        return True
    # Sealed: merge it with the sealed parts before it while FANOUT of a tier end the list.
    sealed = [(n, rows) for n, rows, _, kind in parts if kind != RAW]
    group = [merged]
    level = _level(len(merged))
    while len(sealed) >= FANOUT - 1 and all(
        _level(rows) == level for _, rows in sealed[-(FANOUT - 1) :]
    ):
        take = sealed[-(FANOUT - 1) :]
        del sealed[-(FANOUT - 1) :]
        marks = ",".join("?" * len(take))
        numbers = [n for n, _ in take]
        rows = db.execute(
            "SELECT data FROM passage_postings WHERE token = ? AND epoch = ?"
            f" AND part IN ({marks}) ORDER BY part",
            (token, epoch, *numbers),
        ).fetchall()
        db.execute(
            f"DELETE FROM passage_postings WHERE token = ? AND epoch = ? AND part IN ({marks})",
            (token, epoch, *numbers),
        )
        group = [concat([*(decode(r[0], epoch) for r in rows), *group])]
        number = numbers[0]
        level = _level(len(group[0]))
    if tail_number is not None and tail_number != number:  # the tail went into a merge
        db.execute(
            "DELETE FROM passage_postings WHERE token = ? AND epoch = ? AND part = ?",
            (token, epoch, tail_number),
        )
    writes.append(_part(token, epoch, number, group[0], packed=True))
    return True


def _rewrite(
    db: sqlite3.Connection,
    token: str,
    epoch: int,
    fresh: Postings,
    dropped: np.ndarray,
    writes: list[Part],
    *,
    frozen: bool,
) -> None:
    """Rewrite the token's parts of the epoch without `dropped`, with `fresh`: one sealed
    part and a raw tail under TAIL, or in a `frozen` epoch (no passage will be added to
    it) one sealed part."""
    rows = db.execute(
        "SELECT data FROM passage_postings WHERE token = ? AND epoch = ? ORDER BY part",
        (token, epoch),
    ).fetchall()
    held = concat([decode(r[0], epoch) for r in rows])
    if len(dropped):
        held = held.take(~np.isin(held.ids, dropped))
    merged = concat([held, fresh])
    merged = merged.take(np.argsort(merged.ids, kind="stable"))
    db.execute("DELETE FROM passage_postings WHERE token = ? AND epoch = ?", (token, epoch))
    body = len(merged) if frozen else len(merged) - len(merged) % TAIL
    if body:
        writes.append(_part(token, epoch, 0, merged.take(slice(0, body)), packed=True))
    if body < len(merged):
        tail = merged.take(slice(body, None))
        writes.append(_part(token, epoch, 1 if body else 0, tail, packed=False))


def postings_mismatch(db: sqlite3.Connection) -> str:
    """The first token whose stored postings differ from those of the stored passages
    ("" when every one agrees): a full check, an epoch at a time."""
    last = db.execute("SELECT MAX(id) FROM passages").fetchone()[0] or 0
    stored_epochs = {r[0] for r in db.execute("SELECT DISTINCT epoch FROM passage_postings")}
    for epoch in sorted(set(range(last // EPOCH + 1)) | stored_epochs):
        rows = db.execute(
            "SELECT id, text, title FROM passage_search_text WHERE id >= ? AND id < ?",
            (epoch * EPOCH, (epoch + 1) * EPOCH),
        ).fetchall()
        expected = TOKENIZER.postings(rows)
        parts: dict[str, list[Postings]] = {}
        for token, rows, data in db.execute(
            "SELECT token, rows, data FROM passage_postings WHERE epoch = ? ORDER BY token, part",
            (epoch,),
        ):
            try:  # the count a read sizes its arrays by, checked with the data
                parts.setdefault(token, []).append(decode_parts([(epoch, rows, data)]))
            except DamagedPart as error:
                return f"token {token!r} (epoch {epoch}) has a damaged part: {error}"
        stored = {token: concat(held) for token, held in parts.items()}
        for token in sorted(expected.keys() ^ stored.keys()):
            return f"token {token!r} (epoch {epoch}) is missing or left over"
        for token, want in expected.items():
            got = stored[token]
            if any(
                not np.array_equal(a, b)
                for a, b in zip(
                    (got.ids, got.text, got.title, got.length),
                    (want.ids, want.text, want.title, want.length),
                    strict=True,
                )
            ):
                return f"token {token!r} (epoch {epoch}) has other postings"
    return ""
