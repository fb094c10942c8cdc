"""Timing, value agreement, tables and JSON shared by every workload.

A workload is a list of :class:`Case` objects (one per table: "float64, minibatch 60", "a+1 at
1e5 elements", ...). A case holds one :class:`Row` per implementation: either timings (seconds per
unit of work, a median of several repeats after a warm-up) or the reason it was skipped. Every
ratio in the tables is a speed-up, so bigger is better in every column:

- ``vs numpy``: NumPy's time / this row's time (2.0 = twice as fast as NumPy);
- ``vs best peer``: the fastest other implementation's time / this row's time (below 1 = slower
  than the best peer; ours is "theano", every other row is a peer);
- ``of limit``: the machine's best possible time / this row's time (1.0 = at the hardware limit).
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
OURS = "theano"


@dataclass
class Settings:
    """How hard to measure: ``quick`` shrinks sizes, example counts and repeats, never the workloads."""

    quick: bool = False
    threads: int = 1

    @property
    def repeats(self) -> int:
        return 3 if self.quick else 5

    @property
    def min_time(self) -> float:
        """Seconds each repeat of a short call loops for."""
        return 0.01 if self.quick else 0.05


@dataclass
class Row:
    """One implementation's result in one case; ``seconds`` holds one entry per repeat."""

    implementation: str
    description: str
    seconds: list[float] = field(default_factory=list)
    skipped: str | None = None
    ratio_numpy: float | None = None
    ratio_best_peer: float | None = None
    fraction_of_limit: float | None = None
    wall_seconds: float | None = None  # set-up, agreement check, warm-up and timing together

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class Case:
    """One table: its rows, the work in one timed unit, and the machine's best time for that unit."""

    name: str
    unit: str  # "examples/s" (work / seconds) or "s/call"
    work: float = 1.0  # examples per timed unit when unit is a rate
    limit_seconds: float | None = None  # machine's best possible seconds per timed unit
    limit_note: str = ""
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def finish(self) -> None:
        """Fill in the ratio columns from the medians."""
        timed = [r for r in self.rows if r.median]
        numpy_rows = [r for r in timed if r.implementation == "numpy"]
        for row in timed:
            if numpy_rows:
                row.ratio_numpy = numpy_rows[0].median / row.median
            peers = [r.median for r in timed if r is not row and not r.implementation.startswith(OURS)]
            if peers:
                row.ratio_best_peer = min(peers) / row.median
            if self.limit_seconds:
                row.fraction_of_limit = self.limit_seconds / row.median


@dataclass
class WorkloadResult:
    """What a workload returns: its tables, the machine limits it measured, and notes for the reader."""

    workload: str
    cases: list[Case]
    limits: dict
    notes: list[str] = field(default_factory=list)


def time_unit(unit: Callable[[], object], settings: Settings, warmups: int = 1) -> list[float]:
    """Seconds of each of ``settings.repeats`` calls of ``unit``, after ``warmups`` untimed calls."""
    for _ in range(warmups):
        unit()
    seconds = []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        unit()
        seconds.append(time.perf_counter() - start)
    return seconds


def time_per_call(call: Callable[[], object], settings: Settings) -> list[float]:
    """Seconds per call of a fast function: each repeat loops for about ``settings.min_time``."""
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(settings.min_time / once))
    seconds = []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        seconds.append((time.perf_counter() - start) / number)
    return seconds


def tolerances(dtype: str) -> dict:
    """``assert_allclose`` tolerances for results computed in ``dtype`` by different libraries."""
    if np.dtype(dtype) == np.float32:
        return {"rtol": 2e-4, "atol": 1e-6}
    return {"rtol": 1e-9, "atol": 1e-12}


def assert_same(name: str, reference: Sequence[np.ndarray], values: Sequence[np.ndarray], dtype: str,
                labels: Sequence[str] | None = None, scale_atol: bool = True, rtol: float | None = None) -> None:
    """Raise ``AssertionError`` unless ``values`` agree with NumPy's ``reference``, element by element.

    Parameters
    ----------
    name : str
        The implementation checked, named in the error.
    reference, values : sequence of arrays
        NumPy's results and the implementation's, in the same order.
    dtype : str
        Precision of the computation, which sets the tolerances.
    labels : sequence of str, optional
        Names of the compared quantities, for the error message.
    scale_atol : bool
        Scale the absolute tolerance by each reference's largest magnitude, so that small updates
        (a learning rate times a gradient) are compared relative to their own size.
    rtol : float, optional
        A looser relative tolerance than the dtype's default (long float32 sums).
    """
    tol = tolerances(dtype)
    if rtol is not None:
        tol["rtol"] = rtol
    if len(reference) != len(values):
        raise AssertionError(f"{name}: {len(values)} results, NumPy has {len(reference)}")
    for i, (ref, got) in enumerate(zip(reference, values)):
        ref = np.asarray(ref)
        got = np.asarray(got)
        label = labels[i] if labels else f"result {i}"
        atol = tol["atol"]
        if scale_atol and ref.size:
            atol += 0.1 * tol["rtol"] * float(np.max(np.abs(ref)))
        np.testing.assert_allclose(got, ref, rtol=tol["rtol"], atol=atol,
                                   err_msg=f"{name} disagrees with NumPy on {label}")


def _rate_or_time(case: Case, seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if case.unit == "examples/s":
        return f"{case.work / seconds:,.1f}"
    return format_seconds(seconds)


def format_seconds(seconds: float) -> str:
    """Seconds with a unit that keeps 3-4 significant digits (ns, us, ms, s)."""
    for scale, suffix in ((1e-6, "ns"), (1e-3, "us"), (1.0, "ms")):
        if seconds < scale:
            return f"{seconds / scale * 1e3:.3g} {suffix}"
    return f"{seconds:.3g} s"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2g}x" if value < 0.1 else f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def format_case(case: Case) -> str:
    """The case's table as text: one line per implementation, skipped rows with their reason."""
    if case.unit == "examples/s":
        head = ("median ex/s", "min ex/s", "max ex/s")
    else:
        head = ("median", "min", "max")
    lines = [f"== {case.name} =="]
    if case.limit_seconds:
        per = case.unit if case.unit == "examples/s" else "per call"
        lines.append(f"   limit: {_rate_or_time(case, case.limit_seconds)} {per} best possible ({case.limit_note})")
    lines.append(f"   {'implementation':<30}{head[0]:>14}{head[1]:>14}{head[2]:>14}"
                 f"{'vs numpy':>10}{'vs best peer':>14}{'of limit':>10}")
    for row in case.rows:
        if row.skipped:
            lines.append(f"   {row.implementation:<30}skipped: {row.skipped}")
            continue
        low, high = min(row.seconds), max(row.seconds)
        if case.unit == "examples/s":  # the slowest repeat is the lowest rate
            low, high = high, low
        fraction = "-" if row.fraction_of_limit is None else f"{100 * row.fraction_of_limit:.1f}%"
        lines.append(f"   {row.implementation:<30}{_rate_or_time(case, row.median):>14}{_rate_or_time(case, low):>14}"
                     f"{_rate_or_time(case, high):>14}{_ratio(row.ratio_numpy):>10}"
                     f"{_ratio(row.ratio_best_peer):>14}{fraction:>10}")
    return "\n".join(lines)


def legend(cases: Sequence[Case]) -> str:
    """What the columns mean, and what each implementation is."""
    seen: dict[str, str] = {}
    for case in cases:
        for row in case.rows:
            seen.setdefault(row.implementation, row.description)
    lines = ["ratios are speed-ups, bigger is better: 'vs numpy' = NumPy time / row time; 'vs best peer' = time of",
             "the fastest other implementation / row time (ours is 'theano'); 'of limit' = machine's best possible",
             "time / row time. Medians of repeats after a warm-up; on a shared machine the numbers are noisy.",
             "implementations:"]
    lines += [f"   {name:<30}{description}" for name, description in seen.items()]
    return "\n".join(lines)


def write_json(workload: str, cases: Sequence[Case], machine: dict, limits: dict, settings: Settings,
               notes: Sequence[str] = ()) -> Path:
    """Write ``benchmarks/results/<workload>.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "workload": workload,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "settings": asdict(settings),
        "machine": machine,
        "limits": limits,
        "notes": list(notes),
        "cases": [],
    }
    for case in cases:
        entry = {key: value for key, value in asdict(case).items() if key != "rows"}
        entry["rows"] = [dict(asdict(row), median=row.median) for row in case.rows]
        document["cases"].append(entry)
    path = RESULTS_DIR / f"{workload}.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def run_guarded(case: Case, name: str, description: str, measure: Callable[..., list[float]], *args) -> Row:
    """Run ``measure(*args)`` for one row; a missing optional feature becomes a skipped row with its reason.

    Only :class:`Skip` is turned into a skipped row: a disagreement (``AssertionError``) or any
    other error propagates, so that a wrong implementation can never hide as a silent row.
    """
    row = case.add(Row(name, description))
    start = time.perf_counter()
    try:
        row.seconds = measure(*args)
    except Skip as reason:
        row.skipped = str(reason)
    row.wall_seconds = time.perf_counter() - start
    print(f"   [{case.name}] {name}: {row.wall_seconds:.1f} s with set-up and checks", file=sys.stderr, flush=True)
    return row


class Skip(Exception):
    """Raised by an implementation that cannot run here (a peer not installed, a failed C compile)."""
