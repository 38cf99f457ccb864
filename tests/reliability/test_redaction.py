"""Credentials never reach a journal or a report.

Query parameters and headers that look like credentials (``key``, ``token``, ``secret``,
``password``, ``signature``, ``Authorization``, ``api-key``...) are replaced by ``REDACTED``
where requests are journaled, and again in every JSON and HTML report; ``chaos_redact`` adds
names.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

import httpx
import pytest
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.http.redact import (
    REDACTED,
    extra_secret_names,
    is_secret_name,
    redact_headers,
    redact_json,
    redact_text,
    redact_url,
)
from chaos.report import build_report
from chaos.reporting import render_html

SECRET = "s3cr3t-value-0123456789"


@pytest.mark.parametrize(
    "name",
    ["key", "api_key", "api-key", "apikey", "X-Api-Key", "X-Goog-Api-Key", "access_token", "token", "id_token",
     "client_secret", "password", "passwd", "signature", "sig", "X-Amz-Signature", "Authorization",
     "Proxy-Authorization", "Cookie", "Set-Cookie", "sessionid", "Ocp-Apim-Subscription-Key"],
)
def test_credential_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["q", "page", "keyword", "monkey", "author", "limit", "sort", "model", "tokens_used"])
def test_ordinary_names_are_left_alone(name: str) -> None:
    assert not is_secret_name(name)


def test_query_parameters_that_look_like_credentials_lose_their_values() -> None:
    url = f"https://api.example.com/v1/search?q=weather&key={SECRET}&access_token={SECRET}&page=2"

    assert redact_url(url) == (
        f"https://api.example.com/v1/search?q=weather&key={REDACTED}&access_token={REDACTED}&page=2"
    )
    assert redact_url(f"https://user:{SECRET}@db.example.com/x") == f"https://user:{REDACTED}@db.example.com/x"
    assert redact_url("https://api.example.com/v1/search?q=weather") == "https://api.example.com/v1/search?q=weather"


def test_headers_and_free_text_lose_their_credentials() -> None:
    headers = redact_headers({"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "Accept": "json"})
    text = redact_text(
        f"Client error '401 Unauthorized' for url 'https://api.example.com/x?api-key={SECRET}'; "
        f"sent Authorization: Bearer {SECRET} with password={SECRET} and sk-{SECRET}"
    )

    assert headers == [("Authorization", REDACTED), ("X-Api-Key", REDACTED), ("Accept", "json")]
    assert SECRET not in text
    assert "for url 'https://api.example.com/x?api-key=REDACTED'" in text


def test_chaos_redact_names_are_added_for_a_block_and_then_forgotten() -> None:
    url = f"https://api.example.com/x?tenant_pin={SECRET}"

    with extra_secret_names(["tenant_pin"]):
        assert redact_url(url) == f"https://api.example.com/x?tenant_pin={REDACTED}"
    assert redact_url(url) == url


class S(TypedDict, total=False):
    out: str


CLIENT = httpx.AsyncClient(timeout=10)
URL = "https://maps.example.com/geocode"


async def call(state: S) -> dict[str, Any]:
    response = await CLIENT.get(URL, params={"address": "Main St", "key": SECRET})
    response.raise_for_status()
    return {"out": response.text}


def graph() -> StateGraph:
    builder = StateGraph(S)
    builder.add_node("call", call)
    builder.add_edge(START, "call")
    builder.add_edge("call", END)
    return builder


def test_a_journaled_request_and_the_reports_carry_no_api_key() -> None:
    harness = Chaos(1, "redaction")
    harness.http.get(url__startswith=URL).respond(200, text="ok")
    result = harness.run(graph(), {})
    harness.close()

    report = build_report(1, [result.to_json()])
    page = render_html(report)

    assert [h.url for h in result.journal.http] == [f"{URL}?address=Main+St&key={REDACTED}"]
    assert SECRET not in json.dumps(report)
    assert SECRET not in page


def test_reports_redact_records_written_before_redaction_existed() -> None:
    trial = {"id": "t", "verdict": "pass", "journal": [], "violations": [], "faults": [],
             "http": [{"method": "GET", "url": f"{URL}?token={SECRET}", "time": 0.0}],
             "error_message": f"failed: Authorization: Bearer {SECRET}"}

    report = build_report(1, [trial])

    assert SECRET not in json.dumps(report)
    assert SECRET not in render_html({"schema_version": 1, "seed": 1, "trials": [trial]})
    assert redact_json({"api_key": SECRET, "n": 1}) == {"api_key": REDACTED, "n": 1}


def test_redaction_keeps_no_string_per_trial() -> None:
    # Every trial brings strings seen once (its id, its repro line); a session of 10,000 trials
    # must not keep them in the redaction cache (a 65,536-entry cache held ~1 KB a trial).
    from chaos.http.redact import redact_json, redact_text

    for n in range(5000):
        redact_json({"id": f"chaos:app:builder::exception[node@a1]#{n}", "repro": f"pytest --chaos 'x#{n}'"})

    assert redact_text.cache_info().currsize <= 1024


REDACT_TEST = '''
from typing import Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph

SECRET = "pin-0000-1111"
URL = "https://maps.example.com/geocode"


class S(TypedDict, total=False):
    out: str


async def call(state: S) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(URL, params={"address": "Main St", "tenant_pin": SECRET})
    return {"out": response.text}


def test_geocode(chaos):
    builder = StateGraph(S)
    builder.add_node("call", call)
    builder.add_edge(START, "call")
    builder.add_edge("call", END)
    chaos.http.get(url__startswith=URL).respond(200, text="ok")
    chaos.run(builder, {})
'''


@pytest.mark.parametrize("ini", [True, False], ids=["chaos_redact", "without"])
def test_chaos_redact_in_the_ini_file_keeps_a_name_out_of_both_reports(pytester: pytest.Pytester, ini: bool) -> None:
    if ini:
        pytester.makeini("[pytest]\nchaos_redact =\n    tenant_pin\n")
    pytester.makepyfile(test_geocode=REDACT_TEST)
    result = pytester.runpytest("--chaos", "-p", "no:randomly", "--chaos-report=r.json", "--chaos-html=r.html")
    result.assert_outcomes(passed=1)
    report, page = (pytester.path / "r.json").read_text(), (pytester.path / "r.html").read_text()
    if ini:
        assert "pin-0000-1111" not in report and "pin-0000-1111" not in page
        assert f"tenant_pin={REDACTED}" in report
    else:  # not a credential name by itself: the ini setting is what hides it
        assert "tenant_pin=pin-0000-1111" in report
