"""Loop overhead: ``h_t = tanh(x_t W + h_{t-1} U + b)`` for 100 steps (float64, one sequence).

Each row computes all 100 hidden states from ``x`` (100 steps), ``h0``, ``W``, ``U`` and ``b``
and is checked against the NumPy loop. With 100 units a step is two 100x100 matrix-vector
products and a tanh of 100 numbers (a few microseconds); with 10 units the step's arithmetic is
negligible and the time per step is the loop's own overhead. Ours is ``theano.scan`` compiled
with FAST_RUN; the peers are JAX's ``lax.scan`` under ``jit``, PyTensor's ``scan`` and a PyTorch
loop. Times are per step (a whole loop's time divided by the number of steps).
"""

from __future__ import annotations

import numpy as np

from benchmarks import peers
from benchmarks.harness import Case, Settings, Skip, WorkloadResult, assert_same, run_guarded, time_per_call

N_STEPS = 100
SIZES = {"100 units": 100, "10 units (overhead)": 10}
IMPLEMENTATIONS = ("numpy", "theano", "theano (trust_input)", "pytensor-cvm", "pytensor-numba", "jax", "torch")


def make_inputs(units: int, n_steps: int = N_STEPS, seed: int = 0) -> tuple[np.ndarray, ...]:
    """``x, h0, W, U, b`` with weights scaled so the states stay away from saturation."""
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(units)
    x = rng.standard_normal((n_steps, units))
    h0 = rng.standard_normal(units) * 0.1
    W = rng.standard_normal((units, units)) * scale
    U = rng.standard_normal((units, units)) * scale
    b = rng.standard_normal(units) * 0.1
    return x, h0, W, U, b


def numpy_loop(x, h0, W, U, b) -> np.ndarray:
    """The reference: a Python loop of NumPy calls."""
    out = np.empty_like(x)
    h = h0
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W + h @ U + b)
        out[t] = h
    return out


def build(name: str, x, h0, W, U, b):
    """A zero-argument callable running the whole loop with the row's library (result as NumPy)."""
    base = name.split(" ")[0]
    if base == "numpy":
        return lambda: numpy_loop(x, h0, W, U, b)
    if base == "theano":
        import theano
        import theano.tensor as T

        xs, hs0, Ws, Us, bs = T.matrix("x"), T.vector("h0"), T.matrix("W"), T.matrix("U"), T.vector("b")
        hs, _ = theano.scan(lambda xt, h, W, U, b: T.tanh(T.dot(xt, W) + T.dot(h, U) + b), sequences=xs,
                            outputs_info=hs0, non_sequences=[Ws, Us, bs])
        f = theano.function([xs, hs0, Ws, Us, bs], hs, mode="FAST_RUN")
        f.trust_input = name.endswith("(trust_input)")
        return lambda: f(x, h0, W, U, b)
    if base.startswith("pytensor"):
        pytensor, pt = peers.pytensor()
        xs, hs0, Ws, Us, bs = pt.matrix("x"), pt.vector("h0"), pt.matrix("W"), pt.matrix("U"), pt.vector("b")
        hs, _ = pytensor.scan(lambda xt, h, W, U, b: pt.tanh(pt.dot(xt, W) + pt.dot(h, U) + b), sequences=xs,
                              outputs_info=hs0, non_sequences=[Ws, Us, bs])
        f = peers.pytensor_function(base, [xs, hs0, Ws, Us, bs], hs)
        return lambda: f(x, h0, W, U, b)
    if base == "jax":
        jax, jnp, lax = peers.jax()

        def loop(x, h0, W, U, b):
            def step(h, xt):
                h = jnp.tanh(xt @ W + h @ U + b)
                return h, h

            return lax.scan(step, h0, x)[1]

        run = jax.jit(loop)
        args = [jnp.asarray(v) for v in (x, h0, W, U, b)]
        return lambda: run(*args).block_until_ready()
    if base == "torch":
        torch = peers.torch()
        tx, th0, tW, tU, tb = (torch.from_numpy(v) for v in (x, h0, W, U, b))

        def loop():
            with torch.no_grad():
                out = torch.empty_like(tx)
                h = th0
                for t in range(tx.shape[0]):
                    h = torch.tanh(tx[t] @ tW + h @ tU + tb)
                    out[t] = h
                return out

        return loop
    raise Skip(f"unknown implementation {name!r}")


def measure_row(name: str, inputs: tuple, settings: Settings) -> list[float]:
    """Check one implementation's states against the NumPy loop, then time it (seconds per step)."""
    call = build(name, *inputs)
    result = call()
    result = np.asarray(result.detach() if hasattr(result, "detach") else result)
    assert_same(name, [numpy_loop(*inputs)], [result], "float64")
    n_steps = inputs[0].shape[0]
    return [seconds / n_steps for seconds in time_per_call(call, settings)]


def run(settings: Settings, implementations=IMPLEMENTATIONS) -> WorkloadResult:
    """Time the loop for every implementation and both sizes."""
    cases = []
    notes = [f"{N_STEPS} steps per loop; times are per step (loop time / {N_STEPS})",
             "jax's inputs are device arrays made once; each loop waits for its result (block_until_ready)"]
    for label, units in SIZES.items():
        inputs = make_inputs(units)
        case = Case(f"tanh recurrence, {label}, {N_STEPS} steps (float64)", "s/step")
        for name in implementations:
            run_guarded(case, name, peers.DESCRIPTIONS.get(name, name), measure_row, name, inputs, settings)
        case.finish()
        cases.append(case)
        timed = {row.implementation: row.median for row in case.rows if row.median}
        if "theano" in timed:
            for peer in ("numpy", "jax", "pytensor-cvm", "torch"):
                if peer in timed:
                    notes.append(f"{label}: theano {timed['theano'] * 1e6:.2f} us/step, {peer} "
                                 f"{timed[peer] * 1e6:.2f} us/step (theano is {timed[peer] / timed['theano']:.2f}x "
                                 f"{peer}'s speed)")
    return WorkloadResult("scan", cases, {}, notes)


def plot(result: WorkloadResult, path) -> None:
    """Bar charts of seconds per step (log scale), one subplot per size."""
    from benchmarks.plots import bar_charts

    bar_charts(result, path, "seconds per step", rate=False)
