"""What the CLI prints: answers, summaries and topics as terminal text or JSON objects."""

from __future__ import annotations

import dataclasses
from typing import Any

from index.records import (
    Answer,
    Digest,
    FeedSource,
    PollResult,
    PruneReport,
    StoryLine,
    Summary,
    Topic,
)
from index.sources.schedule import show_interval

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
        "also_reported_by": list(answer.also_reported_by) if passage else [],
    }


def format_answer(answer: Answer, *, color: bool) -> str:
    """The answer as terminal text: passage with the answer sentence marked, then its source."""
    if answer.abstained or answer.hit is None:
        text = "I don't know: the news I have read does not cover that."
        closest = answer.hit.passage if answer.hit is not None else None
        if closest is not None and (closest.title or closest.url):
            text += f"\n(closest headline, not an answer: {closest.title or closest.url})"
        return text
    passage = answer.hit.passage
    body = passage.text
    if answer.highlight:
        start, end = answer.highlight
        left, right = (_BOLD, _RESET) if color else ("**", "**")
        body = body[:start] + left + body[start:end] + right + body[end:]
    source = [passage.title] if passage.title else []
    if passage.source:
        source.append(passage.source)
    others = answer.also_reported_by or answer.hit.also_in
    if others:
        source.append("also reported by " + _some(others))
    if passage.published:
        source.append(passage.published)
    lines = [body, "", "— " + " · ".join(source)] if source else [body]
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
        parts = [p for p in (source.title, source.source, source.published, source.url) if p]
        lines.append(f"[{source.number}] " + " · ".join(parts))
    return "\n".join(lines)


def topics_json(found: list[Topic]) -> dict[str, Any]:
    """The `topics --json` object."""
    return {
        "topics": [
            {
                "label": t.label,
                "stories": t.stories,
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
        stories = f"{topic.stories} stor{'ies' if topic.stories != 1 else 'y'}, "
        outlets = f", {topic.outlets} outlet{'s' if topic.outlets != 1 else ''}"
        newest = f", newest {topic.newest}" if topic.newest else ""
        plural = "s" if topic.articles != 1 else ""
        counts = f"{stories}{topic.articles} article{plural}{outlets}{newest}"
        lines.append(f"{number}. {topic.label} ({counts})")
    return "\n".join(lines)


def latest_json(stories: list[StoryLine]) -> dict[str, Any]:
    """The `latest --json` object: one entry per story, newest first."""
    return {
        "stories": [
            {
                "headline": s.headline,
                "url": s.url,
                "source": s.outlet,
                "published": s.published,
                "also_reported_by": list(s.also_reported_by),
                "articles": s.articles,
            }
            for s in stories
        ]
    }


def format_latest(stories: list[StoryLine], days: int | None) -> str:
    """One numbered line per story: headline · outlet · date, the other outlets, the link."""
    if not stories:
        return "No news read yet" + (f" from the last {days} days." if days else ".")
    lines = []
    for number, story in enumerate(stories, 1):
        parts = [part for part in (story.headline, story.outlet, story.published) if part]
        line = f"{number}. " + " · ".join(parts or [story.url])
        if story.also_reported_by:
            line += f" (also reported by {_some(story.also_reported_by)})"
        lines.append(line + (f"\n   {story.url}" if story.url and parts else ""))
    return "\n".join(lines)


def digest_json(digest: Digest) -> dict[str, Any]:
    """The `summary --json` object without a topic: the Digest as a dict."""
    return dataclasses.asdict(digest)


def digest_heading(digest: Digest, days: int | None) -> str:
    """ "Main stories" and the window: the last `days` days when given, else its dates."""
    if days:
        return f"Main stories of the last {days} day{'s' if days != 1 else ''}"
    if digest.since and digest.until:
        return f"Main stories, {digest.since} to {digest.until}"
    return "Main stories"


def format_digest(digest: Digest, days: int | None) -> str:
    """The digest as terminal text: the window, then per numbered story its headline,
    lead sentence, "— outlet, date, link" and the other outlets."""
    if not digest.stories:
        window = f" from the last {days} days" if days else ""
        return f"No news read yet{window}."
    lines = [digest_heading(digest, days)]
    for number, story in enumerate(digest.stories, 1):
        lines.append("")
        block = [_terminal(story.headline), _terminal(story.sentence)]
        source = [_terminal(story.outlet), story.published, _terminal(story.url)]
        block.append("— " + ", ".join(part for part in source if part))
        if story.also_reported_by:
            block.append(f"also reported by: {_some(story.also_reported_by, shown=5)}")
        block = [line for line in block if line and line != "— "]
        lines.append(f"{number}. " + "\n   ".join(block))
    return "\n".join(lines)


def _some(outlets: tuple[str, ...], shown: int = 3) -> str:
    """Outlets as prose: "A, B and C", or "A, B, C and 4 more" past `shown` of them."""
    if len(outlets) > shown:
        return ", ".join(outlets[:shown]) + f" and {len(outlets) - shown} more"
    if len(outlets) > 1:
        return ", ".join(outlets[:-1]) + " and " + outlets[-1]
    return outlets[0] if outlets else ""


def prune_json(report: PruneReport) -> dict[str, Any]:
    """The `prune --json` object (sizes in bytes; `cutoff` "" when retention is off)."""
    return {
        "articles": report.articles,
        "passages": report.passages,
        "cutoff": report.cutoff,
        "bytes_before": report.bytes_before,
        "bytes_after": report.bytes_after,
        "vacuumed": report.vacuumed,
    }


def format_prune(report: PruneReport) -> str:
    """What a prune removed and the index's size on disk before and after."""
    size = f"index on disk: {_megabytes(report.bytes_before)} before, "
    size += f"{_megabytes(report.bytes_after)} after"
    if not report.cutoff:
        return f"nothing removed: retention is 0 days (keep everything); {size}"
    plural = "s" if report.articles != 1 else ""
    lines = [
        f"removed {report.articles} article{plural} ({report.passages} passages) "
        f"published before {report.cutoff}; {size}"
    ]
    if report.articles and not report.vacuumed:
        lines.append("(the database reuses the freed space; --vacuum gives it back to the disk)")
    return "\n".join(lines)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# -- sources ------------------------------------------------------------------
MAX_TITLES_SHOWN = 10  # article titles listed under one source's poll line


def _terminal(text: str) -> str:
    """Text from a feed, safe for one terminal line (control characters dropped)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def format_sources(sources: list[FeedSource]) -> str:
    """`feeds list`: one line per source (health, URL, kind, interval, articles, last
    success), the last error on the next line of a failing one."""
    if not sources:
        return "no sources: add one with `newsdesk feeds add URL`"
    lines = []
    for source in sources:
        health = f"failing x{source.failures}" if source.failures else "ok"
        if not source.last_polled_at:
            health = "new"
        parts = [source.url, source.kind, f"every {show_interval(source.every_s)}"]
        parts.append(f"{source.articles} articles")
        parts.append(f"last success {source.last_success_at or 'never'}")
        title = f"{_terminal(source.title)} " if source.title else ""
        lines.append(f"[{health}] {title}" + " · ".join(parts))
        if source.last_error:
            lines.append(f"    last error: {_terminal(source.last_error)}")
    return "\n".join(lines)


def sources_json(sources: list[FeedSource]) -> dict[str, Any]:
    """The `feeds list --json` object."""
    return {"sources": [dataclasses.asdict(source) for source in sources]}


def format_poll(results: list[PollResult]) -> str:
    """`feeds poll`: one line per source polled (what it added, or its error), then the
    titles of the articles it added."""
    if not results:
        return "no source is due (`newsdesk feeds poll --all` polls every one now)"
    lines = []
    for result in results:
        if result.error:
            lines.append(f"{result.url}: error: {_terminal(result.error)}")
            continue
        if result.not_modified:
            lines.append(f"{result.url}: not modified")
            continue
        line = f"{result.url}: added {len(result.added)}, updated {len(result.updated)}"
        if result.backlog and result.added:
            line += " (already published when the source was added)"
        if result.problems:
            line += f"; {len(result.problems)} entries not read"
        lines.append(line)
        shown = [*result.added, *result.updated][:MAX_TITLES_SHOWN]
        named = [_terminal(a.title) or a.url for a in shown]
        lines += [f"    + {name}" for name in named if name]
        more = len(result.added) + len(result.updated) - len(shown)
        if more:
            lines.append(f"    and {more} more")
    return "\n".join(lines)


def poll_json(results: list[PollResult]) -> dict[str, Any]:
    """The `feeds poll --json` object."""
    return {"sources": [dataclasses.asdict(result) for result in results]}
