"""Fixtures of the sources tests: a loopback web server and an index allowed to reach it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.config import IndexConfig, SourcesConfig
from index.engine import NewsIndex
from tests.support.embedders import HashEmbedder
from tests.support.web import WebServer

# Loopback is a private address: the tests allow it explicitly. No pacing unless a
# test asks for it: spacing is tested on its own.
LOOPBACK = SourcesConfig(allow_private_addresses=True, host_interval_s=0.0)


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


def open_index(path: Path, sources: SourcesConfig = LOOPBACK, **config: object) -> NewsIndex:
    return NewsIndex.open(
        path,
        IndexConfig(path=str(path), **config),
        HashEmbedder(),
        sources=sources,  # type: ignore[arg-type]
    )


@pytest.fixture
def news(tmp_path: Path) -> Iterator[NewsIndex]:
    """An index with the fake embedder whose polls may reach 127.0.0.1."""
    index = open_index(tmp_path / "index")
    yield index
    index.close()
