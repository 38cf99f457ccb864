"""Silencing findings: per node (node metadata) and per graph (an ignore list).

Per node, where the reason lives next to the code::

    graph.add_node("fetch", fetch, metadata={"chaos": {"ignore": ["LGC101"]}})

Per graph, for channels, hidden handler nodes and run-level findings: an ignore list given to
`chaos.audit.audit(..., ignore=[...])` or the ``chaos_audit_ignore`` ini setting. An entry is a
code (``LGC203``: everywhere) or ``CODE:location`` where location is a node site, a channel or
``graph`` and may be a glob (``LGC101:legacy_*``, ``LGC203:sub/*``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chaos.audit.findings import RULES, Finding
from chaos.errors import ChaosUsageError

_HANDLER_PREFIX = "__error_handler__"


@dataclass(frozen=True)
class IgnoreEntry:
    """One parsed ignore entry: a code and an optional location pattern."""

    code: str
    location: str | None = None

    def matches(self, finding: Finding) -> bool:
        if finding.code != self.code:
            return False
        return self.location is None or fnmatch.fnmatchcase(finding.location, self.location)


def parse_ignore(entries: Iterable[str], *, source: str = "ignore") -> list[IgnoreEntry]:
    """Parse ``CODE`` / ``CODE:location`` entries; unknown codes are a usage error."""
    out: list[IgnoreEntry] = []
    for raw in entries:
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        code, _, location = text.partition(":")
        code = code.strip().upper()
        _check_code(code, f"{source} entry {raw!r}")
        out.append(IgnoreEntry(code, location.strip() or None))
    return out


def node_ignores(metadata: Mapping[str, Any] | None, *, site: str) -> set[str]:
    """The codes a node silences through ``metadata={"chaos": {"ignore": [...]}}``."""
    chaos = (metadata or {}).get("chaos")
    if chaos is None:
        return set()
    codes = chaos.get("ignore", ()) if isinstance(chaos, Mapping) else None
    if codes is None or isinstance(codes, str) or not isinstance(codes, Iterable):
        raise ChaosUsageError(
            f"node {site!r}: metadata['chaos'] must look like {{'ignore': ['LGC101']}}, got {chaos!r}"
        )
    found = {str(c).upper() for c in codes}
    for code in found:
        _check_code(code, f"node {site!r} metadata['chaos']['ignore']")
    return found


def handled_node(site: str) -> str | None:
    """For a per-node handler site (``a/__error_handler__b``), the handled node (``a/b``)."""
    prefix, _, name = site.rpartition("/")
    if not name.startswith(_HANDLER_PREFIX):
        return None
    handled = name[len(_HANDLER_PREFIX):]
    return f"{prefix}/{handled}" if prefix else handled


def apply_ignores(
    findings: Iterable[Finding],
    entries: Iterable[IgnoreEntry],
    node_codes: Mapping[str, set[str]],
) -> list[Finding]:
    """Drop the findings silenced by the ignore list or by the metadata of their node.

    A per-node handler's findings are also silenced by the handled node's metadata, since the
    hidden ``__error_handler__<node>`` node has no metadata of its own.
    """
    entries = list(entries)
    kept = []
    for f in findings:
        if any(e.matches(f) for e in entries):
            continue
        if f.kind == "node":
            codes = set(node_codes.get(f.location, ()))
            owner = handled_node(f.location)
            if owner is not None:
                codes |= node_codes.get(owner, set())
            if f.code in codes:
                continue
        kept.append(f)
    return kept


def _check_code(code: str, where: str) -> None:
    if code not in RULES:
        raise ChaosUsageError(
            f"{where}: unknown audit code {code!r}. Known codes: {', '.join(RULES)} "
            "(see docs/audit.md)"
        )
