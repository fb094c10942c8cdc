"""``as_op`` and user-defined ops (Theano 1.0's interface) inside compiled functions, on both backends."""

import pickle

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.ops import FromFunctionOp, as_op
from theano.gradient import verify_grad
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.utils import MethodNotDefined

MODES = {"py": theano.Mode(linker="py"), "c": theano.Mode(linker="cvm")}


@as_op(itypes=[T.dmatrix, T.dmatrix], otypes=[T.dmatrix])
def numpy_dot(a, b):
    return np.dot(a, b)


def _sort_shape(node, input_shapes):
    return [input_shapes[0], input_shapes[0]]


@as_op(itypes=[T.dvector], otypes=[T.dvector, T.lvector], infer_shape=_sort_shape)
def sort_and_argsort(x):
    return np.sort(x), np.argsort(x)


@pytest.mark.parametrize("backend", sorted(MODES))
def test_as_op_runs_between_other_ops(backend):
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], T.exp(numpy_dot(x, y)) + 1, mode=MODES[backend])
    a = np.arange(6.0).reshape(2, 3) / 10
    b = np.arange(6.0).reshape(3, 2) / 10
    np.testing.assert_allclose(f(a, b), np.exp(a @ b) + 1)
    assert any(isinstance(n.op, FromFunctionOp) for n in f.maker.fgraph.toposort())


@pytest.mark.parametrize("backend", sorted(MODES))
def test_as_op_with_two_outputs_and_infer_shape(backend):
    x = T.dvector("x")
    s, idx = sort_and_argsort(x)
    f = theano.function([x], [s * 2, idx, s.shape[0]], mode=MODES[backend])
    value = np.array([3.0, 1.0, 2.0])
    out, order, n = f(value)
    np.testing.assert_allclose(out, [2.0, 4.0, 6.0])
    assert order.dtype == np.int64 and list(order) == [1, 2, 0]
    assert int(n) == 3
    # the shape comes from infer_shape: computing it alone does not run the function
    g = theano.function([x], s.shape, mode=MODES[backend])
    assert not any(isinstance(n.op, FromFunctionOp) for n in g.maker.fgraph.toposort())


def test_as_op_identity_and_pickling():
    again = as_op(itypes=[T.dmatrix, T.dmatrix], otypes=[T.dmatrix])(numpy_dot.fn)
    assert again == numpy_dot and hash(again) == hash(numpy_dot)
    other = as_op(itypes=[T.fmatrix, T.fmatrix], otypes=[T.fmatrix])(numpy_dot.fn)
    assert other != numpy_dot
    assert pickle.loads(pickle.dumps(numpy_dot)) is numpy_dot
    assert pickle.loads(pickle.dumps(again)) == numpy_dot
    local = as_op(itypes=[T.dvector], otypes=[T.dvector])(lambda v: v)
    with pytest.raises(NotImplementedError, match="cannot be pickled"):
        pickle.dumps(local)
    # two uses of the same op on the same inputs merge
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], numpy_dot(x, y) + again(x, y), mode=MODES["py"])
    assert sum(isinstance(n.op, FromFunctionOp) for n in f.maker.fgraph.toposort()) == 1


@pytest.mark.parametrize("backend", sorted(MODES))
@pytest.mark.parametrize("result, message", [
    (lambda v: v.astype("float64"), "should be TensorType\\(float32, vector\\).*float64"),
    (lambda v: v[None], "should be TensorType\\(float32, vector\\).*shape \\(1, 3\\)"),
    (lambda v: (v, v), "returned 2 values"),
])
def test_as_op_reports_a_wrong_result(backend, result, message):
    op = as_op(itypes=[T.fvector], otypes=[T.fvector])(result)
    x = T.fvector("x")
    f = theano.function([x], op(x) * 2, mode=MODES[backend])
    with pytest.raises(TypeError, match=message) as info:
        f(np.ones(3, dtype="float32"))
    assert "FromFunctionOp{<lambda>}" in str(info.value)


def test_as_op_checks_its_arguments_and_inputs():
    with pytest.raises(TypeError, match="itypes"):
        as_op(itypes=[np.float64], otypes=[T.dvector])
    with pytest.raises(TypeError, match="infer_shape"):
        as_op(itypes=[T.dvector], otypes=[T.dvector], infer_shape=3)
    with pytest.raises(TypeError, match="input 0 should be"):
        numpy_dot(T.dvector(), T.dmatrix())
    x = T.dmatrix()
    with pytest.raises(MethodNotDefined, match="as_op wraps a Python function"):
        theano.grad(numpy_dot(x, x).sum(), x)


# -- a user op written the Theano 1.0 way ----------------------------------------------------------


class ScaledSquare(Op):
    """``a * x**2`` with gradient, R_op and infer_shape, as the "Extending Theano" tutorial writes ops."""

    __props__ = ("a",)

    def __init__(self, a):
        self.a = a

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        (x,) = inputs
        output_storage[0][0] = self.a * x**2

    def infer_shape(self, node, input_shapes):
        return input_shapes

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2 * self.a * inputs[0]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [2 * self.a * inputs[0] * eval_points[0]]


class TypedDouble(Op):
    """An op declaring ``itypes``/``otypes`` instead of make_node (Theano 1.0's shortcut)."""

    __props__ = ()
    itypes = [T.dvector]
    otypes = [T.dvector]

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2]


class NegateInplace(Op):
    """Negates its input in place (``destroy_map``)."""

    __props__ = ()
    destroy_map = {0: [0]}

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        np.negative(inputs[0], out=inputs[0])
        output_storage[0][0] = inputs[0]


class FirstRow(Op):
    """A view of row 0 of a matrix (``view_map``)."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [T.TensorType(x.dtype, (False,))()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0][0]


@pytest.mark.parametrize("backend", sorted(MODES))
def test_user_op_values_gradient_and_rop(backend):
    mode = MODES[backend]
    op = ScaledSquare(3.0)
    assert op == ScaledSquare(3.0) and op != ScaledSquare(2.0) and hash(op) == hash(ScaledSquare(3.0))
    value = np.array([0.5, -1.0, 2.0])
    verify_grad(op, [value], mode=mode)
    x, v = T.dvectors("x", "v")
    f = theano.function([x, v], [op(x), T.Rop(op(x), x, v), op(x).shape], mode=mode)
    out, rop, shape = f(value, np.ones(3))
    np.testing.assert_allclose(out, 3 * value**2)
    np.testing.assert_allclose(rop, 6 * value)
    assert list(shape) == [3]
    double = TypedDouble()
    verify_grad(double, [value], mode=mode)
    np.testing.assert_allclose(theano.function([x], double(x), mode=mode)(value), 2 * value)


@pytest.mark.parametrize("backend", sorted(MODES))
def test_user_op_views_and_destroys(backend):
    mode = MODES[backend]
    m = T.dmatrix("m")
    first = FirstRow()(m)
    negated = NegateInplace()(first * 1)  # destroys a temporary, not the input
    f = theano.function([m], [negated, first], mode=mode, accept_inplace=True)
    value = np.arange(6.0).reshape(2, 3)
    keep = value.copy()
    out, row = f(value)
    np.testing.assert_allclose(out, -keep[0])
    np.testing.assert_allclose(row, keep[0])
    np.testing.assert_allclose(value, keep)  # the caller's array is untouched


@pytest.mark.parametrize("through_view", [False, True])
def test_user_op_destroying_an_input_needs_accept_inplace(through_view):
    """A graph holding the user's own inplace op is refused unless ``accept_inplace=True``; with
    it, the op may overwrite the function input it destroys (Theano 1.0's std_fgraph leaves
    inputs with destroyers out of the Supervisor too): the user asked for that buffer to be
    reused, and the result is still right."""
    m = T.dmatrix("m")
    target = FirstRow()(m) if through_view else m
    with pytest.raises(TypeError, match="inplace"):
        theano.function([m], NegateInplace()(target), mode=MODES["py"])
    g = theano.function([m], NegateInplace()(target), mode=MODES["py"], accept_inplace=True)
    value = np.arange(6.0).reshape(2, 3)
    expected = -(value[0] if through_view else value)
    np.testing.assert_allclose(g(value), expected)
