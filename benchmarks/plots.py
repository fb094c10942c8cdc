"""PNG figures in the style of the paper's Figures 3-5 (matplotlib, from the ``bench`` extra)."""

from __future__ import annotations

import math
from collections import defaultdict

from benchmarks.harness import WorkloadResult

COLORS = {"numpy": "tab:gray", "numexpr": "tab:red", "theano": "tab:blue", "theano (trust_input)": "tab:cyan",
          "pytensor-numba": "tab:green", "pytensor-cvm": "tab:olive", "jax": "tab:purple", "torch": "tab:orange"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(n: int):
    columns = min(n, 2)
    return math.ceil(n / columns), columns


def bar_charts(result: WorkloadResult, path, ylabel: str, rate: bool = True) -> None:
    """One bar chart per case (examples/s, or seconds per call when ``rate`` is False); skipped rows absent.

    The machine's limit is drawn as a dashed line when the case has one.
    """
    plt = _pyplot()
    rows, columns = _grid(len(result.cases))
    figure, axes = plt.subplots(rows, columns, figsize=(6.5 * columns, 3.8 * rows), squeeze=False)
    for axis, case in zip(axes.flat, result.cases):
        timed = [r for r in case.rows if r.median]
        values = [case.work / r.median if rate else r.median for r in timed]
        names = [r.implementation for r in timed]
        axis.bar(range(len(values)), values, color=[COLORS.get(n, "tab:brown") for n in names])
        axis.set_xticks(range(len(values)), names, rotation=30, ha="right", fontsize=8)
        if case.limit_seconds:
            limit = case.work / case.limit_seconds if rate else case.limit_seconds
            axis.axhline(limit, color="black", linestyle="--", linewidth=1, label="machine limit")
            axis.legend(fontsize=8)
        if not rate:
            axis.set_yscale("log")
        axis.set_title(case.name, fontsize=9)
        axis.set_ylabel(ylabel)
    for axis in list(axes.flat)[len(result.cases):]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def speedup_curves(result: WorkloadResult, path, group_of, size_of) -> None:
    """Figure 5's style: one subplot per expression, speed-up over NumPy against the input size.

    ``group_of(case)`` names the subplot of a case and ``size_of(case)`` its x coordinate.
    """
    plt = _pyplot()
    groups: dict[str, list] = defaultdict(list)
    for case in result.cases:
        groups[group_of(case)].append(case)
    rows, columns = _grid(len(groups))
    figure, axes = plt.subplots(rows, columns, figsize=(6 * columns, 4 * rows), squeeze=False)
    for axis, (group, cases) in zip(axes.flat, groups.items()):
        series: dict[str, list] = defaultdict(list)
        for case in cases:
            for row in case.rows:
                if row.ratio_numpy:
                    series[row.implementation].append((size_of(case), row.ratio_numpy))
        for name, points in series.items():
            points.sort()
            style = "-" if name.startswith("theano") else "--"
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", markersize=3,
                      color=COLORS.get(name, "tab:brown"), label=name)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_title(group, fontsize=10)
        axis.set_xlabel("elements")
        axis.set_ylabel("speed-up over NumPy")
        axis.legend(fontsize=7)
    for axis in list(axes.flat)[len(groups):]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def growth_curves(result: WorkloadResult, path, group_of, size_of) -> None:
    """Seconds against graph size (log-log), one subplot per graph family, one line per row."""
    plt = _pyplot()
    groups: dict[str, list] = defaultdict(list)
    for case in result.cases:
        groups[group_of(case)].append(case)
    figure, axes = plt.subplots(1, len(groups), figsize=(6 * len(groups), 4), squeeze=False)
    for axis, (group, cases) in zip(axes.flat, groups.items()):
        series: dict[str, list] = defaultdict(list)
        for case in cases:
            for row in case.rows:
                if row.median:
                    series[row.implementation].append((size_of(case), row.median))
        for name, points in series.items():
            points.sort()
            base = name.split(" ")[0]
            style = "-" if "warm" in name else "--" if "cold" in name else ":"
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", markersize=3,
                      color=COLORS.get(base, "tab:brown"), label=name)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(group, fontsize=10)
        axis.set_xlabel("N (ops in the chain)")
        axis.set_ylabel("seconds from graph to first result")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
