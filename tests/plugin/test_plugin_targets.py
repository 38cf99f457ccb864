"""``--chaos-target``: bad targets, the generated suite items, selection and exit status."""

from __future__ import annotations

import pytest

from tests.plugin.helpers import SUPPORT, SUPPORT_ARGS

#: The suite kinds that apply to the bundled example (no HTTP client: no transport kinds; its
#: nodes have error handlers, TimeoutPolicies, a CachePolicy; a builder gets a checkpointer).
SUPPORT_KINDS = ["exception", "raise_status_429", "raise_status_503", "raise_connect_error", "raise_read_timeout", "hang", "stall", "delay",
                 "lost_result", "raises_cancelled", "sigterm", "kill", "resume", "cache_expiry",
                 "cache_after_failure", "handled", "handler_fault"]
#: broken:builder: one async node with no TimeoutPolicy (no stall: nothing could observe it)
#: that calls no upstream and has no RetryPolicy (no raise_status_*/raise_connect_error/...:
#: it can never meet one).
BROKEN_KINDS = ["exception", "hang", "delay", "lost_result", "raises_cancelled", "sigterm", "kill", "resume"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nope", "*--chaos-target='nope': expected MODULE:ATTR, path/to/file.py:ATTR or path/to/langgraph.json:GRAPH, for example --chaos-target=myapp.graphs:builder"),
        (
            "no_such_module:builder",
            "*--chaos-target='no_such_module:builder': cannot import module 'no_such_module'*"
            "Is it on sys.path?*",
        ),
        ("os:does_not_exist", "*--chaos-target='os:does_not_exist': os has no attribute 'does_not_exist'. Available names: *"),
        (
            "os:sep",
            "*--chaos-target='os:sep' is a str, not a graph: point it at a StateGraph builder, a compiled graph, "
            "an @entrypoint, or a function returning one",
        ),
    ],
)
def test_a_bad_target_is_a_usage_error_naming_it_and_the_fix(pytester: pytest.Pytester, target: str, message: str) -> None:
    result = pytester.runpytest("--chaos", f"--chaos-target={target}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_a_target_in_the_ini_file_is_checked_the_same_way(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_targets = os:sep\n")
    result = pytester.runpytest("--chaos")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --chaos-target='os:sep' is a str, not a graph*"])


def test_targets_are_ignored_without_chaos(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("--chaos-target=nope")
    result.assert_outcomes(passed=1)


def test_a_target_gets_one_item_per_kind_that_applies(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"chaos:{SUPPORT}::{kind}[[]*@a1[]]#0" if kind != "sigterm"
                                 else f"chaos:{SUPPORT}::sigterm[[]after-step-*[]]#0" for kind in SUPPORT_KINDS],
                                consecutive=True)
    result.stdout.fnmatch_lines([f"{len(SUPPORT_KINDS)} tests collected*"])
    assert " " not in "".join(line for line in result.outlines if line.startswith("chaos:"))


def test_the_terminal_counts_the_generated_items(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, "--collect-only")
    result.stdout.fnmatch_lines([f"collected {len(SUPPORT_KINDS)} items"])


def test_chaos_trials_gives_each_fault_kind_that_many_items(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, "--chaos-trials=2", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [f"chaos:{SUPPORT}::{kind}[[]*[]]#{trial}" for kind in SUPPORT_KINDS for trial in (0, 1)], consecutive=True
    )
    result.stdout.fnmatch_lines([f"{2 * len(SUPPORT_KINDS)} tests collected*"])


def test_the_chaos_trials_ini_setting_applies_too(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_trials = 3\n")
    result = pytester.runpytest(*SUPPORT_ARGS, "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"{3 * len(SUPPORT_KINDS)} tests collected*"])


def test_each_target_gets_its_own_items(pytester: pytest.Pytester, broken: str) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, broken, "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"chaos:{SUPPORT}::hang[[]*@a1[]]#0", "chaos:broken:builder::hang[[]work@a1[]]#0"])
    result.stdout.fnmatch_lines([f"{len(SUPPORT_KINDS) + len(BROKEN_KINDS)} tests collected*"])


def test_k_selects_generated_items_by_kind(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, "-k", "hang and not handle", "-v")
    result.assert_outcomes(passed=1, deselected=len(SUPPORT_KINDS) - 1)
    result.stdout.fnmatch_lines([f"chaos:{SUPPORT}::hang[[]*@a1[]]#0 PASSED*"])


def test_an_item_id_given_as_an_argument_selects_that_item(pytester: pytest.Pytester) -> None:
    listed = pytester.runpytest(*SUPPORT_ARGS, "--chaos-seed=1", "--collect-only", "-q")
    item = next(line for line in listed.outlines if line.startswith(f"chaos:{SUPPORT}::resume["))
    result = pytester.runpytest(*SUPPORT_ARGS, "--chaos-seed=1", item, "-v")
    result.assert_outcomes(passed=1, deselected=len(SUPPORT_KINDS) - 1)
    result.stdout.fnmatch_lines([item.replace("[", "[[]") + " PASSED*"])


def test_all_invariants_held_on_the_example_graph_but_the_unbounded_handler(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUPPORT_ARGS, "--chaos-seed=1")
    # LangGraph (1.2.24) does not bound an error handler by its node's TimeoutPolicy (given
    # through set_node_defaults here), which the contract asks: a hang in the handler hangs.
    result.assert_outcomes(passed=len(SUPPORT_KINDS) - 1, failed=1)
    result.stdout.fnmatch_lines([f"*chaos:{SUPPORT}::handler_fault[[]*[]]#0*", "  [[]liveness[]] *"])


def test_a_violated_invariant_fails_its_item_and_the_exit_status_is_1(pytester: pytest.Pytester, broken: str) -> None:
    result = pytester.runpytest("--chaos", broken, "--chaos-seed=3", "-rs")
    # hang fails (no TimeoutPolicy); stall is not generated (no idle_timeout); the rest hold.
    result.assert_outcomes(failed=1, passed=len(BROKEN_KINDS) - 1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "chaos trial chaos:broken:builder::hang[[]work@a1[]]#0 failed (seed=3, clock=simulated):",
            "  [[]liveness[]] node 'work' hangs (hang) and no TimeoutPolicy reaches it*",
            "reproduce with: pytest --chaos --chaos-seed=3 --chaos-target=broken:builder 'chaos:broken:builder::hang[[]work@a1[]]#0'",
        ],
        consecutive=True,
    )


def test_the_reproduce_command_of_a_generated_item_reruns_just_that_failure(
    pytester: pytest.Pytester, broken: str
) -> None:
    pytester.runpytest("--chaos", broken, "--chaos-seed=3").assert_outcomes(failed=1, passed=len(BROKEN_KINDS) - 1)
    result = pytester.runpytest("--chaos", "--chaos-seed=3", broken, "chaos:broken:builder::hang[work@a1]#0")
    result.assert_outcomes(failed=1, deselected=len(BROKEN_KINDS) - 1)
    result.stdout.fnmatch_lines(["*[[]liveness[]] node 'work' hangs (hang)*"])


def test_an_id_copied_from_pytests_short_summary_reruns_its_item(pytester: pytest.Pytester, broken: str) -> None:
    # pytest 9.2 prints "FAILED chaos:broken:builder::hang[work@a1]#0]": its node-id parser
    # takes the parameters to be one bracket at the end and adds a "]".
    result = pytester.runpytest("--chaos", "--chaos-seed=3", broken, "chaos:broken:builder::hang[work@a1]#0]")
    result.assert_outcomes(failed=1, deselected=len(BROKEN_KINDS) - 1)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("chaos:broken:builder::hang[work@a1]#4",
         "*'chaos:broken:builder::hang[[]work@a1[]]#4' names no chaos item of this run: it is trial #4 and this run "
         "makes fewer of its kind; add --chaos-trials=5 (the repro line printed with the failure has it)"),
        ("chaos:other:graph::hang[work@a1]#0",
         "*'chaos:other:graph::hang[[]work@a1[]]#0' names no chaos item of this run: its target other:graph is not "
         "one of this run's (broken:builder); add --chaos-target=other:graph*"),
        ("chaos:broken:builder::hnag[work@a1]#0",
         "*'chaos:broken:builder::hnag[[]work@a1[]]#0' names no chaos item of this run: the closest: "
         "chaos:broken:builder::hang[[]work@a1[]]#0*; the ids of this run are listed by the same command with "
         "--collect-only -q"),
    ],
)
def test_an_id_that_names_no_item_is_a_usage_error_naming_it_and_the_fix(
    pytester: pytest.Pytester, broken: str, given: str, message: str
) -> None:
    result = pytester.runpytest("--chaos", "--chaos-seed=3", broken, given)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_lf_reruns_only_the_failed_generated_items(pytester: pytest.Pytester, broken: str) -> None:
    pytester.runpytest("--chaos", broken, "--chaos-seed=3").assert_outcomes(failed=1, passed=len(BROKEN_KINDS) - 1)
    result = pytester.runpytest("--chaos", broken, "--chaos-seed=last", "--lf", "-v")
    result.assert_outcomes(failed=1, deselected=len(BROKEN_KINDS) - 1)
    result.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure", "*hang[[]work@a1[]]#0 FAILED*"])


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--chaos-input={query: q}"], "", "--chaos-input='{query: q}' is not valid JSON (*); write it like --chaos-input=*"),
        ([], "chaos_input = {query: q}\n", "chaos_input (ini)='{query: q}' is not valid JSON (*)*"),
    ],
)
def test_input_that_is_not_json_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, broken: str, args: list[str], ini: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{ini}")
    result = pytester.runpytest("--chaos", broken, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
