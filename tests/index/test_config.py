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
