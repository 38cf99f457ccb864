"""`chaos.sdk.classify` on real exceptions of httpx, httpx2, requests, aiohttp, openai, anthropic."""

from __future__ import annotations

import pytest

from chaos.sdk import classify, is_inference_endpoint, retry_after_of
from tests.sdk.real_errors import CASES, URL_, httpx_status, sdk_status


@pytest.mark.parametrize("name", CASES)
def test_every_library_error_is_classified_by_library_family_status_and_transience(name: str) -> None:
    make, library, family, status, transient = CASES[name]
    info = classify(make())
    assert (info.library, info.family, info.status, info.transient) == (library, family, status, transient)


@pytest.mark.parametrize("name", [n for n in CASES if "429" in n or "RateLimit" in n or "aiohttp 503" in n])
def test_retry_after_is_read_from_every_librarys_response(name: str) -> None:
    info = classify(CASES[name][0]())
    assert info.retry_after in (2.0, 3.0) and info.retry_after_header in ("2", "3")


def test_langchain_subclasses_are_attributed_to_the_sdk_they_subclass() -> None:
    import openai
    from langchain_openai.chat_models.base import OpenAIRateLimitError

    base = sdk_status(openai, "RateLimitError", 429)
    info = classify(OpenAIRateLimitError("429", response=base.response, body=None))  # type: ignore[attr-defined]
    assert (info.library, info.status, info.transient) == ("openai", 429, True)


def test_a_wrapped_error_is_classified_by_its_cause_and_keeps_the_raised_type() -> None:
    try:
        try:
            raise httpx_status(503)
        except Exception as e:
            raise ValueError("upstream failed") from e
    except ValueError as wrapped:
        info = classify(wrapped)
    assert (info.library, info.status, info.transient, info.wrapped) == ("httpx", 503, True, True)
    assert info.type_name == "ValueError" and info.cause_name == "httpx.HTTPStatusError"


def test_retry_after_ms_wins_and_an_http_date_is_measured_from_the_date_header() -> None:
    import httpx

    req = httpx.Request("GET", URL_)
    ms = httpx.HTTPStatusError("x", request=req, response=httpx.Response(429, headers={"retry-after-ms": "1500", "Retry-After": "9"}, request=req))
    assert retry_after_of(ms) == ("1500 ms", 1.5)
    dated = httpx.HTTPStatusError("x", request=req, response=httpx.Response(503, request=req, headers={
        "Retry-After": "Wed, 01 Jan 2031 00:00:05 GMT", "Date": "Wed, 01 Jan 2031 00:00:00 GMT"}))
    assert retry_after_of(dated) == ("Wed, 01 Jan 2031 00:00:05 GMT", 5.0)


@pytest.mark.parametrize("url", [
    "https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1/responses",
    "https://api.openai.com/v1/embeddings", "https://api.anthropic.com/v1/messages",
    "https://x.openai.azure.com/openai/deployments/gpt/chat/completions?api-version=2024-10-21",
    "http://localhost:11434/api/chat", "https://generativelanguage.googleapis.com/v1beta/models/gemini:generateContent",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude/converse",
])
def test_model_inference_endpoints_are_recognised(url: str) -> None:
    assert is_inference_endpoint(url, "POST")


@pytest.mark.parametrize(("method", "url"), [
    ("POST", "https://api.anthropic.com/v1/messages/batches"), ("POST", "https://api.openai.com/v1/files"),
    ("POST", "https://api.openai.com/v1/responses/resp_1/cancel"), ("POST", "https://api.example.com/orders"),
    ("DELETE", "https://api.openai.com/v1/chat/completions"), ("POST", "https://api.example.com/orders/invoke"),
])
def test_resource_creating_calls_are_not_inference(method: str, url: str) -> None:
    assert not is_inference_endpoint(url, method)
