"""The 2010 paper's benchmarks, run side by side with NumPy and today's peers.

Run ``python -m benchmarks <workload> [--quick] [--threads N]`` from the repository root, where
``<workload>`` is one of :data:`WORKLOADS` or ``all``. See ``benchmarks/README.md``.

Modules: one per workload (:mod:`~benchmarks.mlp`, :mod:`~benchmarks.conv`,
:mod:`~benchmarks.elemwise`, :mod:`~benchmarks.overhead`, :mod:`~benchmarks.compile_time`), the
shared :mod:`~benchmarks.harness` (timing, agreement checks, tables, JSON), :mod:`~benchmarks.peers`
(detection and set-up of the other libraries), :mod:`~benchmarks.machine` (thread limits,
machine description, measured limits) and :mod:`~benchmarks.plots`. Importing this package
imports no numerical library, so that thread limits can still be set first.
"""

#: Workload name on the command line -> module that runs it.
WORKLOADS = {
    "mlp": "benchmarks.mlp",
    "conv": "benchmarks.conv",
    "elemwise": "benchmarks.elemwise",
    "overhead": "benchmarks.overhead",
    "compile": "benchmarks.compile_time",
    "scan": "benchmarks.scan",
}
