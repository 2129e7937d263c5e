"""`newsdesk bench` on small sizes with the stand-in embedder: the JSON's shape and its
correctness (passages counted, exact recall, an index that answers); never timings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.cli import main
from index.config import IndexConfig
from index.engine import NewsIndex
from index.evaluation.bench import BenchSettings, run_bench
from index.evaluation.bench_corpus import STAND_IN, HashWordsEmbedder, Synthesizer, build_seed
from tests.conftest import shared_path

TOPICS = [
    ("Harbour ferry strike", "ferry workers walked out over pay and the harbour fell quiet"),
    ("Council road budget", "the council approved a budget for new roads and bridges"),
    ("Chess final in Oslo", "the chess final in Oslo went to a tie break after five games"),
    ("Wildfire near the coast", "firefighters contained a wildfire near the coast overnight"),
    ("Central bank rates", "the central bank raised interest rates by a quarter point"),
    ("Election turnout record", "turnout in the regional election reached a record high"),
]
PER_SIZE = (
    "latency_ms_p50",
    "latency_ms_p95",
    "engine_ms_p50",
    "engine_ms_p95",
    "recall_at_10_vs_flat",
    "ingest_passages_per_s",
    "ingest_ratio_vs_encode",
    "ingest_overhead_passages_per_s",
    "ingest_overhead_vs_smallest",
    "ram_bytes_per_passage",
    "disk_bytes_per_passage",
    "ready_s",
)


def _corpus(path: Path, pages: int = 36) -> Path:
    """A .jsonl corpus of news-like pages of a few paragraphs each."""
    rows = []
    for i in range(pages):
        title, fact = TOPICS[i % len(TOPICS)]
        paragraphs = [
            f"{fact.capitalize()}, officials said on day {i} of the story. "
            f"Residents number {i * 7} described what they saw in detail to reporters."
            for _ in range(4 + i % 5)
        ]
        rows.append(
            {
                "id": str(i),
                "title": f"{title} update {i}",
                "source": f"outlet{i % 4}.test",
                "url": f"https://outlet{i % 4}.test/{i}",
                "published": f"2022-05-{1 + i % 28:02d}",
                "text": "\n\n".join(paragraphs),
            }
        )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _check(result: dict, sizes: tuple[int, ...]) -> None:
    keys = [str(size) for size in sizes]
    for name in PER_SIZE:
        assert sorted(result[name]) == sorted(keys), name
        for value in result[name].values():
            assert isinstance(value, int | float) and not isinstance(value, bool), name
            assert value == value, f"{name} is NaN"  # every figure was measured
    assert result["passages"] == {key: size for key, size in zip(keys, sizes, strict=True)}
    assert result["recall_at_10_vs_flat"] == dict.fromkeys(keys, 1.0)
    assert result["vector_index"] == dict.fromkeys(keys, "flat (exact)")
    assert result["vector_index_used"] == "flat (exact)"
    for key in keys:
        assert result["ram_bytes_per_passage"][key] >= 0
        assert result["disk_bytes_per_passage"][key] > 0
        assert result["ready_s"][key] > 0
        assert 0 < result["ingest_ratio_vs_encode"][key] <= 1
    assert result["ingest_sample"]["passages"] > 0
    # Each round's smallest size against itself: exactly 1, whatever the timings.
    assert result["ingest_overhead_vs_smallest"][keys[0]] == 1.0
    assert all(ratio > 0 for ratio in result["ingest_overhead_vs_smallest"].values())


def test_bench_json_counts_and_exact_recall(tmp_path: Path, capsys) -> None:
    corpus = _corpus(tmp_path / "pages.jsonl")
    cache = tmp_path / "cache"
    argv = ["bench", "--sizes", "300,1000", "--embedder", "stand-in", "--questions", "4"]
    argv += ["--cache", str(cache), "--corpus", str(corpus), "--real", "60", "--sample", "20"]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)  # one JSON object, nothing else
    _check(result, (300, 1000))
    assert result["questions"] == 4

    # The cached index is reused as built: the ingest-overhead passages were pruned.
    (built,) = cache.glob("*/n300")
    done = (built / "done.json").read_text()
    assert main([*argv[:2], "300", *argv[3:]]) == 0
    assert "| 300 | flat (exact) |" in capsys.readouterr().out
    assert (built / "done.json").read_text() == done
    with NewsIndex.open(
        built, IndexConfig(path=str(built), model=STAND_IN), HashWordsEmbedder()
    ) as ix:
        assert ix.stats().passages == 300
        answer = ix.answer("What happened with the harbour ferry strike?")
        assert answer.hit is not None


def test_synthetic_passages_resemble_real_ones(tmp_path: Path) -> None:
    """Synthetic vectors stay near the real vector they are drawn from (not uniform
    random ones, whose cosine to anything is about 0) and are unit length."""
    from index.evaluation.bench_corpus import read_pages

    pages = read_pages(_corpus(tmp_path / "pages.jsonl"))
    seed, _ = build_seed(tmp_path / "seed", pages, HashWordsEmbedder(), (60, 108), print)
    texts, vectors, first = Synthesizer(seed, rng_seed=1).passages(200)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.einsum("ij,ij->i", vectors, seed.vectors[first])
    assert cosines.mean() > 0.7
    words = {w for text in seed.texts for w in text.split()}
    assert all(set(text.split()) <= words for text in texts)


@pytest.mark.shared
def test_bench_on_the_scale_corpus(tmp_path: Path) -> None:
    corpus = shared_path("eval", "scale", "news_pages_2022.jsonl.gz")
    settings = BenchSettings(
        sizes=(400,),
        questions=3,
        cache=tmp_path,
        corpus=corpus,
        embedder="stand-in",
        real=150,
        sample=30,
    )
    _check(run_bench(settings), (400,))
