"""The OpenAI wire format: chat completions, responses and embeddings, plain and streamed (SSE).

Only what the official SDK (and so ``langchain-openai``) parses is written; every id derives
from a hash of the conversation (`Turn.key`), so the same request always gets the same answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Mapping
from typing import Any

import httpx

from chaos.http.fakes.policy import Answer, Tool, Turn, stable_text

_USAGE = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}


def _forced(choice: Any) -> tuple[str | None, bool]:
    """(the tool a ``tool_choice`` forces, whether it requires some tool)."""
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else choice.get("name")
        return (str(name) if name else None), True
    return None, choice in ("required", "any")


def _schema_format(fmt: Any) -> Mapping[str, Any] | None:
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == "json_schema":
        inner = fmt.get("json_schema", fmt)
        schema = inner.get("schema") if isinstance(inner, Mapping) else None
        return schema if isinstance(schema, Mapping) else {"type": "object"}
    if fmt.get("type") == "json_object":
        return {"type": "object"}
    return None


# -- chat completions ---------------------------------------------------------------------------


def chat_turn(body: Mapping[str, Any]) -> Turn:
    """Read a ``/chat/completions`` request."""
    tools = [
        Tool(str(t["function"]["name"]), t["function"].get("parameters") or {})
        for t in body.get("tools") or []
        if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
    ]
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    called = [
        str(tc["function"]["name"])
        for m in messages
        if m.get("role") == "assistant"
        for tc in m.get("tool_calls") or []
        if isinstance(tc, Mapping) and isinstance(tc.get("function"), Mapping)
    ]
    forced, required = _forced(body.get("tool_choice"))
    return Turn(
        model=str(body.get("model", "")),
        tools=tools,
        called=called,
        turns=sum(1 for m in messages if m.get("role") == "assistant"),
        conversation=stable_text([m for m in messages if m.get("role") not in ("system", "developer")]),
        forced=forced,
        require_tool=required,
        parallel=body.get("parallel_tool_calls") is not False,
        structured=_schema_format(body.get("response_format")),
    )


def _tool_calls(turn: Turn, answer: Answer) -> list[dict[str, Any]]:
    return [
        {"id": f"call_{turn.key}_{i}", "type": "function", "function": {"name": name, "arguments": args}}
        for i, ((name, _), args) in enumerate(zip(answer.calls, answer.args_json, strict=True))
    ]


def chat_response(turn: Turn, answer: Answer, *, stream: bool, usage_chunk: bool) -> httpx.Response:
    """A ``chat.completion`` (or its ``chat.completion.chunk`` stream) carrying ``answer``."""
    ident = f"chatcmpl-chaos-{turn.key}"
    finish = "tool_calls" if answer.calls else "stop"
    calls = _tool_calls(turn, answer)
    if not stream:
        message: dict[str, Any] = {"role": "assistant", "content": answer.text, "refusal": None}
        if calls:
            message["tool_calls"] = calls
        return httpx.Response(200, json={
            "id": ident, "object": "chat.completion", "created": 0, "model": turn.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": _USAGE,
        })
    base = {"id": ident, "object": "chat.completion.chunk", "created": 0, "model": turn.model}
    chunks: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    if answer.text:
        for piece in _pieces(answer.text):
            chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    for i, call in enumerate(calls):
        chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": i, **call}]}, "finish_reason": None}]})
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if usage_chunk:
        chunks.append({**base, "choices": [], "usage": _USAGE})
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return _sse(text)


# -- responses ----------------------------------------------------------------------------------


def responses_turn(body: Mapping[str, Any]) -> Turn:
    """Read a ``/responses`` request."""
    tools = [
        Tool(str(t["name"]), t.get("parameters") or {})
        for t in body.get("tools") or []
        if isinstance(t, Mapping) and t.get("type") == "function" and "name" in t
    ]
    items = body.get("input")
    items = [{"role": "user", "content": items}] if isinstance(items, str) else [i for i in items or [] if isinstance(i, Mapping)]
    called = [str(i["name"]) for i in items if i.get("type") == "function_call" and "name" in i]
    turns = sum(1 for i in items if i.get("role") == "assistant" or i.get("type") == "function_call")
    forced, required = _forced(body.get("tool_choice"))
    text = body.get("text")
    return Turn(
        model=str(body.get("model", "")),
        tools=tools,
        called=called,
        turns=turns,
        conversation=stable_text([i for i in items if i.get("role") not in ("system", "developer")]),
        forced=forced,
        require_tool=required,
        parallel=body.get("parallel_tool_calls") is not False,
        structured=_schema_format(text.get("format")) if isinstance(text, Mapping) else None,
    )


def _response_items(turn: Turn, answer: Answer) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.text is not None:
        items.append({
            "type": "message", "id": f"msg_{turn.key}", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": answer.text, "annotations": []}],
        })
    for i, ((name, _), args) in enumerate(zip(answer.calls, answer.args_json, strict=True)):
        items.append({
            "type": "function_call", "id": f"fc_{turn.key}_{i}", "call_id": f"call_{turn.key}_{i}",
            "name": name, "arguments": args, "status": "completed",
        })
    return items


def _response_object(turn: Turn, output: list[dict[str, Any]], status: str) -> dict[str, Any]:
    return {
        "id": f"resp_{turn.key}", "object": "response", "created_at": 0, "status": status,
        "model": turn.model, "output": output, "parallel_tool_calls": turn.parallel,
        "tool_choice": "auto", "tools": [], "error": None, "incomplete_details": None,
        "instructions": None, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
        "text": {"format": {"type": "text"}},
        "usage": {
            "input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
            "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def responses_response(turn: Turn, answer: Answer, *, stream: bool) -> httpx.Response:
    """A ``response`` object (or its event stream) carrying ``answer``."""
    items = _response_items(turn, answer)
    done = _response_object(turn, items, "completed")
    if not stream:
        return httpx.Response(200, json=done)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": _response_object(turn, [], "in_progress")},
        {"type": "response.in_progress", "response": _response_object(turn, [], "in_progress")},
    ]
    for index, item in enumerate(items):
        if item["type"] == "message":
            text = item["content"][0]["text"]
            empty = {**item, "status": "in_progress", "content": []}
            part = {"type": "output_text", "text": "", "annotations": []}
            events += [
                {"type": "response.output_item.added", "output_index": index, "item": empty},
                {"type": "response.content_part.added", "item_id": item["id"], "output_index": index, "content_index": 0, "part": part},
            ]
            events += [
                {"type": "response.output_text.delta", "item_id": item["id"], "output_index": index, "content_index": 0, "delta": piece, "logprobs": []}
                for piece in _pieces(text)
            ]
            events += [
                {"type": "response.output_text.done", "item_id": item["id"], "output_index": index, "content_index": 0, "text": text, "logprobs": []},
                {"type": "response.content_part.done", "item_id": item["id"], "output_index": index, "content_index": 0, "part": {**part, "text": text}},
            ]
        else:
            events += [
                {"type": "response.output_item.added", "output_index": index, "item": {**item, "arguments": "", "status": "in_progress"}},
                {"type": "response.function_call_arguments.delta", "item_id": item["id"], "output_index": index, "delta": item["arguments"]},
                {"type": "response.function_call_arguments.done", "item_id": item["id"], "output_index": index, "arguments": item["arguments"]},
            ]
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append({"type": "response.completed", "response": done})
    text = "".join(
        f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n" for n, e in enumerate(events)
    )
    return _sse(text)


# -- embeddings ---------------------------------------------------------------------------------

#: Dimensions of a fake embedding (unless the request asks for ``dimensions``).
EMBEDDING_DIMENSIONS = 16


def vector(text: str, dims: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic unit-ish vector for ``text`` (equal texts, equal vectors)."""
    digest = b""
    counter = 0
    while len(digest) < dims:
        digest += hashlib.sha256(f"{counter}\0{text}".encode()).digest()
        counter += 1
    raw = [(b - 127.5) / 127.5 for b in digest[:dims]]
    norm = sum(v * v for v in raw) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in raw]


def embeddings_response(body: Mapping[str, Any]) -> httpx.Response:
    """An embeddings list, one vector per input (floats, or base64 floats as the SDK asks)."""
    inputs = body.get("input")
    texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
    dims = int(body.get("dimensions") or EMBEDDING_DIMENSIONS)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for i, item in enumerate(texts):
        vec = vector(stable_text(item), dims)
        value: Any = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode() if as_base64 else vec
        data.append({"object": "embedding", "index": i, "embedding": value})
    return httpx.Response(200, json={
        "object": "list", "data": data, "model": body.get("model", ""),
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    })


def _pieces(text: str) -> list[str]:
    """Stream text in a few word-sized deltas (a cut stream then has somewhere to cut)."""
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)] or [""]


def _sse(text: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode())


__all__ = [
    "EMBEDDING_DIMENSIONS",
    "chat_response",
    "chat_turn",
    "embeddings_response",
    "responses_response",
    "responses_turn",
    "vector",
]
