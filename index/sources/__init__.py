"""Sources the index follows: feeds and article pages kept in SQLite and polled.

rows.py holds their SQL, schedule.py when each is polled next, politeness.py how
often a host is asked (and what its robots.txt allows), entries.py what a feed
entry becomes, poller.py one poll of every due source.
"""
