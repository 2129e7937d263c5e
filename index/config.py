"""Configuration: one TOML file read into frozen dataclasses.

Lookup order: an explicit path, else ./config.toml when present, else the
built-in defaults. The Discord token comes only from the environment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from index.errors import ConfigError

DEFAULT_MODEL = "bundled:all-mpnet-base-v2"
DEVICES = ("cpu", "cuda", "auto")
DEFAULT_INDEX_PATH = "./newsdesk-data"


@dataclass(frozen=True)
class DiscordConfig:
    """How the bot behaves in Discord."""

    answer_channels: tuple[int, ...] = ()
    dev_guild_id: int | None = None
    reply_on_mention: bool = True
    # Register the slash commands with Discord globally at every start. Off: global
    # registration is rate limited and needed only after the commands change
    # (`newsdesk run --sync` does it once); the dev guild is synced at every start.
    sync_global: bool = False
    # Flood control: questions one user may ask (mentions, DMs, /ask) and unprompted
    # questions one answer channel may raise, per minute; repeats are dropped.
    user_questions_per_minute: int = 5
    channel_questions_per_minute: int = 12
    # Who may change the bot's sources (/sources add|remove, /ingest): sources feed
    # every server, so not any one server's admins. The application's owner or team
    # always may; these user ids too.
    operators: tuple[int, ...] = ()
    # Where a source that keeps failing is announced (once, not every poll); none: logged.
    operators_channel_id: int | None = None
    # Poll the sources in the background while the bot runs.
    poll_sources: bool = True


@dataclass(frozen=True)
class IndexConfig:
    """Where the index lives and how text is embedded and split."""

    path: str = DEFAULT_INDEX_PATH
    model: str = DEFAULT_MODEL
    passage_tokens: int = 108  # tuned on rtqa-gold: rank-1 passages ~390 chars
    # Articles published (or, undated, read) longer ago than this leave the index
    # (`newsdesk prune`, and daily while the bot runs); 0 keeps everything.
    retention_days: int = 90
    # Past this many passages the vectors move to an approximate index (IVF-SQ6, built
    # in the background; recall@10 >= 0.97 against exact, a fifth of the memory);
    # 0 keeps exact search at any size.
    approximate_from: int = 50_000
    # Where the model embeds: "cpu", "cuda" (a GPU, for backfills: onnxruntime-gpu or a
    # CUDA build of torch must be installed), or "auto" (a GPU when one is usable).
    device: str = "cpu"


@dataclass(frozen=True)
class SourcesConfig:
    """Which addresses URLs given to ingest may be fetched from."""

    # Off: a URL (or a redirect) to a loopback or private-network address (127.0.0.1,
    # 10.x, 192.168.x, fc00::/7...) is refused. On, for news served on an intranet.
    # Link-local (the cloud metadata address 169.254.169.254), multicast, unspecified
    # and reserved addresses are refused either way.
    allow_private_addresses: bool = False
    # How often a newly added source is polled unless `feeds add --every` says otherwise.
    poll_minutes: int = 30
    # Fetches in flight at once during a poll, and the least time between two requests
    # to one host (politeness).
    parallel_fetches: int = 4
    host_interval_s: float = 1.0


@dataclass(frozen=True)
class AlertsConfig:
    """What the bot posts by itself: follows, daily digests, feed channels."""

    # Messages the bot posts by itself in one channel per hour; stories over the limit
    # share one "more stories" message, then wait for the next hour.
    posts_per_hour: int = 6
    # The timezone of digest times (an IANA name such as "Europe/Paris").
    timezone: str = "UTC"
    # A digest with nothing new says so in one line; false: it stays silent.
    say_when_quiet: bool = True
    # Follows, digests and feed channels one server may have, all together.
    max_per_server: int = 50
    # Seconds between two looks for new stories to post (and digests due).
    tick_seconds: float = 30.0


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    discord: DiscordConfig = field(default_factory=DiscordConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)


def _check_type(section: str, key: str, value: Any, expected: Any) -> Any:
    """Return `value` converted to the field's type, or raise ConfigError naming it."""
    where = f"[{section}] {key}"
    if expected in ("bool", bool):
        if not isinstance(value, bool):
            raise ConfigError(f"config: {where} must be true or false, got {value!r}")
        return value
    if expected in ("int", int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config: {where} must be an integer, got {value!r}")
        return value
    if expected in ("int | None",):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config: {where} must be an integer id, got {value!r}")
        return value
    if expected in ("float", float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config: {where} must be a number, got {value!r}")
        return float(value)
    if expected in ("str", str):
        if not isinstance(value, str):
            raise ConfigError(f"config: {where} must be a string, got {value!r}")
        return value
    if expected == "tuple[int, ...]":
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value
        ):
            raise ConfigError(f"config: {where} must be a list of integer ids, got {value!r}")
        return tuple(value)
    raise AssertionError(f"unhandled config type {expected}")  # a bug, not user input


def _section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"config: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(
                f"config: unknown key '{key}' in [{name}] (known: {', '.join(known)})"
            )
        values[key] = _check_type(name, key, value, known[key].type)
    return cls(**values)


def parse_config(data: dict[str, Any]) -> Config:
    """Build a Config from parsed TOML, rejecting unknown sections, keys and wrong types."""
    sections = {
        "discord": DiscordConfig,
        "index": IndexConfig,
        "sources": SourcesConfig,
        "alerts": AlertsConfig,
    }
    parts = {}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"config: unknown section [{name}] (known: {', '.join(sections)})")
        parts[name] = _section(name, sections[name], value)
    config = Config(**parts)
    if config.index.passage_tokens < 16:
        raise ConfigError("config: [index] passage_tokens must be at least 16")
    for key in ("user_questions_per_minute", "channel_questions_per_minute"):
        if getattr(config.discord, key) < 1:
            raise ConfigError(f"config: [discord] {key} must be at least 1")
    if config.index.device not in DEVICES:
        raise ConfigError(
            f"config: [index] device must be one of {', '.join(DEVICES)},"
            f" got {config.index.device!r}"
        )
    if config.index.approximate_from < 0:
        raise ConfigError("config: [index] approximate_from must be 0 (always exact) or more")
    if config.index.retention_days < 0:
        raise ConfigError("config: [index] retention_days must be 0 (keep all) or more")
    for key in ("poll_minutes", "parallel_fetches"):
        if getattr(config.sources, key) < 1:
            raise ConfigError(f"config: [sources] {key} must be at least 1")
    if config.sources.host_interval_s < 0:
        raise ConfigError("config: [sources] host_interval_s must not be negative")
    for key in ("posts_per_hour", "max_per_server"):
        if getattr(config.alerts, key) < 1:
            raise ConfigError(f"config: [alerts] {key} must be at least 1")
    if config.alerts.tick_seconds <= 0:
        raise ConfigError("config: [alerts] tick_seconds must be more than 0")
    try:
        ZoneInfo(config.alerts.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"config: [alerts] timezone {config.alerts.timezone!r} is not a known timezone"
            " (an IANA name such as 'UTC' or 'Europe/Paris')"
        ) from None
    return config


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration from `path`, else ./config.toml, else defaults."""
    if path is None:
        default = Path("config.toml")
        if not default.is_file():
            return Config()
        path = default
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config: file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config: {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config: cannot read {path}: {exc.strerror}") from None
    return parse_config(data)


def discord_token() -> str:
    """Return the bot token from DISCORD_TOKEN, or raise ConfigError."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: export the bot token from the Discord developer portal"
        )
    return token
