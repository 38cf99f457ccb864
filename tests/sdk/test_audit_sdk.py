"""Audit LGC201 and LGC202 against the exceptions and endpoints of real ChatOpenAI/ChatAnthropic.

LGC201 asks the node's policy about the 429 the node really raises (probed, not assumed to
be httpx's); LGC202 does not count a model-inference POST as a side-effecting write.
"""

from __future__ import annotations

from typing import Any

import httpx
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos.audit import audit
from chaos.audit.policies import rate_limit_like
from chaos.http import HttpChaos
from tests.audit.helpers import URL, one_node
from tests.sdk.models import anthropic_model, openai_model, route_models
from tests.sdk.real_errors import CASES

T = TimeoutPolicy(run_timeout=30)


def models() -> HttpChaos:
    http = HttpChaos(seal=True)
    route_models(http)
    return http


def asker(model: Any) -> Any:
    async def work(state: dict[str, Any]) -> dict[str, Any]:
        return {"result": str((await model.ainvoke("q")).content)}

    return work


def test_the_default_policy_retries_chatopenais_and_chatanthropics_rate_limits_so_lgc201_is_silent() -> None:
    for model in (openai_model(), anthropic_model()):
        found = audit(one_node(asker(model), retry_policy=RetryPolicy(), timeout=T), around=[models()])
        assert [f.code for f in found if f.code in ("LGC201", "LGC202")] == []


def test_a_retry_on_that_rejects_the_sdks_rate_limit_is_reported_with_the_sdks_fix() -> None:
    only_5xx = RetryPolicy(retry_on=lambda e: getattr(e, "status_code", 0) >= 500)
    [f] = [f for f in audit(one_node(asker(openai_model()), retry_policy=only_5xx, timeout=T), around=[models()])
           if f.code == "LGC201"]
    assert "a rate limit (langchain_openai.chat_models.base.OpenAIRateLimitError (HTTP 429, Retry-After: 1))" in f.message
    assert "its retry_on rejects the langchain_openai.chat_models.base.OpenAIRateLimitError a 429 raises" in f.message
    assert "retry_on=(openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError)" in f.fix


async def raw_get(state: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        (await client.get(URL)).raise_for_status()
    return {"result": "ok"}


def test_a_raw_httpx_429_under_the_default_policy_is_still_reported() -> None:
    http = HttpChaos(seal=True)
    http.get(URL).respond(200, json={})
    [f] = [f for f in audit(one_node(raw_get, retry_policy=RetryPolicy(), timeout=T), around=[http]) if f.code == "LGC201"]
    assert "httpx.HTTPStatusError (HTTP 429, Retry-After: 1)" in f.message and "default_retry_on" in f.message
    assert "import httpx; add_node(..., retry_policy=RetryPolicy(retry_on=lambda e: isinstance(e, (httpx.TimeoutException" in f.fix


def test_a_chat_completion_post_under_a_retrying_policy_is_not_a_side_effecting_write() -> None:
    retry_all = RetryPolicy(retry_on=Exception)
    found = audit(one_node(asker(openai_model()), retry_policy=retry_all, timeout=T), around=[models()])
    assert "LGC202" not in [f.code for f in found]


async def create(state: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        await client.post(URL, json={})
    return {"result": "created"}


def test_a_post_that_creates_something_under_the_same_policy_is_reported() -> None:
    http = HttpChaos(seal=True)
    http.post(URL).respond(201, json={})
    found = audit(one_node(create, retry_policy=RetryPolicy(retry_on=Exception), timeout=T), around=[http])
    assert "LGC202" in [f.code for f in found]


def test_rate_limits_are_rebuilt_in_the_library_of_the_observed_error() -> None:
    for name, lib in (("httpx 503", "httpx"), ("httpx2 429", "httpx2"), ("openai InternalServerError", "openai"),
                      ("anthropic OverloadedError", "anthropic"), ("requests 400", "requests")):
        made = rate_limit_like(CASES[name][0]())
        assert made is not None and type(made).__module__.split(".")[0] == lib, name
    assert rate_limit_like(ValueError("x")) is None
