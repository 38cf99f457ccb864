"""Status and transport faults at the httpx transport, aimed at node attempts.

The node calls a real ``httpx.AsyncClient`` (or ``httpx.Client`` in a sync node); only the
upstream is mocked (respx routes on ``chaos.http``). Times are simulated seconds; the retry
policy backs off 1 s, 2 s, 4 s without jitter.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypedDict

import httpcore
import httpx
import pytest
import respx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import Chaos, ChaosUsageError, faults
from chaos.http import UnmatchedRequest
from chaos.http import faults as http_faults
from chaos.simtime import SIM_EPOCH

API = "https://api.example.com/items"
SEEN: list[BaseException] = []
# Shared clients, as applications keep them (building one loads the CA bundle: ~0.1 s each).
CLIENT = httpx.AsyncClient(timeout=10)
SYNC_CLIENT = httpx.Client(timeout=10)


class S(TypedDict, total=False):
    items: list[int]


def transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


RETRY = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, jitter=False, max_attempts=4, retry_on=transient)


async def fetch(state: S) -> dict[str, Any]:
    try:
        response = await CLIENT.get(API)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        SEEN.append(exc)  # what the node saw, for the assertions
        raise
    return {"items": response.json()}


def sync_fetch(state: S) -> dict[str, Any]:
    response = SYNC_CLIENT.get(API)
    response.raise_for_status()
    return {"items": response.json()}


def builder(node: Any = fetch, retry: RetryPolicy | None = RETRY) -> StateGraph:
    g = StateGraph(S)
    g.add_node("fetch", node, retry_policy=retry)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    SEEN.clear()
    harness.http.get(API).respond(200, json=[1, 2])
    return harness


def requests(result: Any) -> list[tuple[int | None, float, int | None, str | None]]:
    return [(h.attempt, h.time, h.status, h.error) for h in result.journal.http]


@pytest.mark.parametrize("node", [fetch, sync_fetch], ids=["async", "sync"])
def test_a_retry_on_policy_recovers_from_a_429_a_503_and_a_connect_error(chaos: Chaos, node: Any) -> None:
    chaos.inject(http_faults.status(429, retry_after=2), node="fetch", attempts=[1])
    chaos.inject(http_faults.status(503), node="fetch", attempts=[2])
    chaos.inject(http_faults.connect_error(), node="fetch", attempts=[3])

    result = chaos.run(builder(node), {})

    assert requests(result) == [
        (1, 0.0, 429, None),
        (2, 1.0, 503, None),
        (3, 3.0, None, "ConnectError"),
        (4, 7.0, 200, None),
    ]
    assert [(a.attempt, a.outcome, a.error) for a in result.attempts("fetch")] == [
        (1, "error", "HTTPStatusError"),
        (2, "error", "HTTPStatusError"),
        (3, "error", "ConnectError"),
        (4, "ok", None),
    ]
    # Only the last request reached the upstream (the happy-path route ran once per run).
    assert [h.delivered for h in result.journal.http] == [False, False, False, True]
    assert [h.fault for h in result.journal.http] == ["http 429 Retry-After=2s", "http 503", "http ConnectError", None]
    assert result.output == {"items": [1, 2]}
    assert result.verdict == "pass"


def test_the_node_sees_real_httpx_errors_with_the_request_and_the_retry_after_header(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2), node="fetch", attempts=[1])
    chaos.inject(http_faults.connect_error(), node="fetch", attempts=[2])
    chaos.run(builder(), {})

    status_error, connect_error = SEEN
    assert isinstance(status_error, httpx.HTTPStatusError)
    assert status_error.response.status_code == 429
    assert status_error.response.headers["Retry-After"] == "2"
    assert status_error.response.json()["error"]["code"] == 429
    assert str(status_error.request.url) == API
    # Raised by httpx's own transport from httpcore's error, as a refused socket would be.
    assert type(connect_error) is httpx.ConnectError
    assert isinstance(connect_error.__cause__, httpcore.ConnectError)
    assert connect_error.request.url == API


def test_langgraphs_default_retry_policy_gives_up_on_the_429_and_the_report_says_why(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2), node="fetch", attempts=[1])

    result = chaos.run(builder(retry=RetryPolicy()), {}, raise_on_violation=False)

    assert requests(result) == [(1, 0.0, 429, None)]
    assert (result.journal.outcome, result.journal.error) == ("error", "HTTPStatusError")
    [violation] = result.violated("transient_fatal")
    assert violation.node == "fetch"
    assert ("node 'fetch' gave up on a transient httpx.HTTPStatusError (HTTP 429, Retry-After: 2) from GET "
            "https://api.example.com/items") in violation.message
    assert "attempt 1" in violation.message
    assert "LangGraph's default retry_on retries 5xx but not 429" in violation.message
    assert "RetryPolicy(retry_on=lambda e:" in violation.message
    with pytest.raises(AssertionError, match=r"\[transient_fatal\] node 'fetch' gave up on a transient httpx.HTTPStatusError \(HTTP 429"):
        chaos.run(builder(retry=RetryPolicy()), {})


def test_a_node_without_any_retry_policy_is_told_so(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429), node="fetch")
    result = chaos.run(builder(retry=None), {}, raise_on_violation=False)
    [violation] = result.violated("transient_fatal")
    assert "The node has no RetryPolicy" in violation.message


def test_a_policy_that_retries_429_but_runs_out_of_attempts_is_told_the_limit_outlasted_it(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=60), node="fetch")
    result = chaos.run(builder(), {}, raise_on_violation=False)
    assert [h.status for h in result.journal.http] == [429, 429, 429, 429]
    [violation] = result.violated("transient_fatal")
    assert "(HTTP 429, Retry-After: 60)" in violation.message and "attempt 4" in violation.message
    assert "the attempts ran out: max_attempts=4" in violation.message


def test_a_5xx_is_retried_by_the_default_policy(chaos: Chaos) -> None:
    policy = RetryPolicy(initial_interval=1.0, jitter=False)
    chaos.inject(http_faults.status(502), node="fetch", attempts=[1])
    result = chaos.run(builder(retry=policy), {})
    assert requests(result) == [(1, 0.0, 502, None), (2, 1.0, 200, None)]


def test_retry_after_as_an_http_date_is_on_the_simulated_wall_clock(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2.5, retry_after_as="date"), node="fetch", attempts=[1])
    chaos.inject(http_faults.status(503, retry_after=datetime(2031, 1, 1, tzinfo=timezone.utc)), node="fetch", attempts=[2])
    chaos.run(builder(), {})
    first, second = (e.response.headers["Retry-After"] for e in SEEN)  # type: ignore[attr-defined]
    # Sent at simulated t=0: SIM_EPOCH + 2.5 s, rounded up to the whole second a date can say.
    assert parsedate_to_datetime(first) == SIM_EPOCH.replace(second=3)
    assert second == "Wed, 01 Jan 2031 00:00:00 GMT"


def test_read_timeout_waits_the_clients_read_timeout_first(chaos: Chaos) -> None:
    chaos.inject(http_faults.read_timeout(), node="fetch", attempts=[1])
    result = chaos.run(builder(), {})
    # The client's read timeout is 10 s; the retry comes 1 s after that.
    assert requests(result) == [(1, 0.0, None, "ReadTimeout"), (2, 11.0, 200, None)]
    assert type(SEEN[0]) is httpx.ReadTimeout


def test_a_remote_protocol_error(chaos: Chaos) -> None:
    chaos.inject(http_faults.remote_protocol_error(), node="fetch", attempts=[1])
    result = chaos.run(builder(), {})
    assert requests(result) == [(1, 0.0, None, "RemoteProtocolError"), (2, 1.0, 200, None)]
    assert type(SEEN[0]) is httpx.RemoteProtocolError


def test_slow_answers_late_and_past_the_read_timeout_it_is_a_timeout(chaos: Chaos) -> None:
    chaos.inject(http_faults.slow(4), node="fetch", attempts=[1])
    result = chaos.run(builder(), {})
    assert [(a.outcome, a.start, a.end) for a in result.attempts("fetch")] == [("ok", 0.0, 4.0)]
    assert result.journal.http[0].status == 200

    chaos.clear()
    chaos.inject(http_faults.slow(25), node="fetch", attempts=[1])
    result = chaos.run(builder(), {})
    assert requests(result) == [(1, 0.0, None, "ReadTimeout"), (2, 11.0, 200, None)]


class TestAiming:
    def test_url_and_method_filters_pick_the_requests(self, harness: Chaos) -> None:
        harness.http.get(API).respond(200, json=[1])
        harness.http.post("https://audit.example.com/log").respond(204)

        async def two_calls(state: S) -> dict[str, Any]:
            await CLIENT.post("https://audit.example.com/log", json={})
            r = await CLIENT.get(API)
            r.raise_for_status()
            return {"items": r.json()}

        harness.inject(http_faults.status(503, url="https://api.example.com/*", method="GET"), node="fetch", attempts=[1])
        result = harness.run(builder(two_calls), {}, raise_on_violation=False)
        assert [(h.attempt, h.method, h.status) for h in result.journal.http] == [
            (1, "POST", 204), (1, "GET", 503), (2, "POST", 204), (2, "GET", 200),
        ]
        # The retry re-sent the POST the upstream already applied: a duplicate delivery.
        assert [v.invariant for v in result.violations] == ["duplicate_deliveries"]

    def test_a_regex_url_and_request_ordinals(self, harness: Chaos) -> None:
        harness.http.get(url__regex=r"https://api\.example\.com/page/\d").respond(200, json=[])

        async def pages(state: S) -> dict[str, Any]:
            codes = [(await CLIENT.get(f"https://api.example.com/page/{i}")).status_code for i in range(4)]
            return {"items": codes}

        harness.inject(http_faults.status(500, url=re.compile(r"/page/"), requests=[2, 4]), node="fetch")
        result = harness.run(builder(pages), {}, disable=["steady_state"])
        assert result.output == {"items": [200, 500, 200, 500]}

    def test_probability_is_a_reproducible_per_request_decision(self) -> None:
        def statuses(seed: int) -> list[int | None]:
            h = Chaos(seed=seed, test_id="tests/http::probability")
            h.http.get(url__regex=r"/page/").respond(200, json=[])

            async def pages(state: S) -> dict[str, Any]:
                return {"items": [(await CLIENT.get(f"https://api.example.com/page/{i}")).status_code for i in range(20)]}

            h.inject(http_faults.status(503), node="fetch", probability=0.5)
            result = h.run(builder(pages), {}, disable=["steady_state"])
            h.close()
            return [r.status for r in result.journal.http]

        first = statuses(7)
        assert first == statuses(7)
        assert 0 < first.count(503) < 20
        assert first != statuses(8)

    def test_times_caps_the_faults_of_a_trial(self, chaos: Chaos) -> None:
        chaos.inject(http_faults.status(503), node="fetch", times=2)
        result = chaos.run(builder(), {})
        assert [h.status for h in result.journal.http] == [503, 503, 200]

    def test_http_faults_never_fire_at_the_node_boundary(self, chaos: Chaos) -> None:
        async def no_http(state: S) -> dict[str, Any]:
            return {"items": []}

        chaos.inject(http_faults.status(503), node="fetch")
        result = chaos.run(builder(no_http), {}, raise_on_violation=False)
        assert [(a.outcome, a.fault) for a in result.attempts("fetch")] == [("ok", None)]
        [violation] = result.violated("faults_fired")
        assert "http 503" in violation.message

    def test_the_attempt_record_names_the_http_fault_it_got(self, chaos: Chaos) -> None:
        chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
        result = chaos.run(builder(), {})
        first = result.attempts("fetch")[0]
        assert (first.fault, first.fault_kind) == ("http 503", "http.status")

    def test_node_and_http_faults_compose(self, chaos: Chaos) -> None:
        chaos.inject(faults.exception(httpx.ConnectError("boom")), node="fetch", attempts=[1])
        chaos.inject(http_faults.status(503), node="fetch", attempts=[2])
        result = chaos.run(builder(), {})
        # Attempt 1 never ran its body, so it sent nothing.
        assert requests(result) == [(2, 1.0, 503, None), (3, 3.0, 200, None)]


class TestStrictness:
    def test_a_request_no_route_matches_fails_naming_it_and_the_fix(self, harness: Chaos) -> None:
        harness.http.get("https://api.example.com/other").respond(200)
        result = harness.run(builder(), {}, raise_on_violation=False)
        [record] = result.journal.http
        assert (record.error, record.delivered) == ("UnmatchedRequest", False)
        assert result.journal.error == "UnmatchedRequest"
        [violation] = result.violated("http_unmatched")
        assert "GET https://api.example.com/items, sent by node 'fetch' in the baseline" in violation.message
        assert 'chaos.http.get("https://api.example.com/items").respond(200' in violation.message
        assert "UnmatchedRequest" in (result.journal.error or "")
        assert "Routes known: <" in (result.journal.error_message or "")

    def test_the_unmatched_error_is_a_usage_error_that_langgraph_does_not_retry(self, harness: Chaos) -> None:
        harness.http  # no routes at all
        result = harness.run(builder(retry=RetryPolicy()), {}, raise_on_violation=False)
        assert len(result.journal.http) == 1
        assert issubclass(UnmatchedRequest, ChaosUsageError)

    def test_a_pass_through_route_does_not_reach_the_network(self, harness: Chaos) -> None:
        harness.http.get(API).pass_through()
        result = harness.run(builder(), {}, raise_on_violation=False)
        assert result.journal.http[0].error == "UnmatchedRequest"
        assert "marked pass-through" in (result.journal.error_message or "")

    def test_routes_of_a_respx_router_or_an_active_respx_mock_are_the_happy_path(self, harness: Chaos) -> None:
        router = respx.Router(assert_all_mocked=True)
        route = router.get(API).respond(200, json=[7])
        harness.http.use(router)
        assert harness.run(builder(), {}).output == {"items": [7]}
        assert route.call_count == 2  # baseline and chaos run

        other = Chaos(seed=1, test_id="respx-mock")
        with respx.mock(assert_all_called=False) as respx_mock:
            respx_mock.get(API).respond(200, json=[8])
            other.inject(http_faults.status(503), node="fetch", attempts=[1])
            result = other.run(builder(), {})
        other.close()
        # The faults still land first; the user's active mock answers the happy path.
        assert [h.status for h in result.journal.http] == [503, 200]
        assert result.output == {"items": [8]}

    def test_use_rejects_what_is_not_a_respx_router(self, harness: Chaos) -> None:
        with pytest.raises(ChaosUsageError, match=r"chaos.http.use\('x'\): expected a respx router"):
            harness.http.use("x")  # type: ignore[arg-type]

    def test_the_patches_are_removed_after_every_run_even_a_failing_one(self, harness: Chaos) -> None:
        from respx.mocks import HTTPCoreMocker

        from chaos.http.transport import Httpcore2Mocker

        harness.http.get(API).respond(200, json=[])
        original = httpcore.AsyncConnectionPool.handle_async_request

        async def boom(state: S) -> dict[str, Any]:
            await CLIENT.get(API)
            raise RuntimeError("node failed")

        harness.run(builder(boom, retry=None), {}, raise_on_violation=False)
        assert httpcore.AsyncConnectionPool.handle_async_request is original
        assert HTTPCoreMocker.routers == [] and HTTPCoreMocker._patches == []
        assert Httpcore2Mocker.routers == [] and Httpcore2Mocker._patches == []
        # Outside a run, httpx is not intercepted: a request to an unroutable host fails for real.
        with pytest.raises(httpx.ConnectError):
            SYNC_CLIENT.get("http://127.0.0.1:9/", timeout=1)

    def test_requests_outside_nodes_are_journaled_without_a_node(self, harness: Chaos) -> None:
        harness.http.get(API).respond(200, json=[])

        def route_after(state: S) -> str:
            SYNC_CLIENT.get(API)
            return END

        g = builder(sync_fetch)
        g.add_conditional_edges("fetch", route_after, [END])
        result = harness.run(g, {})
        assert [(h.node, h.status) for h in result.journal.http] == [("fetch", 200), (None, 200)]


class TestVocabulary:
    def test_bad_values_name_the_value_and_the_fix(self) -> None:
        with pytest.raises(ChaosUsageError, match=r"status\(200\): an HTTP fault needs an error status"):
            http_faults.status(200)
        with pytest.raises(ChaosUsageError, match=r"requests=\[0\]: request ordinals are 1-based"):
            http_faults.status(503, requests=[0])
        with pytest.raises(ChaosUsageError, match=r"rate_limited\(retry_after=0\)"):
            http_faults.rate_limited(0)
        with pytest.raises(ChaosUsageError, match=r"url=3: give a glob"):
            http_faults.status(503, url=3)  # type: ignore[arg-type]
        with pytest.raises(ChaosUsageError, match=r"transport error 'dns' is unknown"):
            http_faults.TransportFailure("dns")  # type: ignore[arg-type]
        with pytest.raises(ChaosUsageError, match=r"lost_response\(as_error='x'\)"):
            http_faults.lost_response("x")  # type: ignore[arg-type]

    def test_kinds_are_stable_and_faults_serialize(self) -> None:
        assert sorted(http_faults.HTTP_FAULT_KINDS) == [
            "http.connect_error", "http.cut_stream", "http.lost_response", "http.rate_limit",
            "http.read_timeout", "http.remote_protocol_error", "http.slow", "http.stalled_stream", "http.status",
        ]
        assert all(f.kind == k and f.level == "http" for k, f in http_faults.HTTP_FAULT_KINDS.items())
        fault = http_faults.status(429, retry_after=2, url=re.compile("/v1/"), method="post", requests=1)
        assert fault.to_json() == {
            "kind": "http.status", "status": 429, "retry_after": 2, "retry_after_as": "seconds",
            "url": "/v1/", "method": "POST", "requests": [1],
        }
        assert fault.describe() == "http 429 Retry-After=2s [POST /v1/ request 1]"


class TestJournalAndReport:
    def test_the_same_seed_gives_the_same_requests_and_faults(self) -> None:
        def journal(seed: int) -> list[dict[str, Any]]:
            h = Chaos(seed=seed, test_id="tests/http::same-seed")
            h.http.get(API).respond(200, json=[])
            h.inject(http_faults.status(503), node="fetch", probability=0.5)
            h.inject(http_faults.connect_error(), node="fetch", probability=0.3)
            result = h.run(builder(), {}, raise_on_violation=False)
            h.close()
            return [r.to_json() for r in result.journal.http]

        assert journal(3) == journal(3)

    def test_langgraphs_own_sync_thread_pool_attributes_requests_to_attempts(self, chaos: Chaos) -> None:
        chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
        result = chaos.run(builder(sync_fetch), {}, drive="stream")
        assert [(h.node, h.attempt, h.status) for h in result.journal.http] == [("fetch", 1, 503), ("fetch", 2, 200)]

    def test_a_trial_with_http_faults_writes_a_report_that_fits_the_schema(self, chaos: Chaos) -> None:
        import jsonschema

        from chaos.report import build_report, load_schema

        chaos.inject(http_faults.status(503, url="https://api.example.com/*"), node="fetch", attempts=[1])
        result = chaos.run(builder(), {})
        report = build_report(1234, [result.to_json()])
        jsonschema.validate(report, load_schema())
        assert report["summary"]["faults_injected"] == {"http.status": 1}
        assert [h["status"] for h in report["trials"][0]["http"]] == [503, 200]

    def test_a_retry_budget_per_logical_call(self, chaos: Chaos) -> None:
        chaos.http.max_requests_per_call = 2
        chaos.inject(http_faults.status(503), node="fetch", attempts=[1, 2])
        result = chaos.run(builder(), {}, raise_on_violation=False)
        [violation] = result.violated("retry_budget")
        assert violation.message.startswith("fetch#1 sent 3 requests, over the budget of 2 per logical call")
        assert [e.kind for e in result.journal.events] == ["http_retry_budget"]


def test_http_retry_budget_is_a_deprecated_alias_of_retry_budget(chaos: Chaos) -> None:
    chaos.http.max_requests_per_call = 2
    chaos.inject(http_faults.status(503), node="fetch", attempts=[1, 2])
    result = chaos.run(builder(), {}, raise_on_violation=False)
    with pytest.warns(DeprecationWarning, match="'http_retry_budget' is deprecated: it is now 'retry_budget'"):
        [violation] = result.violated("http_retry_budget")
    assert violation.invariant == "retry_budget" and "(HttpChaos.max_requests_per_call)" in violation.message
    with pytest.warns(DeprecationWarning, match="http_retry_budget"):
        quiet = chaos.run(builder(), {}, raise_on_violation=False, disable=["http_retry_budget"])
    assert "retry_budget" not in quiet.checked
