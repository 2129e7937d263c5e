"""What the CLI prints: answers, summaries and topics as terminal text or JSON objects."""

from __future__ import annotations

from typing import Any

from index.records import Answer, Summary, Topic

_BOLD, _RESET = "\033[1;33m", "\033[0m"


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `ask --json` object: empty strings where something is unknown."""
    hit = answer.hit
    passage = hit.passage if hit and not answer.abstained else None
    return {
        "abstained": answer.abstained,
        "passage": passage.text if passage else "",
        "title": passage.title if passage else "",
        "source": passage.source if passage else "",
        "url": passage.url if passage else "",
        "published": passage.published if passage else "",
        "score": round(answer.confidence, 4),
    }


def format_answer(answer: Answer, *, color: bool) -> str:
    """The answer as terminal text: passage with the answer sentence marked, then its source."""
    if answer.abstained or answer.hit is None:
        text = "I don't know: the news I have read does not cover that."
        if answer.hit is not None:
            text += f"\n(closest headline, not an answer: {answer.hit.passage.title or 'untitled'})"
        return text
    passage = answer.hit.passage
    body = passage.text
    if answer.highlight:
        start, end = answer.highlight
        left, right = (_BOLD, _RESET) if color else ("**", "**")
        body = body[:start] + left + body[start:end] + right + body[end:]
    source = [passage.title or "(untitled)"]
    if passage.source:
        source.append(passage.source)
    if answer.hit.also_in:
        source.append("also in " + ", ".join(answer.hit.also_in))
    if passage.published:
        source.append(passage.published)
    lines = [body, "", "— " + " · ".join(source)]
    if passage.url:
        lines.append(passage.url)
    lines.append(f"(confidence {answer.confidence:.0%})")
    return "\n".join(lines)


def format_summary(summary: Summary) -> str:
    """A summary as terminal text: prose with [n] citations, then the numbered sources."""
    if not summary.lines:
        about = f" about {summary.topic!r}" if summary.topic else ""
        return f"Too little in the news I have read{about} to summarize."
    lines = [summary.text, "", "Sources:"]
    for source in summary.sources:
        parts = [source.title or "(untitled)"]
        parts += [part for part in (source.source, source.published, source.url) if part]
        lines.append(f"[{source.number}] " + " · ".join(parts))
    return "\n".join(lines)


def topics_json(found: list[Topic]) -> dict[str, Any]:
    """The `topics --json` object."""
    return {
        "topics": [
            {
                "label": t.label,
                "articles": t.articles,
                "outlets": t.outlets,
                "newest": t.newest,
                "keywords": list(t.keywords),
            }
            for t in found
        ]
    }


def format_topics(found: list[Topic], days: int | None) -> str:
    """One numbered line per story: label, articles, outlets, newest date."""
    if not found:
        return "No news read yet" + (f" from the last {days} days." if days else ".")
    lines = []
    for number, topic in enumerate(found, 1):
        outlets = f", {topic.outlets} outlet{'s' if topic.outlets != 1 else ''}"
        newest = f", newest {topic.newest}" if topic.newest else ""
        plural = "s" if topic.articles != 1 else ""
        lines.append(f"{number}. {topic.label} ({topic.articles} article{plural}{outlets}{newest})")
    return "\n".join(lines)
