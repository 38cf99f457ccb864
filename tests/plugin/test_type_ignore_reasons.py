"""Every ``# type: ignore[code]`` in the package sources says why, in a comment after it
(issue #13: an error code on every ignore, and a reason; the code itself is checked by
test_typing_config)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SOURCES = (ROOT / "chaos", ROOT / "plugins" / "pytest_langgraph_chaos")
#: ``# type: ignore[code]`` followed by nothing but blanks: no reason given.
_NO_REASON = re.compile(r"type:\s*ignore\[[^\]]*\]\s*$")


def _unexplained(text: str) -> list[int]:
    return [tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT and _NO_REASON.search(tok.string)]


def test_every_type_ignore_gives_its_reason() -> None:
    found = [f"{p.relative_to(ROOT)}:{line}" for root in SOURCES for p in sorted(root.rglob("*.py"))
             for line in _unexplained(p.read_text())]
    assert len(list(SOURCES[0].rglob("*.py"))) > 100
    assert found == [], "add '# why' after each: " + ", ".join(found)


@pytest.mark.parametrize(("source", "flagged"), [
    ("x = f()  # type: ignore[arg-type]\n", True),
    ("x = f()  # type: ignore[arg-type]  # an untyped API\n", False),
    ("x = f()  # type: ignore[method-assign, assignment]   \n", True),
])
def test_the_check_flags_an_ignore_without_a_reason(source: str, flagged: bool) -> None:
    assert bool(_unexplained(source)) is flagged
