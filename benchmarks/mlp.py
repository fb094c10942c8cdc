"""Figure 3 of the 2010 paper: training a 784-500-10 multi-layer perceptron by minibatch SGD.

The model: ``h = tanh(x W + b)``, ``p = softmax(h V + c)``, cost = mean negative log-likelihood
of the labels, gradients of all four parameters, SGD update ``param -= 0.01 * grad``. The data:
6000 random examples (uniform pixels in [-0.75, 0.75), random labels), trained in minibatches of
60 (the paper's figure) and 1, in float64 and float32. Result: examples per second.

Every implementation starts from the same parameters; after one minibatch its cost and its four
parameter updates must equal hand-written NumPy's before anything is timed.
"""

from __future__ import annotations

import numpy as np

from benchmarks import machine, peers
from benchmarks.harness import Case, Settings, WorkloadResult, assert_same, run_guarded, time_unit

N_IN, N_HIDDEN, N_OUT = 784, 500, 10
LEARNING_RATE = 0.01
N_EXAMPLES = 6000
PARAM_NAMES = ("W", "b", "V", "c")
IMPLEMENTATIONS = ("numpy", "theano", "pytensor-numba", "pytensor-cvm", "jax", "torch")


def make_data(dtype: str, n_examples: int = N_EXAMPLES, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs of shape (n_examples, 784) in ``dtype`` and int32 labels in [0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.75, 0.75, (n_examples, N_IN)).astype(dtype)
    y = rng.integers(0, N_OUT, n_examples).astype("int32")
    return x, y


def initial_params(dtype: str, seed: int = 1) -> list[np.ndarray]:
    """``[W, b, V, c]``: Glorot-uniform weights and zero biases, as the Deep Learning Tutorials do."""
    rng = np.random.default_rng(seed)
    bound_w = np.sqrt(6.0 / (N_IN + N_HIDDEN))
    bound_v = np.sqrt(6.0 / (N_HIDDEN + N_OUT))
    return [rng.uniform(-bound_w, bound_w, (N_IN, N_HIDDEN)).astype(dtype), np.zeros(N_HIDDEN, dtype),
            rng.uniform(-bound_v, bound_v, (N_HIDDEN, N_OUT)).astype(dtype), np.zeros(N_OUT, dtype)]


def flops_per_example() -> int:
    """Multiply-adds x 2 of the four matrix products per example (forward, and backward without dx)."""
    forward = 2 * (N_IN * N_HIDDEN + N_HIDDEN * N_OUT)
    backward = 2 * (N_HIDDEN * N_OUT + N_OUT * N_HIDDEN + N_IN * N_HIDDEN)
    return forward + backward


# -- the implementations: each returns (step(start, stop) -> cost, params() -> arrays, sync()) ---------


def numpy_trainer(params, x, y, batch):
    """Hand-written forward pass, backward pass and in-place SGD in NumPy."""
    state = [p.copy() for p in params]
    lr = np.asarray(LEARNING_RATE, dtype=x.dtype)

    def step(start, stop):
        w, b, v, c = state  # updated in place below
        xb, yb = x[start:stop], y[start:stop]
        hidden = np.tanh(xb @ w + b)
        logits = hidden @ v + c
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probabilities = exp / exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(yb))
        cost = -np.mean(np.log(probabilities[rows, yb]))
        g_logits = probabilities
        g_logits[rows, yb] -= 1
        g_logits /= len(yb)
        g_hidden = (g_logits @ v.T) * (1 - hidden * hidden)
        v -= lr * (hidden.T @ g_logits)
        c -= lr * g_logits.sum(axis=0)
        w -= lr * (xb.T @ g_hidden)
        b -= lr * g_hidden.sum(axis=0)
        return cost

    return step, lambda: state, lambda: None


def _symbolic_model(T, softmax, x, y, shared_params):
    """Cost and SGD updates, built the same way in theano and PyTensor (their APIs agree here)."""
    w, b, v, c = shared_params
    hidden = T.tanh(T.dot(x, w) + b)
    probabilities = softmax(T.dot(hidden, v) + c)
    cost = -T.mean(T.log(probabilities)[T.arange(y.shape[0]), y])
    grads = T.grad(cost, shared_params)
    lr = np.asarray(LEARNING_RATE, dtype=x.dtype)
    return cost, [(p, p - lr * g) for p, g in zip(shared_params, grads)]


def theano_trainer(params, x, y, batch):
    """Ours: ``theano.function`` with the updates built by ``T.grad``."""
    import theano
    import theano.tensor as T

    shared = [theano.shared(p.copy(), name=n) for p, n in zip(params, PARAM_NAMES)]
    xs = T.matrix("x", dtype=x.dtype)
    ys = T.ivector("y")
    cost, updates = _symbolic_model(T, T.nnet.softmax, xs, ys, shared)
    train = theano.function([xs, ys], cost, updates=updates, mode="FAST_RUN", name="train")
    return (lambda start, stop: train(x[start:stop], y[start:stop]),
            lambda: [s.get_value() for s in shared], lambda: None)


def pytensor_trainer(row):
    def build(params, x, y, batch):
        pytensor, pt = peers.pytensor()
        shared = [pytensor.shared(p.copy(), name=n) for p, n in zip(params, PARAM_NAMES)]
        xs = pt.matrix("x", dtype=x.dtype)
        ys = pt.ivector("y")
        cost, updates = _symbolic_model(pt, lambda z: pt.special.softmax(z, axis=-1), xs, ys, shared)
        train = peers.pytensor_function(row, [xs, ys], cost, updates=updates)
        return (lambda start, stop: train(x[start:stop], y[start:stop]),
                lambda: [s.get_value() for s in shared], lambda: None)
    return build


def jax_trainer(params, x, y, batch):
    """``jax.jit`` of one SGD step; the data live on the device and each step slices its minibatch."""
    jax, jnp, lax = peers.jax()
    lr = np.asarray(LEARNING_RATE, dtype=x.dtype)

    def cost_of(p, xb, yb):
        w, b, v, c = p
        hidden = jnp.tanh(xb @ w + b)
        log_probabilities = jax.nn.log_softmax(hidden @ v + c, axis=1)
        return -jnp.mean(jnp.take_along_axis(log_probabilities, yb[:, None], axis=1))

    def sgd_step(p, data_x, data_y, start):
        xb = lax.dynamic_slice_in_dim(data_x, start, batch)
        yb = lax.dynamic_slice_in_dim(data_y, start, batch)
        cost, grads = jax.value_and_grad(cost_of)(p, xb, yb)
        return [q - lr * g for q, g in zip(p, grads)], cost

    step_jit = jax.jit(sgd_step)
    data_x, data_y = jnp.asarray(x), jnp.asarray(y)
    state = {"params": [jnp.asarray(p) for p in params]}

    def step(start, stop):
        state["params"], cost = step_jit(state["params"], data_x, data_y, start)
        return cost

    def sync():
        jax.block_until_ready(state["params"])

    return step, lambda: [np.asarray(p) for p in state["params"]], sync


def torch_trainer(params, x, y, batch):
    """PyTorch eager: autograd for the gradients, in-place SGD under ``torch.no_grad``."""
    torch = peers.torch()
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    data_x = torch.from_numpy(x)
    data_y = torch.from_numpy(y.astype(np.int64))

    def step(start, stop):
        w, b, v, c = tensors
        hidden = torch.tanh(data_x[start:stop] @ w + b)
        log_probabilities = torch.log_softmax(hidden @ v + c, dim=1)
        cost = torch.nn.functional.nll_loss(log_probabilities, data_y[start:stop])
        cost.backward()
        with torch.no_grad():
            for p in tensors:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return cost.detach()

    return step, lambda: [t.detach().numpy().copy() for t in tensors], lambda: None


TRAINERS = {"numpy": numpy_trainer, "theano": theano_trainer, "pytensor-numba": pytensor_trainer("pytensor-numba"),
            "pytensor-cvm": pytensor_trainer("pytensor-cvm"), "jax": jax_trainer, "torch": torch_trainer}


def check_first_step(name, trainer, params, x, y, batch, reference=None):
    """Run one minibatch and compare the cost and the four updates with NumPy's (``reference``)."""
    step, current, sync = trainer
    cost = step(0, batch)
    sync()
    result = [np.asarray(cost)] + [after - before for after, before in zip(current(), params)]
    if reference is not None:
        labels = ("cost",) + tuple(f"update of {n}" for n in PARAM_NAMES)
        assert_same(name, reference, result, str(x.dtype), labels=labels)
    return result


def measure_row(name, params, x, y, batch, n_examples, reference, settings) -> list[float]:
    """Build one implementation, check its first step against NumPy's, then time passes over the data."""
    trainer = TRAINERS[name](params, x, y, batch)
    check_first_step(name, trainer, params, x, y, batch, reference)
    step, _, sync = trainer

    def one_pass():
        for start in range(0, n_examples, batch):
            step(start, start + batch)
        sync()
    return time_unit(one_pass, settings, warmups=0 if settings.quick else 1)


def run(settings: Settings, implementations=IMPLEMENTATIONS) -> WorkloadResult:
    """Time every implementation on float64/float32 x minibatch 60/1 (``examples/s``)."""
    limits = {}
    cases = []
    for dtype in ("float64", "float32"):
        x, y = make_data(dtype, N_EXAMPLES)
        params = initial_params(dtype)
        for batch in (60, 1):
            n_examples = N_EXAMPLES if not settings.quick else 600 if batch > 1 else 120
            gflops = machine.gemm_gflops(batch, N_IN, N_HIDDEN, dtype, settings.min_time)
            limits[f"gemm {batch}x{N_IN} @ {N_IN}x{N_HIDDEN} {dtype} GFLOP/s"] = gflops
            case = Case(f"mlp 784-500-10 {dtype}, minibatch {batch}", "examples/s", work=n_examples,
                        limit_seconds=n_examples * flops_per_example() / (gflops * 1e9),
                        limit_note=f"{flops_per_example() / 1e6:.2f} MFLOP/example at the measured {gflops:.1f} "
                                   f"GFLOP/s of a {batch}x{N_IN} @ {N_IN}x{N_HIDDEN} {dtype} GEMM")
            reference = check_first_step("numpy", numpy_trainer(params, x, y, batch), params, x, y, batch)
            for name in implementations:
                run_guarded(case, name, peers.DESCRIPTIONS[name], measure_row, name, params, x, y, batch, n_examples,
                            reference, settings)
            case.finish()
            cases.append(case)
    notes = [f"timed pass: {'600 (minibatch 60) or 120 (minibatch 1)' if settings.quick else N_EXAMPLES} of the "
             f"{N_EXAMPLES} random examples; the first-minibatch check doubles as the warm-up"
             + ("" if settings.quick else ", plus one untimed pass")]
    return WorkloadResult("mlp", cases, limits, notes)


def plot(result: WorkloadResult, path) -> None:
    """Bar charts of examples/s, one subplot per dtype and minibatch size (Figure 3's style)."""
    from benchmarks.plots import bar_charts

    bar_charts(result, path, "examples / second")

