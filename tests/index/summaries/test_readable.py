"""Summary sentences that read alone: no opening that points back, no "could not be
reached", and with a topic, only sentences that name it or open an article about it."""

from __future__ import annotations

import pytest

from index.summaries.extractive import SummaryDoc, SummaryOptions, summarize
from index.summaries.text import clean_sentence, is_dangling, is_usable


@pytest.mark.parametrize(
    "text",
    [
        "Days later, his wife filed for divorce in a court in Los Angeles.",
        "Two weeks later the company announced a second round of layoffs.",
        "The next day the governor declared a state of emergency for the county.",
        "At the time, officials said the bridge was safe for traffic.",
        "In response, the ministry summoned the ambassador to explain the remarks.",
        "Both men were charged with murder in the first degree on Friday.",
        "The two leaders met for three hours at the lakeside villa.",
    ],
)
def test_openings_that_point_back_are_dangling(text: str) -> None:
    assert is_dangling(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hurricane Ian made landfall near Cayo Costa as a Category 4 storm.",
        "The storm knocked out power to 2.6 million customers in Florida.",
        "Dayton officials said the new bridge would open in the spring.",
        "Nowhere was the damage worse than on Sanibel Island, officials said.",
        "Latest figures show inflation slowed to 7.7% in October.",
    ],
)
def test_sentences_that_stand_alone_are_not_dangling(text: str) -> None:
    assert not is_dangling(text)


@pytest.mark.parametrize(
    "text",
    [
        "CNN has not been able to reach Riley for comment on the lawsuit.",
        "The company did not immediately respond to a request for comment on Friday.",
        "A spokesperson for the team declined to comment on the suspension.",
        "Representatives for the actor could not be reached on Sunday night.",
    ],
)
def test_no_comment_sentences_are_never_usable(text: str) -> None:
    assert not is_usable(text, 8)


LEADS = [
    "Hurricane Ian made landfall in Florida on Wednesday and knocked out power to two million "
    "homes.",
    "Hurricane Ian flooded Fort Myers on Wednesday and knocked out power across southwest Florida.",
    "Hurricane Ian knocked out power to millions in Florida on Wednesday, utilities said.",
]
MIDDLE = [
    "Officials said rescue crews searched flooded streets through the night.",
    "Shelters opened in schools across the region for thousands of residents.",
    "Forecasters said the rain would continue for two more days.",
]
# Late in each article, another story that shares the topic sentences' words.
ELSEWHERE = [
    "In Texas, crews restored power to two million homes in Houston after floods on Wednesday.",
    "Houston utilities restored power to two million homes after the Texas floods on Wednesday.",
    "Texas officials said power was restored to two million Houston homes after floods on "
    "Wednesday.",
]


def test_a_topic_summary_keeps_to_sentences_about_the_topic() -> None:
    docs = [
        SummaryDoc(
            key=str(i),
            published="2022-09-29",
            text=" ".join([LEADS[i], *MIDDLE[i:], *MIDDLE[:i], ELSEWHERE[i]]),
        )
        for i in range(3)
    ]
    chosen = summarize(docs, query="Hurricane Ian", max_words=200)
    text = " ".join(s.text for s in chosen)
    assert "Hurricane Ian" in text
    assert "Houston" not in text  # late, without the topic's words: another story
    loose = SummaryOptions(topic_lead_sentences=99)  # the rule off: it would be chosen
    assert "Houston" in " ".join(
        s.text for s in summarize(docs, query="Hurricane Ian", max_words=200, options=loose)
    )


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("London (CNN) Boris Johnson will face a vote.", "Boris Johnson will face a vote."),
        ("New York (CNN Business) For months stores ran short.", "For months stores ran short."),
        (
            "Mexico City (CNN) — The president threatened a boycott.",
            "The president threatened a boycott.",
        ),
        ("The (CNN) logo was shown.", "The (CNN) logo was shown."),
    ],
)
def test_web_datelines_are_removed(text: str, clean: str) -> None:
    assert clean_sentence(text) == clean


@pytest.mark.parametrize(
    "text",
    [
        "Lee plays a shot on the 17th hole during the final round.",
        "Lava fissures flow down the north flank of the volcano on December 5.",
        "Protesters march through the streets of Beijing on November 27.",
    ],
)
def test_photo_captions_without_a_credit_are_never_usable(text: str) -> None:
    assert not is_usable(text, 8)


@pytest.mark.parametrize(
    "text",
    [
        "Hurricane Ian made landfall near Cayo Costa as a Category 4 storm.",
        "The company plays a key role in the market, analysts said on Monday.",
        "Prices rise as demand grows in the region, the central bank said.",
    ],
)
def test_news_sentences_in_any_tense_stay_usable(text: str) -> None:
    assert is_usable(text, 8)
