"""What the bot posts by itself, and the replies of the commands that set it up: a new
story (follow or feed channel), the "more stories" message over a channel's hourly
limit, the daily digest, and the lists and replies of `/follow`, `/digest`, `/feed`.

Headlines, sentences, outlets and source titles come from anyone on the internet, and
topics and filter words from a server's members: all are escaped (see bot/markdown.py).
The only links are the bot's own, to `clean_url` addresses; channels and roles are
shown as Discord's own `<#id>` / `<@&id>` tags built from ids, which never ping (every
message is sent with no pings, bar a follow's one role).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.markdown import clip, link, quote
from bot.render import (
    ABSTAIN_COLOUR,
    DESCRIPTION_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_LIMIT,
    SUMMARY_COLOUR,
    TITLE_LIMIT,
    also_reported_text,
    fit,
    headline_markdown,
    host_text,
    join_within,
)
from bot.render_digest import digest_embed
from index.alerts.records import DigestSchedule, FeedChannel, Follow, StoryCard
from index.ingest.urls import clean_url
from index.records import Digest, FeedSource

ALERT_COLOUR = discord.Colour.dark_gold()
SENTENCE_LIMIT = 1_000
LABEL_LIMIT = 200
QUIET_TEXT = "Nothing new to report today."


def channel_tag(channel_id: int) -> str:
    """Discord's own tag for a channel (shows as #name, never pings)."""
    return f"<#{int(channel_id)}>"


def role_tag(role_id: int) -> str:
    """Discord's own tag for a role (pings only where the message allows that role)."""
    return f"<@&{int(role_id)}>"


def _why(reason: str, label: str) -> str:
    """The footer that says why a story is posted here."""
    shown = quote(label, LABEL_LIMIT) or "?"
    return f"Feed: {shown}" if reason == "feed" else f"Following: {shown}"


def story_embed(card: StoryCard, reason: str, label: str) -> discord.Embed:
    """A new story: the headline linked to its article, the matching sentence quoted,
    outlet and date, the other outlets that carry it, and (footer) why it is here."""
    url = clean_url(card.url)
    title = quote(card.headline, TITLE_LIMIT) or host_text(url) or "New story"
    sentence = quote(" ".join(card.sentence.split()), SENTENCE_LIMIT)
    embed = discord.Embed(
        title=title,
        url=url or None,
        description=f"> {sentence}" if sentence else None,
        colour=ALERT_COLOUR,
    )
    outlet = quote(card.outlet, 100)
    if outlet:
        embed.add_field(name="Outlet", value=outlet)
    published = quote(card.published, 30)
    if published:
        embed.add_field(name="Published", value=published)
    others = also_reported_text(card.also_reported_by)
    if others:  # Discord refuses an empty field
        embed.add_field(name="Also reported by", value=others.removeprefix("also reported by "))
    embed.set_footer(text=clip(_why(reason, label), FOOTER_LIMIT))
    return fit(embed)


def _card_line(number: int, card: StoryCard) -> str:
    """`**n.** linked headline — outlet, date · also reported by ...`."""
    head = headline_markdown(card.headline, card.url, 450)
    details = [text for text in (quote(card.outlet, 60), quote(card.published, 30)) if text]
    line = " — ".join(part for part in (head, ", ".join(details)) if part)
    also = also_reported_text(card.also_reported_by)
    return f"**{number}.** " + " · ".join(part for part in (line, also) if part)


def more_stories_embed(cards: Sequence[StoryCard]) -> discord.Embed:
    """Stories over this channel's hourly limit, one line each, in one message."""
    count = len(cards)
    embed = discord.Embed(
        title=f"{count} more new stor{'ies' if count != 1 else 'y'}", colour=ALERT_COLOUR
    )
    lines = [_card_line(n, card) for n, card in enumerate(cards, 1)]
    embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text="Listed together: this channel got its hourly number of posts")
    return fit(embed)


def daily_digest_embed(digest: Digest, day: str, topic: str = "") -> discord.Embed:
    """A scheduled digest: the day's main stories (about `topic`, when given), as
    `/summary` shows them, titled for the day."""
    embed = digest_embed(digest)
    about = f" about {quote(topic, 150)}" if topic else ""
    embed.title = clip(f"Daily digest{about}, {quote(day, 20)}", TITLE_LIMIT)
    embed.colour = ALERT_COLOUR
    return fit(embed)


def quiet_digest_text(topic: str = "") -> str:
    """What a digest with nothing new says: one line."""
    if topic:
        return clip(f"Nothing new about {quote(topic, 150)} to report today.", MESSAGE_LIMIT)
    return QUIET_TEXT


# -- lists --------------------------------------------------------------------------
def follows_embed(follows: Sequence[Follow]) -> discord.Embed:
    """A server's follows: topic, channel, the role pinged."""
    embed = discord.Embed(title=f"Follows in this server ({len(follows)})", colour=SUMMARY_COLOUR)
    if not follows:
        embed.colour = ABSTAIN_COLOUR
        embed.description = (
            "This server follows no topic yet: `/follow topic` posts each new story "
            "about it in a channel."
        )
        return fit(embed)
    lines = []
    for number, follow in enumerate(follows, 1):
        ping = f" · pings {role_tag(follow.role_id)}" if follow.role_id is not None else ""
        topic = quote(follow.topic, LABEL_LIMIT) or "?"
        lines.append(f"**{number}.** {topic} → {channel_tag(follow.channel_id)}{ping}")
    embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text="/unfollow topic stops one")
    return fit(embed)


def _source_name(url: str, titles: Mapping[str, str], limit: int = 120) -> str:
    """A source's title (from its feed: untrusted) linked to its address."""
    target = clean_url(url)
    name = quote(titles.get(url, ""), limit) or quote(target or url, limit, "source")
    return link(name, target) if target else name


def _words(words: Sequence[str]) -> str:
    return ", ".join(quote(word, 60) for word in words)


def feeds_embed(feeds: Sequence[FeedChannel], sources: Sequence[FeedSource]) -> discord.Embed:
    """A server's feed channels: which source goes where, with its filters."""
    embed = discord.Embed(
        title=f"Feed channels in this server ({len(feeds)})", colour=SUMMARY_COLOUR
    )
    if not feeds:
        embed.colour = ABSTAIN_COLOUR
        embed.description = (
            "No feed channel in this server yet: `/feed add channel source` posts each "
            "new story of one of my sources (`/sources list`) in a channel."
        )
        return fit(embed)
    titles = {source.url: source.title for source in sources}
    lines = []
    for number, feed in enumerate(feeds, 1):
        parts = [f"**{number}.** {_source_name(feed.source_url, titles)}"]
        parts.append(f"→ {channel_tag(feed.channel_id)}")
        if feed.include:
            parts.append(f"· only with: {_words(feed.include)}")
        if feed.exclude:
            parts.append(f"· never with: {_words(feed.exclude)}")
        lines.append(" ".join(parts))
    embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text="/feed remove source stops one")
    return fit(embed)


def _schedule_line(schedule: DigestSchedule, timezone: str) -> str:
    about = f" about {quote(schedule.topic, LABEL_LIMIT)}" if schedule.topic else ""
    return (
        f"{channel_tag(schedule.channel_id)} daily at {quote(schedule.at, 10)} "
        f"({quote(timezone, 60)}){about}"
    )


def digests_embed(schedules: Sequence[DigestSchedule], timezone: str) -> discord.Embed:
    """A server's daily digests: channel, time (in the bot's timezone), topic."""
    embed = discord.Embed(
        title=f"Daily digests in this server ({len(schedules)})", colour=SUMMARY_COLOUR
    )
    if not schedules:
        embed.colour = ABSTAIN_COLOUR
        embed.description = (
            "No daily digest in this server yet: `/digest channel time` posts the day's "
            f"main stories there every day (times are {quote(timezone, 60)})."
        )
        return fit(embed)
    lines = [f"• {_schedule_line(s, timezone)}" for s in schedules]
    embed.description = join_within(lines, DESCRIPTION_LIMIT, sep="\n", more="… {n} more")
    embed.set_footer(text=clip(f"Times are {timezone} · /digest channel off stops one", 200))
    return fit(embed)


# -- replies to the commands ----------------------------------------------------------
def followed_text(follow: Follow) -> str:
    """The reply to `/follow`."""
    ping = f", pinging {role_tag(follow.role_id)}" if follow.role_id is not None else ""
    return clip(
        f"Following {quote(follow.topic, LABEL_LIMIT)} in {channel_tag(follow.channel_id)}"
        f"{ping}: each new story about it will be posted there (what I have already read "
        "is not).",
        MESSAGE_LIMIT,
    )


def unfollowed_text(topic: str, channel_id: int, removed: int, elsewhere: Sequence[int]) -> str:
    """The reply to `/unfollow`: what stopped, or where the topic is followed instead."""
    shown = quote(topic, LABEL_LIMIT) or "that"
    if removed:
        return clip(f"No longer following {shown} in {channel_tag(channel_id)}.", MESSAGE_LIMIT)
    if elsewhere:
        where = ", ".join(channel_tag(c) for c in elsewhere[:10])
        return clip(
            f"{shown} is not followed in {channel_tag(channel_id)}, but in {where}: "
            "give `channel` to stop it there.",
            MESSAGE_LIMIT,
        )
    return clip(
        f"This server does not follow {shown}: `/follows` lists what it does.", MESSAGE_LIMIT
    )


def digest_set_text(schedule: DigestSchedule, timezone: str) -> str:
    """The reply to `/digest channel time`."""
    return clip(
        f"Daily digest set: {_schedule_line(schedule, timezone)}. "
        "A day with nothing new says so in one line.",
        MESSAGE_LIMIT,
    )


def digest_off_text(channel_id: int, removed: bool) -> str:
    """The reply to `/digest channel off`."""
    if removed:
        return f"No more daily digest in {channel_tag(channel_id)}."
    return f"{channel_tag(channel_id)} has no daily digest: `/digest` lists this server's."


def feed_added_text(feed: FeedChannel, sources: Sequence[FeedSource]) -> str:
    """The reply to `/feed add`."""
    titles = {source.url: source.title for source in sources}
    filters = ""
    if feed.include:
        filters += f" with any of: {_words(feed.include)}"
    if feed.exclude:
        filters += f"{',' if filters else ''} none of: {_words(feed.exclude)}"
    stories = f"stories{filters}" if filters else "stories"
    return clip(
        f"Each new story of {_source_name(feed.source_url, titles)} will be posted in "
        f"{channel_tag(feed.channel_id)} ({stories}); what it holds now is not.",
        MESSAGE_LIMIT,
    )


def feed_removed_text(source: str, channel_id: int, removed: int) -> str:
    """The reply to `/feed remove`."""
    shown = quote(source, 300) or "that source"
    if removed:
        return clip(f"{shown} is no longer posted in {channel_tag(channel_id)}.", MESSAGE_LIMIT)
    return clip(
        f"{shown} is not posted in {channel_tag(channel_id)}: `/feeds` lists this server's "
        "feed channels.",
        MESSAGE_LIMIT,
    )


def need_permission_text(channel_id: int, action: str) -> str:
    """The refusal to a member without Manage Channels where the command acts."""
    return clip(
        f"You need the Manage Channels permission in {channel_tag(channel_id)} to {action}.",
        MESSAGE_LIMIT,
    )
