"""The README's architecture section: one paragraph each on the engine, the steps and the front
ends (issue 13), naming every step of the engine and every front end, so it stays true."""

from __future__ import annotations

import re

from chaos.engine import steps as engine_steps
from tests.docs.pages import ROOT


def _section() -> list[str]:
    text = (ROOT / "README.md").read_text()
    body = text[text.index("\n## Architecture\n") + len("\n## Architecture\n"):]
    body = body[: body.index("\n## ")]
    return [p.replace("\n", " ") for p in re.split(r"\n\s*\n", body.strip()) if p.startswith("**")]


def test_the_architecture_section_has_one_paragraph_each_on_the_engine_the_steps_and_the_front_ends() -> None:
    assert [p.split("**")[1] for p in _section()] == ["The engine.", "The steps.", "The front ends."]


def test_the_steps_paragraph_names_every_step() -> None:
    steps = _section()[1]
    names = [t.__name__ for t in engine_steps.STEP_TYPES] + ["again"]
    missing = [n for n in names if f"`{n}(" not in steps]
    assert not missing, f"README architecture: the steps paragraph does not name {missing}"


def test_the_front_ends_paragraph_names_every_front_end() -> None:
    front = _section()[2]
    for name in ("`chaos`", "run_plan", "ChaosMachine", "run_drain_trial", "run_kill_trial", "scenario files",
                 "--chaos-target"):
        assert name in front, f"README architecture: the front ends paragraph does not name {name}"
