"""``theano.OpFromGraph``: values, inlining, shared variables, gradients and their overrides, R_op, shapes."""

import pickle

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.builders import OpFromGraph
from theano.gradient import DisconnectedType, verify_grad
from theano.graph.type import NullType

MODES = {"py": theano.Mode(linker="py"), "c": theano.Mode(linker="cvm")}


def ofg_nodes(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, OpFromGraph)]


@pytest.mark.parametrize("backend", sorted(MODES))
def test_values_and_gradient_on_each_backend(backend):
    mode = MODES[backend]
    x, y, z = T.dscalars("x", "y", "z")
    op = OpFromGraph([x, y, z], [x + y * z])
    assert theano.OpFromGraph is OpFromGraph
    e = op(x, y, z) * op(z, y, x)
    f = theano.function([x, y, z], [e, *theano.grad(e, [x, y, z])], mode=mode)
    assert len(ofg_nodes(f)) >= 2  # not inlined: the op runs its compiled inner function
    value, gx, gy, gz = (float(v) for v in f(1.0, 2.0, 3.0))
    assert value == 35.0  # (1 + 6) * (3 + 2)
    assert (gx, gy, gz) == (5 + 7 * 2, 3 * 5 + 1 * 7, 2 * 5 + 7)
    node = ofg_nodes(f)[0]
    assert node.tag.ofg_backend == ("c" if backend == "c" else "py")
    v = T.dvector("v")
    verify_grad(OpFromGraph([v], [T.tanh(v) * v.sum()]), [np.array([0.3, -0.2, 0.9])], mode=mode)


def test_inline_replaces_the_node_by_its_graph():
    x, y = T.dvectors("x", "y")
    op = OpFromGraph([x, y], [T.exp(x) * y], inline=True)
    f = theano.function([x, y], op(x, y), mode=MODES["py"])
    assert ofg_nodes(f) == []
    a, b = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    np.testing.assert_allclose(f(a, b), np.exp(a) * b)
    # excluding the rewrite keeps the node
    g = theano.function([x, y], op(x, y), mode=MODES["py"].excluding("inline_ofg_expansion"))
    assert len(ofg_nodes(g)) == 1
    np.testing.assert_allclose(g(a, b), np.exp(a) * b)
    grad = theano.function([x, y], theano.grad(op(x, y).sum(), x), mode=MODES["py"])
    assert ofg_nodes(grad) == []
    np.testing.assert_allclose(grad(a, b), np.exp(a) * b)


def test_shared_variables_become_hidden_inputs():
    x = T.dvector("x")
    s = theano.shared(np.array([1.0, 2.0]), name="s")
    op = OpFromGraph([x], [x * s])
    assert op.shared_inputs == [s]
    out = op(x)
    assert out.owner.inputs[1] is s
    f = theano.function([x], [out, theano.grad(out.sum(), s)], mode=MODES["c"])
    value, gs = f(np.array([3.0, 4.0]))
    np.testing.assert_allclose(value, [3.0, 8.0])
    np.testing.assert_allclose(gs, [3.0, 4.0])
    s.set_value(np.array([10.0, 10.0]))
    np.testing.assert_allclose(f(np.array([3.0, 4.0]))[0], [30.0, 40.0])


def test_grad_overrides_callable_and_list():
    x, y = T.dscalars("x", "y")

    def halved(inputs, output_grads):
        return [output_grads[0] / 2, output_grads[0] / 2]

    op = OpFromGraph([x, y], [x * y], grad_overrides=halved)
    f = theano.function([x, y], theano.grad(op(x, y), [x, y]), mode=MODES["py"])
    assert [float(v) for v in f(3.0, 5.0)] == [0.5, 0.5]

    def times_ten(inputs, output_grads):
        return output_grads[0] * 10

    op2 = OpFromGraph([x, y], [x * y], grad_overrides=["default", times_ten])
    f2 = theano.function([x, y], theano.grad(op2(x, y), [x, y]), mode=MODES["py"])
    assert [float(v) for v in f2(3.0, 5.0)] == [5.0, 10.0]
    # an override given as an OpFromGraph taking inputs + output gradients
    gx, gy, g = T.dscalars("gx", "gy", "g")
    grad_op = OpFromGraph([gx, gy, g], [g * gy * 2, g * gx * 2])
    op3 = OpFromGraph([x, y], [x * y], grad_overrides=grad_op)
    f3 = theano.function([x, y], theano.grad(op3(x, y), [x, y]), mode=MODES["py"])
    assert [float(v) for v in f3(3.0, 5.0)] == [10.0, 6.0]


def test_grad_overrides_disconnected_and_undefined():
    x, y = T.dscalars("x", "y")
    op = OpFromGraph([x, y], [x * y], grad_overrides=["default", DisconnectedType()()])
    with pytest.raises(theano.gradient.DisconnectedInputError):
        theano.grad(op(x, y), y)
    f = theano.function([x, y], theano.grad(op(x, y), x), mode=MODES["py"])
    assert float(f(3.0, 5.0)) == 5.0
    op2 = OpFromGraph([x, y], [x * y], grad_overrides=[NullType("no gradient for y")(), "default"])
    with pytest.raises(Exception, match="no gradient for y"):
        theano.grad(op2(x, y), x)
    with pytest.raises(ValueError, match="2 overrides given for 1 inputs"):
        OpFromGraph([x], [x], grad_overrides=["default", "default"])


def test_rop_default_and_override():
    v, e = T.dvectors("v", "e")
    op = OpFromGraph([v], [T.sin(v)])
    f = theano.function([v, e], T.Rop(op(v), v, e), mode=MODES["py"])
    a, b = np.array([0.1, 0.7]), np.array([1.0, 2.0])
    np.testing.assert_allclose(f(a, b), np.cos(a) * b)

    def fake_rop(inputs, eval_points):
        return [eval_points[0] * 3]

    op2 = OpFromGraph([v], [T.sin(v)], rop_overrides=fake_rop)
    f2 = theano.function([v, e], T.Rop(op2(v), v, e), mode=MODES["py"])
    np.testing.assert_allclose(f2(a, b), 3 * b)


def test_infer_shape_without_running_the_op():
    m = T.dmatrix("m")
    op = OpFromGraph([m], [T.dot(m, m.T), m.sum(axis=0)])
    a, b = op(m)
    f = theano.function([m], [a.shape, b.shape], mode=MODES["py"])
    assert ofg_nodes(f) == []
    shape_a, shape_b = f(np.ones((3, 5)))
    assert list(shape_a) == [3, 3] and list(shape_b) == [5]


def test_multiple_outputs_nesting_and_checks():
    x = T.dvector("x")
    inner = OpFromGraph([x], [x + 1, x * 2], name="pair")
    p, q = inner(x)
    outer = OpFromGraph([x], [p * q])
    f = theano.function([x], outer(x), mode=MODES["c"])
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [4.0, 12.0])
    assert str(inner) == "pair{inline=False}"
    with pytest.raises(TypeError, match="input 0 should be"):
        inner(T.dmatrix())
    with pytest.raises(TypeError, match="shared variable"):
        OpFromGraph([theano.shared(np.ones(2))], [x])
    with pytest.raises(TypeError, match="constant"):
        OpFromGraph([T.constant(1.0)], [x])


def test_pickles_without_its_compiled_function():
    x = T.dvector("x")
    op = OpFromGraph([x], [x * 2])
    f = theano.function([x], op(x), mode=MODES["py"])
    f(np.ones(2))
    assert op._fn
    again = pickle.loads(pickle.dumps(op))
    assert again._fn is None
    g = theano.function([x], again(x), mode=MODES["py"])
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [2.0, 4.0])
