"""One fault vocabulary: every kind once in chaos.fault_kinds, node and transport names
disjoint, journals/scenarios/suite use the table's names, old names warn and still work."""

from __future__ import annotations

import re

import pytest

from chaos import ChaosUsageError, fault_kinds, faults
from chaos.fault_kinds import FAULT_KINDS, kind_names, kind_of, lookup_fault, make_fault
from chaos.faults import Fault
from chaos.http import faults as http_faults
from chaos.sdk.errors import classify


def _subclasses(cls: type[Fault]) -> set[type[Fault]]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_node_and_transport_names_are_disjoint_and_transport_ones_say_http() -> None:
    node, transport = set(kind_names(level="node")), set(kind_names(level="transport"))
    assert node and transport and not node & transport
    assert all(k.startswith("http.") for k in transport) and not any(k.startswith("http") for k in node)
    # The old collisions: the same short name meant two classes.
    for short in ("connect_error", "read_timeout", "remote_protocol_error", "slow"):
        assert short not in kind_names() and f"http.{short}" in transport


def test_every_kind_name_fits_the_item_id_grammar() -> None:
    # chaos:<target>::<kind>[<site>]#<trial>: no spaces, brackets, '#' or ':' in a kind.
    assert all(re.fullmatch(r"[a-z][a-z0-9_.]*", k) for k in FAULT_KINDS)
    # The suite's variants are the kind or the kind with its status.
    for variant, fault in faults.FAULT_KINDS.items():
        assert variant == fault.kind or variant == f"{fault.kind}_{getattr(fault, 'status', '')}"


def test_every_fault_instance_kind_is_a_table_row_of_its_level() -> None:
    instances: list[Fault] = [*faults.FAULT_KINDS.values(), *http_faults.HTTP_FAULT_KINDS.values(),
                              faults.raise_remote_protocol_error(), http_faults.read_timeout()]
    for fault in instances:
        row = kind_of(fault)
        assert row.deprecated_for is None
        assert row.level == {"node": "node", "http": "transport"}[fault.level], fault
        assert fault.to_json()["kind"] == fault.kind
    assert [f.kind for f in (faults.raise_connect_error(), faults.raise_read_timeout(), faults.raise_remote_protocol_error())] \
        == ["raise_connect_error", "raise_read_timeout", "raise_remote_protocol_error"]
    assert http_faults.remote_protocol_error().kind == "http.remote_protocol_error"
    from chaos.shutdown import kill, sigterm

    assert (kind_of(sigterm()).level, kind_of(kill()).level) == ("shutdown", "shutdown")


def test_every_fault_class_has_a_kind_in_the_table() -> None:
    names = {vars(c)["kind"] for c in _subclasses(Fault) if "kind" in vars(c)} - {"http"}
    assert names - set(FAULT_KINDS) == set()


@pytest.mark.parametrize("name", [n for n in kind_names(level="node") if FAULT_KINDS[n].transient is not None])
def test_the_transient_column_agrees_with_the_sdk_classifier(name: str) -> None:
    row = FAULT_KINDS[name]
    if name in ("hang", "stall"):
        pytest.skip("never raises by itself: the TimeoutPolicy's NodeTimeoutError is the failure")
    if name == "raises_cancelled":
        assert row.transient is False
        return
    fault = make_fault(name) if name != "raise_status" else faults.raise_status(503)
    exc = fault.make()  # type: ignore[attr-defined]
    expected = True if row.transient == "status" else row.transient
    assert classify(exc).transient is expected, (name, exc)
    if row.transient == "status":
        assert classify(faults.raise_status(404).make()).transient is False


def test_make_fault_builds_each_kind_from_its_parameters() -> None:
    assert make_fault("raise_status", status=429, retry_after=2) == faults.raise_status(429, retry_after=2)
    assert make_fault("http.status", code=503) == http_faults.status(503)
    assert make_fault("delay", seconds=3) == faults.delay(3)
    assert make_fault("http.connect_error", url="https://x/*") == http_faults.connect_error(url="https://x/*")


def test_an_unknown_kind_names_the_closest_and_the_valid_ones() -> None:
    with pytest.raises(ChaosUsageError, match=r"unknown fault kind 'raise_stats' \(did you mean 'raise_status'\?\); valid kinds: exception, raise_status"):
        lookup_fault("raise_stats")


@pytest.mark.parametrize(("old", "new"), [(k, r.deprecated_for) for k, r in FAULT_KINDS.items() if r.deprecated_for])
def test_old_kind_names_warn_and_build_the_same_fault(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"fault kind '{old}' is deprecated: use '{new}'"):
        row = lookup_fault(old)
    by_old: dict[str, dict[str, float]] = {"http_status": {"status": 503}, "slow": {"seconds": 1.0}}
    params = by_old.get(old, {})
    assert kind_of(row.factory(**params)).name == new


@pytest.mark.parametrize(
    ("call", "new"),
    [
        (lambda: faults.http_429(retry_after=2), faults.raise_status(429, retry_after=2)),
        (lambda: faults.http_429(), faults.raise_status(429, retry_after=1)),
        (lambda: faults.http_5xx(502), faults.raise_status(502)),
        (lambda: faults.http_status(404), faults.raise_status(404)),
        (faults.connect_error, faults.raise_connect_error()),
        (faults.read_timeout, faults.raise_read_timeout()),
        (faults.remote_protocol_error, faults.raise_remote_protocol_error()),
        (lambda: faults.slow(2), faults.delay(2)),
    ],
)
def test_old_constructors_warn_and_return_the_new_fault(call, new) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(DeprecationWarning, match=r"chaos\.faults\.\w+\(.*\) is deprecated: use chaos\.faults\."):
        assert call() == new


def test_registering_a_kind_refuses_a_taken_name_and_unregisters() -> None:
    with pytest.raises(ChaosUsageError, match="fault kind 'hang' already exists"):
        fault_kinds.register_fault_kind("hang", faults.hang, {})
    fault_kinds.register_fault_kind("my.hang", faults.hang, {}, "a custom hang")
    try:
        assert make_fault("my.hang") == faults.hang()
    finally:
        fault_kinds.unregister_fault_kind("my.hang")
    assert "my.hang" not in FAULT_KINDS
