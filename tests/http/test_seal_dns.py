"""The in-process seal refuses host name lookups too: a DNS query is a request that left.

A client no route answers (one the seal has no mock for) resolves its host before it
connects; refusing only the connect let the query out. Numeric addresses and the hosts of
the graph's own services still resolve.
"""

from __future__ import annotations

import socket
from typing import Any, TypedDict

import pytest
from langgraph.graph import START, StateGraph

from chaos import Chaos
from chaos.http import HttpChaos


class S(TypedDict):
    out: list[str]


def _graph() -> StateGraph[S, None, S, S]:
    def lookup(state: S) -> dict[str, Any]:
        out = [socket.getaddrinfo("127.0.0.1", 80)[0][4][0]]  # numeric: nothing to ask a DNS server
        try:
            socket.getaddrinfo("api.example.com", 443)
            out.append("resolved")
        except Exception as exc:  # the seal's refusal
            out.append(type(exc).__name__)
        return {"out": out}

    builder = StateGraph(S)
    builder.add_node("lookup", lookup)
    builder.add_edge(START, "lookup")
    return builder


def test_a_lookup_is_refused_journaled_and_never_reaches_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    harness = Chaos(1, "seal-dns")
    http = HttpChaos(seal=True)
    harness._http = http  # the harness's own HTTP hook, sealed
    harness.around.append(http)
    result = harness.run(_graph(), {"out": []})
    harness.close()
    assert result.output == {"out": ["127.0.0.1", "SealedNetworkError"]}
    assert "api.example.com" not in asked
    assert [(h.method, h.url, h.node, h.error) for h in result.journal.http] == [
        ("RESOLVE", "dns://api.example.com", "lookup", "SealedNetworkError"),
    ]
    assert socket.getaddrinfo is resolver  # restored after the run
