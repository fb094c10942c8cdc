"""Compile time: seconds from a built graph to its first result, as the graph grows.

Two graph families of N = 10, 100 and 1000 steps (``--quick``: 10 and 100):

- ``elemwise chain``: y = x, then N elementwise ops cycling through ``tanh(y)``, ``y + x`` and
  ``y * 0.9``, on a float64 vector of 1000 elements;
- ``matmul chain``: y = x, then N steps ``y = tanh(y @ w)`` (N matrix products with an
  elementwise op between each), on 64x64 float64 matrices.

"cold" is the first compilation of the graph in this process; "warm" compiles the same graph again
in the same process: our in-process graph cache skips the rewrites and the kernels are already
loaded (our cold row still finds kernels that an earlier process left in the on-disk cache);
PyTensor's "cold" still reads its on-disk C/Numba caches as it finds them (they may be warm
from earlier runs); JAX's "warm" re-jits the same Python function (its in-memory caches hit).
NumPy's row is not a compilation: it evaluates the chain eagerly once, as a yardstick.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks import peers
from benchmarks.harness import Case, Settings, WorkloadResult, assert_same, run_guarded

SIZES = (10, 100, 1000)
FAMILIES = ("elemwise chain", "matmul chain")
IMPLEMENTATIONS = ("numpy", "theano", "pytensor-numba", "pytensor-cvm", "jax")


def make_inputs(family: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if family == "elemwise chain":
        return [rng.uniform(-1, 1, 1000)]
    return [rng.uniform(-1, 1, (64, 64)), rng.uniform(-1, 1, (64, 64)) / 8]


def build_chain(family: str, n: int, inputs, tanh, dot):
    """The chain written once for every library: ``inputs`` are its symbols or arrays."""
    if family == "elemwise chain":
        (x,) = inputs
        y = x
        for i in range(n):
            y = tanh(y) if i % 3 == 0 else y + x if i % 3 == 1 else y * 0.9
        return y
    x, w = inputs
    y = x
    for _ in range(n):
        y = tanh(dot(y, w))
    return y


def _timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def compile_and_run(name: str, family: str, n: int, arrays):
    """``(cold_seconds, warm_seconds, first_result)`` for one row; warm is None for NumPy."""
    if name == "numpy":
        seconds, value = _timed(lambda: build_chain(family, n, arrays, np.tanh, np.dot))
        return seconds, None, value
    if name == "theano":
        import theano
        import theano.tensor as T

        symbols = [T.dvector("x")] if family == "elemwise chain" else [T.dmatrix("x"), T.dmatrix("w")]
        output = build_chain(family, n, symbols, T.tanh, T.dot)

        def first_result():
            return theano.function(symbols, output, mode="FAST_RUN")(*arrays)
    elif name.startswith("pytensor"):
        _, pt = peers.pytensor()
        peers.pytensor_mode(name)
        symbols = [pt.dvector("x")] if family == "elemwise chain" else [pt.dmatrix("x"), pt.dmatrix("w")]
        output = build_chain(family, n, symbols, pt.tanh, pt.dot)

        def first_result():
            return peers.pytensor_function(name, symbols, output)(*arrays)
    elif name == "jax":
        jax, jnp, _ = peers.jax()
        device_arrays = [jnp.asarray(a) for a in arrays]

        def chain(*inputs):
            return build_chain(family, n, inputs, jnp.tanh, jnp.dot)

        def first_result():
            return jax.jit(chain)(*device_arrays).block_until_ready()
    else:
        raise ValueError(f"unknown implementation {name!r}")
    cold, value = _timed(first_result)
    warm, _ = _timed(first_result)
    return cold, warm, value


def measure_row(name, family, n, arrays, reference, outcome: dict) -> list[float]:
    """Cold time as the row's one sample; the warm time goes to ``outcome["warm"]``."""
    cold, warm, value = compile_and_run(name, family, n, arrays)
    assert_same(name, [reference], [np.asarray(value)], "float64")
    outcome["warm"] = warm
    return [cold]


def run(settings: Settings, implementations=IMPLEMENTATIONS, sizes=None) -> WorkloadResult:
    """Cold and warm compile-to-first-result times of every implementation and graph size."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    from benchmarks import machine

    sizes = sizes or (SIZES[:2] if settings.quick else SIZES)
    bandwidth = machine.memory_bandwidth(min_time=settings.min_time)
    gflops = machine.gemm_gflops(64, 64, 64, "float64", settings.min_time)
    limits = {"memory bandwidth GB/s": bandwidth, "gemm 64x64 @ 64x64 float64 GFLOP/s": gflops}
    cases = []
    for family in FAMILIES:
        arrays = make_inputs(family)
        for n in sizes:
            if family == "elemwise chain":  # each step reads y (and x for y + x) and writes y
                work = sum(8 * 1000 * (3 if i % 3 == 1 else 2) for i in range(n))
                note = f"{work / 1e6:.3g} MB moved at {bandwidth:.1f} GB/s, no compilation"
                limit = work / (bandwidth * 1e9)
            else:
                work = n * 2 * 64**3
                note = f"{work / 1e6:.3g} MFLOP at {gflops:.1f} GFLOP/s (64x64 GEMM), no compilation"
                limit = work / (gflops * 1e9)
            case = Case(f"{family}, N={n}", "s/call", limit_seconds=limit, limit_note=note)
            reference = build_chain(family, n, arrays, np.tanh, np.dot)
            for name in implementations:
                outcome: dict = {}
                label = name if name == "numpy" else f"{name} cold"
                row = run_guarded(case, label, peers.DESCRIPTIONS[name], measure_row, name, family, n, arrays,
                                  reference, outcome)
                if name != "numpy":
                    row.description = f"{peers.DESCRIPTIONS[name]}; first compilation in this process"
                    warm_row = case.add(type(row)(f"{name} warm", "the same graph compiled again in this process"))
                    warm_row.skipped = row.skipped
                    if outcome.get("warm") is not None:
                        warm_row.seconds = [outcome["warm"]]
            case.finish()
            cases.append(case)
    notes = ["cold = first compilation in this process; warm = the same graph compiled again in this process",
             "theano warm: the rewritten graph comes from the in-process graph cache, the kernels are loaded",
             "PyTensor's cold rows use its on-disk C/Numba caches as found (possibly warm from earlier runs)",
             "numpy evaluates the chain eagerly once (no compilation): a yardstick for the ratios",
             "each time is a single measurement (a cold compile happens once)",
             "limit: the chain's arithmetic alone at the machine's measured speed, with zero compile time"]
    return WorkloadResult("compile", cases, limits, notes)


def plot(result: WorkloadResult, path) -> None:
    """Seconds from graph to first result against N, one subplot per graph family."""
    from benchmarks.plots import growth_curves

    growth_curves(result, path, group_of=lambda case: case.name.split(",")[0],
                  size_of=lambda case: int(case.name.rsplit("=", 1)[1]))



