"""A feed polled with the real default model, and a question about its new entry."""

from __future__ import annotations

import pytest

from index.config import IndexConfig
from index.engine import NewsIndex
from tests.index.sources.conftest import LOOPBACK
from tests.index.sources.documents import RSS, Item, page, rss2
from tests.support.web import Reply

RESERVOIR = [
    "The Kellerton reservoir reopened to boats on Saturday after a two-year repair of its "
    "dam, the regional water authority said.",
    "Engineers replaced the spillway gates and reinforced the eastern embankment at a cost "
    "of 41 million euros, paid mostly by the national flood fund.",
    "Anglers and sailing clubs had campaigned for the reopening, which the authority first "
    "promised for last summer before cracks were found in the old gates.",
]
BUDGET = [
    "The city council of Marrow approved next year's budget on Tuesday by 23 votes to 14.",
    "The plan raises spending on buses and libraries and freezes property taxes for a year.",
]


@pytest.mark.model
def test_a_polled_entry_answers_a_question(real_embedder, tmp_path, web):
    web.route(
        "/feed",
        Reply(rss2("Loop Wire", [Item("Budget passes", web.url("/budget"))]), content_type=RSS),
    )
    web.route("/budget", Reply(page("Marrow council passes budget", BUDGET)))
    web.route("/reservoir", Reply(page("Kellerton reservoir reopens to boats", RESERVOIR)))
    path = tmp_path / "index"
    with NewsIndex.open(path, IndexConfig(path=str(path)), real_embedder, sources=LOOPBACK) as news:
        news.add_source(web.url("/feed"))
        [first] = news.poll()
        assert len(first.added) == 1 and first.backlog

        items = [
            Item("Reservoir reopens", web.url("/reservoir")),
            Item("Budget passes", web.url("/budget")),
        ]
        web.route("/feed", Reply(rss2("Loop Wire", items), content_type=RSS))
        [second] = news.poll(force=True)
        assert [a.title for a in second.added] == ["Reservoir reopens"] and not second.backlog

        answer = news.answer("How much did the repair of the Kellerton dam cost?")
    assert not answer.abstained and answer.hit is not None
    assert "41 million euros" in answer.hit.passage.text
    assert answer.hit.passage.url == web.url("/reservoir")
