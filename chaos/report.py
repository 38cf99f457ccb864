"""The JSON report (``--chaos-report=PATH``): building, streaming, checking, writing.

The schema lives next to this module as ``report.schema.json`` and is part of the public
contract; the plugin tests validate written reports against it. Reports contain no wall-clock
timestamps, so the same seed gives byte-identical reports.

A report is shared (attached to CI runs, pasted into issues) and read back (``langgraph-chaos
merge`` / ``html``), so:

- every trial passes through `chaos.http.redact.redact_json` before it is written: no API key
  in a URL or message reaches the file;
- `read_report` treats a file as untrusted input: anything that is not a langgraph-chaos
  report of a known schema version is a `ReportError` naming the file and what is wrong;
- `write_report` writes to a temporary file next to the target and renames it, so a reader
  never sees half a report and a failed write leaves the previous report intact;
- `TrialLog` keeps only what the terminal summary needs in memory and spools the full
  records to a temporary file as trials finish, so a session's memory does not grow with
  its trial count.
"""

from __future__ import annotations

import json
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from chaos.http.redact import redact_json

__all__ = [
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "VERDICTS",
    "ReportError",
    "TrialLog",
    "build_report",
    "check_writable",
    "load_schema",
    "read_report",
    "summarize",
    "validate_report",
    "write_report",
]

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
SCHEMA_VERSION = 1
#: Every verdict a trial can have: ``inconclusive`` when the fault-free baseline itself failed
#: (nothing can be concluded about faults), ``error`` when the trial never finished (a crashed
#: xdist worker, a harness error).
VERDICTS = ("pass", "fail", "inconclusive", "error", "skipped")
_JSON: dict[str, Any] = {"indent": 2, "sort_keys": True, "default": repr}


class ReportError(ValueError):
    """A file that is not a langgraph-chaos JSON report, or a report that cannot be written."""


# -- building -----------------------------------------------------------------------------------


class _Counts:
    """The summary's counters, fed one trial at a time (see `summarize`)."""

    def __init__(self) -> None:
        self.trials = 0
        self.verdicts: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.violations: Counter[str] = Counter()
        self.checked: Counter[str] = Counter()

    def add(self, t: Mapping[str, Any]) -> None:
        self.trials += 1
        self.verdicts[str(t.get("verdict"))] += 1
        self.faults.update(a["fault_kind"] for a in t.get("journal") or [] if a.get("fault_kind"))
        self.violations.update(v["invariant"] for v in t.get("violations") or [])
        self.checked.update(t.get("checked") or [])

    def summary(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "passed": self.verdicts["pass"],
            "failed": self.verdicts["fail"],
            "inconclusive": self.verdicts["inconclusive"],
            "errors": self.verdicts["error"],
            "faults_injected": dict(sorted(self.faults.items())),
            "violations": dict(sorted(self.violations.items())),
            "checked": dict(sorted(self.checked.items())),
        }


def summarize(trials: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The report's ``summary``: counts by verdict, faults injected by kind, violations, checks.

    ``failed`` counts invariant violations only; ``inconclusive`` (the baseline failed by
    itself) and ``errors`` (the trial never finished) are counted apart, and are never passes.
    """
    counts = _Counts()
    for t in trials:
        counts.add(t)
    return counts.summary()


def build_report(seed: int, trials: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Assemble the report document from trial dicts (`TrialResult.to_json`), sorted by id.

    Every trial is redacted (`chaos.http.redact.redact_json`) on the way in.
    """
    ordered = sorted((redact_json(t) for t in trials), key=lambda t: str(t["id"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "seed": seed,
        "summary": summarize(ordered),
        "trials": ordered,
    }


# -- checking what is read back -----------------------------------------------------------------


def validate_report(doc: Any, source: str) -> dict[str, Any]:
    """``doc`` if it is a langgraph-chaos report this version can read; else a `ReportError`.

    Checks the shape the readers rely on (``merge``, ``html``): an object with a known
    ``schema_version``, an integer ``seed`` and a ``trials`` list whose entries have an ``id``,
    a known ``verdict`` and ``faults``/``journal``/``violations`` lists.
    """
    if not isinstance(doc, dict):
        raise ReportError(
            f"{source}: not a langgraph-chaos report: the file holds a JSON {_kind(doc)}, not an object "
            "(write one with pytest --chaos --chaos-report=PATH)"
        )
    if "schema_version" not in doc:
        raise ReportError(
            f"{source}: not a langgraph-chaos report: it has no 'schema_version' "
            "(write one with pytest --chaos --chaos-report=PATH)"
        )
    version = doc["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ReportError(
            f"{source}: unknown report schema_version {version!r}; this langgraph-chaos reads version "
            f"{SCHEMA_VERSION}: rewrite the report with this version, or read it with the version that wrote it"
        )
    seed = doc.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ReportError(f"{source}: 'seed' must be an integer (the session's --chaos-seed), not {seed!r}")
    trials = doc.get("trials")
    if not isinstance(trials, list):
        raise ReportError(f"{source}: 'trials' must be a list of trial records, not {_kind(trials)}")
    for i, t in enumerate(trials):
        where = f"{source}: trials[{i}]"
        if not isinstance(t, dict):
            raise ReportError(f"{where} must be an object, not {_kind(t)}")
        if not isinstance(t.get("id"), str):
            raise ReportError(f"{where}: 'id' must be a string, not {t.get('id')!r}")
        if t.get("verdict") not in VERDICTS:
            raise ReportError(
                f"{where} ({t['id']}): unknown verdict {t.get('verdict')!r}; expected one of {', '.join(VERDICTS)}"
            )
        for key in ("faults", "journal", "violations"):
            if not isinstance(t.get(key, []), list) or not all(isinstance(x, dict) for x in t.get(key, [])):
                raise ReportError(f"{where} ({t['id']}): {key!r} must be a list of objects")
    for key in ("findings", "audit"):
        if key in doc and not isinstance(doc[key], list):
            raise ReportError(f"{source}: {key!r} must be a list, not {_kind(doc[key])}")
    summary = doc.get("summary")
    if summary is not None and not isinstance(summary, dict):
        raise ReportError(f"{source}: 'summary' must be an object, not {_kind(summary)}")
    return doc


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def read_report(path: str | Path) -> dict[str, Any]:
    """Read and check a JSON report; a `ReportError` names the file and what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a JSON report") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not a JSON report (the file is not UTF-8 text)") from None
    if not text.strip():
        raise ReportError(f"{path}: the file is empty, not a JSON report")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{path}: not a JSON report, or a truncated one ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise ReportError(f"{path}: not a langgraph-chaos report (nested too deeply to read)") from None
    return validate_report(doc, str(path))


# -- writing --------------------------------------------------------------------------------


def check_writable(path: str | Path, option: str) -> None:
    """Fail now, not after every trial ran, if a report cannot be written to ``path``.

    Creates missing parent folders (the report would create them anyway) and a probe file
    next to the target, which is removed at once. Raises `ReportError` naming ``option``,
    the path and the fix.
    """
    out = Path(path)
    if str(path).endswith(("/", os.sep)) or out.is_dir():
        raise ReportError(f"{option}={path}: is a directory; give a file path, e.g. {option}={out / 'chaos-report'}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".probe", dir=out.parent)
    except OSError as exc:
        raise ReportError(
            f"{option}={path}: cannot write there ({exc.strerror or exc}); choose a writable path"
        ) from None
    os.close(fd)
    os.unlink(probe)
    if out.exists() and not os.access(out, os.W_OK):
        # Renaming over a read-only file works on POSIX, but the user marked it read-only.
        raise ReportError(f"{option}={path}: the file exists and is read-only; choose another path")


def atomic_write(path: str | Path, write: Any) -> Path:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it over ``path``.

    A reader never sees a half-written file, and a failure leaves an earlier file intact.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_report(path: str | Path, report: dict[str, Any]) -> Path:
    """Write ``report`` as JSON to ``path``, atomically (temporary file, then rename)."""
    text = json.dumps(report, **_JSON) + "\n"
    return atomic_write(path, lambda fh: fh.write(text))


# -- streaming --------------------------------------------------------------------------------


class TrialLog:
    """A session's trials, in bounded memory: summary counters in memory, records spooled.

    `add` takes each trial record as it finishes. The counters, the probabilistic faults' fired
    sets, the first `ATTENTION_KEPT` failures' repro lines and each spooled record's place stay
    in memory (about 80 bytes a trial). The other failures' repro lines go to an anonymous
    temporary file, and so does the full, redacted record when ``spool`` is true (a report was
    asked for; it is dropped otherwise). `write_json` then writes a report byte-identical to
    ``write_report(path, build_report(seed, trials))``.
    """

    #: Distinct retry-storm details kept for the terminal (the rest are counted).
    STORMS_KEPT = 11

    def __init__(self, seed: int, *, spool: bool) -> None:
        self.seed = seed
        self._counts = _Counts()
        self._spool: IO[str] | None = tempfile.TemporaryFile("w+", encoding="utf-8") if spool else None
        # Where each spooled record is (offset, length, in arrival order) and its id, packed:
        # a list of (str, int, int) tuples cost about 300 bytes a trial, these about 80.
        self._offsets, self._lengths = array("q"), array("q")
        self._ids = bytearray()  # the ids, NUL-separated (a pytest node id holds no NUL)
        # (trial id, verdict, repro command) of the trials that did not pass: the first
        # ATTENTION_KEPT in memory (what the terminal summary prints without -v), the rest in
        # an anonymous file, so ten thousand failures cost no memory either.
        self._attention: list[tuple[str, str, str | None]] = []
        self._attention_spool: IO[str] | None = None
        self.attention_count = 0
        self.storms: set[str] = set()
        self.more_storms = 0
        self._declared: dict[str, set[str]] = {}
        self._fired: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return self._counts.trials

    def add(self, trial: dict[str, Any]) -> None:
        from chaos.strictness import scope_of

        trial = redact_json(trial)
        self._counts.add(trial)
        verdict = trial.get("verdict")
        if verdict != "pass":
            self._note_attention((str(trial["id"]), str(verdict), trial.get("repro")))
        for e in trial.get("events") or []:
            if e.get("kind") == "http_retry_storm" and e.get("detail") not in self.storms:
                if len(self.storms) < self.STORMS_KEPT:
                    self.storms.add(e["detail"])
                else:
                    self.more_storms += 1
        scope = scope_of(str(trial["id"]))
        declared = {f["label"] for f in trial.get("faults") or [] if f.get("probability", 1.0) < 1.0}
        if declared:
            self._declared.setdefault(scope, set()).update(declared)
        if trial.get("fired"):
            self._fired.setdefault(scope, set()).update(trial["fired"])
        if self._spool is not None:
            text = json.dumps(trial, **_JSON)
            offset = self._spool.seek(0, os.SEEK_END)
            self._spool.write(text)
            self._offsets.append(offset)
            self._lengths.append(len(text))
            self._ids += str(trial["id"]).encode("utf-8", "surrogatepass") + b"\0"

    #: Trials that did not pass kept in memory (`needs_attention`); the rest are spooled.
    ATTENTION_KEPT = 10

    def _note_attention(self, entry: tuple[str, str, str | None]) -> None:
        self.attention_count += 1
        if len(self._attention) < self.ATTENTION_KEPT:
            self._attention.append(entry)
            return
        if self._attention_spool is None:
            self._attention_spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._attention_spool.seek(0, os.SEEK_END)
        self._attention_spool.write(json.dumps(entry) + "\n")

    def needs_attention(self, limit: int | None = None) -> Iterator[tuple[str, str, str | None]]:
        """(trial id, verdict, repro command) of every trial that did not pass, in order
        (at most ``limit``)."""
        count = 0
        for entry in self._attention:
            if limit is not None and count >= limit:
                return
            count += 1
            yield entry
        if self._attention_spool is None:
            return
        self._attention_spool.seek(0)
        for line in self._attention_spool:
            if limit is not None and count >= limit:
                return
            count += 1
            tid, verdict, repro = json.loads(line)
            yield str(tid), str(verdict), repro

    def summary(self) -> dict[str, Any]:
        return self._counts.summary()

    def never_fired(self) -> list[tuple[str, str]]:
        """(scope, label) of probabilistic faults that fired in no trial of their scope."""
        return [
            (scope, label)
            for scope in sorted(self._declared)
            for label in sorted(self._declared[scope] - self._fired.get(scope, set()))
        ]

    def _texts(self) -> Iterator[str]:
        if self._spool is None:
            raise RuntimeError("TrialLog(spool=False) keeps no trial records; create it with spool=True")
        # Offsets are characters written by this process in UTF-8 text mode: seek to what
        # `seek(0, SEEK_END)` returned, as the io docs allow (an opaque cookie), and read back.
        ids = self._ids.decode("utf-8", "surrogatepass").split("\0")[:-1]
        for n in sorted(range(len(ids)), key=ids.__getitem__):
            self._spool.seek(self._offsets[n])
            yield self._spool.read(self._lengths[n])

    def trials(self) -> Iterator[dict[str, Any]]:
        """The spooled trial records, sorted by id (one in memory at a time)."""
        for text in self._texts():
            yield json.loads(text)

    def write_json(self, path: str | Path, extra: Mapping[str, Any] | None = None) -> Path:
        """Write the report (plus ``extra`` top-level keys, such as ``audit``), atomically."""
        head = {"schema_version": SCHEMA_VERSION, "seed": self.seed, "summary": self.summary(), **(extra or {})}
        if any(k >= "trials" for k in head):
            raise ValueError("extra report keys must sort before 'trials'")

        def write(fh: IO[str]) -> None:
            text = json.dumps({**head, "trials": []}, **_JSON)
            if not self._offsets:
                fh.write(text + "\n")
                return
            fh.write(text[: text.rindex("[]")] + "[")
            for n, item in enumerate(self._texts()):
                fh.write(",\n" if n else "\n")
                fh.write("\n".join("    " + line for line in item.split("\n")))
            fh.write("\n  ]\n}\n")

        return atomic_write(path, write)

    def close(self) -> None:
        for spool in (self._spool, self._attention_spool):
            if spool is not None:
                spool.close()
        self._spool = self._attention_spool = None


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())  # a JSON object
    return schema
