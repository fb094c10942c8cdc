"""The machine a benchmark runs on: thread limits, a description, and its measured limits.

:func:`limit_threads` must run before NumPy, JAX or PyTorch are imported (it sets the
environment variables their thread pools read at start-up); :func:`apply_thread_limits` then
caps the BLAS/OpenMP pools already loaded, through threadpoolctl.

The limits are measured, not looked up: GEMM GFLOP/s with ``numpy.dot`` at the shapes the
workloads use, and memory bandwidth from a large array addition. A workload divides its work
(FLOPs or bytes) by them to get the best possible time, which every row is compared to.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from importlib import metadata

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "VECLIB_MAXIMUM_THREADS")

_THREADPOOL_LIMITER = None


def limit_threads(threads: int) -> None:
    """Set the thread-count environment variables read by BLAS, OpenMP, numexpr, XLA and torch.

    Parameters
    ----------
    threads : int
        Threads every implementation may use (the paper used one).
    """
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)
    xla = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in xla:
        extra = f"intra_op_parallelism_threads={threads}"
        if threads == 1:
            extra = "--xla_cpu_multi_thread_eigen=false " + extra
        os.environ["XLA_FLAGS"] = f"{xla} {extra}".strip()
    os.environ["BENCHMARK_THREADS"] = str(threads)


def apply_thread_limits() -> int:
    """Cap the thread pools already loaded in this process (threadpoolctl, numexpr, torch).

    Returns
    -------
    int
        The thread count applied (from :func:`limit_threads`, default 1).
    """
    global _THREADPOOL_LIMITER
    threads = int(os.environ.get("BENCHMARK_THREADS", "1"))
    try:
        from threadpoolctl import threadpool_limits

        _THREADPOOL_LIMITER = threadpool_limits(limits=threads)
    except ImportError:
        pass
    try:
        import numexpr

        numexpr.set_num_threads(threads)
    except ImportError:
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or the platform module)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def describe_machine() -> dict:
    """CPU, cores, BLAS libraries with their thread counts, and the versions of every package used."""
    info = {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "threads_requested": int(os.environ.get("BENCHMARK_THREADS", "1")),
        "versions": {name: _version(name) for name in
                     ("numpy", "scipy", "theano", "numexpr", "pytensor", "numba", "jax", "jaxlib", "torch",
                      "threadpoolctl", "matplotlib")},
        "thread_pools": [],
    }
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            info["thread_pools"].append({key: pool.get(key) for key in
                                         ("user_api", "internal_api", "num_threads", "version", "prefix")})
    except ImportError:
        info["thread_pools"].append({"note": "threadpoolctl not installed"})
    return info


def format_machine(info: dict) -> str:
    """A few human-readable lines describing the machine."""
    pools = ", ".join(f"{p.get('internal_api')} {p.get('version')} ({p.get('prefix')}): {p.get('num_threads')} threads"
                      for p in info["thread_pools"] if "internal_api" in p) or "unknown"
    versions = ", ".join(f"{name} {v}" for name, v in info["versions"].items() if v)
    return (f"machine: {info['cpu']}, {info['logical_cores']} logical cores, {info['platform']}\n"
            f"threads per implementation: {info['threads_requested']}; thread pools: {pools}\n"
            f"versions: Python {info['python']}, {versions}")


def best_seconds(function, min_time: float = 0.05, repeats: int = 3) -> float:
    """Fastest time of one call of ``function``, each repeat looping long enough to be measurable."""
    function()
    start = time.perf_counter()
    function()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_time / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def gemm_gflops(m: int, k: int, n: int, dtype: str, min_time: float = 0.05) -> float:
    """Measured GFLOP/s of ``numpy.dot`` on an (m, k) by (k, n) product (``2*m*k*n`` FLOPs per call)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((m, k)).astype(dtype)
    b = rng.random((k, n)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    seconds = best_seconds(lambda: np.dot(a, b, out=out), min_time)
    return 2.0 * m * k * n / seconds / 1e9


def memory_bandwidth(n_bytes: int = 160_000_000, min_time: float = 0.1) -> float:
    """Measured GB/s of ``numpy.add(a, b, out=c)`` on float64 arrays of ``n_bytes`` each (3 arrays moved)."""
    import numpy as np

    n = n_bytes // 8
    a = np.ones(n)
    b = np.ones(n)
    c = np.empty(n)
    seconds = best_seconds(lambda: np.add(a, b, out=c), min_time)
    return 3 * n * 8 / seconds / 1e9


def python_call_floor() -> float:
    """Seconds of one call of an empty Python function of two arguments: no callable can be faster."""

    def nothing(a, b):
        return a

    def hundred_calls():
        for _ in range(100):
            nothing(1, 2)

    return best_seconds(hundred_calls, 0.02) / 100
