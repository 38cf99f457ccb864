"""Human-readable renderings of the JSON report (``--chaos-report=PATH``).

`render_html` turns a report (or a merge of several) into one self-contained HTML page;
`write_html` writes it to a file. ``python -m chaos.reporting.html REPORT.json OUT.html`` does
both from the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.reporting.html import render_html, write_html

__all__ = ["render_html", "write_html"]


def __getattr__(name: str) -> Any:
    # Imported on first use, not here: `python -m chaos.reporting.html` imports this package
    # first, and an eager import would load the module twice (runpy warns about exactly that).
    if name in __all__:
        from chaos.reporting import html

        return getattr(html, name)
    raise AttributeError(f"module 'chaos.reporting' has no attribute {name!r}")
