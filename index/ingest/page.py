"""Reading a scraped news page (text copied from a browser) into its articles.

The shape, as in samples/seed_news_page.txt: a lead article whose first line is
its title, site chrome, then "Related Articles" blocks of five parts: outlet,
age ("a few seconds ago"), "- outlet", title, body.
"""

from __future__ import annotations

import re

from index.ingest.cleaning import clean_body, normalize_whitespace
from index.records import Article
from index.text.dates import parse_date

# Whole lines that are site furniture, never article text.
_CHROME = re.compile(
    r"^(?:Try Our AI Features|Explore what .{1,60} can do for you:?|Comments?|"
    r"No comments yet\.*|Related (?:Articles|Stories|News)|Advertisement|Share|"
    r"Share this article|Read more|Sign up|Subscribe|Most Read|Trending)$",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"^(?:(?:a few|an?|\d+) (?:seconds?|minutes?|hours?|days?|weeks?|months?) ago|"
    r"just now|yesterday|today)$",
    re.IGNORECASE,
)
_MAX_TITLE = 300


def _is_block_start(lines: list[str], i: int) -> bool:
    """True when lines[i:i+3] are an outlet, an age or date, and "- outlet"."""
    if i + 2 >= len(lines):
        return False
    outlet, age, dash = lines[i], lines[i + 1], lines[i + 2]
    if not outlet or len(outlet) > 80 or dash != f"- {outlet}":
        return False
    return bool(_AGE.match(age)) or bool(parse_date(age))


def _article(title: str, body_lines: list[str], **meta: str) -> Article | None:
    body = clean_body("\n".join(body_lines))
    title = normalize_whitespace(title)
    if not body and not title:
        return None
    return Article(title=title[:_MAX_TITLE], text=body, **meta)


def read_page(text: str, *, origin: str = "") -> list[Article]:
    """Split a scraped page into articles, dropping site chrome and inline noise.

    Outlet and date are kept only when the page states them; a relative age
    ("a few seconds ago") gives no date.
    """
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    articles: list[Article] = []
    i = 0
    lead: list[str] = []
    while i < len(lines) and not _is_block_start(lines, i):
        if not _CHROME.match(lines[i]):
            lead.append(lines[i])
        i += 1
    lead_lines = [line for line in lead if line]
    if lead_lines:
        title, body = _split_title(lead_lines)
        article = _article(title, body, origin=origin)
        if article:
            articles.append(article)
    while i < len(lines):
        if not _is_block_start(lines, i):
            i += 1
            continue
        outlet, age = lines[i], lines[i + 1]
        i += 3
        block: list[str] = []
        while i < len(lines) and not _is_block_start(lines, i):
            if lines[i] and not _CHROME.match(lines[i]):
                block.append(lines[i])
            i += 1
        if not block:
            continue
        article = _article(
            block[0], block[1:], source=outlet, published=parse_date(age) or "", origin=origin
        )
        if article:
            articles.append(article)
    return articles


def _split_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first line is the title when it reads like one; otherwise there is none."""
    first = lines[0]
    if len(lines) > 1 and len(first) <= _MAX_TITLE and not first.endswith((".", "?", "!", ":")):
        return first, lines[1:]
    return "", lines
