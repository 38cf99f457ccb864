"""Credentials never reach a journal or a report: query parameters, headers, text.

Reports get shared (attached to CI runs, pasted into issues), so everything the harness
journals about a request passes through here first: `redact_url` for the URL of every
`chaos.journal.HttpRecord`, `redact_headers` for any headers kept, and `redact_text` /
`redact_json` over messages and whole trial records as a last line of defence before a JSON
or HTML report is written.

A name looks like a credential when one of its parts (split on ``-``, ``_``, ``.``) is one of
`SECRET_PARTS` (``api_key``, ``X-Goog-Api-Key``, ``access_token``, ``client_secret``), or when
it is one of the run-together `SECRET_NAMES` (``apikey``, ``sig``, ``authorization``). The ini
setting ``chaos_redact`` (or `add_secret_names`) adds names; added names match whole names,
case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_NAMES",
    "SECRET_PARTS",
    "add_secret_names",
    "is_secret_name",
    "redact_headers",
    "redact_json",
    "redact_text",
    "redact_url",
    "secret_names",
]

REDACTED = "REDACTED"

#: A name with one of these parts is a credential: ``api_key``, ``X-Api-Key``, ``id_token``.
SECRET_PARTS = frozenset({
    "key", "apikey", "token", "secret", "password", "passwd", "pwd", "signature", "sig",
    "authorization", "auth", "credential", "credentials", "cookie", "session", "sessionid",
})
#: Run-together names that are credentials as a whole (compared without ``-``, ``_``, ``.``).
SECRET_NAMES = frozenset({
    "apikey", "accesskey", "accesstoken", "authtoken", "refreshtoken", "idtoken", "bearertoken",
    "clientsecret", "secretkey", "privatekey", "sessionid", "sessiontoken", "securitytoken",
    "xapikey", "setcookie", "proxyauthorization", "xamzsignature", "xamzsecuritytoken",
    "xamzcredential", "xgoogapikey", "subscriptionkey", "ocpapimsubscriptionkey",
})

_extra: set[str] = set()
_PARTS = re.compile(r"[-_.\s]+")


def _compact(name: str) -> str:
    return _PARTS.sub("", name.lower())


def add_secret_names(names: Iterable[str]) -> None:
    """Also treat these names (query parameters, headers, fields) as credentials."""
    _extra.update(_compact(n) for n in names if n.strip())
    _changed()


def _changed() -> None:
    global _TRIGGERS
    is_secret_name.cache_clear()
    redact_text.cache_clear()
    _TRIGGERS = (*_TRIGGER_WORDS, *sorted(_extra))


def secret_names() -> frozenset[str]:
    """The names added with `add_secret_names` (compacted: lower case, no ``-``/``_``/``.``)."""
    return frozenset(_extra)


@contextmanager
def extra_secret_names(names: Iterable[str]) -> Iterator[None]:
    """`add_secret_names` for the duration of a block (a pytest session), then as before."""
    before = set(_extra)
    add_secret_names(names)
    try:
        yield
    finally:
        _extra.clear()
        _extra.update(before)
        _changed()


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a query parameter, header or field called ``name`` holds a credential."""
    compact = _compact(name)
    if not compact:
        return False
    if compact in SECRET_NAMES or compact in _extra:
        return True
    return any(part in SECRET_PARTS for part in _PARTS.split(name.lower()) if part)


def redact_url(url: str) -> str:
    """``url`` with the values of credential-like query parameters (and a password) replaced.

    ``https://api.example.com/v1?key=abc&q=1`` -> ``https://api.example.com/v1?key=REDACTED&q=1``;
    ``https://user:pw@host/`` -> ``https://user:REDACTED@host/``. Anything that does not parse
    as a URL is returned unchanged.
    """
    if "?" not in url and "@" not in url and "#" not in url:
        return url  # the common case: nothing that could hold a credential
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if sep else netloc
    query = _redact_query(parts.query)
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(k) for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="*")


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with credential values replaced (``Authorization``, ``X-Api-Key``, ``Cookie``...)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(k, REDACTED if is_secret_name(k) else v) for k, v in items]


_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>`]+""")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9\-._~+/]{8,}=*")
_NAMED = re.compile(r"""(?i)\b([A-Za-z][\w.-]*)(\s*[:=]\s*)(["']?)([^\s"',;&]+)""")
#: Provider key formats that are credentials wherever they appear (OpenAI, Anthropic, GitHub...).
_KEYS = re.compile(r"\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b")


#: Text without any of these (case-insensitive) holds nothing `redact_text` would replace:
#: checked first, so the common message costs one regex scan.
_TRIGGER_WORDS = ("://", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "akia", "key", "token", "secret",
                  "pass", "pwd", "sig", "auth", "credential", "cookie", "session", "bearer", "basic")
_TRIGGERS: tuple[str, ...] = _TRIGGER_WORDS


def _suspicious(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _TRIGGERS)


# Reports repeat the same strings (nodes, outcomes, messages) a lot, within a trial and across
# trials. Small on purpose: every trial also brings strings seen once (its id, its repro line),
# and a cache of 65,536 entries held them for the session, about 1 KB a trial in a soak.
@lru_cache(maxsize=1024)
def redact_text(text: str) -> str:
    """Free text (an error message, a violation) with credentials replaced.

    URLs in it are redacted as by `redact_url`; ``Bearer <token>``, ``api_key=<value>`` /
    ``Authorization: <value>`` and well-known key formats (``sk-...``) lose their values.
    """
    if not text or not _suspicious(text):
        return text
    out = _URL.sub(lambda m: redact_url(m.group(0)), text) if "://" in text else text
    out = _KEYS.sub(REDACTED, out)
    out = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    if "=" in out or ":" in out:
        out = _NAMED.sub(_named, out)
    return out


def _named(m: re.Match[str]) -> str:
    name, sep, quote, value = m.groups()
    if not is_secret_name(name) or value == REDACTED or value.lower() in ("bearer", "basic", "token"):
        return m.group(0)
    return f"{name}{sep}{quote}{REDACTED}"


def redact_json(value: Any) -> Any:
    """A JSON-like value with every string passed through `redact_text`, and the values of
    credential-like keys replaced (returns new containers; the input is not changed)."""
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        return [redact_json(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and is_secret_name(k) and isinstance(v, str) else redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_json(v) for v in value]
    return value
