"""C kernels of the softmax family and the cross-entropy ops: values against the ops' ``perform``
for float32/float64 and every class-index dtype, any rank and layout, extreme and non-finite
scores, empty arrays, the errors of bad shapes and class indices, OpenMP, and compiled MLP graphs."""

import re

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.testing import run_node
from theano.tensor.nnet import crossentropy as ce
from theano.tensor.nnet.softmax_ops import logsoftmax_op, softmax_grad, softmax_op, softmax_with_bias

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

DTYPES = ["float32", "float64"]
TOLERANCE = {"float32": {"rtol": 3e-6, "atol": 1e-7}, "float64": {"rtol": 1e-13, "atol": 1e-15}}


def perform(node, values):
    storage = [[None] for _ in node.outputs]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        node.op.perform(node, [np.array(v) for v in values], storage)
    return [cell[0] for cell in storage]


def check(node, values, dtype=None):
    """The kernel's outputs equal perform's (dtype, shape, values with NaN where perform has NaN)."""
    expected = perform(node, values)
    got = run_node(node, values)
    dtype = dtype or node.outputs[0].type.dtype
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype and g.shape == e.shape
        if e.dtype.kind in "iu":
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g, e, **TOLERANCE[dtype])
    return got


def layouts(values):
    """``values`` in several memory layouts: C, transposed copy, strided, reversed."""
    yield values
    if values.ndim >= 2:
        yield np.ascontiguousarray(values.swapaxes(-1, -2)).swapaxes(-1, -2)
    doubled = np.repeat(values, 2, axis=0)
    yield doubled[::2]
    yield values[..., ::-1].copy()[..., ::-1]


def python_error(node, values):
    with pytest.raises(ValueError) as info:
        perform(node, values)
    return re.escape(str(info.value))


def scores(rng, shape, dtype, scale=5.0):
    return (rng.normal(size=shape) * scale).astype(dtype)


# -- generated code --------------------------------------------------------------------------

def test_generated_source_is_readable():
    source = kernel_for(softmax_op(T.fmatrix()).owner).source
    assert "/* Softmax : (TensorType(float32, matrix)) -> (TensorType(float32, matrix)) */" in source
    assert "typedef float real;" in source and "#define EXP expf" in source
    assert "o[j] = EXP(v[j] - m);" in source  # a plain loop gcc vectorizes with libmvec
    source = kernel_for(ce.crossentropy_categorical_1hot(T.dmatrix(), T.bvector()).owner).source
    assert "typedef int8_t index_t;" in source and "out[r] = -LOG(p);" in source


def test_unsupported_dtypes_have_no_kernel():
    half = T.matrix(dtype="float16")
    assert kernel_for(softmax_op(half).owner) is None
    assert kernel_for(ce.crossentropy_categorical_1hot(half, T.lvector()).owner) is None


# -- softmax ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", [softmax_op, logsoftmax_op], ids=["softmax", "logsoftmax"])
def test_softmax_and_logsoftmax_any_rank_and_layout(op, dtype):
    rng = np.random.default_rng(0)
    for ndim, shape in [(1, (7,)), (2, (5, 9)), (3, (3, 4, 20))]:
        node = op(T.TensorType(dtype, (False,) * ndim)()).owner
        for values in layouts(scores(rng, shape, dtype)):
            check(node, [values])
        # long rows (the pairwise sums recurse), empty arrays, broadcast rows
        check(node, [scores(rng, shape[:-1] + (300,), dtype)])
        for empty in [shape[:-1] + (0,), (0,) + shape[1:]]:
            check(node, [np.ones(empty, dtype)])
        check(node, [np.broadcast_to(scores(rng, shape[-1:], dtype), shape)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", [softmax_op, logsoftmax_op], ids=["softmax", "logsoftmax"])
def test_softmax_is_stable_and_propagates_nan(op, dtype):
    node = op(T.matrix(dtype=dtype)).owner
    inf = np.inf
    values = np.array([[1000.0, -1000.0, 999.0, 0.0],   # overflow without the shift
                       [-1e4, -1e4 - 1, -1e4 - 2, -1e4],  # underflow without the shift
                       [-inf, 0.0, 1.0, -inf],
                       [-inf, -inf, -inf, -inf],
                       [inf, 0.0, 1.0, 2.0],
                       [np.nan, 0.0, 1.0, 2.0]], dtype=dtype)
    (out,) = check(node, [values])
    assert not np.isnan(out[:3]).any()
    assert np.isnan(out[3:]).all()


@pytest.mark.parametrize("x_dtype,b_dtype", [("float32", "float32"), ("float64", "float64"), ("float32", "float64")])
def test_softmax_with_bias(x_dtype, b_dtype):
    rng = np.random.default_rng(1)
    for ndim in (1, 2, 3):
        node = softmax_with_bias(T.TensorType(x_dtype, (False,) * ndim)(), T.vector(dtype=b_dtype)).owner
        shape = (2, 3, 6)[3 - ndim:]
        b = scores(rng, 6, b_dtype)
        for x in layouts(scores(rng, shape, x_dtype)):
            check(node, [x, b])
        check(node, [scores(rng, shape, x_dtype), b[::-1]])
        check(node, [np.ones(shape[:-1] + (0,), x_dtype), np.ones(0, b_dtype)])
        bad = [np.ones(shape, x_dtype), np.ones(5, b_dtype)]
        with pytest.raises(ValueError, match=python_error(node, bad)):
            run_node(node, bad)


@pytest.mark.parametrize("dy_dtype,sm_dtype", [("float32", "float32"), ("float64", "float64"), ("float32", "float64")])
def test_softmax_grad(dy_dtype, sm_dtype):
    rng = np.random.default_rng(2)
    node = softmax_grad(T.tensor3(dtype=dy_dtype), T.tensor3(dtype=sm_dtype)).owner
    shape = (3, 4, 7)
    sm = rng.dirichlet(np.ones(7), size=shape[:2]).astype(sm_dtype)
    for dy in layouts(scores(rng, shape, dy_dtype)):
        check(node, [dy, sm])
        check(node, [scores(rng, shape, dy_dtype), sm[..., ::-1]])
    # dy broadcast along any axis of length 1
    for dy_shape in [(1, 4, 7), (3, 1, 7), (3, 4, 1), (1, 1, 1)]:
        check(node, [scores(rng, dy_shape, dy_dtype), sm])
    check(node, [np.ones((3, 4, 0), dy_dtype), np.ones((3, 4, 0), sm_dtype)])
    check(node, [np.ones((0, 4, 7), dy_dtype), np.ones((0, 4, 7), sm_dtype)])
    bad = [np.ones((3, 2, 7), dy_dtype), sm]
    with pytest.raises(ValueError, match=python_error(node, bad)):
        run_node(node, bad)


def test_softmax_rows_split_across_openmp_threads():
    rng = np.random.default_rng(3)
    with theano.change_flags(openmp=True, openmp_elemwise_minsize=10):
        node = logsoftmax_op(T.dmatrix()).owner
        x = scores(rng, (64, 33), "float64")
        check(node, [x])
        check(node, [x[::-1, ::2]])


# -- cross-entropy of class indices ---------------------------------------------------------------

def labels(rng, n_rows, n_classes, dtype):
    return rng.integers(0, n_classes, size=n_rows).astype(dtype)


@pytest.mark.parametrize("dtype,index_dtype", [("float32", "int8"), ("float32", "uint8"), ("float64", "int32"),
                                               ("float64", "int64"), ("float32", "uint64")])
def test_crossentropy_softmax_argmax(dtype, index_dtype):
    rng = np.random.default_rng(4)
    node = ce.crossentropy_softmax_argmax_1hot_with_bias(T.matrix(dtype=dtype), T.vector(dtype=dtype),
                                                          T.vector(dtype=index_dtype))[0].owner
    y = labels(rng, 6, 5, index_dtype)
    b = scores(rng, 5, dtype)
    for x in layouts(scores(rng, (6, 5), dtype, scale=30.0)):
        check(node, [x, b, y], dtype)
    check(node, [scores(rng, (6, 5), dtype), b[::-1], y[::-1]], dtype)
    # extreme scores, ties and NaN: argmax is numpy's (the first maximum, the first NaN)
    x = np.array([[1e4, -1e4, 0, 1e4, 0], [np.nan, 1, np.nan, 2, 3], [-np.inf] * 5, [0, 0, 0, 0, 0],
                  [3, 2, 1, np.nan, 0], [1, 2, 3, 4, 5]], dtype=dtype)
    nll, sm, am = check(node, [x, np.zeros(5, dtype), y], dtype)
    np.testing.assert_array_equal(am, np.array([0, 0, 0, 0, 3, 4], dtype=index_dtype))
    # empty: no rows (with and without classes)
    check(node, [np.ones((0, 5), dtype), b, np.ones(0, index_dtype)], dtype)
    check(node, [np.ones((0, 0), dtype), np.ones(0, dtype), np.ones(0, index_dtype)], dtype)


@pytest.mark.parametrize("index_dtype", ["int8", "int64", "uint64"])
def test_bad_class_indices_raise_the_python_error(index_dtype):
    node = ce.crossentropy_softmax_argmax_1hot_with_bias(T.dmatrix(), T.dvector(),
                                                          T.vector(dtype=index_dtype))[0].owner
    x, b = np.zeros((3, 4)), np.zeros(4)
    too_large = np.array([0, 4, 1], dtype=index_dtype)
    cases = [[x, b, too_large], [x, b, np.zeros(2, index_dtype)], [x, np.zeros(3), np.zeros(3, index_dtype)],
             [np.zeros((3, 0)), np.zeros(0), np.zeros(3, index_dtype)]]
    if index_dtype.startswith("int"):
        cases.append([x, b, np.array([0, -1, 2], dtype=index_dtype)])
    else:
        cases.append([x, b, np.array([0, np.iinfo(index_dtype).max, 2], dtype=index_dtype)])
    for values in cases:
        with pytest.raises(ValueError, match=python_error(node, values)):
            run_node(node, values)
    others = [
        (ce.crossentropy_softmax_1hot_with_bias_dx(T.dvector(), T.dmatrix(), T.vector(dtype=index_dtype)).owner,
         [np.ones(3), x, too_large]),
        (ce.crossentropy_categorical_1hot(T.dmatrix(), T.vector(dtype=index_dtype)).owner, [x, too_large]),
        (ce.crossentropy_categorical_1hot_grad(T.dvector(), T.dmatrix(), T.vector(dtype=index_dtype)).owner,
         [np.ones(3), x, too_large]),
    ]
    for node, values in others:
        with pytest.raises(ValueError, match=python_error(node, values)):
            run_node(node, values)


@pytest.mark.parametrize("dy_dtype,sm_dtype", [("float32", "float32"), ("float64", "float64"), ("float32", "float64")])
def test_crossentropy_softmax_dx(dy_dtype, sm_dtype):
    rng = np.random.default_rng(5)
    for index_dtype in ("uint8", "int64"):
        node = ce.crossentropy_softmax_1hot_with_bias_dx(T.vector(dtype=dy_dtype), T.matrix(dtype=sm_dtype),
                                                         T.vector(dtype=index_dtype)).owner
        sm = rng.dirichlet(np.ones(5), size=6).astype(sm_dtype)
        y = labels(rng, 6, 5, index_dtype)
        dtype = node.outputs[0].type.dtype
        for dy in layouts(scores(rng, 6, dy_dtype)):
            check(node, [dy, sm, y], dtype)
        check(node, [scores(rng, 6, dy_dtype), sm[:, ::-1].T.copy().T, y], dtype)
        check(node, [scores(rng, 1, dy_dtype), sm, y], dtype)  # dy broadcast
        check(node, [np.ones(1, dy_dtype), np.ones((0, 5), sm_dtype), np.ones(0, index_dtype)], dtype)
        bad = [np.ones(4, dy_dtype), sm, y]
        with pytest.raises(ValueError, match=python_error(node, bad)):
            run_node(node, bad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_crossentropy_categorical_and_its_gradient(dtype):
    rng = np.random.default_rng(6)
    for index_dtype in ("int8", "uint64"):
        y = labels(rng, 6, 5, index_dtype)
        coding = rng.dirichlet(np.ones(5), size=6).astype(dtype)
        coding[0, y[0]] = 0  # -log(0) = inf, and -g / 0
        node = ce.crossentropy_categorical_1hot(T.matrix(dtype=dtype), T.vector(dtype=index_dtype)).owner
        for values in layouts(coding):
            check(node, [values, y])
        check(node, [np.ones((0, 5), dtype), np.ones(0, index_dtype)])
        grad = ce.crossentropy_categorical_1hot_grad(T.dvector(), T.matrix(dtype=dtype),
                                                     T.vector(dtype=index_dtype)).owner
        for values in layouts(coding):
            check(node, [values, y])
            check(grad, [rng.normal(size=6), values, y], dtype)
        check(grad, [rng.normal(size=1), coding, y], dtype)  # g_y broadcast
        check(grad, [rng.normal(size=1), np.ones((0, 5), dtype), np.ones(0, index_dtype)], dtype)
        bad = [np.ones(4), coding, y]
        with pytest.raises(ValueError):
            perform(grad, bad)
        with pytest.raises(ValueError, match="g_y of shape"):
            run_node(grad, bad)


# -- compiled functions ---------------------------------------------------------------------------

def _mlp_losses(x, W, b, y):
    scores = T.dot(x, W)
    p = T.nnet.softmax(scores + b)
    return {
        "nll of softmax": -T.mean(T.log(p)[T.arange(y.shape[0]), y]),
        "crossentropy_softmax_1hot_with_bias": T.nnet.crossentropy_softmax_1hot_with_bias(scores, b, y)[0].mean(),
        "categorical_crossentropy": T.nnet.categorical_crossentropy(p, y).mean(),
        "softmax_with_bias": -T.log(T.nnet.softmax_with_bias(scores, b)[T.arange(y.shape[0]), y]).sum(),
    }


@pytest.mark.parametrize("dtype", DTYPES)
def test_mlp_graphs_run_their_softmax_ops_in_c(dtype):
    rng = np.random.default_rng(7)
    x, W = T.matrix("x", dtype=dtype), T.matrix("W", dtype=dtype)
    b, y = T.vector("b", dtype=dtype), T.vector("y", dtype="int32")
    args = [scores(rng, (8, 5), dtype, 1.0), scores(rng, (5, 4), dtype, 1.0), scores(rng, 4, dtype, 1.0),
            labels(rng, 8, 4, "int32")]
    in_c = set()
    for name, loss in _mlp_losses(x, W, b, y).items():
        outputs = [loss, *T.grad(loss, [W, b])]
        fast = theano.function([x, W, b, y], outputs, mode="FAST_RUN")
        slow = theano.function([x, W, b, y], outputs, mode=theano.Mode(linker="py"))
        in_c |= {type(node.op).__name__ for node, c in zip(fast.fn.nodes, fast.fn.c_nodes) if c}
        variants = [args, [args[0].T.copy().T, args[1][::-1][::-1], args[2], args[3]],
                    [np.repeat(args[0], 2, axis=0)[::2], args[1][:, ::-1].copy()[:, ::-1], args[2][::-1].copy()[::-1],
                     args[3]]]
        for values in variants:
            for got, expected in zip(fast(*values), slow(*values)):
                np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == "float32" else 1e-12, err_msg=name)
        with pytest.raises(ValueError):
            fast(args[0], args[1], args[2][:3], args[3])  # a bias of the wrong length
    assert {"Softmax", "LogSoftmax", "SoftmaxWithBias", "SoftmaxGrad", "Dot22",
            "CrossentropySoftmaxArgmax1HotWithBias", "CrossentropySoftmax1HotWithBiasDx"} <= in_c
