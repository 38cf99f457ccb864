"""The README stays true: its quickstart examples are checked by running them, and the options
table (now on the docs site, docs/reference/options.md) against the plugin's options.

The quickstart runs on the tutorial's agent (docs/tutorial.md, the last version of
``agent/graph.py`` it shows), so the README and the tutorial show one app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

ROOT = README.parent
OPTIONS_PAGE = ROOT / "docs" / "reference" / "options.md"


def agent_graph() -> str:
    """The agent the quickstart targets as ``agent.graph:builder``: the tutorial's final version."""
    blocks = re.findall(r'^```python title="agent/graph.py"\n(.*?)^```$', (ROOT / "docs" / "tutorial.md").read_text(), re.M | re.S)
    assert blocks, "docs/tutorial.md shows no agent/graph.py"
    return blocks[-1]


def readme_section(heading: str) -> str:
    """The README text from ``heading`` up to the next heading of any level."""
    text = README.read_text()
    start = text.index(f"\n{heading}\n")
    end = re.compile(r"^#", re.M).search(text, start + len(heading) + 2)
    return text[start : end.start() if end else len(text)]


def code_block(section: str, lang: str) -> str:
    match = re.search(rf"^```{lang}\n(.*?)^```$", section, re.M | re.S)
    assert match, f"no ```{lang} block in:\n{section}"
    return match.group(1)


def options_table() -> list[list[str]]:
    """The rows of the table between the options-table markers, cells unescaped."""
    text = OPTIONS_PAGE.read_text()
    table = text[text.index("<!-- options-table -->") : text.index("<!-- /options-table -->")]
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]  # header, separator
    return [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


@pytest.fixture
def myapp(pytester: pytest.Pytester) -> None:
    pytester.mkpydir("agent")
    (pytester.path / "agent" / "graph.py").write_text(agent_graph())
    pytester.syspathinsert()


def test_the_options_table_lists_exactly_the_plugins_options_and_ini_settings(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest("--help").stdout.str()
    group = help_text[help_text.index("langgraph-chaos:") :]
    group = group[: group.index("\n\n")]
    options = set(re.findall(r"^  (--chaos[\w-]*)", group, re.M))
    ini_section = help_text[help_text.index("\n[pytest] ") :]
    ini = set(re.findall(r"^  (chaos_\w+) ", ini_section, re.M))
    assert "--chaos-seed" in options and "chaos_trials" in ini  # the parsing found the sections

    rows = options_table()
    assert all(len(row) == 4 for row in rows), rows
    table_options = [m.group(1) for row in rows if (m := re.fullmatch(r"`(--chaos[\w-]*)(=[^`]*)?`", row[0]))]
    table_ini = [m.group(1) for row in rows if (m := re.fullmatch(r"`(chaos_\w+)`", row[1]))]
    assert [row for row in rows if not (row[0] or row[1])] == []
    assert sorted(table_options) == sorted(options)
    assert sorted(table_ini) == sorted(ini)


def test_the_options_table_shows_each_options_metavar(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest("--help").stdout.str()
    for row in options_table():
        if m := re.fullmatch(r"`(--chaos[\w-]*)=([^`]*)`", row[0]):
            option, metavar = m.groups()
            # --chaos-clock has choices, which --help prints as {simulated,real}.
            shown = "{" + metavar.replace("|", ",") + "}" if option == "--chaos-clock" else metavar
            assert f"{option}={shown}" in help_text, row


def test_the_quickstart_test_by_hand_passes_verbatim(pytester: pytest.Pytester, myapp: None) -> None:
    pytester.makepyfile(test_quickstart=code_block(readme_section("### A chaos test by hand"), "python"))
    result = pytester.runpytest("--chaos", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*::test_a_rate_limited_model_call_is_retried PASSED*",
            "*::test_a_hung_tool_times_out_and_is_retried PASSED*",
        ]
    )


def test_the_quickstart_test_by_hand_is_skipped_without_chaos(pytester: pytest.Pytester, myapp: None) -> None:
    pytester.makepyfile(test_quickstart=code_block(readme_section("### A chaos test by hand"), "python"))
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*pass --chaos to run them*"])


def test_the_zero_code_quickstart_shows_the_command_and_ids_of_a_real_run() -> None:
    # The run itself (on the vendored react-agent app, with these verdicts) is checked by
    # tests/zerocode/test_apps.py; here: the command and the id grammar.
    section = readme_section("### Chaos on your agent app, without writing a test")
    lines = code_block(section, "console").strip().splitlines()
    assert lines[0] == "$ pytest --chaos --chaos-seed=7 -v"
    grammar = re.compile(r"^chaos:langgraph\.json:agent::[a-z_.0-9]+\[[^\s\]]+\]#\d+ (PASSED|FAILED)$")
    assert all(grammar.match(line) for line in lines[1:]), lines


def test_the_readme_is_a_front_page_of_at_most_250_lines() -> None:
    assert len(README.read_text().splitlines()) <= 250
