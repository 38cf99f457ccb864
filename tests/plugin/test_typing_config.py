"""The typing contract (issue 13): `mypy --strict` on the whole package, with no way around it.

CI runs mypy itself (``.ci/mypy.sh``, called by ``.ci/run``); these cheap checks guard the
configuration it reads: strict mode over both packages, no ``ignore_errors`` (or any other
exemption) for our own modules, and an error code on every ``# type: ignore`` in the sources,
so an ignore silences one known error, never a whole line.
"""

from __future__ import annotations

import io
import re
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
MYPY = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
OURS = ("chaos", "pytest_langgraph_chaos")
SOURCES = (ROOT / "chaos", ROOT / "plugins" / "pytest_langgraph_chaos")

#: An ignore comment without an error code: ``# type: ignore`` not followed by ``[``.
_BARE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\[)")
#: A file-level exemption: ``# mypy: ignore-errors`` (or ignore_errors=True).
_FILE_EXEMPTION = re.compile(r"#\s*mypy:.*ignore[-_]errors", re.IGNORECASE)


def _is_ours(pattern: str) -> bool:
    """Whether an override's module pattern (``chaos``, ``chaos.*``, ``chaos.x``) covers our code."""
    return any(pattern == top or pattern.startswith((top + ".", top + "*")) for top in OURS)


def _override_modules(override: dict[str, Any]) -> list[str]:
    modules = override.get("module", [])
    return [modules] if isinstance(modules, str) else list(modules)


def _comments(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment: a ``type: ignore`` inside a string is not one."""
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string


def _bad_comments(text: str) -> list[str]:
    bad = []
    for line, comment in _comments(text):
        if _BARE_IGNORE.search(comment):
            bad.append(f"{line}: {comment.strip()} (name the error code: # type: ignore[code]  # why)")
        if _FILE_EXEMPTION.search(comment):
            bad.append(f"{line}: {comment.strip()} (a file-level exemption from mypy)")
    return bad


def test_mypy_is_strict_over_the_package_and_the_plugin() -> None:
    assert MYPY.get("strict") is True, "pyproject.toml [tool.mypy] must set strict = true"
    assert set(OURS) <= set(MYPY.get("packages", [])), (
        f"[tool.mypy] packages must list {OURS}, so `mypy` (and .ci/mypy.sh) checks both"
    )
    assert "ignore-without-code" in MYPY.get("enable_error_code", [])
    for key in ("ignore_errors", "disable_error_code"):
        assert key not in MYPY, f"[tool.mypy] must not set {key} for the whole package"


def test_no_override_exempts_our_own_modules() -> None:
    exempted = [
        (pattern, sorted(k for k in override if k != "module"))
        for override in MYPY.get("overrides", [])
        for pattern in _override_modules(override)
        if _is_ours(pattern)
    ]
    assert not exempted, (
        f"[[tool.mypy.overrides]] for our own modules: {exempted}. Fix the errors with real types; "
        "overrides are only for untyped third-party modules (ignore_missing_imports)"
    )


def test_every_type_ignore_in_the_sources_names_its_error_code() -> None:
    files = sorted(p for src in SOURCES for p in src.rglob("*.py"))
    assert len(files) > 50, f"found only {len(files)} source files under {SOURCES}"
    bad = [f"{p.relative_to(ROOT)}:{where}" for p in files for where in _bad_comments(p.read_text())]
    assert not bad, "type-ignore comments without an error code:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("x = f()  # type: ignore\n", True),
        ("x = f()  # type:ignore  # no code\n", True),
        ("# mypy: ignore-errors\n", True),
        ("x = f()  # type: ignore[arg-type]  # an untyped API\n", False),
        ("x = '# type: ignore'\n", False),  # inside a string: not a comment
    ],
)
def test_the_comment_check_flags_bare_ignores_and_file_exemptions(source: str, flagged: bool) -> None:
    assert bool(_bad_comments(source)) is flagged


@pytest.mark.parametrize(
    ("pattern", "ours"),
    [("chaos", True), ("chaos.*", True), ("chaos.simtime.loop", True), ("pytest_langgraph_chaos.*", True),
     ("chaoslib", False), ("requests.*", False), ("anthropic", False)],
)
def test_the_override_check_recognises_our_modules(pattern: str, ours: bool) -> None:
    assert _is_ours(pattern) is ours
