"""The engine with the real bundled model on the sample page."""

from datetime import date

import pytest

from index.config import IndexConfig
from index.engine import NewsIndex

pytestmark = pytest.mark.model
NOW = date(2025, 8, 17)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Does Zelenskyy see EU accession as part of the security guarantees?",
            "we consider EU accession to be part of the security guarantees",
        ),
        ("How many people did Israeli police arrest at the hostage protests?", "arrest"),
        ("Which power plant did Israeli airstrikes hit in Yemen?", "power plant"),
        ("What did Pence urge Trump to do about Putin?", "hammer"),
        ("Which cities does Kyiv still hold in the Donetsk region?", "Sloviansk and Kramatorsk"),
    ],
)
def test_questions_about_the_sample_get_the_expected_passage(seed_index, question, expected):
    answer = seed_index.answer(question, now=NOW)
    assert not answer.abstained, answer
    assert expected in answer.hit.passage.text
    start, end = answer.highlight
    assert 0 <= start < end <= len(answer.hit.passage.text)


@pytest.mark.parametrize(
    "question", ["How tall is Mount Everest?", "What is a good recipe for banana bread?"]
)
def test_off_topic_questions_abstain(seed_index, question):
    assert seed_index.answer(question, now=NOW).abstained


def test_reopened_real_index_answers_the_same(tmp_path, real_embedder, sample_page):
    with NewsIndex.open(tmp_path, IndexConfig(path=str(tmp_path)), real_embedder) as index:
        index.ingest_paths([sample_page])
        first = index.answer("Who runs the aid distribution points in Gaza?", now=NOW)
    with NewsIndex.open(tmp_path, IndexConfig(path=str(tmp_path)), real_embedder) as index:
        again = index.answer("Who runs the aid distribution points in Gaza?", now=NOW)
        assert index.ingest_paths([sample_page]).passages_added == 0
    assert again.hit.passage.id == first.hit.passage.id
    assert "Gaza Humanitarian Foundation" in again.hit.passage.text


def test_passages_fit_the_model(seed_index):
    passages = seed_index.all_passages()
    counts = seed_index.embedder.count_tokens([p.text for p in passages])
    assert max(counts) <= 256
    text = " ".join(p.text for p in passages)
    for noise in ("Advertisement", "Getty Images", "Try Our AI Features"):
        assert noise not in text
