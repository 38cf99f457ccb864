"""Reading the documentation pages as the site builds them, for the tests that keep them true.

A page's fenced blocks are examples the tests run (see ``test_docs_examples.py``):

- ```` ```python title="myapp/graph.py" ```` is a file the page shows whole; the tests write it at
  that path in a fresh folder. Files named ``test_*.py`` are run with ``pytest --chaos`` and
  must pass.
- an untitled ```` ```python ```` block is run as a script, in page order, after the files
  are written (one script per page, so later blocks see earlier blocks' names).
- ```` ```bash ```` blocks preceded by ``<!-- docs-test: run -->`` (or ``run exit=N``) hold one
  ``pytest`` or ``langgraph-chaos`` command per line, run in that folder.
- ``<!-- docs-test: skip REASON -->`` before a block keeps it from running; the reason is
  required.
- other titled blocks (``toml``, ``json``, ...) are files too.

``--8<-- "FILE:SECTION"`` lines are expanded as pymdownx.snippets expands them, so a table the
page includes is read from where it lives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

_FENCE = re.compile(
    r"^(?:<!-- docs-test: (?P<directive>[^>]*?) -->\n)?"
    r"(?P<fence>```+)(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
_SNIPPET = re.compile(r'^--8<-- "(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"[ \t]*$', re.M)


@dataclass(frozen=True)
class Block:
    lang: str
    title: str | None
    body: str
    directive: str | None
    line: int

    @property
    def skipped(self) -> bool:
        return bool(self.directive and self.directive.startswith("skip"))


def pages() -> list[Path]:
    """Every page of the site."""
    return sorted(DOCS.rglob("*.md"))


def snippet(file: str, section: str | None) -> str:
    """What ``--8<-- "file:section"`` expands to."""
    text = (ROOT / file).read_text(encoding="utf-8")
    if section is None:
        return text
    start = re.search(rf"^.*--8<-- \[start:{re.escape(section)}\].*\n", text, re.M)
    end = re.search(rf"^.*--8<-- \[end:{re.escape(section)}\].*$", text, re.M)
    assert start and end, f"{file} has no snippet section {section!r} (--8<-- [start:{section}] ... [end:{section}])"
    return text[start.end() : end.start()]


def expanded(path: Path) -> str:
    """The page's markdown with its snippet lines expanded."""
    return _SNIPPET.sub(lambda m: snippet(m["file"], m["section"]), path.read_text(encoding="utf-8"))


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        title = re.search(r'title="([^"]+)"', m["attrs"])
        found.append(
            Block(m["lang"], title.group(1) if title else None, m["body"], m["directive"], text.count("\n", 0, m.start()) + 1)
        )
    return found


def table(text: str, marker: str) -> list[list[str]]:
    """The rows of the markdown table between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    start, end = text.index(f"<!-- {marker} -->"), text.index(f"<!-- /{marker} -->")
    rows = [line for line in text[start:end].splitlines() if line.startswith("|")][2:]
    return [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def first_table_after(text: str, heading: str) -> list[list[str]]:
    """The rows of the first markdown table after ``heading``."""
    rest = text[text.index(heading) :]
    lines = rest.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows
