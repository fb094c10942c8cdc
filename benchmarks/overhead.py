"""Per-call overhead: ``f(a, b) = a + b`` on 0-d arrays and on 10-element vectors (float64).

The work is negligible, so the time per call is what each library spends between Python and the
addition: argument checks and conversions, dispatch, allocation. Ours and PyTensor's are timed
twice, the second time with ``f.trust_input = True`` (inputs used as given, unchecked). JAX's
inputs are device arrays made once (so its row is dispatch, not transfer); PyTorch's are tensors
sharing the NumPy arrays' memory. The limit is the cost of calling an empty Python function of
two arguments: no callable can be cheaper.
"""

from __future__ import annotations

import numpy as np

from benchmarks import machine, peers
from benchmarks.harness import Case, Settings, WorkloadResult, assert_same, run_guarded, time_per_call

SHAPES = {"0-d arrays": (), "10-element vectors": (10,)}
IMPLEMENTATIONS = ("numpy", "numexpr", "theano", "theano (trust_input)", "pytensor-numba",
                   "pytensor-numba (trust_input)", "pytensor-cvm", "pytensor-cvm (trust_input)", "jax", "torch")


def make_inputs(shape: tuple, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.asarray(rng.random(shape)), np.asarray(rng.random(shape))


def build(name: str, shape: tuple, a: np.ndarray, b: np.ndarray):
    """A zero-argument callable computing ``a + b`` with the row's library, and its result's reader."""
    trust = name.endswith("(trust_input)")
    base = name.split(" ")[0]
    if base == "numpy":
        return lambda: np.add(a, b)
    if base == "numexpr":
        numexpr = peers.numexpr()
        local = {"a": a, "b": b}
        return lambda: numexpr.evaluate("a + b", local_dict=local)
    if base == "theano":
        import theano
        import theano.tensor as T

        x, y = T.TensorType("float64", (False,) * len(shape))("a"), T.TensorType("float64", (False,) * len(shape))("b")
        f = theano.function([x, y], x + y, mode="FAST_RUN")
        f.trust_input = trust
        return lambda: f(a, b)
    if base.startswith("pytensor"):
        _, pt = peers.pytensor()
        x, y = pt.tensor("a", dtype="float64", shape=(None,) * len(shape)), pt.tensor("b", dtype="float64",
                                                                                       shape=(None,) * len(shape))
        f = peers.pytensor_function(base, [x, y], x + y)
        f.trust_input = trust
        return lambda: f(a, b)
    if base == "jax":
        jax, jnp, _ = peers.jax()
        add = jax.jit(lambda x, y: x + y)
        ja, jb = jnp.asarray(a), jnp.asarray(b)
        return lambda: add(ja, jb).block_until_ready()
    if base == "torch":
        torch = peers.torch()
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        return lambda: torch.add(ta, tb)
    raise ValueError(f"unknown implementation {name!r}")


def measure_row(name: str, shape: tuple, a, b, settings: Settings) -> list[float]:
    """Check one implementation's ``a + b`` against NumPy's, then time its calls."""
    call = build(name, shape, a, b)
    result = call()
    result = np.asarray(result.detach() if hasattr(result, "detach") else result)
    assert_same(name, [np.add(a, b)], [result], "float64")
    return time_per_call(call, settings)


def run(settings: Settings, implementations=IMPLEMENTATIONS) -> WorkloadResult:
    """Time one call of ``a + b`` for every implementation and both shapes."""
    floor = machine.python_call_floor()
    cases = []
    for label, shape in SHAPES.items():
        a, b = make_inputs(shape)
        case = Case(f"a + b on {label} (float64)", "s/call", limit_seconds=floor,
                    limit_note="an empty Python function call of two arguments")
        for name in implementations:
            run_guarded(case, name, peers.DESCRIPTIONS[name], measure_row, name, shape, a, b, settings)
        case.finish()
        cases.append(case)
    notes = [f"limit: {floor * 1e9:.0f} ns for an empty Python function call",
             "jax's inputs are device arrays made once; each call waits for its result (block_until_ready)"]
    return WorkloadResult("overhead", cases, {"empty Python call ns": floor * 1e9}, notes)


def plot(result: WorkloadResult, path) -> None:
    """Bar charts of seconds per call (log scale), one subplot per shape."""
    from benchmarks.plots import bar_charts

    bar_charts(result, path, "seconds per call", rate=False)
