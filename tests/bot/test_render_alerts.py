"""bot.render_alerts: what the bot posts by itself and the replies to /follow, /digest and
/feed, within Discord's limits, with nothing from an article (or a member's topic)
rendered live (the checkers of test_render_safety). The only tags are the bot's own
channel and role tags, built from ids."""

from __future__ import annotations

import re

import discord
import pytest

from bot import render_alerts
from bot.render import MESSAGE_LIMIT
from index.alerts.records import DigestSchedule, FeedChannel, Follow, StoryCard
from index.records import Digest, DigestStory, FeedSource
from tests.bot.test_render_safety import (
    BREAKOUT,
    BREAKOUT_CLEAN,
    INVISIBLE,
    MENTION_TEXT,
    TWO_LINKS,
    link_target,
    live_markup,
    unsafe_markup,
    within_limits,
)

HOSTILE = (
    f"@everyone @here **Breaking** __now__ # {MENTION_TEXT} {TWO_LINKS} `x` ||s|| "
    f"> https://evil.example/phish \u202eeman\u202c [click](https://evil.example) {INVISIBLE}"
)
URL = "https://news.example/dam"
CHANNEL, ROLE, GUILD = 111, 222, 1
OWN_TAGS = re.compile(rf"<#{CHANNEL}>|<@&{ROLE}>")


def card(**fields: object) -> StoryCard:
    values: dict[str, object] = {
        "story_id": 1,
        "headline": "Dam opens its floodgates",
        "url": URL,
        "outlet": "Wire A",
        "published": "2025-06-02",
        "sentence": "The Loop river dam opened its floodgates on Monday.",
        "also_reported_by": (),
    }
    return StoryCard(**{**values, **fields})  # type: ignore[arg-type]


def hostile_card(size: int = 1, **fields: object) -> StoryCard:
    text = HOSTILE * size
    return card(
        headline=text, outlet=text, published=text, sentence=text, also_reported_by=(text,) * 9
    )


def without_own_tags(embed: discord.Embed) -> discord.Embed:
    """The embed with the bot's own channel and role tags taken out (they are meant)."""
    data = embed.to_dict()
    for key in ("title", "description"):
        if key in data:
            data[key] = OWN_TAGS.sub("", data[key])
    if "footer" in data:
        data["footer"]["text"] = OWN_TAGS.sub("", data["footer"]["text"])
    return discord.Embed.from_dict(data)


def assert_safe(embed: discord.Embed, *urls: str) -> None:
    assert unsafe_markup(without_own_tags(embed), urls) == []
    assert within_limits(embed) == []


def assert_safe_text(text: str, *urls: str) -> None:
    live = [m for m in live_markup(OWN_TAGS.sub("", text)) if link_target(m) not in urls]
    assert live == []
    assert not set(text) & set(INVISIBLE)
    assert 0 < len(text) <= MESSAGE_LIMIT


# -- a new story ----------------------------------------------------------------------
def test_a_story_shows_its_linked_headline_sentence_outlet_date_and_why() -> None:
    embed = render_alerts.story_embed(
        card(also_reported_by=("Wire B", "Wire C")), "follow", "Loop river"
    ).to_dict()
    assert embed["title"] == "Dam opens its floodgates" and embed["url"] == URL
    assert embed["description"] == "> The Loop river dam opened its floodgates on Monday."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {
        "Outlet": "Wire A",
        "Published": "2025-06-02",
        "Also reported by": "Wire B and Wire C",
    }
    assert embed["footer"]["text"] == "Following: Loop river"
    feed = render_alerts.story_embed(card(), "feed", "Loop Wire").to_dict()
    assert feed["footer"]["text"] == "Feed: Loop Wire"
    assert [f["name"] for f in feed["fields"]] == ["Outlet", "Published"]  # no empty field


@pytest.mark.parametrize("size", [1, 20, 200])
def test_a_hostile_story_is_inert_and_within_limits(size: int) -> None:
    for reason in ("follow", "feed"):
        embed = render_alerts.story_embed(hostile_card(size), reason, HOSTILE * size)
        assert_safe(embed, URL)
        assert embed.url == URL


@pytest.mark.parametrize(
    ("url", "expected"),
    [(BREAKOUT, BREAKOUT_CLEAN), ("javascript:alert(1)", None), ("", None)],
)
def test_only_a_clean_web_address_is_linked(url: str, expected: str | None) -> None:
    embed = render_alerts.story_embed(card(url=url, headline=""), "follow", "dams")
    assert embed.url == expected
    assert embed.title  # a missing headline shows the host, or "New story"
    assert_safe(embed, url)


def test_a_story_without_a_sentence_or_outlet_has_no_empty_parts() -> None:
    embed = render_alerts.story_embed(
        card(sentence=" ", outlet="", published=""), "follow", "dams"
    ).to_dict()
    assert "description" not in embed and "fields" not in embed


# -- more stories ---------------------------------------------------------------------
def test_more_stories_lists_each_story_on_one_line() -> None:
    cards = [card(story_id=n, headline=f"Story {n}", url=f"{URL}/{n}") for n in range(1, 4)]
    embed = render_alerts.more_stories_embed(cards).to_dict()
    assert embed["title"] == "3 more new stories"
    lines = embed["description"].splitlines()
    assert lines[0] == f"**1.** [Story 1]({URL}/1) — Wire A, 2025-06-02"
    assert len(lines) == 3
    assert "hourly" in embed["footer"]["text"]


@pytest.mark.parametrize("size", [1, 30])
def test_hostile_more_stories_are_inert_and_within_limits(size: int) -> None:
    cards = [hostile_card(size) for _ in range(10)]
    embed = render_alerts.more_stories_embed(cards)
    assert_safe(embed, URL)
    if size > 1:
        assert "more" in (embed.description or "").splitlines()[-1]


# -- the daily digest -----------------------------------------------------------------
def digest_story(number: int, text: str = "The dam opened.") -> DigestStory:
    return DigestStory(number, f"Story {number}", text, f"{URL}/{number}", "Wire A", "", (), 1)


def test_a_daily_digest_is_titled_for_its_day_and_topic() -> None:
    digest = Digest((digest_story(1),), "2025-06-02", "2025-06-02")
    plain = render_alerts.daily_digest_embed(digest, "2025-06-02").to_dict()
    assert plain["title"] == "Daily digest, 2025-06-02"
    assert plain["description"].startswith(f"**1. [Story 1]({URL}/1)**")
    about = render_alerts.daily_digest_embed(digest, "2025-06-02", "Loop *river*").to_dict()
    assert about["title"] == "Daily digest about Loop \\*river\\*, 2025-06-02"


def test_a_hostile_digest_is_inert_and_within_limits() -> None:
    stories = tuple(digest_story(n, HOSTILE * 5) for n in range(8))
    embed = render_alerts.daily_digest_embed(
        Digest(stories, "2025-06-02", "2025-06-02"), "2025-06-02", HOSTILE * 10
    )
    assert_safe(embed, *(f"{URL}/{n}" for n in range(8)))


def test_a_quiet_digest_is_one_line() -> None:
    assert render_alerts.quiet_digest_text() == "Nothing new to report today."
    about = render_alerts.quiet_digest_text(HOSTILE * 50)
    assert_safe_text(about)
    assert about.startswith("Nothing new about") and "\n" not in about.strip()


# -- lists and replies ----------------------------------------------------------------
def test_lists_of_follows_feeds_and_digests_show_tags_and_escape_the_rest() -> None:
    follows = [
        Follow(1, GUILD, CHANNEL, "Loop *river*", ROLE, "2025-06-02T09:00:00Z"),
        Follow(2, GUILD, CHANNEL, "dams", None, "2025-06-02T09:00:00Z"),
    ]
    text = render_alerts.follows_embed(follows).description or ""
    assert text.splitlines() == [
        f"**1.** Loop \\*river\\* → <#{CHANNEL}> · pings <@&{ROLE}>",
        f"**2.** dams → <#{CHANNEL}>",
    ]
    feed = FeedChannel(1, GUILD, CHANNEL, URL, ("dam", "flood"), ("war",), "")
    source = FeedSource(URL, "feed", "Loop _Wire_", 1800, "")
    line = render_alerts.feeds_embed([feed], [source]).description or ""
    assert line == (
        f"**1.** [Loop \\_Wire\\_]({URL}) → <#{CHANNEL}> · only with: dam, flood · never with: war"
    )
    schedule = DigestSchedule(1, GUILD, CHANNEL, "07:30", "dams", "")
    shown = render_alerts.digests_embed([schedule], "Europe/Paris").description or ""
    assert shown == f"• <#{CHANNEL}> daily at 07:30 (Europe/Paris) about dams"


def test_empty_lists_say_how_to_start() -> None:
    assert "/follow" in (render_alerts.follows_embed([]).description or "")
    assert "/feed add" in (render_alerts.feeds_embed([], []).description or "")
    assert "UTC" in (render_alerts.digests_embed([], "UTC").description or "")


@pytest.mark.parametrize("count", [1, 60])
def test_hostile_lists_are_inert_and_within_limits(count: int) -> None:
    follows = [Follow(n, GUILD, CHANNEL, HOSTILE, ROLE, "") for n in range(count)]
    assert_safe(render_alerts.follows_embed(follows))
    words = (HOSTILE[:60],) * 20
    feeds = [FeedChannel(n, GUILD, CHANNEL, BREAKOUT_CLEAN, words, words, "") for n in range(count)]
    sources = [FeedSource(BREAKOUT_CLEAN, "feed", HOSTILE, 1800, "")]
    assert_safe(render_alerts.feeds_embed(feeds, sources), BREAKOUT)
    schedules = [DigestSchedule(n, GUILD, CHANNEL, "07:30", HOSTILE, "") for n in range(count)]
    assert_safe(render_alerts.digests_embed(schedules, "UTC"))


def test_hostile_replies_are_inert_one_message_each() -> None:
    follow = Follow(1, GUILD, CHANNEL, HOSTILE * 10, ROLE, "")
    feed = FeedChannel(1, GUILD, CHANNEL, BREAKOUT_CLEAN, (HOSTILE[:60],), (HOSTILE[:60],), "")
    sources = [FeedSource(BREAKOUT_CLEAN, "feed", HOSTILE * 10, 1800, "")]
    schedule = DigestSchedule(1, GUILD, CHANNEL, "07:30", HOSTILE * 10, "")
    for text in (
        render_alerts.followed_text(follow),
        render_alerts.unfollowed_text(HOSTILE * 10, CHANNEL, 1, []),
        render_alerts.unfollowed_text(HOSTILE * 10, CHANNEL, 0, [CHANNEL] * 20),
        render_alerts.unfollowed_text(HOSTILE * 10, CHANNEL, 0, []),
        render_alerts.digest_set_text(schedule, "UTC"),
        render_alerts.digest_off_text(CHANNEL, True),
        render_alerts.digest_off_text(CHANNEL, False),
        render_alerts.feed_added_text(feed, sources),
        render_alerts.feed_removed_text(HOSTILE * 10, CHANNEL, 0),
        render_alerts.feed_removed_text(HOSTILE * 10, CHANNEL, 2),
        render_alerts.need_permission_text(CHANNEL, "follow topics there"),
    ):
        assert_safe_text(text, BREAKOUT_CLEAN)


def test_the_refusal_names_the_channel_and_the_permission() -> None:
    assert render_alerts.need_permission_text(CHANNEL, "follow topics there") == (
        f"You need the Manage Channels permission in <#{CHANNEL}> to follow topics there."
    )
