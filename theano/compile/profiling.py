"""Per-function profiles: call counts and time spent in each node."""

from __future__ import annotations

import sys
from collections import defaultdict


class ProfileStats:
    """Timings collected by a function compiled with ``profile=True``."""

    def __init__(self, name: str | None = None, atexit_print: bool = False, **kwargs):
        self.name = name
        self.fct_callcount = 0
        self.fct_call_time = 0.0
        self.apply_time: dict = {}
        self.compile_time = 0.0

    def record_call(self, seconds: float) -> None:
        self.fct_callcount += 1
        self.fct_call_time += seconds

    def class_time(self) -> dict:
        totals: dict = defaultdict(float)
        for node, seconds in self.apply_time.items():
            totals[type(node.op).__name__] += seconds
        return dict(totals)

    def summary(self, file=sys.stderr, n_ops_to_print: int = 20, n_apply_to_print: int = 20) -> None:
        print(f"Function profiling: {self.name or '<unnamed>'}", file=file)
        print(f"  Time in {self.fct_callcount} calls to Function.__call__: {self.fct_call_time:.6e}s", file=file)
        total = sum(self.apply_time.values()) or 1.0
        print("  Class  (time, % of node time)", file=file)
        for cls, seconds in sorted(self.class_time().items(), key=lambda kv: -kv[1])[:n_ops_to_print]:
            print(f"    {cls:<30} {seconds:.3e}s {100 * seconds / total:5.1f}%", file=file)
        print("  Apply  (time, % of node time)", file=file)
        for node, seconds in sorted(self.apply_time.items(), key=lambda kv: -kv[1])[:n_apply_to_print]:
            print(f"    {str(node)[:60]:<60} {seconds:.3e}s {100 * seconds / total:5.1f}%", file=file)
