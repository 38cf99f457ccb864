"""LGC104-LGC206: swallowed cancellations, retry_on asked about bad input and real client errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import requests
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos.audit import audit
from tests.audit.helpers import S, codes, one_node

T = TimeoutPolicy(run_timeout=30)
RETRY_ALL = RetryPolicy(retry_on=lambda e: True)


def transient_httpx(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


RETRY_HTTPX = RetryPolicy(retry_on=transient_httpx)


# -- LGC104 ----------------------------------------------------------------------------------


async def swallows(state: S) -> dict[str, Any]:
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        return {"result": "stale"}
    return {"result": "fresh"}


async def catches_everything(state: S) -> dict[str, Any]:
    try:
        await asyncio.sleep(1)
    except BaseException:
        pass
    return {"result": "?"}


async def reraises(state: S) -> dict[str, Any]:
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        await asyncio.sleep(0)
        raise
    except Exception:
        return {"result": "failed"}  # ordinary errors may be handled
    return {"result": "fresh"}


def test_a_node_that_swallows_cancelled_error_is_reported_with_its_line() -> None:
    [finding] = audit(one_node(swallows, timeout=T), probes=False)
    assert (finding.code, finding.location, finding.severity) == ("LGC104", "work", "error")
    assert "catches asyncio.CancelledError at line " in finding.message
    assert "re-raise" in finding.fix


def test_catching_base_exception_without_raising_is_reported() -> None:
    [finding] = audit(one_node(catches_everything, timeout=T), probes=False)
    assert finding.code == "LGC104" and "catches BaseException" in finding.message


def test_a_node_that_cleans_up_and_reraises_is_not_reported() -> None:
    assert audit(one_node(reraises, timeout=T), probes=False) == []


# -- LGC205 ----------------------------------------------------------------------------------


async def work_httpx(state: S) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:  # never runs: the audit is static here
        await client.get("https://api.example.test")
    return {"result": "done"}


def test_a_retry_on_that_accepts_every_exception_retries_bad_input_and_is_reported() -> None:
    found = audit(one_node(work_httpx, retry_policy=RETRY_ALL, timeout=T), probes=False)
    [finding] = [f for f in found if f.code == "LGC205"]
    assert finding.location == "work"
    assert "ValueError, TypeError, KeyError, json.JSONDecodeError, pydantic.ValidationError" in finding.message


def test_the_default_retry_on_rejects_bad_input_and_is_not_reported() -> None:
    found = audit(one_node(work_httpx, retry_policy=RetryPolicy(), timeout=T), probes=False)
    assert "LGC205" not in {f.code for f in found}


# -- LGC206 ----------------------------------------------------------------------------------


def fetch_with_requests(state: S) -> dict[str, Any]:
    r = requests.get("https://api.example.test", timeout=5)
    r.raise_for_status()
    return {"result": r.text}


def requests_transient(exc: BaseException) -> bool:
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 500
        return status == 429 or status >= 500
    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def test_the_default_retry_on_answers_requests_exceptions_the_wrong_way_and_is_reported() -> None:
    found = audit(one_node(fetch_with_requests, retry_policy=RetryPolicy()), probes=False)
    [finding] = [f for f in found if f.code == "LGC206"]
    assert "retries requests.HTTPError 400, requests.HTTPError 404" in finding.message
    assert "does not retry requests.ConnectionError (" in finding.message


def test_a_retry_on_written_for_requests_is_not_reported() -> None:
    found = audit(one_node(fetch_with_requests, retry_policy=RetryPolicy(retry_on=requests_transient)), probes=False)
    assert "LGC206" not in {f.code for f in found}


def test_an_httpx_node_under_a_transient_only_policy_is_not_reported() -> None:
    found = audit(one_node(work_httpx, retry_policy=RETRY_HTTPX, timeout=T), probes=False)
    assert codes(found) == []


def test_an_httpx_node_whose_retry_on_rejects_connect_errors_is_reported() -> None:
    only_5xx = RetryPolicy(retry_on=lambda e: isinstance(e, httpx.HTTPStatusError) and e.response.status_code >= 500)
    found = audit(one_node(work_httpx, retry_policy=only_5xx, timeout=T), probes=False)
    [finding] = [f for f in found if f.code == "LGC206"]
    assert "does not retry httpx.ConnectError (" in finding.message
