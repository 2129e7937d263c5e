"""Per-model settings: each bundled model has its own; any other model gets the default's."""

from __future__ import annotations

from index.models.embedders import MINILM, MPNET
from index.profiles import PROFILES, profile_for
from index.search.confidence import Confidence
from index.search.fusion import SearchSettings


def test_the_default_model_uses_the_default_settings() -> None:
    profile = profile_for(MPNET)
    assert profile.search == SearchSettings() and profile.confidence == Confidence()


def test_minilm_has_its_own_fitted_profile() -> None:
    minilm = profile_for(MINILM)
    assert minilm is PROFILES[MINILM]
    assert minilm.confidence != profile_for(MPNET).confidence
    assert 0 < minilm.confidence.threshold < 1


def test_an_unknown_model_gets_the_default_models_profile() -> None:
    for name in ("hash-256", "/models/my-finetune", "", "bundled:nope"):
        assert profile_for(name) is PROFILES[MPNET], name


def test_the_engine_uses_the_profile_of_its_model(hash_index) -> None:
    assert hash_index.profile is profile_for("hash-256")
    assert hash_index.confidence == PROFILES[MPNET].confidence
