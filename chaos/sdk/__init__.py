"""What the harness knows about HTTP clients, model SDKs and LangGraph's retry rules.

- `classify`: the exception families of httpx, httpx2, requests, aiohttp, openai and
  anthropic (and LangChain's and LangGraph's own): status, Retry-After, transient or not.
- `is_inference_endpoint`: a POST that asks a model for an answer (chat completions,
  messages, responses, embeddings), not a side-effecting write.
- `decide` / `retries` / `matching_policy`: the one answer to "does LangGraph retry this
  exception under this policy", used by every checker, audit finding and fix text.
- `fix_for`: a fix whose ``retry_on`` names the classes of the library that raised the error.
"""

from __future__ import annotations

from chaos.sdk.endpoints import is_inference_endpoint
from chaos.sdk.errors import (
    TRANSIENT_STATUSES,
    ErrorInfo,
    classify,
    library_of,
    parse_retry_after,
    qualified_name,
    retry_after_of,
    transient_status,
)
from chaos.sdk.fixes import fix_for, retry_on_code
from chaos.sdk.retry import (
    MAX_JITTER,
    Policies,
    RetryDecision,
    backoff,
    decide,
    describe_schedule,
    find_policy,
    matching_policy,
    normalize,
    retries,
    schedule,
)

__all__ = [
    "ErrorInfo", "MAX_JITTER", "Policies", "RetryDecision", "TRANSIENT_STATUSES", "backoff", "classify", "decide",
    "describe_schedule", "find_policy", "fix_for", "is_inference_endpoint", "library_of", "matching_policy",
    "normalize", "parse_retry_after", "qualified_name", "retries", "retry_after_of", "retry_on_code", "schedule",
    "transient_status",
]
