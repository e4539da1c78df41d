"""The citizen queue (bốc số): tickets, calling at the desks, the waiting-room display, statistics.

Pure Python: the same functions run inside `counter-central` (the site's queue host, over HTTP) and
inside the desktop app in single-PC mode (a local SQLite file). See docs/queue.md.
"""
