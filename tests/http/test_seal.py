"""The sealed network: no request leaves the process, loopback included, from any client.

A real loopback server stands in for "the network": it must see no request. httpx is tested
throughout tests/http; here requests, urllib3, urllib and raw sockets.
"""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import TypedDict

import pytest
import requests
import urllib3
from langgraph.graph import START, StateGraph

from chaos import Chaos
from chaos.http import HttpChaos
from chaos.http import faults as http_faults
from chaos.http.seal import service_endpoints


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"real")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1], hits
    srv.shutdown()
    srv.server_close()


class S(TypedDict):
    out: list[str]


def _graph(port: int) -> StateGraph:
    def fetch(state: S) -> S:
        base = f"http://127.0.0.1:{port}"
        out = [
            requests.get(f"{base}/requests", timeout=5).text,
            urllib3.PoolManager().request("GET", f"{base}/urllib3").data.decode(),
            urllib.request.urlopen(f"{base}/urllib").read().decode(),
        ]
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            out.append("connected")
        except Exception as exc:  # the seal's refusal, whatever the client
            out.append(type(exc).__name__)
        return {"out": out}

    builder = StateGraph(S)
    builder.add_node("fetch", fetch)
    builder.add_edge(START, "fetch")
    return builder


def _sealed(harness: Chaos) -> HttpChaos:
    http = HttpChaos(seal=True)
    harness._http = http  # the harness's own HTTP hook, sealed
    harness.around.append(http)
    return http


def test_every_client_is_answered_in_process_and_raw_sockets_are_refused(
    harness: Chaos, server: tuple[int, list[str]]
) -> None:
    port, hits = server
    http = _sealed(harness)
    http.get(url__startswith=f"http://127.0.0.1:{port}/").respond(200, text="fake")
    result = harness.run(_graph(port), {"out": []})
    assert result.output == {"out": ["fake", "fake", "fake", "SealedNetworkError"]}
    assert [(h.method, h.url.rsplit("/", 1)[-1], h.node, h.status, h.error) for h in result.journal.http] == [
        ("GET", "requests", "fetch", 200, None),
        ("GET", "urllib3", "fetch", 200, None),
        ("GET", "urllib", "fetch", 200, None),
        ("CONNECT", f"127.0.0.1:{port}", "fetch", None, "SealedNetworkError"),
    ]
    assert hits == []


def test_transport_faults_reach_requests_too(harness: Chaos, server: tuple[int, list[str]]) -> None:
    port, hits = server
    http = _sealed(harness)
    http.get(url__startswith=f"http://127.0.0.1:{port}/").respond(200, text="fake")
    harness.inject(http_faults.connect_error(url="*/requests"), node="fetch", attempts=[1])
    result = harness.run(_graph(port), {"out": []}, raise_on_violation=False)
    assert result.journal.error == "ConnectionError"  # requests' own exception class
    assert hits == []


def test_an_unanswered_request_names_itself_and_the_route_to_add(harness: Chaos, server: tuple[int, list[str]]) -> None:
    port, hits = server
    _sealed(harness)
    result = harness.run(_graph(port), {"out": []}, raise_on_violation=False)
    assert result.journal.error == "UnmatchedRequest"
    assert f"GET http://127.0.0.1:{port}/requests (sent by node 'fetch', attempt 1)" in str(result.journal.error_message)
    assert "[[routes]]" in str(result.journal.error_message)
    assert hits == []


def test_the_seal_is_removed_after_each_run(harness: Chaos, server: tuple[int, list[str]]) -> None:
    port, hits = server
    before = (socket.socket.__dict__.get("connect"), urllib3.connectionpool.HTTPConnectionPool.urlopen,
              urllib.request.AbstractHTTPHandler.do_open)
    http = _sealed(harness)
    http.get(url__startswith=f"http://127.0.0.1:{port}/").respond(200, text="fake")
    harness.run(_graph(port), {"out": []})
    after = (socket.socket.__dict__.get("connect"), urllib3.connectionpool.HTTPConnectionPool.urlopen,
             urllib.request.AbstractHTTPHandler.do_open)
    assert after == before
    assert requests.get(f"http://127.0.0.1:{port}/outside", timeout=5).text == "real"
    assert hits == ["/outside"]


def test_the_graphs_own_redis_is_an_allowed_endpoint() -> None:
    import redis

    client = redis.Redis(host="localhost", port=6390)

    class Cache:
        def __init__(self) -> None:
            self.redis = client

    assert service_endpoints(Cache(), None) == {("127.0.0.1", 6390)}
