"""Inline noise out of scraped article text: ads, photo captions with credits, spacing."""

from __future__ import annotations

from index.ingest.cleaning import clean_body, normalize_whitespace


def test_advertisement_markers_are_removed() -> None:
    text = "The minister spoke. Advertisement The vote is on Friday."
    assert clean_body(text) == "The minister spoke. The vote is on Friday."
    assert clean_body("Advertisement") == ""


def test_gallery_captions_with_a_credit_are_removed() -> None:
    text = (
        "Troops advanced on Monday. 4 Ukrainian troops fire a howitzer near the front line "
        "in the east. Getty Images The army said the line held."
    )
    assert clean_body(text) == "Troops advanced on Monday. The army said the line held."
    consecutive = (
        "2 Rescuers search the rubble in the town. AP Photo "
        "3 A family waits outside a shelter. Reuters Officials said 40 people died."
    )
    assert clean_body(consecutive) == "Officials said 40 people died."


def test_news_text_that_only_looks_like_a_caption_stays() -> None:
    for text in (
        "The council approved 12 new schools for the city. Reuters reported it first.",
        "Reuters said 4 people were hurt.",
        "The AP Photo archive opened to the public.",
    ):
        assert clean_body(text) == text


def test_text_is_nfc_and_spacing_is_normalised() -> None:
    assert clean_body("Cafe\u0301 opened.") == "Café opened."
    assert normalize_whitespace("  a  b \n\n\n\n c\t\td  \n") == "a b\n\nc d"
    assert normalize_whitespace("\n\n\nfirst\nsecond\n\n") == "first\nsecond"


def test_an_advertisement_line_between_paragraphs_keeps_them_apart() -> None:
    assert clean_body("First paragraph.\nAdvertisement\nSecond paragraph.") == (
        "First paragraph.\nSecond paragraph."
    )
