"""Embedded defaults the harness supplies to builders: a real SQLite checkpointer and a cache.

`EmbeddedSqliteSaver` is LangGraph's own `SqliteSaver` (same schema, same SQL, same delta
history walk) whose async methods run the sync ones inline on the event loop thread. Why not
`AsyncSqliteSaver`: aiosqlite runs every query on a thread of its own and hands results back
through the loop, which a simulated clock cannot see (it would jump timers ahead while a query
is in flight), and its connection is bound to one event loop while every trial gets a fresh
loop. Inline calls take zero simulated time and keep trials deterministic.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.cache.memory import InMemoryCache
from langgraph.cache.redis import RedisCache
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from chaos.extras import require_extra


class InlineAsyncMixin:
    """Async saver methods that run the sync ones inline on the event loop thread.

    For savers whose own async path would run on a thread or a connection the simulated clock
    cannot see, or that is bound to one event loop while every trial gets a fresh one. Put it
    first in the bases: ``class X(InlineAsyncMixin, SqliteSaver)``.
    """

    async def aget_tuple(self, config: Any) -> Any:
        return self.get_tuple(config)  # type: ignore[attr-defined]  # the saver class it mixes into has it

    async def alist(self, config: Any, *, filter: Any = None, before: Any = None, limit: Any = None) -> AsyncIterator[Any]:
        for item in self.list(config, filter=filter, before=before, limit=limit):  # type: ignore[attr-defined]  # the saver class it mixes into has it
            yield item

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        return self.put(config, checkpoint, metadata, new_versions)  # type: ignore[attr-defined]  # the saver class it mixes into has it

    async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        self.put_writes(config, writes, task_id, task_path)  # type: ignore[attr-defined]  # the saver class it mixes into has it

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)  # type: ignore[attr-defined]  # the saver class it mixes into has it

    async def aget_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Mapping[str, Any]:
        history: Mapping[str, Any] = self.get_delta_channel_history(config=config, channels=channels)  # type: ignore[attr-defined]  # the saver class it mixes into has it
        return history


class EmbeddedSqliteSaver(InlineAsyncMixin, SqliteSaver):
    """`SqliteSaver` usable from `ainvoke`: async methods call the sync ones inline.

    `close` closes the connection and removes the temporary directory the saver was created
    in, if it owns one (`sqlite_saver_in` without a directory). A saver nobody closes is
    cleaned up when it is garbage-collected, or at interpreter exit at the latest: a chaos
    session leaves no database files under ``TMPDIR``.
    """

    _cleanup: weakref.finalize[Any, Any] | None = None

    def own_directory(self, folder: Path) -> None:
        """Remove ``folder`` (and the database in it) when this saver is closed or collected."""
        self._cleanup = weakref.finalize(self, _remove_database, self.conn, folder)

    def close(self) -> None:
        """Close the database connection; remove the owned temporary directory, if any."""
        if self._cleanup is not None:
            self._cleanup()
        else:
            self.conn.close()


def _remove_database(conn: sqlite3.Connection, folder: Path) -> None:
    # A finalizer: it must not reference the saver, and must not raise at interpreter exit.
    try:
        conn.close()
    except sqlite3.Error:
        pass
    shutil.rmtree(folder, ignore_errors=True)


def sqlite_saver_in(directory: str | Path | None = None) -> EmbeddedSqliteSaver:
    """An `EmbeddedSqliteSaver` on a fresh database file (in a new temporary directory by default).

    A temporary directory created here belongs to the saver: `EmbeddedSqliteSaver.close`
    removes it (so does garbage collection or interpreter exit, if nobody closes the saver).
    A ``directory`` given by the caller is left in place.
    """
    owned = directory is None or directory == ""
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="langgraph-chaos-"))
    conn = sqlite3.connect(folder / "checkpoints.sqlite", check_same_thread=False)
    # A throw-away test database: WAL without fsync survives a killed process (the data is in
    # the OS page cache), which is all a chaos trial needs, and it is 10x faster than the
    # default rollback journal with a sync per commit (measured: commits were half of a
    # 150-superstep trial's wall time).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    saver = EmbeddedSqliteSaver(conn)
    if owned:
        saver.own_directory(folder)
    saver.setup()
    return saver


def default_cache() -> InMemoryCache[Any]:
    """The cache given to builders whose nodes declare a `CachePolicy`."""
    return InMemoryCache()


# -- real servers: PostgreSQL checkpointers and the Redis cache ------------------------------
#
# Every call below reaches a real server over a socket. Under simulated time that I/O is
# invisible to the clock (the loop would jump to the next timer while a reply is on its way,
# and a 0.2 s query would "time out" a 5 s node), so each call runs under the trial clock's
# `hold()`. Outside a trial there is no clock and nothing is held.


@contextmanager
def held() -> Iterator[None]:
    """Hold the current trial clock (if any) while real I/O is awaited."""
    from chaos.simtime import current_clock

    clock = current_clock()
    if clock is None:
        yield
        return
    with clock.hold():
        yield


class ClockHeldSaver(BaseCheckpointSaver[Any]):
    """A delegating checkpointer: every call of ``inner`` runs with the trial clock held.

    Wrap any saver whose calls do real I/O (a database socket, a thread of its own) with it,
    e.g. a user's `AsyncPostgresSaver`. Every public method of `BaseCheckpointSaver` is
    forwarded, including the delta-channel history walk, ``get_next_version`` (so channel
    versions stay the inner saver's) and ``serde``.
    """

    def __init__(self, inner: BaseCheckpointSaver[Any]) -> None:
        # No super().__init__: the serializer is the inner saver's, read through the property.
        self._inner = inner

    @property
    def inner(self) -> BaseCheckpointSaver[Any]:
        return self._inner

    async def ainner(self) -> BaseCheckpointSaver[Any]:
        """The saver to use from async code (subclasses may connect lazily here)."""
        return self._inner

    @property
    def serde(self) -> Any:
        return self.inner.serde

    @serde.setter
    def serde(self, value: Any) -> None:
        self.inner.serde = value

    @property
    def config_specs(self) -> list[Any]:
        return self.inner.config_specs

    def with_allowlist(self, extra_allowlist: Any) -> BaseCheckpointSaver[Any]:
        inner = self.inner.with_allowlist(extra_allowlist)
        return self if inner is self.inner else type(self)(inner)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    def close(self) -> None:
        """Close the inner saver's connection, if it has one (a socket must not leak)."""
        conn = getattr(self._inner, "conn", None)
        if conn is not None and callable(getattr(conn, "close", None)):
            conn.close()

    # sync
    def get_tuple(self, config: Any) -> Any:
        with held():
            return self.inner.get_tuple(config)

    def list(self, config: Any, *, filter: Any = None, before: Any = None, limit: Any = None) -> Iterator[Any]:
        it = iter(self.inner.list(config, filter=filter, before=before, limit=limit))
        while True:
            with held():
                item = next(it, _END)
            if item is _END:
                return
            yield item

    def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        with held():
            return self.inner.put(config, checkpoint, metadata, new_versions)

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        with held():
            self.inner.put_writes(config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        with held():
            self.inner.delete_thread(thread_id)

    def delete_for_runs(self, run_ids: Any) -> None:
        with held():
            self.inner.delete_for_runs(run_ids)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        with held():
            self.inner.copy_thread(source_thread_id, target_thread_id)

    def prune(self, thread_ids: Any, *, strategy: str = "keep_latest") -> None:
        with held():
            self.inner.prune(thread_ids, strategy=strategy)

    def get_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Mapping[str, Any]:
        with held():
            return self.inner.get_delta_channel_history(config=config, channels=channels)

    # async
    async def aget_tuple(self, config: Any) -> Any:
        with held():
            return await (await self.ainner()).aget_tuple(config)

    async def alist(self, config: Any, *, filter: Any = None, before: Any = None, limit: Any = None) -> AsyncIterator[Any]:
        with held():
            inner = await self.ainner()
        it = inner.alist(config, filter=filter, before=before, limit=limit).__aiter__()
        while True:
            with held():
                try:
                    item = await it.__anext__()
                except StopAsyncIteration:
                    return
            yield item

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        with held():
            return await (await self.ainner()).aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        with held():
            await (await self.ainner()).aput_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        with held():
            await (await self.ainner()).adelete_thread(thread_id)

    async def adelete_for_runs(self, run_ids: Any) -> None:
        with held():
            await (await self.ainner()).adelete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        with held():
            await (await self.ainner()).acopy_thread(source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Any, *, strategy: str = "keep_latest") -> None:
        with held():
            await (await self.ainner()).aprune(thread_ids, strategy=strategy)

    async def aget_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Mapping[str, Any]:
        with held():
            return await (await self.ainner()).aget_delta_channel_history(config=config, channels=channels)


_END = object()


def _setup_postgres(url: str, setup: Callable[[], None]) -> None:
    """Run a saver's ``setup()`` (its migrations) under a server-wide advisory lock.

    Why: pytest-xdist workers share one database, and two concurrent first-time migrations
    race on the migrations table.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as lock_conn:
        lock_conn.execute("SELECT pg_advisory_lock(7265676)")  # any fixed key
        try:
            setup()
        finally:
            lock_conn.execute("SELECT pg_advisory_unlock(7265676)")


def _postgres_connect(url: str) -> Any:
    """A sync psycopg connection configured as LangGraph's Postgres savers require."""
    import psycopg
    from psycopg.rows import dict_row

    return psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)


def _migrate_postgres(url: str) -> None:
    """Create or upgrade LangGraph's checkpoint tables (the same for sync and async savers)."""
    from langgraph.checkpoint.postgres import PostgresSaver

    with _postgres_connect(url) as conn:
        _setup_postgres(url, PostgresSaver(conn).setup)


def postgres_saver(url: str) -> BaseCheckpointSaver[Any]:
    """LangGraph's `PostgresSaver` on a real server, usable from ``ainvoke`` on simulated time.

    Its async methods call the sync ones inline (as `EmbeddedSqliteSaver` does), so a trial's
    fresh event loop never meets a connection bound to an earlier loop, and every query runs
    with the clock held. The schema is migrated once (``setup()``) on first use.
    """
    require_extra("postgres", "postgres_saver (a PostgreSQL checkpointer)")
    from langgraph.checkpoint.postgres import PostgresSaver

    class EmbeddedPostgresSaver(InlineAsyncMixin, PostgresSaver):
        """`PostgresSaver` whose async methods run the sync ones inline."""

    _migrate_postgres(url)
    return ClockHeldSaver(EmbeddedPostgresSaver(_postgres_connect(url)))


class AsyncPostgresHeld(ClockHeldSaver):
    """LangGraph's real `AsyncPostgresSaver`, connected per event loop, calls clock-held.

    `AsyncPostgresSaver` binds its connection and lock to the loop it was created on, and every
    trial runs on a fresh loop, so the first async call on a new loop opens a new connection
    (and closes the previous one). Sync calls are forwarded as-is: `AsyncPostgresSaver` allows
    them only from a thread other than its loop's.
    """

    def __init__(self, url: str) -> None:
        require_extra("postgres", "async_postgres_saver (a PostgreSQL checkpointer)")
        self.url = url
        self._loop: Any = None
        self._saver: Any = None
        self._conn: Any = None
        self._migrated = False

    @property
    def inner(self) -> BaseCheckpointSaver[Any]:
        if self._saver is None:
            raise RuntimeError(
                "AsyncPostgresHeld has no connection yet: use it from async code first "
                "(graph.ainvoke/astream or the saver's a* methods)"
            )
        saver: BaseCheckpointSaver[Any] = self._saver
        return saver

    @property
    def serde(self) -> Any:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        return self._saver.serde if self._saver is not None else AsyncPostgresSaver.serde

    @serde.setter
    def serde(self, value: Any) -> None:
        if self._saver is not None:
            self._saver.serde = value

    @property
    def config_specs(self) -> list[Any]:
        return []

    def with_allowlist(self, extra_allowlist: Any) -> BaseCheckpointSaver[Any]:
        return self  # the default serializer; allowlists apply per connection-less saver only

    def get_next_version(self, current: Any, channel: None) -> Any:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        return AsyncPostgresSaver.get_next_version(self._saver or _PG_VERSIONS, current, channel)  # type: ignore[arg-type]  # a stand-in self (_PgVersions)

    async def ainner(self) -> BaseCheckpointSaver[Any]:
        import asyncio

        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg import AsyncConnection
        from psycopg.rows import dict_row

        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.close()
            with held():
                if not self._migrated:
                    _migrate_postgres(self.url)
                    self._migrated = True
                conn = await AsyncConnection.connect(
                    self.url, autocommit=True, prepare_threshold=0, row_factory=dict_row
                )
            self._conn, self._loop = conn, loop
            self._saver = AsyncPostgresSaver(conn)
        saver: BaseCheckpointSaver[Any] = self._saver
        return saver

    def close(self) -> None:
        """Close the current connection (synchronously: its loop may be gone)."""
        if self._conn is not None:
            self._conn.pgconn.finish()
            self._conn = self._saver = self._loop = None


class _PgVersions:
    """Stand-in ``self`` for `AsyncPostgresSaver.get_next_version` before the first connect."""


_PG_VERSIONS = _PgVersions()


def async_postgres_saver(url: str) -> AsyncPostgresHeld:
    """LangGraph's `AsyncPostgresSaver` on a real server, every call with the clock held."""
    return AsyncPostgresHeld(url)


class ClockHeldRedisCache(RedisCache[Any]):
    """LangGraph's `RedisCache` on a real redis-server, every command with the clock held.

    Its TTLs run on the server's clock (``SETEX``), which simulated time cannot move: check
    them in real time with short TTLs (see the README).
    """

    def get(self, keys: Any) -> Any:
        with held():
            return super().get(keys)

    def set(self, mapping: Any) -> None:
        with held():
            super().set(mapping)

    def clear(self, namespaces: Any = None) -> None:
        with held():
            super().clear(namespaces)


def redis_cache(url: str, *, prefix: str = "langgraph-chaos:cache:") -> ClockHeldRedisCache:
    """A `RedisCache` on the redis-server at ``url`` (for example ``redis://127.0.0.1:6379/0``)."""
    require_extra("redis", "redis_cache (LangGraph's RedisCache)")
    import redis

    return ClockHeldRedisCache(redis.Redis.from_url(url), prefix=prefix)
