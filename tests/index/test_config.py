"""Configuration: TOML into frozen dataclasses, with one-line errors."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from index.config import Config, discord_token, load_config, parse_config
from index.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_example_config_loads_and_matches_defaults_where_commented(tmp_path):
    config = load_config(REPO / "config.example.toml")
    assert config.index.passage_tokens > 0
    assert isinstance(config.discord.answer_channels, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.index.path = "x"  # type: ignore[misc]


def test_no_config_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()
    assert Config().index.path == "./newsdesk-data"


def test_config_toml_in_the_working_directory_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "config.example.toml", tmp_path / "config.toml")
    (tmp_path / "config.toml").write_text(
        (tmp_path / "config.toml")
        .read_text()
        .replace('path = "./newsdesk-data"', 'path = "elsewhere"')
    )
    assert load_config().index.path == "elsewhere"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[discord]\nanswer_channel = [1]", "unknown key 'answer_channel' in \\[discord\\]"),
        ("[bot]\nx = 1", "unknown section \\[bot\\]"),
        ('[discord]\nanswer_channels = ["123"]', "answer_channels must be a list of integer"),
        ('[discord]\ndev_guild_id = "1"', "dev_guild_id must be an integer"),
        ("[discord]\nreply_on_mention = 1", "reply_on_mention must be true or false"),
        ("[index]\npassage_tokens = 4", "passage_tokens must be at least"),
        ("[index]\npath = 3", "path must be a string"),
        ("[index\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_one_line_error_naming_the_key(tmp_path, toml, message):
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "\n" not in str(info.value)


def test_missing_config_file_named_explicitly_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_token_only_from_environment(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        discord_token()
    monkeypatch.setenv("DISCORD_TOKEN", " abc ")
    assert discord_token() == "abc"
    assert parse_config({"discord": {"answer_channels": [1, 2]}}).discord.answer_channels == (1, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"index": {"retention_days": -1}}, "retention_days"),
        ({"sources": {"poll_minutes": 0}}, "poll_minutes"),
        ({"sources": {"parallel_fetches": 0}}, "parallel_fetches"),
        ({"sources": {"host_interval_s": -0.5}}, "host_interval_s"),
        ({"sources": {"host_interval_s": "1s"}}, "must be a number"),
        ({"discord": {"operators": ["me"]}}, "list of integer ids"),
        ({"discord": {"operators_channel_id": "news"}}, "integer id"),
    ],
)
def test_source_and_retention_settings_are_checked(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


def test_source_settings_are_read():
    config = parse_config(
        {
            "discord": {"operators": [1, 2], "operators_channel_id": 3, "poll_sources": False},
            "index": {"retention_days": 0},
            "sources": {"poll_minutes": 5, "parallel_fetches": 2, "host_interval_s": 2},
        }
    )
    assert config.discord.operators == (1, 2) and config.discord.operators_channel_id == 3
    assert not config.discord.poll_sources and config.index.retention_days == 0
    assert (config.sources.poll_minutes, config.sources.parallel_fetches) == (5, 2)
    assert config.sources.host_interval_s == 2.0 and isinstance(
        config.sources.host_interval_s, float
    )
