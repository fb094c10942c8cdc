"""Figure 5 of the 2010 paper: four elementwise expressions on float64 vectors of growing size.

Expressions ``a**2 + b**2 + 2*a*b``, ``2*a + 3*b``, ``a+1`` and ``2*a + b**10``, on vectors of
1e3, 5e3, 1e4, 5e4, 1e5, 1e6 and 1e7 elements (``--quick`` stops at 1e6). Result: time per call,
and the speed-up over NumPy evaluating the same expression with its operators (one temporary per
operation). The machine's limit for a call is the bytes it must move (read each input once, write
the output once) over the measured memory bandwidth; small vectors live in cache, so rows there
can pass 100% of this DRAM limit.
"""

from __future__ import annotations

import numpy as np

from benchmarks import peers
from benchmarks.harness import Case, Settings, Skip, WorkloadResult, assert_same, run_guarded, time_per_call

SIZES = (1_000, 5_000, 10_000, 50_000, 100_000, 1_000_000, 10_000_000)

#: name -> (NumPy/numexpr expression text, number of inputs it reads)
EXPRESSIONS = {
    "a**2 + b**2 + 2*a*b": 2,
    "2*a + 3*b": 2,
    "a+1": 1,
    "2*a + b**10": 2,
}

IMPLEMENTATIONS = ("numpy", "numexpr", "theano", "pytensor-numba", "pytensor-cvm", "jax", "torch")


def make_inputs(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two float64 vectors, uniform in [0, 1) so that ``b**10`` stays finite and representable."""
    rng = np.random.default_rng(seed)
    return rng.random(size), rng.random(size)


def numpy_function(expression: str):
    """NumPy operators, exactly as the expression is written."""
    code = compile(expression, expression, "eval")
    return lambda a, b: eval(code, {}, {"a": a, "b": b})


def numexpr_function(expression: str):
    numexpr = peers.numexpr()
    return lambda a, b: numexpr.evaluate(expression, local_dict={"a": a, "b": b})


def _symbolic(expression: str, a, b):
    return eval(compile(expression, expression, "eval"), {}, {"a": a, "b": b})


def theano_function(expression: str):
    """Ours: one ``theano.function`` of the expression over two float64 vectors."""
    import theano
    import theano.tensor as T

    a, b = T.dvector("a"), T.dvector("b")
    inputs = [a, b] if EXPRESSIONS[expression] == 2 else [a]
    f = theano.function(inputs, _symbolic(expression, a, b), mode="FAST_RUN")
    return (lambda x, y: f(x, y)) if len(inputs) == 2 else (lambda x, y: f(x))


def pytensor_function(row: str):
    def build(expression: str):
        _, pt = peers.pytensor()
        a, b = pt.dvector("a"), pt.dvector("b")
        inputs = [a, b] if EXPRESSIONS[expression] == 2 else [a]
        f = peers.pytensor_function(row, inputs, _symbolic(expression, a, b))
        return (lambda x, y: f(x, y)) if len(inputs) == 2 else (lambda x, y: f(x))
    return build


def jax_function(expression: str):
    """``jax.jit`` of the expression; inputs are placed on the device once, results waited for."""
    jax, jnp, _ = peers.jax()
    jitted = jax.jit(numpy_function(expression))
    cache = {}

    def call(a, b):
        key = (id(a), id(b))
        if key not in cache:  # the device copies of the benchmark's inputs, made once
            cache.clear()
            cache[key] = (jnp.asarray(a), jnp.asarray(b))
        return jitted(*cache[key]).block_until_ready()
    return call


def torch_function(expression: str):
    """PyTorch eager on tensors sharing the NumPy inputs' memory."""
    torch = peers.torch()
    formula = numpy_function(expression)
    cache = {}

    def call(a, b):
        key = (id(a), id(b))
        if key not in cache:
            cache.clear()
            cache[key] = (torch.from_numpy(a), torch.from_numpy(b))
        return formula(*cache[key])
    return call


BUILDERS = {"numpy": numpy_function, "numexpr": numexpr_function, "theano": theano_function,
            "pytensor-numba": pytensor_function("pytensor-numba"), "pytensor-cvm": pytensor_function("pytensor-cvm"),
            "jax": jax_function, "torch": torch_function}


def to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach()
    return np.asarray(value)


def measure_row(functions: dict, name: str, expression: str, a, b, reference, settings: Settings) -> list[float]:
    """Check one implementation against NumPy, then time its calls; ``functions`` caches the compiled ones."""
    key = (name, expression)
    if key not in functions:  # compiled once per expression, reused for every size
        try:
            functions[key] = BUILDERS[name](expression)
        except Skip as reason:
            functions[key] = reason
    if isinstance(functions[key], Skip):
        raise functions[key]
    f = functions[key]
    assert_same(name, [reference], [to_numpy(f(a, b))], "float64")
    return time_per_call(lambda: f(a, b), settings)


def run(settings: Settings, implementations=IMPLEMENTATIONS, sizes=None) -> WorkloadResult:
    """Time every implementation on every expression and size (seconds per call)."""
    from benchmarks import machine

    sizes = sizes or tuple(s for s in SIZES if not settings.quick or s <= 1_000_000)
    bandwidth = machine.memory_bandwidth(min_time=settings.min_time)
    cases = []
    functions: dict[tuple[str, str], object] = {}
    for expression, n_inputs in EXPRESSIONS.items():
        reference_function = numpy_function(expression)
        for size in sizes:
            a, b = make_inputs(size)
            moved = (n_inputs + 1) * 8 * size
            case = Case(f"{expression}, {size:.0e} elements", "s/call", limit_seconds=moved / (bandwidth * 1e9),
                        limit_note=f"{moved / 1e6:.3g} MB moved at {bandwidth:.1f} GB/s")
            reference = reference_function(a, b)
            for name in implementations:
                run_guarded(case, name, peers.DESCRIPTIONS[name], measure_row, functions, name, expression, a, b,
                            reference, settings)
            case.finish()
            cases.append(case)
    notes = [f"memory bandwidth for the limit: {bandwidth:.1f} GB/s (numpy add of 160 MB arrays); vectors that "
             "fit in cache can beat it", "each function is compiled once per expression and reused for every size"]
    return WorkloadResult("elemwise", cases, {"memory bandwidth GB/s": bandwidth}, notes)


def plot(result: WorkloadResult, path) -> None:
    """Figure 5's style: speed-up over NumPy against vector length, one subplot per expression."""
    from benchmarks.plots import speedup_curves

    speedup_curves(result, path, group_of=lambda case: case.name.split(",")[0],
                   size_of=lambda case: float(case.name.rsplit(",", 1)[1].split()[0]))
