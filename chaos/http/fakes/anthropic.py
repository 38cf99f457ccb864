"""The Anthropic wire format: ``/v1/messages``, plain and streamed (SSE events)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from chaos.http.fakes.policy import Answer, Tool, Turn, stable_text


def messages_turn(body: Mapping[str, Any]) -> Turn:
    """Read a ``/v1/messages`` request."""
    tools = [
        Tool(str(t["name"]), t.get("input_schema") or {})
        for t in body.get("tools") or []
        if isinstance(t, Mapping) and "name" in t
    ]
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    called = [
        str(block["name"])
        for m in messages
        if m.get("role") == "assistant" and isinstance(m.get("content"), list)
        for block in m["content"]
        if isinstance(block, Mapping) and block.get("type") == "tool_use"
    ]
    choice = body.get("tool_choice")
    forced = str(choice["name"]) if isinstance(choice, Mapping) and choice.get("type") == "tool" else None
    required = isinstance(choice, Mapping) and choice.get("type") in ("any", "tool")
    parallel = not (isinstance(choice, Mapping) and choice.get("disable_parallel_tool_use"))
    fmt = body.get("output_format")
    structured = fmt.get("schema") if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema" else None
    return Turn(
        model=str(body.get("model", "")),
        tools=tools,
        called=called,
        turns=sum(1 for m in messages if m.get("role") == "assistant"),
        conversation=stable_text(messages),
        forced=forced,
        require_tool=required,
        parallel=parallel,
        structured=structured if isinstance(structured, Mapping) else None,
    )


def _blocks(turn: Turn, answer: Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if answer.text is not None:
        blocks.append({"type": "text", "text": answer.text})
    for i, (name, args) in enumerate(answer.calls):
        blocks.append({"type": "tool_use", "id": f"toolu_{turn.key}_{i}", "name": name, "input": args})
    return blocks


def messages_response(turn: Turn, answer: Answer, *, stream: bool) -> httpx.Response:
    """A ``message`` (or its event stream) carrying ``answer``."""
    blocks = _blocks(turn, answer)
    stop = "tool_use" if answer.calls else "end_turn"
    message = {
        "id": f"msg_chaos_{turn.key}", "type": "message", "role": "assistant", "model": turn.model,
        "content": blocks, "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    if not stream:
        return httpx.Response(200, json=message)
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}}),
    ]
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            start: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block["text"])]
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"], sort_keys=True)}]
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(("message_delta", {
        "type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 1},
    }))
    events.append(("message_stop", {"type": "message_stop"}))
    text = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode())


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)] or [""]


__all__ = ["messages_response", "messages_turn"]
