"""Built-in fakes of the model APIs: OpenAI chat completions, responses and embeddings, and
Anthropic messages, with streaming (SSE) and tool calls.

The real SDK clients run (``openai``, ``anthropic``, and so ``langchain-openai`` and
``langchain-anthropic``); only the server side is faked, at the transport, like every route of
``chaos.http``. `ModelFakes` is a respx router: the zero-code suite puts it after the user's
routes, so a route of the user's always wins.

What the fakes answer is `chaos.http.fakes.policy`: by default each tool bound to the model is
called once, with arguments generated from its schema, then a final text answer, so a ReAct
agent reaches its tools node and ends. Script answers per node with `ModelFakes.script`, or in a
routes file::

    [[model]]
    node = "call_model"          # a node name, a glob, or parent/child
    replies = ["Hello!", {tool = "search", args = {query = "weather"}}]

The n-th reply answers the n-th assistant turn of the conversation (counted from the request,
so retries get the same reply); past the last, the default policy answers.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
import respx

from chaos.errors import ChaosUsageError
from chaos.http.fakes import anthropic as _anthropic
from chaos.http.fakes import openai as _openai
from chaos.http.fakes.policy import DEFAULT_ANSWER, Reply, ToolCall, Turn, decide

#: The endpoints faked, as (method, URL regex, what) for docs and error messages.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("POST", r".*/chat/completions$", "OpenAI chat completions"),
    ("POST", r".*/responses$", "OpenAI responses"),
    ("POST", r".*/embeddings$", "OpenAI embeddings"),
    ("POST", r".*/v1/messages$", "Anthropic messages"),
)


class ModelFakes(respx.Router):
    """A respx router answering the model APIs with fake, deterministic responses."""

    def __init__(self) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True)
        self.scripts: list[tuple[str, list[Reply]]] = []
        self.post(url__regex=ENDPOINTS[0][1], name="fake: openai chat").mock(side_effect=self._chat)
        self.post(url__regex=ENDPOINTS[1][1], name="fake: openai responses").mock(side_effect=self._responses)
        self.post(url__regex=ENDPOINTS[2][1], name="fake: openai embeddings").mock(side_effect=self._embeddings)
        self.post(url__regex=ENDPOINTS[3][1], name="fake: anthropic messages").mock(side_effect=self._messages)

    # -- scripting ------------------------------------------------------------------------------
    def script(self, node: str, *replies: Any) -> ModelFakes:
        """Answer the model calls of ``node`` with ``replies``, turn by turn.

        A reply is a string (text), a `ToolCall`, a list of tool calls, or a mapping (see
        `Reply.of`). Later scripts for the same node replace earlier ones.
        """
        if not node:
            raise ChaosUsageError("ModelFakes.script: name the node whose model calls to script")
        parsed = [Reply.of(r, where=f"script for node {node!r}") for r in replies]
        self.scripts = [(n, r) for n, r in self.scripts if n != node] + [(node, parsed)]
        return self

    def load(self, tables: Iterable[Mapping[str, Any]], *, source: str) -> None:
        """Scripts from ``[[model]]`` tables (``node``, ``replies``) of a routes file."""
        for i, table in enumerate(tables):
            node, replies = table.get("node"), table.get("replies")
            if not isinstance(node, str) or not isinstance(replies, list):
                raise ChaosUsageError(
                    f"{source}: [[model]] table {i + 1} needs node = \"NAME\" and replies = [...], "
                    f"got {dict(table)!r}"
                )
            extra = set(table) - {"node", "replies"}
            if extra:
                raise ChaosUsageError(f"{source}: [[model]] table {i + 1}: unknown keys {sorted(extra)}")
            for j, reply in enumerate(replies):
                Reply.of(reply, where=f"{source}: [[model]] table {i + 1}, reply {j + 1}")
            self.script(node, *replies)

    def scripted(self, turn: Turn) -> Reply | None:
        """The scripted reply for the current node's ``turn``, if one is scripted."""
        from chaos.inject import current_attempt

        att = current_attempt()
        if att is None:
            return None
        for pattern, replies in reversed(self.scripts):
            if _node_matches(att.node, pattern):
                return replies[turn.turns] if turn.turns < len(replies) else None
        return None

    # -- the endpoints --------------------------------------------------------------------------
    def _chat(self, request: httpx.Request) -> httpx.Response:
        body = _json(request)
        turn = _openai.chat_turn(body)
        options = body.get("stream_options") or {}
        return _openai.chat_response(
            turn, decide(turn, self.scripted(turn)), stream=bool(body.get("stream")),
            usage_chunk=bool(options.get("include_usage")),
        )

    def _responses(self, request: httpx.Request) -> httpx.Response:
        body = _json(request)
        turn = _openai.responses_turn(body)
        return _openai.responses_response(turn, decide(turn, self.scripted(turn)), stream=bool(body.get("stream")))

    def _embeddings(self, request: httpx.Request) -> httpx.Response:
        return _openai.embeddings_response(_json(request))

    def _messages(self, request: httpx.Request) -> httpx.Response:
        body = _json(request)
        turn = _anthropic.messages_turn(body)
        return _anthropic.messages_response(turn, decide(turn, self.scripted(turn)), stream=bool(body.get("stream")))


def _json(request: httpx.Request) -> dict[str, Any]:
    try:
        data = json.loads(request.content or b"{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _node_matches(site: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(site, pattern) or fnmatch.fnmatchcase(site.rsplit("/", 1)[-1], pattern)


#: Environment variables the SDKs refuse to start without; set to placeholders during sealed
#: runs when the user has none (no request leaves the process, so no key is ever sent anywhere).
PLACEHOLDER_CREDENTIALS: Mapping[str, str] = {
    "OPENAI_API_KEY": "sk-chaos-sealed-placeholder",
    "ANTHROPIC_API_KEY": "sk-ant-chaos-sealed-placeholder",
}


def missing_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """The placeholder credentials for the SDK keys ``environ`` lacks."""
    return {k: v for k, v in PLACEHOLDER_CREDENTIALS.items() if not environ.get(k)}


def endpoint_names() -> Sequence[str]:
    return [what for _, _, what in ENDPOINTS]


__all__ = [
    "DEFAULT_ANSWER",
    "ENDPOINTS",
    "PLACEHOLDER_CREDENTIALS",
    "ModelFakes",
    "Reply",
    "ToolCall",
    "endpoint_names",
    "missing_credentials",
]
