"""Follows, digests and feed channels: what the bot posts by itself."""
