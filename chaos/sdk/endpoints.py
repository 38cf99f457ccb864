"""Model-inference endpoints: requests whose repetition costs tokens, not correctness.

A POST to a chat-completions, messages, responses, completions or embeddings endpoint asks a
model for an answer; it creates nothing upstream a retry could duplicate (the provider bills
it twice, and a duplicate is worth reporting as such, but it is not a side-effecting write).
Checks that look for non-idempotent writes (audit LGC202, duplicate-delivery invariants) ask
`is_inference_endpoint` before treating a POST as one.

Batch, file, fine-tuning, assistant/thread and vector-store endpoints of the same providers
*do* create resources, so they are not inference endpoints even though they live beside them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The last path segments of inference calls across OpenAI-compatible APIs (OpenAI, Azure,
# vLLM, Groq, Together, Mistral, DeepSeek, LiteLLM, Ollama's /v1), Anthropic's /v1/messages,
# Cohere (/v1/chat, /v1/embed, /v2/rerank), Ollama's native /api/chat|generate|embed[dings],
# Gemini's models/...:generateContent and Bedrock's /model/{id}/invoke|converse[-stream].
_INFERENCE = re.compile(
    r"""(
        /chat/completions | /completions | /responses | /embeddings | /moderations
      | /messages | /messages/count_tokens
      | /v\d+/chat | /v\d+/embed | /v\d+/rerank | /v\d+/generate
      | /api/chat | /api/generate | /api/embed | /api/embeddings
      | :generateContent | :streamGenerateContent | :embedContent | :batchEmbedContents | :countTokens
      | /model/[^/]+/(invoke|invoke-with-response-stream|converse|converse-stream)
    )/?$""",
    re.VERBOSE,
)
# Under these, a POST creates or changes a stored resource (a batch job, a stored response
# being cancelled, a file, a fine-tune, an assistant's thread run).
_RESOURCE = re.compile(r"/(batches|files|uploads|fine_tuning|fine-tunes|assistants|threads|vector_stores|realtime)(/|$)")


def is_inference_endpoint(url: str, method: str = "POST") -> bool:
    """True when ``method url`` asks a model for an answer (see the module docstring).

    >>> is_inference_endpoint("https://api.openai.com/v1/chat/completions")
    True
    >>> is_inference_endpoint("https://api.anthropic.com/v1/messages/batches")
    False
    """
    if method.upper() != "POST":
        return False  # inference is a POST; other methods are not writes to excuse anyway
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    return _RESOURCE.search(path) is None and _INFERENCE.search(path) is not None


__all__ = ["is_inference_endpoint"]
