"""Shared fixtures: the sample page, the shared eval data, fake and real embedders."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import IndexConfig
from index.engine import NewsIndex
from tests.support.embedders import HashEmbedder, register_hash_embedders

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PAGE = REPO / "samples" / "seed_news_page.txt"
SHARED = REPO.parent / "shared"

# `model = "hash-N"` in a test's config loads the fake embedder (never in the product).
register_hash_embedders()


def shared_path(*parts: str) -> Path:
    """A path under ../shared/eval; skips the test only when ../shared is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a clone outside the project folder)")
    path = SHARED.joinpath(*parts)
    assert path.exists(), f"{path} is missing from ../shared"
    return path


@pytest.fixture
def sample_page() -> Path:
    return SAMPLE_PAGE


@pytest.fixture
def hash_index(tmp_path: Path):
    """A fresh index with the deterministic fake embedder: fast, no model."""
    index = NewsIndex.open(tmp_path / "index", IndexConfig(path=str(tmp_path)), HashEmbedder())
    yield index
    index.close()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled MiniLM model, loaded once per test session."""
    from index.models.embedders import load_embedder

    return load_embedder(IndexConfig().model)


@pytest.fixture(scope="session")
def seed_index(real_embedder, tmp_path_factory):
    """The sample page ingested with the real model (shared, read-only for tests)."""
    path = tmp_path_factory.mktemp("seed-index")
    index = NewsIndex.open(path, IndexConfig(path=str(path)), real_embedder)
    index.ingest_paths([SAMPLE_PAGE])
    yield index
    index.close()
