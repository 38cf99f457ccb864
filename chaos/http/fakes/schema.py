"""Example values for a JSON Schema: the arguments a fake model gives a tool it calls.

Deterministic (the same schema always gives the same value), minimal (one item per array, the
first enum member, every declared property) and valid for the schemas LangChain derives from
Python signatures and Pydantic models (``$ref``/``$defs``, ``anyOf`` with null, enums, formats).
"""

from __future__ import annotations

from typing import Any

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "uri": "https://example.com/chaos",
    "url": "https://example.com/chaos",
    "email": "chaos@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example(schema: Any, *, root: Any = None, name: str = "", depth: int = 0) -> Any:
    """A value valid under ``schema`` (``root`` resolves ``#/$defs/...`` references)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 12:
        return "chaos"
    if "$ref" in schema:
        return example(_resolve(root, schema["$ref"]), root=root, name=name, depth=depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if options:
            real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return example((real or options)[0], root=root, name=name, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: example(sub, root=root, name=key, depth=depth + 1) for key, sub in props.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example(schema.get("items") or {}, root=root, name=name, depth=depth + 1) for _ in range(count)]
    if kind == "string":
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        text = f"chaos {name}".strip() if name else "chaos"
        low = int(schema.get("minLength", 0))
        return text + "x" * max(0, low - len(text))
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema else int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    return None


def _resolve(root: Any, ref: str) -> Any:
    node = root
    for part in ref.lstrip("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return {}
        node = node[part]
    return node


__all__ = ["example"]
