"""HTTP faults at the transport, aimed at nodes: 429s, 5xx, dropped connections, lost
responses, stalled and cut streams.

    from chaos.http import faults as http_faults

    def test_fetch_survives_a_rate_limit(chaos):
        chaos.http.get("https://api.example.com/items").respond(200, json=[])
        chaos.inject(http_faults.status(429, retry_after=2), node="fetch", attempts=[1])
        result = chaos.run(builder, {})
        assert [(h.attempt, h.status) for h in result.journal.http] == [(1, 429), (2, 200)]

``chaos.http`` (`HttpChaos`) holds the happy path (respx routes) and intercepts every
``httpx``/``httpx2`` request during a run; `faults` is the vocabulary; `summarize` shows how
SDK retries and graph retries multiply. Importing this package registers the
``http_unmatched`` and ``http_retry_budget`` invariants (a run that dies of a 429 or any other
transient fault: ``transient_fatal``).
"""

from __future__ import annotations

from chaos.http import checks as _checks  # noqa: F401  (registers the HTTP invariants)
from chaos.http import faults
from chaos.http.checks import http_records
from chaos.http.faults import HttpFault
from chaos.http.router import HttpChaos, HttpRun, UnmatchedRequest
from chaos.http.summary import CallRequests, format_summary, requests_per_attempt, summarize

__all__ = [
    "CallRequests",
    "HttpChaos",
    "HttpFault",
    "HttpRun",
    "UnmatchedRequest",
    "faults",
    "format_summary",
    "http_records",
    "requests_per_attempt",
    "summarize",
]
