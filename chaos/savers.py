"""Embedded defaults the harness supplies to builders: a real SQLite checkpointer and a cache.

`EmbeddedSqliteSaver` is LangGraph's own `SqliteSaver` (same schema, same SQL, same delta
history walk) whose async methods run the sync ones inline on the event loop thread. Why not
`AsyncSqliteSaver`: aiosqlite runs every query on a thread of its own and hands results back
through the loop, which a simulated clock cannot see (it would jump timers ahead while a query
is in flight), and its connection is bound to one event loop while every trial gets a fresh
loop. Inline calls take zero simulated time and keep trials deterministic.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.sqlite import SqliteSaver


class EmbeddedSqliteSaver(SqliteSaver):
    """`SqliteSaver` usable from `ainvoke`: async methods call the sync ones inline."""

    async def aget_tuple(self, config: Any) -> Any:
        return self.get_tuple(config)

    async def alist(self, config: Any, *, filter: Any = None, before: Any = None, limit: Any = None) -> AsyncIterator[Any]:
        for item in self.list(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)

    async def aget_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Mapping[str, Any]:
        return self.get_delta_channel_history(config=config, channels=channels)


def sqlite_saver_in(directory: str | Path | None = None) -> EmbeddedSqliteSaver:
    """An `EmbeddedSqliteSaver` on a fresh database file (in a new temporary directory by default)."""
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="langgraph-chaos-"))
    conn = sqlite3.connect(folder / "checkpoints.sqlite", check_same_thread=False)
    saver = EmbeddedSqliteSaver(conn)
    saver.setup()
    return saver


def default_cache() -> InMemoryCache:
    """The cache given to builders whose nodes declare a `CachePolicy`."""
    return InMemoryCache()
