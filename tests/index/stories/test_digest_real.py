"""`newsdesk summary` without a topic on the bundled sample page, with the real model:
the page's stories, each with its headline and a lead sentence quoted from it."""

import json

import pytest

from index.cli import main
from index.summaries.text import is_dangling, is_usable

pytestmark = pytest.mark.model

HEADLINES = {
    "Israel's growing frustration over the war in Gaza erupts in nationwide protests",
    "Ukraine won't give up land that Russia doesn't already occupy, Zelensky says after "
    "Putin's demand",
}


def test_summary_without_topic_lists_the_samples_stories(
    tmp_path, capsys, sample_page, real_embedder
) -> None:
    index = str(tmp_path / "ix")
    assert main(["--index", index, "ingest", str(sample_page)]) == 0
    capsys.readouterr()
    page = " ".join(sample_page.read_text(encoding="utf-8").split())

    assert main(["--index", index, "summary", "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    stories = digest["stories"]
    assert (digest["since"], digest["until"]) == ("", "")  # the page is undated: all of it
    assert all(story["headline"] for story in stories)
    assert {story["headline"] for story in stories} >= HEADLINES
    told = [story["sentence"] for story in stories if story["sentence"]]
    assert len(told) >= 3
    for sentence in told:
        assert sentence in page  # quoted, not written
        assert is_usable(sentence, 8) and not is_dangling(sentence)
    assert len({story["story_id"] for story in stories}) == len(stories)

    assert main(["--index", index, "summary"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Main stories\n\n1. ")
    for number, story in enumerate(stories, 1):
        assert f"\n{number}. {story['headline']}\n" in f"\n{text}"
        if story["sentence"]:
            assert f"{story['headline']}\n   {story['sentence']}\n" in text
