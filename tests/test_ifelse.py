"""The lazy conditional: values, laziness on both backends, gradients, errors, rewrites."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.basic import Apply
from theano.ifelse import IfElse, ifelse
from theano.link.c import compiler

BACKENDS = ["py", "c"]


@pytest.fixture(params=BACKENDS)
def mode(request):
    if request.param == "c" and not compiler.have_compiler():
        pytest.skip("no C compiler")
    return theano.Mode(linker="py" if request.param == "py" else "cvm")


class Boom(theano.Op):
    """Raises when run: proof that the branch holding it was not evaluated."""

    __props__ = ("message",)

    def __init__(self, message="the branch not taken was evaluated"):
        self.message = message

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        raise RuntimeError(self.message)


class Count(theano.Op):
    """The identity, counting its runs (each instance distinct, so graphs never share one)."""

    __props__ = ("tag",)

    def __init__(self):
        self.tag = object()
        self.runs = 0

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        self.runs += 1
        outputs[0][0] = inputs[0].copy()


def test_values_of_both_branches(mode):
    a, b = T.dscalars("a", "b")
    x, y = T.dmatrices("x", "y")
    f = theano.function([a, b, x, y], ifelse(T.lt(a, b), T.exp(x) + y, x * y - 1), mode=mode)
    rng = np.random.default_rng(0)
    xv, yv = rng.random((3, 4)), rng.random((3, 4))
    np.testing.assert_allclose(f(1, 2, xv, yv), np.exp(xv) + yv)
    np.testing.assert_allclose(f(2, 1, xv, yv), xv * yv - 1)
    np.testing.assert_allclose(f(1, 2, xv, yv), np.exp(xv) + yv)  # the first branch again (stale cells)


def test_lists_and_tuples(mode):
    c = T.iscalar("c")
    x = T.dvector("x")
    as_list = ifelse(c, [x + 1, x * 2], [x - 1, x / 2])
    as_tuple = ifelse(c, (x + 1,), (x - 1,))
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    f = theano.function([c, x], as_list + list(as_tuple), mode=mode)
    xv = np.array([1.0, 2.0])
    for value, expected in [(1, [xv + 1, xv * 2, xv + 1]), (0, [xv - 1, xv / 2, xv - 1]),
                            (-3, [xv + 1, xv * 2, xv + 1])]:
        for got, want in zip(f(value, xv), expected):
            np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("taken", [True, False])
def test_only_the_chosen_branch_runs(mode, taken):
    c = T.bscalar("c")
    x = T.dvector("x")
    then = T.exp(Boom("then ran")(x * 2)) if not taken else T.exp(x) * 2
    other = Boom("else ran")(T.log(x) + 1) if taken else T.log(x) + 1
    f = theano.function([c, x], ifelse(c, then, other), mode=mode)
    xv = np.array([1.0, 2.0])
    expected = np.exp(xv) * 2 if taken else np.log(xv) + 1
    np.testing.assert_allclose(f(int(taken), xv), expected)
    with pytest.raises(RuntimeError, match="ran"):
        f(int(not taken), xv)


def test_nested_ifelse_is_lazy_at_every_level(mode):
    a, b = T.dscalars("a", "b")
    x = T.dvector("x")
    inner = ifelse(T.gt(b, 0), x + 10, Boom("inner else ran")(x))
    outer = ifelse(T.gt(a, 0), inner, Boom("outer else ran")(x * 3))
    f = theano.function([a, b, x], outer, mode=mode)
    xv = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(1, 1, xv), xv + 10)
    with pytest.raises(RuntimeError, match="inner else ran"):
        f(1, -1, xv)
    with pytest.raises(RuntimeError, match="outer else ran"):
        f(-1, 1, xv)


def test_work_shared_with_the_rest_of_the_graph_still_runs(mode):
    counter = Count()
    c = T.iscalar("c")
    x = T.dvector("x")
    shared_work = counter(x)
    f = theano.function([c, x], [ifelse(c, shared_work * 2, x), shared_work + 1], mode=mode)
    xv = np.array([1.0, 2.0])
    out, other = f(0, xv)
    np.testing.assert_allclose(out, xv)
    np.testing.assert_allclose(other, xv + 1)
    assert counter.runs == 1


def test_branch_used_by_both_branches_runs(mode):
    counter = Count()
    c = T.iscalar("c")
    x = T.dvector("x")
    both = counter(x)
    f = theano.function([c, x], ifelse(c, both * 2, both - 1), mode=mode)
    xv = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(0, xv), xv - 1)
    np.testing.assert_allclose(f(1, xv), xv * 2)
    assert counter.runs == 2


def test_lazy_without_garbage_collection():
    c = T.iscalar("c")
    x = T.dvector("x")
    f = theano.function([c, x], ifelse(c, T.exp(x), Boom()(x) + 1), mode=theano.Mode(linker="cvm_nogc"))
    xv = np.array([0.0, 1.0])
    for _ in range(3):
        np.testing.assert_allclose(f(1, xv), np.exp(xv))


def test_debug_mode_is_lazy_too():
    c = T.iscalar("c")
    x = T.dvector("x")
    f = theano.function([c, x], ifelse(c, T.exp(x), Boom()(x)), mode="DebugMode")
    np.testing.assert_allclose(f(1, np.array([0.0, 1.0])), np.exp([0.0, 1.0]))


def test_outputs_are_copies_not_views(mode):
    c = T.iscalar("c")
    x = T.dvector("x")
    f = theano.function([c, x], ifelse(c, x, x * 2), mode=mode)
    xv = np.array([1.0, 2.0])
    out = f(1, xv)
    out[0] = 99.0
    assert xv[0] == 1.0


@pytest.mark.parametrize("taken", [1, 0])
def test_gradients(mode, taken):
    rng = np.random.default_rng(1)

    def fun(x, y):
        return ifelse(T.constant(taken), T.tanh(x) * y, x * y ** 2)

    theano.gradient.verify_grad(fun, [rng.random(4), rng.random(4)], rng=rng, mode=mode)
    c = T.iscalar("c")
    x, y = T.dvectors("x", "y")
    cost = ifelse(c, (T.tanh(x) * y).sum(), (x * y ** 2).sum())
    g = theano.function([c, x, y], T.grad(cost, [x, y]), mode=mode)
    xv, yv = rng.random(4), rng.random(4)
    gx, gy = g(taken, xv, yv)
    if taken:
        np.testing.assert_allclose(gx, (1 - np.tanh(xv) ** 2) * yv)
        np.testing.assert_allclose(gy, np.tanh(xv))
    else:
        np.testing.assert_allclose(gx, yv ** 2)
        np.testing.assert_allclose(gy, 2 * xv * yv)


def test_shape_is_inferred(mode):
    c = T.iscalar("c")
    x = T.dvector("x")
    y = T.dvector("y")
    f = theano.function([c, x, y], ifelse(c, x, y).shape, mode=mode)
    np.testing.assert_array_equal(f(1, np.ones(3), np.ones(5)), [3])
    np.testing.assert_array_equal(f(0, np.ones(3), np.ones(5)), [5])


def test_constant_condition_is_rewritten_away():
    x = T.dvector("x")
    f = theano.function([x], ifelse(T.constant(1), x * 2, x * 3))
    assert not any(isinstance(node.op, IfElse) for node in f.maker.fgraph.apply_nodes)
    np.testing.assert_allclose(f(np.array([1.0])), [2.0])
    g = theano.function([x], ifelse(T.gt(x.sum(), 0), x * 2, x * 2))
    assert not any(isinstance(node.op, IfElse) for node in g.maker.fgraph.apply_nodes)


def test_errors():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="condition must be a scalar"):
        ifelse(x, x, x)
    with pytest.raises(TypeError, match="identical types"):
        ifelse(T.iscalar(), x, T.fvector())
    with pytest.raises(TypeError, match="identical types"):
        ifelse(T.iscalar(), [x], T.dmatrix())
    with pytest.raises(ValueError, match="same number"):
        ifelse(T.iscalar(), [x, x], [x])


def test_broadcast_patterns_are_unified(mode):
    c = T.iscalar("c")
    row = T.row("row", dtype="float64")
    m = T.dmatrix("m")
    out = ifelse(c, row, m)
    assert out.type.broadcastable == (False, False)
    f = theano.function([c, row, m], out, mode=mode)
    np.testing.assert_allclose(f(1, np.ones((1, 2)), np.zeros((3, 2))), np.ones((1, 2)))


def test_rop(mode):
    c = T.iscalar("c")
    x = T.dvector("x")
    v = T.dvector("v")
    out = ifelse(c, x ** 2, x * 3)
    f = theano.function([c, x, v], theano.Rop(out, x, v), mode=mode)
    xv, vv = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(f(1, xv, vv), 2 * xv * vv)
    np.testing.assert_allclose(f(0, xv, vv), 3 * vv)
