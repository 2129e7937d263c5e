"""The fresh process of `newsdesk bench` (index.evaluation.bench): `probe` loads the
model, opens the index and answers the questions, printing when it is ready and its
resident set size before and after; `fresh_process` spawns it (`python -m
index.evaluation.bench --probe`) and times it from the spawn to its first answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from index.engine import NewsIndex
from index.evaluation.bench_corpus import STAND_IN, HashWordsEmbedder, index_config
from index.models.embedders import load_embedder, register_embedder


def _rss() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def probe(directory: Path, model: str, tokens: int, questions: Sequence[str]) -> None:
    """The fresh process: load the model, open the index, answer; print JSON lines."""
    started = time.perf_counter()
    if model == STAND_IN:
        register_embedder(STAND_IN, HashWordsEmbedder)
    embedder = load_embedder(model)
    # The same question on an empty index: the model and the code are warm, so the RSS
    # after it is the baseline without the index.
    with (
        tempfile.TemporaryDirectory(prefix="newsdesk-probe-") as empty,
        NewsIndex.open(empty, index_config(Path(empty), model, tokens), embedder) as blank,
    ):
        blank.answer(questions[0])
    before = _rss()
    loaded = time.perf_counter()
    with NewsIndex.open(directory, index_config(directory, model, tokens), embedder) as index:
        index.answer(questions[0])
        print(json.dumps({"ready": True, "model_s": loaded - started}), flush=True)
        for question in questions[1:]:
            index.answer(question)
        after = _rss()
    print(json.dumps({"rss_before": before, "rss_after": after}), flush=True)


def fresh_process(
    directory: Path, model: str, tokens: int, questions: Sequence[str]
) -> dict[str, float]:
    """Spawn the probe; seconds from spawning to its first answer, and its RSS growth."""
    command = [sys.executable, "-m", "index.evaluation.bench", "--probe", str(directory), model]
    command.append(str(tokens))
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(list(questions)))
    child.stdin.close()
    ready_s = float("nan")
    result: dict[str, float] = {}
    for line in child.stdout:
        row = json.loads(line)
        if row.get("ready"):
            ready_s = time.perf_counter() - started
            result["model_s"] = float(row["model_s"])
        else:
            result["rss_growth"] = float(row["rss_after"] - row["rss_before"])
    if child.wait() != 0:
        raise RuntimeError(f"the probe process failed with exit code {child.returncode}")
    result["ready_s"] = ready_s
    return result
