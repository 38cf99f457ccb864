"""The reference pages of the docs site say what the code does: each table is compared with the
registry it documents, so a new option, invariant, fault or report field fails here until its
row is written (the message says which page and which row)."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from tests.docs.pages import DOCS, ROOT, expanded, first_table_after, pages, table

OPTIONS = DOCS / "reference" / "options.md"
INVARIANTS = DOCS / "reference" / "invariants.md"
FAULTS = DOCS / "reference" / "faults.md"
REPORT = DOCS / "reference" / "report.md"


def _help(pytester: pytest.Pytester, *args: str) -> str:
    return pytester.runpytest(*args).stdout.str()


def test_the_options_page_lists_exactly_the_plugins_options_and_ini_settings(pytester: pytest.Pytester) -> None:
    help_text = _help(pytester, "--help")
    group = help_text[help_text.index("langgraph-chaos:") :]
    group = group[: group.index("\n\n")]
    options = set(re.findall(r"^  (--chaos[\w-]*)", group, re.M))
    ini_section = help_text[help_text.index("\n[pytest] ") :]
    ini = set(re.findall(r"^  (chaos_\w+) ", ini_section, re.M))
    assert "--chaos-seed" in options and "chaos_trials" in ini  # the parsing found the sections

    rows = first_table_after(expanded(OPTIONS), "## Command-line options and ini settings")
    documented = {m.group(1) for row in rows if (m := re.fullmatch(r"`(--chaos[\w-]*)(=[^`]*)?`", row[0]))}
    documented_ini = {m.group(1) for row in rows if (m := re.fullmatch(r"`(chaos_\w+)`", row[1]))}
    assert options - documented == set(), f"add a row to the options table for {sorted(options - documented)}"
    assert documented - options == set(), f"the options table lists options the plugin lacks: {sorted(documented - options)}"
    assert documented_ini == ini, f"ini settings: documented {sorted(documented_ini)}, registered {sorted(ini)}"


def test_the_options_page_shows_the_markers_signature_as_pytest_prints_it(pytester: pytest.Pytester) -> None:
    markers = _help(pytester, "--markers")
    (registered,) = re.findall(r"^(@pytest\.mark\.chaos\([^\n]*?\)):", markers, re.M)
    text = OPTIONS.read_text()
    shown = text[text.index("<!-- marker-signature -->") : text.index("<!-- /marker-signature -->")]
    assert registered in shown, f"docs/reference/options.md: the marker's signature is now {registered}"


def test_the_options_page_lists_every_fixture_of_the_plugin(pytester: pytest.Pytester) -> None:
    out = _help(pytester, "--fixtures")
    names: set[str] = set()
    for section in re.split(r"^-+ fixtures defined from ", out, flags=re.M)[1:]:
        head, _, body = section.partition("\n")
        if "langgraph_chaos" in head or head.startswith("plugins"):
            names |= set(re.findall(r"^(\w+) -- ", body, re.M))
    assert "chaos" in names
    rows = first_table_after(OPTIONS.read_text(), "## Fixtures")
    documented = {row[0].strip("`") for row in rows}
    assert names == documented, f"docs/reference/options.md fixtures: documented {sorted(documented)}, plugin {sorted(names)}"


def test_the_invariants_page_has_one_row_per_registered_invariant() -> None:
    from chaos.checks import checker_names, opt_in_names

    rows = table(INVARIANTS.read_text(), "invariants-table")
    names = [row[0].strip("`") for row in rows]
    assert len(names) == len(set(names)), "an invariant has two rows"
    registered = set(checker_names())
    assert registered - set(names) == set(), (
        f"docs/reference/invariants.md: add a row for {sorted(registered - set(names))}"
    )
    assert set(names) - registered == set(), f"rows for invariants that do not exist: {sorted(set(names) - registered)}"
    opt_in = {row[0].strip("`") for row in rows if row[1] == "opt-in"}
    assert opt_in == set(opt_in_names()), "the 'runs' column must say opt-in exactly for the opt-in invariants"


def _constructors(module: typing.Any, base: type) -> set[str]:
    found = set()
    for name, fn in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        ret = typing.get_type_hints(fn).get("return")
        if isinstance(ret, type) and issubclass(ret, base):
            found.add(name)
    return found


def test_the_faults_page_names_every_fault_kind_and_constructor() -> None:
    from chaos import faults
    from chaos.http import faults as http_faults
    from chaos.scenarios.load import FAULT_KINDS as SCENARIO_KINDS

    text = expanded(FAULTS)
    kinds = set(faults.FAULT_KINDS) | set(http_faults.HTTP_FAULT_KINDS) | set(SCENARIO_KINDS)
    missing = sorted(k for k in kinds if f"`{k}`" not in text and f'"{k}"' not in text)
    assert not missing, f"docs/reference/faults.md does not name the fault kinds {missing}"
    node = sorted(n for n in _constructors(faults, faults.Fault) if f"faults.{n}(" not in text)
    assert not node, f"docs/reference/faults.md: no row for chaos.faults.{node}"
    http = sorted(n for n in _constructors(http_faults, http_faults.HttpFault) if f"`{n}(" not in text)
    assert not http, f"docs/reference/faults.md: no row for chaos.http.faults.{http}"


def test_the_report_page_describes_every_field_and_verdict_of_the_schema() -> None:
    schema = json.loads((ROOT / "chaos" / "report.schema.json").read_text())
    trial = schema["properties"]["trials"]["items"]
    fields = {row[0].strip("`") for row in table(REPORT.read_text(), "trial-fields")}
    missing = sorted(set(trial["properties"]) - fields)
    assert not missing, f"docs/reference/report.md: add a row to the trial fields table for {missing}"
    verdicts = {row[0].strip("`") for row in first_table_after(REPORT.read_text(), "## Verdicts")}
    schema_verdicts = set(trial["properties"]["verdict"].get("enum", []))
    assert schema_verdicts <= verdicts, f"docs/reference/report.md: describe the verdicts {sorted(schema_verdicts - verdicts)}"


def test_the_audit_page_is_in_the_site() -> None:
    assert (DOCS / "audit.md") in pages() and "audit.md" in (ROOT / "mkdocs.yml").read_text()


def test_the_site_builds_with_mkdocs_strict(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        pytest.fail("mkdocs is not installed: pip install -e '.[test]'")
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reference" / "invariants" / "index.html").is_file()


def test_the_readme_lists_every_invariant_in_one_line() -> None:
    from chaos.checks import checker_names

    rows = table((ROOT / "README.md").read_text(), "readme-invariants")
    names = [row[0].strip("`") for row in rows]
    assert sorted(names) == sorted(checker_names()), (
        f"README.md invariants table: add {sorted(set(checker_names()) - set(names))}, "
        f"remove {sorted(set(names) - set(checker_names()))} (one line each)"
    )
    assert all(len(row[1]) <= 110 for row in rows), "one line each: keep the README's invariant lines short"
