"""Cogs: one per feature, each a few lines per handler over `bot.render` and the engine."""
