"""The vector index an open index uses, shared by threads and processes.

`SharedVectors` is a `VectorIndex` (storage.vector_index) loaded lazily, kept up to
date with what other processes commit, safe to search from one thread while another
ingests, saved as a checkpoint, and switching to the approximate index in a
background thread. (`WriteLock`, storage.write_lock, lets one process at a time commit
a batch.)
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import faiss
import numpy as np

from index.errors import StoreError
from index.storage.passage_rows import RankingRow
from index.storage.store import Store
from index.storage.vector_index import TRAIN_SAMPLE, VectorIndex, lists_for, remove_stale_temps
from index.storage.vector_rows import VectorChanges
from index.storage.write_lock import WriteLock

log = logging.getLogger(__name__)

# -- building, searching and saving the shared index (the approximate index's own
# settings are in storage.vector_index) ------------------------------------------------
RETRAIN_LISTS = 2  # retrain once the index would get 2x the lists (~4x the passages)
# An approximate search fetches 2k hits, at most k + RERANK_MARGIN, and keeps the k
# best by exact cosine: at 1M passages the codes alone reach recall@10 0.930 (6 bits)
# or 0.963 (8 bits) with 64 lists (near neighbours score within the codes' error of
# each other); 2k re-scored, 0.978. Each hit re-scored is a row read (~10 us): of a
# question's 2k = 300 hits (k = 150, 100 bench questions), the k best by exact cosine
# were within the codes' first 171 at 100k passages and 195 at 1M, so it reads 225, a
# quarter fewer. Smaller searches (stories ask for 32) keep their 2k.
RERANK_MARGIN = 75
BUILD_CHUNK = 2_000  # passages read from the store at a time while building
RETRY_BUILD_S = 60.0  # after a failed build
# The file is saved once this share of the index changed since the last save (at least
# SAVE_MIN passages): each passage is then written a bounded number of times however
# large the index grows, and a load catches up from at most this share of rows.
SAVE_SHARE = 0.125
SAVE_MIN = 4_096


def _gone(changes: VectorChanges, top: int, held: np.ndarray | None) -> list[int]:
    """The ids to remove from an index that held the passages up to id `top` at the
    generation `changes` starts from (`held`: its ids, needed when `changes.kept` is set)."""
    if changes.kept is not None:  # the deletions log was trimmed past that generation
        assert held is not None
        return np.setdiff1d(held, changes.kept).tolist()
    return [i for i in changes.deleted if i <= top]


def _rescored(
    query: np.ndarray, k: int, found: np.ndarray, matrix: np.ndarray
) -> list[tuple[int, float]]:
    """The k best of an approximate search's hits by their stored vectors' cosine.

    Fusion and confidence see the cosines the exact index gives, and ranks that the
    codes swapped are put right. A hit deleted since the index last synced has no row
    any more (`found` lacks it) and is dropped.
    """
    if not len(found):
        return []
    scores = matrix @ np.asarray(query, dtype=np.float32)
    order = np.lexsort((found, -scores))[:k]  # best first, ties by id
    return [(int(found[i]), float(scores[i])) for i in order]


class SharedVectors(VectorIndex):
    """The vector index of one index directory, shared by threads and processes.

    - Lazy: nothing is read until the first search (or commit), so opening an index
      for `stats` never reads the FAISS file.
    - Fresh: before each search one indexed SELECT compares the database's generation
      with the one held; when another process committed, only what changed is read
      (`Store.changes_since`: passages above the highest id held, ids deleted since;
      a process so far behind that the deletions log was trimmed past it compares
      its ids with the stored ones instead, see storage.retention).
    - Concurrent: a question never waits for an ingest of its own process. Embedding
      happens outside every lock; the in-memory index changes under `_sync_lock`
      (one changer at a time) and, for the few milliseconds of each add or remove,
      `_faiss_lock`, which a search also takes. A search that finds another thread
      busy syncing goes on with the index as it stands rather than wait.
    - Saved as a checkpoint: `publish()`, called under the write lock right after a
      batch commits, syncs with the database (its own batch and anything another
      process committed before it) and saves once SAVE_SHARE of the index changed since
      the last save; the database is the log a file behind it catches up from.
    - Scaling by itself: once it holds `approximate_from` passages (0: never), a
      background thread trains an approximate index on a sample of the stored
      vectors and fills it from the store in chunks; questions keep using the exact
      index meanwhile. The new index catches up with what was committed during the
      build under `_sync_lock`, replaces the exact one, and the next `publish` saves
      it. It is retrained the same way once it holds about 4 times the passages
      it was trained for (up to `TRAIN_SAMPLE`). An approximate search re-scores its
      hits with the stored float vectors, so callers get exact cosines.
    """

    def __init__(
        self, file: Path, dim: int, store: Store, lock: WriteLock, *, approximate_from: int = 0
    ) -> None:
        super().__init__(dim)
        self.file, self.store, self.lock = file, store, lock
        self.approximate_from = approximate_from
        self._loaded = False
        self._generation = -1  # the database generation the index holds
        self._max_id = 0  # the highest passage id the index has read
        self._sync_lock = threading.Lock()
        self._faiss_lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._next_build = 0.0  # time.monotonic() before which no build starts
        self._unsaved = 0  # passages added or removed in memory since the file was saved
        self._stopping = threading.Event()  # set on close: a running build gives up

    # -- reading ----------------------------------------------------------------
    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        hits, approximate = self._search(query, k)
        if not approximate or not hits:
            return hits
        return _rescored(query, k, *self.store.vector_matrix([i for i, _ in hits]))

    def search_rows(
        self, query: np.ndarray, k: int
    ) -> tuple[list[tuple[int, float]], dict[int, RankingRow]]:
        """`search`, and the hits' `Store.ranking_rows`: read with the stored vectors
        that re-score an approximate search, one read instead of two (100k passages:
        the 150 rows' own read took 1.3 ms of a question's 12)."""
        hits, approximate = self._search(query, k)
        if not hits:
            return [], {}
        if not approximate:
            return hits, self.store.ranking_rows([i for i, _ in hits])
        rows, found, matrix = self.store.ranking_rows_and_vectors([i for i, _ in hits])
        kept = _rescored(query, k, found, matrix)
        return kept, {pid: rows[pid] for pid, _ in kept}

    def _search(self, query: np.ndarray, k: int) -> tuple[list[tuple[int, float]], bool]:
        """FAISS's hits (2k, at most k + RERANK_MARGIN, from an approximate index, to be
        re-scored), and whether the index is approximate."""
        self.refresh(wait=False)
        with self._faiss_lock:
            approximate = self.approximate
            fetch = k + min(k, RERANK_MARGIN) if approximate else k
            return super().search(query, fetch), approximate

    def ids(self) -> np.ndarray:
        """Every id held, sorted, after catching up with the database."""
        self.refresh()
        with self._faiss_lock:
            return super().ids()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self._faiss_lock:
            super().add(ids, vectors)

    def remove(self, ids: list[int]) -> None:
        with self._faiss_lock:
            super().remove(ids)

    def refresh(self, *, wait: bool = True) -> None:
        """Catch up with what the database committed since the generation held.

        Costs one indexed SELECT when nothing changed. With `wait=False`, a thread
        that finds another thread syncing or saving searches the index as it stands
        (a loaded one; the first load is always waited for).
        """
        if self._loaded and self.store.generation() == self._generation:
            return
        if not self._sync_lock.acquire(blocking=wait or not self._loaded):
            return
        try:
            self._sync()
        finally:
            self._sync_lock.release()

    # -- writing ----------------------------------------------------------------
    def publish(self, *, save: bool = False) -> None:
        """Sync with the database after a commit, under `lock`; save the file once the
        passages changed since it was saved reach SAVE_SHARE of the index (at least
        SAVE_MIN), or when a new approximate index is in memory only.

        The database is the log: a file behind it catches up from the rows it lacks
        when loaded (`_load`), so a kill between two saves loses nothing. Saving a
        share of the index at a time keeps the cost per passage flat as it grows: a
        save per 256-passage batch rewrote the whole file each time (8 MB at 10k
        passages, 3 GB at 1M). `save` saves whatever changed (a prune: the file shrinks
        now); an index's first commit always saves, so the file exists from then on."""
        with self._sync_lock:
            self._sync(save=False)
            if self._save_due() or (save and self._unsaved) or not self.file.exists():
                self._save()

    def _save_due(self) -> bool:
        return self._unsaved >= max(SAVE_MIN, int(SAVE_SHARE * self.size))

    def checkpoint(self) -> None:
        """Save what changed since the last save, when no other writer is active (a
        closing index: the next open then reads no rows to catch up)."""
        if not self._loaded or not self._unsaved:
            return
        with self.lock.try_hold() as free:
            if free:
                with self._sync_lock:
                    self._sync(save=False)
                    self._save()

    def stop(self) -> None:
        """Make a running background build give up at its next chunk (the index is
        closing); nothing it built is installed or saved."""
        self._stopping.set()

    def wait_for_build(self, timeout: float | None = None) -> bool:
        """Wait for a background build to end; return whether none is running."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
            return not builder.is_alive()
        return True

    def clean_temps(self) -> None:
        """Remove temporary files a killed writer left, when no other writer is active
        (its temp file would be in use); a later `publish` catches the rest."""
        with self.lock.try_hold() as held:
            if held:
                remove_stale_temps(self.file.parent)

    # -- inside _sync_lock ----------------------------------------------------
    def _sync(self, *, save: bool = True) -> None:
        if not self._loaded:
            self._load(save=save)
            return
        changes = self.store.changes_since(self._generation, self._max_id)
        if changes.generation == self._generation:
            return
        with self._faiss_lock:
            held = VectorIndex.ids(self) if changes.kept is not None else None
        gone = _gone(changes, self._max_id, held)
        with self._faiss_lock:
            VectorIndex.remove(self, gone)
            VectorIndex.add(self, changes.ids, changes.vectors)
            size = self.size
        self._unsaved += len(gone) + len(changes.ids)
        if len(changes.ids):
            self._max_id = max(self._max_id, int(changes.ids[-1]))
        self._generation = changes.generation
        if size != changes.count:  # never expected: read everything again
            log.warning("vector index out of step with the database; rebuilding")
            self._rebuild()
        self._start_build_if_due()

    def _load(self, *, save: bool) -> None:
        """Read the FAISS file and make it agree with the database.

        A file that is only behind (passages above its highest id committed since it
        was saved, some of its own deleted: a writer between its commit and its save,
        or one killed there) catches up from the rows it lacks; anything else (no
        file, an unreadable one, one missing older passages) is rebuilt from the
        database. Either way the result holds the passages in id order, as a rebuild
        would. A repaired file is saved when no other writer holds the lock (one
        that does saves a consistent file itself).
        """
        loaded = VectorIndex.load(self.file, self.dim)
        generation, ids = self.store.id_snapshot()
        held = loaded.ids() if loaded is not None else None
        if loaded is not None and held is not None and np.array_equal(held, ids):
            self._install(loaded, generation, ids)
            self._start_build_if_due()  # an exact file of an index past the switch
            return
        top = int(held[-1]) if held is not None and len(held) else 0
        if loaded is not None and held is not None and np.isin(ids[ids <= top], held).all():
            missing = ids[ids > top].tolist()
            log.info("%s is behind the database: adding %d passages", self.file, len(missing))
            loaded.remove(np.setdiff1d(held, ids).tolist())
            found = self.store.vectors(missing)  # in id order; one deleted since: skipped
            present = [i for i in missing if i in found]
            if present:
                loaded.add(np.asarray(present), np.vstack([found[i] for i in present]))
            self._install(loaded, generation, ids)
            self._unsaved = len(present) + len(np.setdiff1d(held, ids))
        else:
            log.info("rebuilding %s from the database (%d passages)", self.file, len(ids))
            self._rebuild()
            self._unsaved = max(1, len(ids))
        self._start_build_if_due()
        if save and self._save_due():
            with self.lock.try_hold() as free:
                if free:
                    self._sync(save=False)
                    self._save()

    def _rebuild(self) -> None:
        generation, ids, matrix = self.store.vector_snapshot()
        rebuilt = VectorIndex(self.dim)
        rebuilt.add(ids, matrix)
        self._install(rebuilt, generation, ids)

    def _install(self, other: VectorIndex, generation: int, ids: np.ndarray) -> None:
        with self._faiss_lock:
            self.replace_with(other)
        self._max_id = int(ids[-1]) if len(ids) else 0
        self._generation = generation
        self._loaded = True

    # -- the approximate index ------------------------------------------------
    def _build_due(self) -> bool:
        if not self.approximate_from or self.size < self.approximate_from:
            return False
        # Lists grow with the index until it is retrained: at 4x the passages (twice the
        # lists it would get now), a question scans 4x the codes of a fresh index.
        return not self.approximate or lists_for(self.size) >= RETRAIN_LISTS * self.lists

    def _start_build_if_due(self) -> None:
        """Start a background build when one is due and none runs (inside _sync_lock)."""
        if self._builder is not None and self._builder.is_alive():
            return
        if self._stopping.is_set() or time.monotonic() < self._next_build:
            return
        if not self._build_due():
            return
        log.info("building an approximate vector index of %d passages", self.size)
        self._builder = threading.Thread(target=self._build, name="vector-build", daemon=True)
        self._builder.start()

    def _build(self) -> None:
        """Train and fill an approximate index from the store, then install it."""
        started = time.perf_counter()
        try:
            # One FAISS thread for the build (the setting is per thread): the other
            # core stays free for questions, which search the index as it stands.
            faiss.omp_set_num_threads(1)
            generation, ids = self.store.id_snapshot()
            if not len(ids):
                return
            rng = np.random.default_rng(len(ids))
            sample_ids = np.sort(rng.choice(ids, min(len(ids), TRAIN_SAMPLE), replace=False))
            sample = self.store.vectors(sample_ids.tolist())
            built = VectorIndex.trained(self.dim, np.vstack(list(sample.values())), len(ids))
            del sample
            for start in range(0, len(ids), BUILD_CHUNK):
                if self._stopping.is_set():
                    return
                chunk = ids[start : start + BUILD_CHUNK].tolist()
                found = self.store.vectors(chunk)  # one deleted since is skipped
                present = [i for i in chunk if i in found]
                if present:
                    built.add(np.asarray(present), np.vstack([found[i] for i in present]))
            with self._sync_lock:
                if self._stopping.is_set():
                    return
                self._install_built(built, generation, int(ids[-1]), len(ids))
        except Exception:
            if self._stopping.is_set():  # the store closed under it: nothing to report
                return
            log.warning("building the approximate vector index failed", exc_info=True)
            self._next_build = time.monotonic() + RETRY_BUILD_S
            return
        log.info(
            "approximate vector index of %d passages ready in %.1f s",
            built.size,
            time.perf_counter() - started,
        )

    def _install_built(self, built: VectorIndex, generation: int, top: int, count: int) -> None:
        """Catch `built` (the store's passages up to id `top` at `generation`) up with
        what was committed since, and use it from now on (inside _sync_lock)."""
        changes = self.store.changes_since(generation, top)
        held = built.ids() if changes.kept is not None else None
        built.remove(_gone(changes, top, held))
        built.add(changes.ids, changes.vectors)
        expected = count if changes.generation == generation else changes.count
        if built.size != expected:  # never expected: try again later
            raise StoreError(f"approximate index holds {built.size}, expected {expected}")
        top = max(top, int(changes.ids[-1])) if len(changes.ids) else top
        with self._faiss_lock:
            self.replace_with(built)
        self._max_id, self._generation = top, changes.generation
        # Saved at the next commit: a new process would otherwise train it again.
        self._unsaved = max(self._unsaved, SAVE_MIN, int(SAVE_SHARE * built.size))

    def _save(self) -> None:
        """Save under the write lock (no other writer runs; no thread changes the index)."""
        remove_stale_temps(self.file.parent)
        started = time.perf_counter()
        self.save(self.file)
        self._unsaved = 0
        log.debug("saved %s in %.3f s", self.file, time.perf_counter() - started)
