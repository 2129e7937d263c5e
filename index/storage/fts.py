"""FTS5: expressions built from plain terms (user text never reaches FTS5 as syntax),
and the bm25 reads of the store."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager

import numpy as np

from index.side_threads import side_pool
from index.storage.posting_codec import EMPTY, Postings
from index.storage.postings import (
    PostingsCache,
    bm25_terms,
    count_postings,
    fts_totals,
    idf,
    last_epoch,
    phrase_tokens,
    rows_of,
)
from index.storage.vector_rows import generation_of


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 phrase: its syntax characters are then just text ("" when empty)."""
    bare = term.replace('"', "")
    return f'"{bare}"' if bare else ""


def match_any(terms: Iterable[str]) -> str:
    """An FTS5 expression matching any of `terms` ("" when none is usable)."""
    return " OR ".join(phrase for phrase in map(fts_phrase, terms) if phrase)


# A term in more rows than this is "common": the match leaves it out while a rarer term
# remains (see `LexicalReads._bm25`). bm25 costs ~5 us a matching row, as FTS5 scores
# every match before LIMIT: at 100k passages "world" alone matches 12k rows, 61 ms.
# On the 100k bench index (100 questions), 5000 keeps the top 10 of every question and
# the top 50 of 99 %, at 30 ms a question instead of 48; 2000 (17 ms) kept the top 10
# of only 86 %: rows holding several common terms outrank rows with one weak rare hit.
# Max-score pruning (a common term joins until the rest cannot reach the k-th score)
# was exact but saved nothing: idf * (k1 + 1) per term is too loose a bound.
COMMON_ROWS = 5000
# Rows matching a phrase, remembered per generation (a commit that adds or deletes
# passages moves it): a question counts each of its terms twice (the match's rare
# terms, then IDF weights), and news questions share words. 3.3 ms a question at 100k.
COUNT_CACHE_SIZE = 8192


def _phrases(terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(phrase for phrase in map(fts_phrase, terms) if phrase))


class LexicalReads:
    """The full-text reads of `Store` (bm25 rankings, term statistics)."""

    common_rows = COMMON_ROWS
    _postings: PostingsCache  # Store's: decoded postings of common tokens
    use_postings = True  # False: FTS5 scores every row (the path before migration 8)
    _counts: OrderedDict[tuple[str, str], int] | None = None
    _counts_generation = -1
    _counts_lock = threading.Lock()

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # Store's read connection

    def _spare_reader(self) -> AbstractContextManager[sqlite3.Connection | None]:
        raise NotImplementedError  # Store's second read connection, if one is free

    def lexical(self, terms: Sequence[str], limit: int = 5000) -> dict[int, float]:
        """bm25 (higher is better) of the `limit` best passages matching any of `terms`,
        best first.

        One pass over the posting lists: far cheaper than scoring chosen rowids
        (`rowid IN (...)` makes FTS5 evaluate the match once per id). Passages
        beyond `limit` match so weakly that they count as not matching; so do those
        holding only common terms while a rarer term matches (see `_bm25`).
        """
        return self._bm25("passages_fts", 0.3, terms, limit)

    def article_lexical(self, terms: Sequence[str], limit: int = 5000) -> dict[int, float]:
        """bm25 scores (higher is better) of the `limit` best whole articles matching any
        of `terms`, best first, as `lexical`."""
        return self._bm25("articles_fts", 0.5, terms, limit)

    def _bm25(
        self, table: str, title_weight: float, terms: Sequence[str], limit: int
    ) -> dict[int, float]:
        """Row id -> bm25 (negated: higher is better) of rows of an FTS5 `table` that
        match any of `terms`, best first, at most `limit` (-1: all).

        Terms in more than `common_rows` rows are left out of the match while a rarer
        one remains; a second match (rare terms AND common ones) scores the rows holding
        both with every term. bm25 is a sum over terms with global weights, so each row
        returned has the score the full match gives it; only rows holding nothing but
        common terms are missing. The rows scored are bounded by the rare terms'
        postings (at most `common_rows` each), not by the common ones'.
        """
        phrases = _phrases(terms)
        if not phrases:
            return {}
        with self._read() as db:
            if table == "passages_fts" and self.use_postings and not db.in_transaction:
                # A writer's own transaction sees its rows in FTS5 only: postings are
                # written at commit (Store's transaction).
                db.execute("BEGIN")  # totals and postings of one commit
                try:
                    own = self._own_bm25(db, title_weight, phrases, limit)
                finally:
                    db.execute("COMMIT")
                if own is not None:
                    return own
            if len(phrases) == 1:
                return self._ranked(db, table, title_weight, phrases[0], limit)
            counts = self._row_counts(db, table, phrases)
            rare = [p for p in phrases if counts[p] <= self.common_rows]
            if not rare:
                rare = [min(phrases, key=lambda p: counts[p])]
            common = [p for p in phrases if p not in rare]
            return self._scores(db, table, title_weight, rare, common, limit)

    def _own_bm25(
        self, db: sqlite3.Connection, title_weight: float, phrases: Sequence[str], limit: int
    ) -> dict[int, float] | None:
        """`_bm25` of passages_fts from the postings of storage.postings: the same rows,
        scores and order, without FTS5 scoring each row. None when a posting holds a
        capped count or length, or a phrase of several tokens may be common.

        A phrase of several tokens ("o'brien": o, brien) matches them adjacent, and
        postings keep no positions: FTS5 scores that phrase alone, over its own rows.
        bm25 is a sum of one term a phrase, each depending on that phrase alone (its
        IDF, its frequency in the row, the row's length), and a one-phrase query's bm25
        is its term to the bit (FTS5 adds it to 0.0 and negates it), so the sum below
        is still FTS5's. Its rows are bounded by its rarest token's: when that token is
        in more than `common_rows` rows, the phrase may be common, and scoring all its
        rows ("won't": most passages hold "t") would undo the bound that `_bm25`'s
        FTS5 path keeps by scoring a common phrase only beside a rare one.
        """
        tokens = {p: phrase_tokens(p[1:-1]) for p in phrases}
        rows_total, token_total = fts_totals(db)
        if not rows_total:
            return {}
        several = [p for p in phrases if len(tokens[p]) > 1]
        if any(min(count_postings(db, t) for t in tokens[p]) > self.common_rows for p in several):
            return None
        last = last_epoch(db)
        held_by_token = {
            t[0]: self._postings.read(db, t[0], last) for t in tokens.values() if len(t) == 1
        }
        if any(clipped for _, clipped in held_by_token.values()):
            return None  # a passage of 255 repeats or 65,535 tokens: FTS5 scores it
        postings: dict[str, Postings] = {
            p: held_by_token[tokens[p][0]][0] for p in phrases if len(tokens[p]) == 1
        }  # "talks" and "talk" are two phrases of one token, read once
        held_ids = {p: held.ids for p, held in postings.items()}
        alone: dict[str, np.ndarray] = {}  # a several-token phrase's terms, by its ids
        for p in several:
            scored = self._ranked(db, "passages_fts", title_weight, p, -1)
            matched = np.fromiter(scored, dtype=np.int64, count=len(scored))
            order = np.argsort(matched)
            held_ids[p] = matched[order]
            alone[p] = np.fromiter(scored.values(), dtype=np.float64, count=len(scored))[order]
        held_ids.update((p, EMPTY.ids) for p in phrases if not tokens[p])
        counts = {p: len(held_ids[p]) for p in phrases}  # FTS5's rows matching p
        self._remember_counts(db, counts, several)
        rare = [p for p in phrases if counts[p] <= self.common_rows] if len(phrases) > 1 else []
        if not rare:
            rare = [min(phrases, key=lambda p: counts[p])]
        common = [p for p in phrases if p not in rare]
        ids = rows_of(held_ids[p] for p in rare)
        scores = np.zeros(len(ids), dtype=np.float64)
        avgdl = token_total / rows_total
        # Phrase by phrase in the order FTS5 sums them (rare, then common), so each
        # float sum is FTS5's own; a row a phrase misses adds nothing, as there.
        for phrase in (*rare, *common):
            mine = held_ids[phrase]
            if not len(mine) or not len(ids):
                continue
            # Binary searches of the shorter list in the longer: a rare phrase's postings
            # among the candidates, the candidates among a common phrase's (at 100k
            # passages, the slowest questions' bm25 8.3 -> 6.6 ms with rows_of's merge).
            if len(mine) <= len(ids):
                at = np.minimum(np.searchsorted(ids, mine), len(ids) - 1)
                found = ids[at] == mine
                into, taken = at[found], np.flatnonzero(found)
            else:
                at = np.minimum(np.searchsorted(mine, ids), len(mine) - 1)
                into = np.flatnonzero(mine[at] == ids)
                taken = at[into]
            if phrase in alone:
                terms = alone[phrase][taken]
            else:
                held = postings[phrase].take(taken)
                terms = bm25_terms(held, idf(rows_total, counts[phrase]), avgdl, title_weight)
            scores[into] += terms
        order = np.lexsort((ids, -scores))  # best first, ties by id
        if limit >= 0:
            order = order[:limit]
        return dict(zip(ids[order].tolist(), scores[order].tolist(), strict=True))

    def _scores(
        self,
        db: sqlite3.Connection,
        table: str,
        title_weight: float,
        rare: Sequence[str],
        common: Sequence[str],
        limit: int,
    ) -> dict[int, float]:
        """Full-match bm25 of the rows holding any of `rare`, best first, at most `limit`.

        The two reads (rows with a rare term, scored on the rare terms; rows with a rare
        and a common term, scored on all) run at once on two read connections when a
        second one is free: SQLite scores outside the GIL, so on two cores a question
        waits for the longer read instead of both (at 100k passages, 24 -> 15 ms)."""
        any_rare = " OR ".join(rare)
        if not common:
            return self._ranked(db, table, title_weight, any_rare, limit)
        both = f"({any_rare}) AND ({' OR '.join(common)})"
        with self._spare_reader() as spare:
            if spare is None:
                scores = self._ranked(db, table, title_weight, any_rare, limit)
                extra = self._ranked(db, table, title_weight, both, -1) if scores else {}
            else:
                future = side_pool("bm25").submit(
                    self._ranked, spare, table, title_weight, both, -1
                )
                try:
                    scores = self._ranked(db, table, title_weight, any_rare, limit)
                finally:
                    extra = future.result()  # `spare` is in use until then
        scores.update(extra)
        ids = np.fromiter(scores, dtype=np.int64, count=len(scores))
        values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        order = np.lexsort((ids, -values))  # best first, ties by id
        if limit >= 0:
            order = order[:limit]
        return dict(zip(ids[order].tolist(), values[order].tolist(), strict=True))

    @staticmethod
    def _ranked(
        db: sqlite3.Connection, table: str, title_weight: float, match: str, limit: int
    ) -> dict[int, float]:
        rows = db.execute(
            f"SELECT rowid, bm25({table}, 1.0, ?) AS s FROM {table}"
            f" WHERE {table} MATCH ? ORDER BY s, rowid LIMIT ?",
            (title_weight, match, limit),
        ).fetchall()
        return {int(r[0]): -float(r[1]) for r in rows}

    def _row_counts(
        self, db: sqlite3.Connection, table: str, phrases: Sequence[str]
    ) -> dict[str, int]:
        """Rows of `table` matching each phrase ("": every row), from the cache of this
        generation (read once: 170 us a read at 1M passages, 16 phrases a question)."""
        if db.in_transaction:  # a writer's own uncommitted rows: never cached
            return {p: self._count_rows(db, table, p) for p in phrases}
        generation = generation_of(db)
        out: dict[str, int] = {}
        with self._counts_lock:
            if self._counts is None or self._counts_generation != generation:
                self._counts, self._counts_generation = OrderedDict(), generation
            for phrase in phrases:
                cached = self._counts.get((table, phrase))
                if cached is not None:
                    self._counts.move_to_end((table, phrase))
                    out[phrase] = cached
        missing = {p: self._count_rows(db, table, p) for p in phrases if p not in out}
        self._keep_counts(generation, {(table, p): n for p, n in missing.items()})
        return out | missing

    def _remember_counts(
        self, db: sqlite3.Connection, counts: dict[str, int], several: Sequence[str]
    ) -> None:
        """Keep the rows matching each phrase that a bm25 read found (those of `several`
        tokens as FTS5 counts them) for `document_frequencies`, which the answer step
        asks next: at 1M passages counting a question's terms again cost ~2 ms."""
        tables = ("passages_fts", "passage_postings")
        kept = {(tables[p not in several], p): n for p, n in counts.items()}
        self._keep_counts(generation_of(db), kept)

    def _keep_counts(self, generation: int, counts: dict[tuple[str, str], int]) -> None:
        """Cache (table, phrase) -> rows counted in `generation`'s snapshot (the cache
        holds one generation's counts)."""
        with self._counts_lock:
            if self._counts is None or self._counts_generation != generation:
                self._counts, self._counts_generation = OrderedDict(), generation
            self._counts.update(counts)
            while len(self._counts) > COUNT_CACHE_SIZE:
                self._counts.popitem(last=False)

    @staticmethod
    def _count_rows(db: sqlite3.Connection, table: str, phrase: str) -> int:
        if table == "passage_postings":  # a one-token phrase (see `_own_bm25`)
            tokens = phrase_tokens(phrase[1:-1])
            return count_postings(db, tokens[0]) if tokens else 0
        if not phrase:  # every row: COUNT(*) scans an index, 6 ms at 1M passages
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        # COUNT(*) walks the phrase's postings without scoring: ~50 ns a row, 0.6 ms for
        # 12k rows. An fts5vocab table measured no faster (it walks the same postings to
        # count documents) and would need the tokenizer's stems of the terms.
        sql = f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH ?"
        return int(db.execute(sql, (phrase,)).fetchone()[0])

    def document_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(number of passages, passages matching each term), for IDF weights."""
        phrases = {term: fts_phrase(term) for term in terms}
        usable = [p for p in phrases.values() if p]
        # Passages holding a one-token phrase are counted from its postings (a few rows
        # read); FTS5 walks every matching row (0.8 ms for "world" at 100k passages, 27
        # ms for "updat" at 1M). Only a phrase of several tokens ("ok'd": ok, d) needs
        # FTS5, which finds adjacent tokens from the rarest one's rows ("ok d", 1 ms).
        single = [p for p in usable if len(phrase_tokens(p[1:-1])) <= 1]
        several = [p for p in usable if p not in single]
        with self._read() as db:
            # A writer's own rows are in FTS5 only until its commit.
            if db.in_transaction or not self.use_postings:
                single, several = [], usable
            total = self._row_counts(db, "passages", [""])[""]
            counts = self._row_counts(db, "passage_postings", single)
            counts |= self._row_counts(db, "passages_fts", several)
        return int(total), {term: counts[p] for term, p in phrases.items() if p}
