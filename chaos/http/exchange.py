"""One request in flight: its journal record, the client's timeouts, and faulty bodies.

Waiting is simulated like everything else in a trial: an async client awaits ``asyncio.sleep``
on the trial's event loop (so LangGraph's run/idle watchdogs race it exactly as they would race
a silent socket), a sync client calls ``time.sleep``, which advances the virtual clock. A wait
longer than the client's read timeout ends at the read timeout with the transport's
``ReadTimeout``, as a real socket read would.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
import httpx

from chaos.errors import ChaosAbort
from chaos.http.transport import Flavor
from chaos.journal import HttpRecord


def split_chunks(body: bytes, content_type: str) -> list[bytes]:
    """The chunks a stream fault counts: SSE events for ``text/event-stream``, else lines.

    Every chunk keeps its terminator, so joining the chunks gives the body back.
    """
    if not body:
        return []
    sep = b"\n\n" if "text/event-stream" in content_type.lower() else b"\n"
    body = body.replace(b"\r\n", b"\n") if sep == b"\n\n" else body
    parts = body.split(sep)
    chunks = [p + sep for p in parts[:-1]]
    if parts[-1]:
        chunks.append(parts[-1])
    return chunks


@dataclass
class Exchange:
    """A request being answered: what the client sees and what the journal records."""

    flavor: Flavor
    request: httpx.Request
    record: HttpRecord

    @property
    def read_timeout(self) -> float | None:
        """The client's read timeout for this request (None: it waits forever)."""
        timeout = self.request.extensions.get("timeout") or {}
        value = timeout.get("read")
        return None if value is None else float(value)

    def answered(self, response: httpx.Response) -> httpx.Response:
        """Journal the answer's status and ``Retry-After`` (``retry-after-ms`` wins, as the
        openai and anthropic clients read it); return ``response``."""
        self.record.status = response.status_code
        ms = response.headers.get("retry-after-ms")
        value = response.headers.get("retry-after")
        self.record.retry_after = f"{ms} ms" if ms is not None else value
        return response

    def error(self, name: str, message: str) -> Exception:
        """The transport's ``name`` error, recorded in the journal as the client will see it."""
        if self.record.error is None:
            self.record.error = name
        return self.flavor.error(name, message)

    def _bounded(self, seconds: float) -> tuple[float, bool]:
        """How long to wait and whether the wait ends in a read timeout."""
        limit = self.read_timeout
        if limit is not None and seconds > limit:
            return limit, True
        return seconds, False

    def _timed_out(self) -> Exception:
        return self.error("ReadTimeout", f"chaos: no data within the read timeout ({self.read_timeout:g}s)")

    def wait_sync(self, seconds: float) -> None:
        """Block (virtually) for ``seconds``; past the read timeout, raise ReadTimeout."""
        wait, times_out = self._bounded(seconds)
        if math.isinf(wait):
            node = self.record.node or "(no node)"
            raise ChaosAbort(
                node,
                f"node {node!r} waits forever for {self.record.method} {self.record.url} "
                f"({self.record.fault}): the sync client has no read timeout and LangGraph cannot "
                "time out a sync node, so in production this run would never finish. Give the "
                "client a timeout, e.g. httpx.Client(timeout=httpx.Timeout(30.0)).",
            )
        if wait:
            time.sleep(wait)
        if times_out:
            raise self._timed_out()

    async def wait_async(self, seconds: float) -> None:
        """Await ``seconds`` on the trial's loop; past the read timeout, raise ReadTimeout."""
        wait, times_out = self._bounded(seconds)
        try:
            if math.isinf(wait):
                await asyncio.get_running_loop().create_future()  # only cancellation ends it
            elif wait:
                await asyncio.sleep(wait)
        except asyncio.CancelledError:
            self.cancelled()
            raise
        if times_out:
            raise self._timed_out()

    def cancelled(self) -> None:
        """The client gave up while waiting (a LangGraph timeout cancelled the node)."""
        if self.record.error is None:
            self.record.error = "Cancelled"


class FaultBody:
    """A response body that delivers its chunks, then stalls, breaks or trickles.

    Iterable and async-iterable, as httpcore's ``Response(content=...)`` accepts: the sync
    side serves sync clients, the async side async ones.
    """

    def __init__(
        self,
        exchange: Exchange,
        chunks: list[bytes],
        *,
        per_chunk: float = 0.0,
        stall_after: int | None = None,
        cut_after: int | None = None,
        clean_cut: bool = False,
    ) -> None:
        self.exchange = exchange
        self.chunks = chunks
        self.per_chunk = per_chunk
        self.stall_after = stall_after
        self.cut_after = cut_after
        self.clean_cut = clean_cut
        self._start: float | None = None

    def _until_due(self, index: int) -> float:
        """Seconds until chunk ``index`` is due. The server sends chunk i at ``i * per_chunk``
        after the first, whether or not the client has read the previous ones (the socket
        buffers them), so a slow reader waits only for what is not there yet."""
        now = time.monotonic()  # the virtual clock under simulated time
        if self._start is None:
            self._start = now
        return max(0.0, self._start + index * self.per_chunk - now)

    def _cut(self, index: int) -> tuple[bytes, Exception | None]:
        """Half of chunk ``index`` (if any), then the break (None for a clean end)."""
        part = self.chunks[index][: len(self.chunks[index]) // 2] if index < len(self.chunks) else b""
        if self.clean_cut:
            return part, None
        return part, self.exchange.error(
            "RemoteProtocolError",
            "chaos: peer closed connection without sending complete message body (incomplete chunked read)",
        )

    def __iter__(self) -> Iterator[bytes]:
        for i in range(len(self.chunks) + 1):
            if i == self.stall_after:
                self.exchange.wait_sync(math.inf)
            if i == self.cut_after:
                part, err = self._cut(i)
                if part:
                    yield part
                if err is not None:
                    raise err
                return
            if i == len(self.chunks):
                return
            if self.per_chunk:
                self.exchange.wait_sync(self._until_due(i))
            yield self.chunks[i]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(len(self.chunks) + 1):
            if i == self.stall_after:
                await self.exchange.wait_async(math.inf)
            if i == self.cut_after:
                part, err = self._cut(i)
                if part:
                    yield part
                if err is not None:
                    raise err
                return
            if i == len(self.chunks):
                return
            if self.per_chunk:
                await self.exchange.wait_async(self._until_due(i))
            yield self.chunks[i]

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def faulty_response(response: httpx.Response, body: FaultBody) -> httpx.Response:
    """``response`` with ``body`` as its (streamed) body: no Content-Length, as a chunked
    server would send it."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
    return httpx.Response(
        response.status_code, headers=headers, stream=body,  # type: ignore[arg-type]  # a byte iterator httpx streams
        extensions=dict(response.extensions),
    )


__all__ = ["Exchange", "FaultBody", "faulty_response", "split_chunks"]
