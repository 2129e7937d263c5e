"""The thread pools a question uses beside its own thread: SQLite, FAISS and the model
work outside the GIL, so on two cores a question waits for the longer of two pieces of
work instead of both (Retriever.candidates, LexicalReads._scores)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_POOLS: dict[str, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def side_pool(name: str, workers: int = 2) -> ThreadPoolExecutor:
    """The pool called `name` (its threads are named after it), made on first use and
    shared by every index of the process."""
    with _LOCK:
        pool = _POOLS.get(name)
        if pool is None:
            pool = _POOLS[name] = ThreadPoolExecutor(workers, thread_name_prefix=name)
        return pool
