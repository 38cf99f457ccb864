"""``--chaos-routes=FILE``: the happy path of a zero-code run, in TOML.

The same ``[[routes]]`` tables scenario files use, plus ``[[model]]`` tables scripting the
built-in model fakes per node (see `chaos.http.fakes`)::

    [[routes]]
    method = "POST"
    url = "https://api.tavily.com/search"
    json = {results = [{title = "LangGraph", url = "https://example.com", content = "..."}]}

    [[model]]
    node = "analyze_and_route_query"
    replies = [{tool = "Router", args = {type = "langchain", logic = "about LangGraph"}}]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.errors import ChaosUsageError


@dataclass(frozen=True)
class RoutesFile:
    """The parsed file: respx-ready routes and model scripts."""

    path: Path
    routes: list[Any] = field(default_factory=list)
    model: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, http: Any) -> None:
        """Register the routes on a `chaos.http.HttpChaos` and the scripts on its fakes."""
        for route in self.routes:
            route.add_to(http)
        if self.model and http.fakes is not None:
            http.fakes.load(self.model, source=str(self.path))


def load_routes_file(path: str | Path, *, source: str = "--chaos-routes") -> RoutesFile:
    """Parse a routes file, with errors naming the file, the table and the key."""
    from chaos.scenarios.load import _Lines, _parse_route

    file = Path(path)
    try:
        text = file.read_text()
    except FileNotFoundError:
        raise ChaosUsageError(f"{source}={path}: no such file") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChaosUsageError(f"{source}={path}: not valid TOML ({exc})") from None
    unknown = set(doc) - {"routes", "model"}
    if unknown:
        raise ChaosUsageError(
            f"{source}={path}: unknown tables {sorted(unknown)}; a routes file has [[routes]] and [[model]]"
        )
    lines = _Lines(text)
    routes = [_parse_route(file, lines, i, raw) for i, raw in enumerate(doc.get("routes", []))]
    model = doc.get("model", [])
    if not isinstance(model, list) or not all(isinstance(m, dict) for m in model):
        raise ChaosUsageError(f"{source}={path}: model must be [[model]] tables")
    from chaos.http.fakes import ModelFakes

    ModelFakes().load(model, source=str(path))  # validate now: one usage error, not one per item
    return RoutesFile(file, routes, model)


__all__ = ["RoutesFile", "load_routes_file"]
