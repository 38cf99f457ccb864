"""Real LangChain chat models (ChatOpenAI, ChatAnthropic) behind ``chaos.http`` routes.

Only the provider's endpoint is mocked: the SDK builds the request, runs its own retry loop
(with its own sleeps on the simulated clock) and raises its own exceptions.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI

from chaos.http import HttpChaos

OPENAI = "https://llm.example.com/v1"
ANTHROPIC = "https://claude.example.com"


def completion(content: str = "Rotate keys in Settings.", tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
            for c in tool_calls
        ]
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
    }


def anthropic_message(text: str = "Rotate keys in Settings.") -> dict[str, Any]:
    return {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 5},
    }


def openai_model(max_retries: int = 0, **kw: Any) -> ChatOpenAI:
    return ChatOpenAI(model="test-model", base_url=OPENAI, api_key="test", max_retries=max_retries, timeout=30, **kw)  # type: ignore[arg-type]


def anthropic_model(max_retries: int = 0, **kw: Any) -> ChatAnthropic:
    return ChatAnthropic(model="claude-test", base_url=ANTHROPIC, api_key="test", max_retries=max_retries,  # type: ignore[call-arg]
                         default_request_timeout=30, **kw)


def route_models(http: HttpChaos, answer: str = "Rotate keys in Settings.") -> None:
    """Happy paths for both providers' chat endpoints."""
    http.post(f"{OPENAI}/chat/completions").mock(side_effect=lambda r: httpx.Response(200, json=completion(answer)))
    http.post(f"{ANTHROPIC}/v1/messages").mock(side_effect=lambda r: httpx.Response(200, json=anthropic_message(answer)))
