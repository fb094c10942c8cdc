"""Figure 4 of the 2010 paper: training the "ConvLarge" convolutional network by minibatch SGD.

Input (B, 1, 256, 256); conv 6 filters 1x7x7 (valid) + bias, tanh; max-pool 5x5; tanh; conv 16
filters 6x7x7 + bias, tanh; max-pool 4x4; tanh; flatten 16*11*11 = 1936 -> 120 tanh -> 10 softmax;
mean negative log-likelihood; SGD (learning rate 0.01) on all 8 parameters; minibatch 1 (the
paper's figure) and 60; float32; examples per second. Convolutions are true convolutions (flipped
kernels, as Theano's ``conv2d``); the peers whose convolution is a cross-correlation flip the
kernel inside their graph, so every implementation trains the same parameters.

Our row needs ``theano.tensor.nnet.conv2d`` and ``theano.tensor.signal.pool.pool_2d``; it is
skipped until they exist and appears by itself when they land.
"""

from __future__ import annotations

import importlib

import numpy as np

from benchmarks import machine, peers
from benchmarks.conv_numpy import convlarge_step
from benchmarks.harness import Case, Settings, Skip, WorkloadResult, assert_same, run_guarded, time_unit

IMAGE = 256
LEARNING_RATE = 0.01
DTYPE = "float32"
#: name, shape of each of the 8 parameters
PARAM_SHAPES = (("w1", (6, 1, 7, 7)), ("b1", (6,)), ("w2", (16, 6, 7, 7)), ("b2", (16,)),
                ("v1", (1936, 120)), ("d1", (120,)), ("v2", (120, 10)), ("d2", (10,)))
IMPLEMENTATIONS = ("numpy", "theano", "pytensor-numba", "pytensor-cvm", "jax", "torch")


def make_data(n_examples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random float32 images (n, 1, 256, 256) in [0, 1) and int32 labels in [0, 10)."""
    rng = np.random.default_rng(seed)
    return rng.random((n_examples, 1, IMAGE, IMAGE), dtype=np.float32), rng.integers(0, 10, n_examples).astype("int32")


def initial_params(seed: int = 1) -> list[np.ndarray]:
    """Weights uniform in +-1/sqrt(fan-in), biases zero, all float32."""
    rng = np.random.default_rng(seed)
    params = []
    for name, shape in PARAM_SHAPES:
        if name[0] in "bd":
            params.append(np.zeros(shape, DTYPE))
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
            bound = 1 / np.sqrt(fan_in)
            params.append(rng.uniform(-bound, bound, shape).astype(DTYPE))
    return params


def flops_per_example() -> int:
    """2 x multiply-adds of the convolutions and products, forward and backward (no gradient of the image)."""
    conv1 = 2 * 6 * 250 * 250 * 1 * 49
    conv2 = 2 * 16 * 44 * 44 * 6 * 49
    dense = 2 * (1936 * 120 + 120 * 10)
    return 2 * conv1 + 3 * conv2 + 3 * dense


def numpy_trainer(params, x, y):
    state = [p.copy() for p in params]
    lr = np.float32(LEARNING_RATE)
    return (lambda start, stop: convlarge_step(state, x[start:stop], y[start:stop], lr)), lambda: state, lambda: None


def _symbolic_cost(T, conv, pool, softmax, x, y, p):
    """ConvLarge's cost with a library's symbolic API (theano and PyTensor share these names)."""
    w1, b1, w2, b2, v1, d1, v2, d2 = p
    s1 = T.tanh(pool(T.tanh(conv(x, w1) + b1.dimshuffle("x", 0, "x", "x")), 5))
    s2 = T.tanh(pool(T.tanh(conv(s1, w2) + b2.dimshuffle("x", 0, "x", "x")), 4))
    hidden = T.tanh(T.dot(s2.flatten(2), v1) + d1)
    probabilities = softmax(T.dot(hidden, v2) + d2)
    return -T.mean(T.log(probabilities)[T.arange(y.shape[0]), y])


def theano_trainer(params, x, y):
    """Ours, with Theano 1.0's ``conv2d`` and ``pool_2d``: skipped until they exist."""
    import theano
    import theano.tensor as T

    conv2d = getattr(T.nnet, "conv2d", None)
    try:
        pool_2d = importlib.import_module("theano.tensor.signal.pool").pool_2d
    except (ImportError, AttributeError):
        pool_2d = None
    if conv2d is None or pool_2d is None:
        raise Skip("theano.tensor.nnet.conv2d / theano.tensor.signal.pool.pool_2d do not exist yet")
    shared = [theano.shared(p.copy(), name=name) for p, (name, _) in zip(params, PARAM_SHAPES)]
    xs, ys = T.tensor4("x", dtype=DTYPE), T.ivector("y")
    cost = _symbolic_cost(T, conv2d, lambda z, k: pool_2d(z, ws=(k, k), ignore_border=True, mode="max"),
                          T.nnet.softmax, xs, ys, shared)
    lr = np.float32(LEARNING_RATE)
    updates = [(p, p - lr * g) for p, g in zip(shared, T.grad(cost, shared))]
    train = theano.function([xs, ys], cost, updates=updates, mode="FAST_RUN", name="train")
    return (lambda start, stop: train(x[start:stop], y[start:stop])), lambda: [s.get_value() for s in shared], \
        lambda: None


def pytensor_trainer(row):
    """PyTensor: ``pytensor.tensor.signal.convolve2d`` over channels (batched), max-pool as a blocked max."""
    def build(params, x, y):
        pytensor, pt = peers.pytensor()
        from pytensor.tensor.signal import convolve2d

        def conv(images, filters):  # (B, C, H, W) * (O, C, kh, kw) summed over C -> (B, O, H', W')
            return convolve2d(images[:, None], filters[None], mode="valid").sum(axis=2)

        def pool(z, k):
            b, c, h, w = z.shape
            return z.reshape((b, c, h // k, k, w // k, k)).max(axis=(3, 5))

        shared = [pytensor.shared(p.copy(), name=name) for p, (name, _) in zip(params, PARAM_SHAPES)]
        xs, ys = pt.tensor4("x", dtype=DTYPE), pt.ivector("y")
        cost = _symbolic_cost(pt, conv, pool, lambda z: pt.special.softmax(z, axis=-1), xs, ys, shared)
        lr = np.float32(LEARNING_RATE)
        updates = [(p, p - lr * g) for p, g in zip(shared, pytensor.grad(cost, shared))]
        train = peers.pytensor_function(row, [xs, ys], cost, updates=updates)
        return (lambda start, stop: train(x[start:stop], y[start:stop])), \
            lambda: [s.get_value() for s in shared], lambda: None
    return build


def jax_trainer(params, x, y):
    """``jax.jit`` of one SGD step; ``lax.conv_general_dilated`` with the kernel flipped in the graph."""
    jax, jnp, lax = peers.jax()

    def conv(images, filters):
        return lax.conv_general_dilated(images, filters[:, :, ::-1, ::-1], (1, 1), "VALID")

    def pool(z, k):
        b, c, h, w = z.shape
        return z.reshape(b, c, h // k, k, w // k, k).max(axis=(3, 5))

    def cost_of(p, xb, yb):
        w1, b1, w2, b2, v1, d1, v2, d2 = p
        s1 = jnp.tanh(pool(jnp.tanh(conv(xb, w1) + b1[:, None, None]), 5))
        s2 = jnp.tanh(pool(jnp.tanh(conv(s1, w2) + b2[:, None, None]), 4))
        hidden = jnp.tanh(s2.reshape(s2.shape[0], -1) @ v1 + d1)
        log_probabilities = jax.nn.log_softmax(hidden @ v2 + d2, axis=1)
        return -jnp.mean(jnp.take_along_axis(log_probabilities, yb[:, None], axis=1))

    lr = np.float32(LEARNING_RATE)

    @jax.jit
    def sgd_step(p, xb, yb):
        cost, grads = jax.value_and_grad(cost_of)(p, xb, yb)
        return [q - lr * g for q, g in zip(p, grads)], cost

    state = {"params": [jnp.asarray(p) for p in params]}

    def step(start, stop):
        state["params"], cost = sgd_step(state["params"], jnp.asarray(x[start:stop]), jnp.asarray(y[start:stop]))
        return cost

    return step, lambda: [np.asarray(p) for p in state["params"]], lambda: jax.block_until_ready(state["params"])


def torch_trainer(params, x, y):
    """PyTorch eager: ``F.conv2d`` on flipped kernels, ``F.max_pool2d``, autograd, in-place SGD."""
    torch = peers.torch()
    functional = torch.nn.functional
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    data_x, data_y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def step(start, stop):
        w1, b1, w2, b2, v1, d1, v2, d2 = tensors
        xb = data_x[start:stop]
        s1 = torch.tanh(functional.max_pool2d(torch.tanh(functional.conv2d(xb, torch.flip(w1, (2, 3)), b1)), 5))
        s2 = torch.tanh(functional.max_pool2d(torch.tanh(functional.conv2d(s1, torch.flip(w2, (2, 3)), b2)), 4))
        hidden = torch.tanh(s2.flatten(1) @ v1 + d1)
        cost = functional.nll_loss(torch.log_softmax(hidden @ v2 + d2, dim=1), data_y[start:stop])
        cost.backward()
        with torch.no_grad():
            for p in tensors:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return cost.detach()

    return step, lambda: [t.detach().numpy().copy() for t in tensors], lambda: None


TRAINERS = {"numpy": numpy_trainer, "theano": theano_trainer, "pytensor-numba": pytensor_trainer("pytensor-numba"),
            "pytensor-cvm": pytensor_trainer("pytensor-cvm"), "jax": jax_trainer, "torch": torch_trainer}


def first_step(name, trainer, params, batch, reference=None):
    """One minibatch; its cost and 8 parameter updates must match NumPy's ``reference``."""
    step, current, sync = trainer
    cost = step(0, batch)
    sync()
    result = [np.asarray(cost)] + [after - before for after, before in zip(current(), params)]
    if reference is not None:
        labels = ("cost",) + tuple(f"update of {name_}" for name_, _ in PARAM_SHAPES)
        assert_same(name, reference, result, DTYPE, labels=labels, rtol=2e-3)
    return result


def measure_row(name, params, x, y, batch, n_examples, reference, settings) -> list[float]:
    """Build one implementation, check its first step against NumPy's, then time passes over the images."""
    trainer = TRAINERS[name](params, x, y)
    first_step(name, trainer, params, batch, reference)
    step, _, sync = trainer

    def one_pass():
        for start in range(0, n_examples, batch):
            step(start, start + batch)
        sync()
    return time_unit(one_pass, settings, warmups=0)


def run(settings: Settings, implementations=IMPLEMENTATIONS) -> WorkloadResult:
    """Examples/s of every implementation at minibatch 1 and 60."""
    params = initial_params()
    gflops = machine.gemm_gflops(1936, 294, 16, DTYPE, settings.min_time)
    limits = {"gemm 1936x294 @ 294x16 float32 GFLOP/s (conv2 as one product)": gflops}
    cases = []
    for batch in (1,) if settings.quick else (1, 60):
        n_examples = 3 if settings.quick else 20 if batch == 1 else 120
        x, y = make_data(n_examples)
        case = Case(f"conv ConvLarge float32, minibatch {batch}", "examples/s", work=n_examples,
                    limit_seconds=n_examples * flops_per_example() / (gflops * 1e9),
                    limit_note=f"{flops_per_example() / 1e6:.1f} MFLOP/example at the measured {gflops:.1f} GFLOP/s "
                               "of conv2's per-example product (1936x294 @ 294x16) float32 GEMM")
        reference = first_step("numpy", numpy_trainer(params, x, y), params, batch)
        for name in implementations:
            run_guarded(case, name, peers.DESCRIPTIONS[name], measure_row, name, params, x, y, batch, n_examples,
                        reference, settings)
        case.finish()
        cases.append(case)
    notes = [f"timed pass: {'3' if settings.quick else '20 (minibatch 1) or 120 (minibatch 60)'} random 256x256 "
             "images; the first-minibatch check doubles as the warm-up"]
    if settings.quick:
        notes.append("--quick runs minibatch 1 only (the paper's figure); minibatch 60 takes minutes here")
    return WorkloadResult("conv", cases, limits, notes)


def plot(result: WorkloadResult, path) -> None:
    """Bar charts of examples/s, one subplot per minibatch size (Figure 4's style)."""
    from benchmarks.plots import bar_charts

    bar_charts(result, path, "examples / second")
