"""`[index] device`: the embedder runs on a GPU when asked and one is usable, else on
the CPU with one warning (this machine has no GPU: the fallback is what is tested)."""

from __future__ import annotations

import logging

import onnxruntime
import pytest

from index.config import parse_config
from index.errors import ConfigError
from index.models.embedders import LazyEmbedder, onnx_providers


def test_cpu_is_the_default_and_asks_for_no_gpu() -> None:
    assert parse_config({}).index.device == "cpu"
    assert onnx_providers("cpu") == ["CPUExecutionProvider"]


@pytest.mark.skipif(
    "CUDAExecutionProvider" in onnxruntime.get_available_providers(), reason="a GPU build"
)
def test_cuda_without_a_gpu_build_falls_back_to_the_cpu_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert onnx_providers("cuda") == ["CPUExecutionProvider"]
    assert "onnxruntime-gpu" in caplog.text
    caplog.clear()
    assert onnx_providers("auto") == ["CPUExecutionProvider"]
    assert caplog.text == ""  # "auto" on a machine without a GPU is not a problem


def test_an_unknown_device_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="device"):
        parse_config({"index": {"device": "tpu"}})


def test_the_lazy_embedder_carries_the_device_to_the_model() -> None:
    assert LazyEmbedder("bundled:all-mpnet-base-v2", "cuda").device == "cuda"
