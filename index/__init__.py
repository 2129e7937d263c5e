"""newsdesk's news engine: reading, indexing and answering from news articles.

Nothing here imports discord; `bot/` is a thin adapter over `index.engine.NewsIndex`.
"""
