"""What a fake model answers: one provider-neutral decision per request.

The providers' encoders (`chaos.http.fakes.openai`, `chaos.http.fakes.anthropic`) read a request
into a `Turn` and write the `Reply` back in their wire format. The decision is a pure function
of the request (and the script), never of how many requests came before, so a retried request
gets the same answer and the baseline and the chaos run see the same conversation.

Default policy, for a request with tools bound:

1. a forced tool (``tool_choice`` naming one, as ``with_structured_output`` sends) is called;
2. otherwise every bound tool the conversation has not called yet is called, once, with
   arguments generated from its schema (all at once, or the first one when the request turns
   parallel tool calls off);
3. once every tool has been called, a final text answer (or, under ``tool_choice`` "any" /
   "required", the first tool again).

A request asking for JSON (``response_format``/``text.format`` with a schema) gets JSON generated
from the schema. Without tools, a short text answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chaos.http.fakes.schema import example

#: The text of a default final answer.
DEFAULT_ANSWER = "This is a fake answer from langgraph-chaos: the run was sealed from the network."


@dataclass(frozen=True)
class ToolCall:
    """A tool call a fake model makes; ``args=None``: generated from the tool's schema."""

    name: str
    args: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Reply:
    """One answer of a fake model: text, tool calls, or both."""

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()

    @staticmethod
    def of(value: Any, *, where: str = "reply") -> Reply:
        """A reply from script data: a string (text), a `ToolCall`, a list of them, a mapping
        ``{"text": ..., "tool_calls": [{"name": ..., "args": {...}}]}`` or ``{"tool": name,
        "args": {...}}``."""
        from chaos.errors import ChaosUsageError

        if isinstance(value, Reply):
            return value
        if isinstance(value, str):
            return Reply(text=value)
        if isinstance(value, ToolCall):
            return Reply(tool_calls=(value,))
        if isinstance(value, Mapping):
            if "tool" in value:
                return Reply(text=value.get("text"), tool_calls=(ToolCall(str(value["tool"]), value.get("args")),))
            calls = tuple(
                ToolCall(str(c["name"]), c.get("args")) if isinstance(c, Mapping) else Reply.of(c, where=where).tool_calls[0]
                for c in value.get("tool_calls", ())
            )
            if "text" in value or calls:
                return Reply(text=value.get("text"), tool_calls=calls)
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, (ToolCall, Mapping)) for v in value):
            return Reply(tool_calls=tuple(c for v in value for c in Reply.of(v, where=where).tool_calls))
        raise ChaosUsageError(
            f"{where}: {value!r} is not a fake model reply; write a string (a text answer), "
            '{tool = "search", args = {query = "q"}} (a tool call) or '
            '{text = "...", tool_calls = [{name = "search"}]}'
        )


@dataclass(frozen=True)
class Tool:
    """A tool bound to the model: its name and its parameters' JSON Schema."""

    name: str
    schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """A provider-neutral reading of one model request."""

    model: str
    tools: Sequence[Tool]
    #: Names of the tools the conversation already called (in order).
    called: Sequence[str]
    #: How many assistant turns the conversation already has (indexes a script).
    turns: int
    #: Text of the request's messages (no system prompt): ids hash it.
    conversation: str
    forced: str | None = None
    require_tool: bool = False
    parallel: bool = True
    structured: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        """A short stable hash of the conversation: the reply's ids derive from it."""
        return hashlib.sha256(f"{self.model}\0{self.conversation}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Answer:
    """A decided reply with its arguments filled in, ready to encode."""

    text: str | None
    calls: tuple[tuple[str, dict[str, Any]], ...]

    @property
    def args_json(self) -> list[str]:
        return [json.dumps(args, sort_keys=True) for _, args in self.calls]


def decide(turn: Turn, scripted: Reply | None = None) -> Answer:
    """The answer to ``turn``: the scripted reply if any, else the default policy."""
    schemas = {t.name: t.schema for t in turn.tools}
    if scripted is not None:
        calls = tuple((c.name, dict(c.args) if c.args is not None else _args(schemas.get(c.name))) for c in scripted.tool_calls)
        return Answer(scripted.text, calls)
    if turn.forced is not None and turn.forced in schemas:
        return Answer(None, ((turn.forced, _args(schemas[turn.forced])),))
    if turn.tools:
        pending = [t for t in turn.tools if t.name not in turn.called]
        if turn.require_tool and not pending:
            pending = [turn.tools[0]]
        if pending:
            chosen = pending if turn.parallel else pending[:1]
            return Answer(None, tuple((t.name, _args(t.schema)) for t in chosen))
    if turn.structured is not None:
        return Answer(json.dumps(example(turn.structured), sort_keys=True), ())
    return Answer(DEFAULT_ANSWER, ())


def _args(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    value = example(dict(schema or {"type": "object", "properties": {}}))
    return value if isinstance(value, dict) else {}


def stable_text(value: Any) -> str:
    """A canonical text of request data, for hashing."""
    return json.dumps(value, sort_keys=True, default=str)


__all__ = ["DEFAULT_ANSWER", "Answer", "Reply", "Tool", "ToolCall", "Turn", "decide", "stable_text"]
