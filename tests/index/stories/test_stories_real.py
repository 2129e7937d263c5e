"""Stories with the real model: two wordings of one event are one story; an
unrelated report and another event of the same kind are not."""

from datetime import date

import pytest

from index.config import IndexConfig
from index.engine import NewsIndex
from index.records import Article

pytestmark = pytest.mark.model
NOW = date(2025, 3, 8)

PERU_A = Article(
    title="Earthquake kills 12 in southern Peru",
    text=(
        "A magnitude 7.1 earthquake struck off the coast of southern Peru on Thursday, "
        "killing at least 12 people and damaging hundreds of homes in the Arequipa region, "
        "officials said.\n\nRescue teams were searching collapsed buildings in the town of "
        "Chala, where the mayor said the water supply had been cut."
    ),
    source="Andes Wire",
    url="https://andes-wire.com/peru-quake",
    published="2025-03-06",
)
PERU_B = Article(
    title="Twelve dead as powerful quake hits Peru's coast",
    text=(
        "At least twelve people died when a powerful 7.1-magnitude quake hit southern "
        "Peru's Pacific coast on Thursday, authorities in Arequipa reported, with hundreds "
        "of houses damaged.\n\nThe country's geophysical institute said the tremor was "
        "felt as far away as Lima."
    ),
    source="Global Desk",
    url="https://globaldesk.net/world/peru-earthquake",
    published="2025-03-07",
)
TURKEY = Article(
    title="Quake shakes eastern Turkey",
    text=(
        "A magnitude 5.2 earthquake shook eastern Turkey on Friday, cracking walls in "
        "several villages near Malatya, though no one was hurt, the disaster agency said."
    ),
    source="Global Desk",
    url="https://globaldesk.net/world/turkey-quake",
    published="2025-03-07",
)
RATES = Article(
    title="Central bank holds rates",
    text=(
        "The European Central Bank left interest rates unchanged on Thursday, saying "
        "inflation was easing but wages were still rising too fast."
    ),
    source="Andes Wire",
    url="https://andes-wire.com/ecb-rates",
    published="2025-03-06",
)


def test_two_reports_of_one_event_are_one_story(real_embedder, tmp_path) -> None:
    with NewsIndex.open(tmp_path, IndexConfig(path=str(tmp_path)), real_embedder) as index:
        index.ingest_articles([PERU_A, RATES])
        index.ingest_articles([TURKEY, PERU_B])  # a later poll: found by the vector search
        latest = index.latest(now=NOW)
        assert sorted(s.articles for s in latest) == [1, 1, 2]
        peru = next(s for s in latest if s.articles == 2)
        assert peru.headline == PERU_B.title  # the newest report stands for the story
        assert peru.also_reported_by == ("Andes Wire",)

        answer = index.answer("How many people died in the Peru earthquake?", now=NOW)
        assert not answer.abstained and answer.hit is not None
        other = {"Andes Wire": "Global Desk", "Global Desk": "Andes Wire"}
        assert answer.also_reported_by == (other[answer.hit.passage.source],)

        topics = index.topics(now=NOW)
        assert sum(t.stories for t in topics) == 3
