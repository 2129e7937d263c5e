"""newsdesk's Discord bot: a thin adapter from Discord events to the news engine in `index`."""
