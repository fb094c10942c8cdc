"""Shapes taken from the inputs' shapes (ShapeFeature) and useless shape ops removed."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.fg import FunctionGraph
from theano.tensor.rewriting.shape import ShapeFeature
from theano.tensor.shape import Shape_i, reshape

# FAST_RUN without fusion and inplace ops, so the tests can read the rewritten ops by name.
UNFUSED = theano.compile.mode.get_mode("FAST_RUN").excluding("fusion", "inplace")
NO_REWRITES = theano.Mode(optimizer=None)


def op_names(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def check(inputs, outputs, values, mode=UNFUSED):
    """Compile with and without rewrites; the values must agree. Return the rewritten function."""
    f = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    ref = theano.function(inputs, outputs, mode=NO_REWRITES, on_unused_input="ignore")
    got, expected = f(*values), ref(*values)
    if not isinstance(outputs, (list, tuple)):
        got, expected = [got], [expected]
    for a, b in zip(got, expected):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b)
    return f


x, y = T.dmatrices("x", "y")
v = T.dvector("v")
X = np.arange(6.0).reshape(2, 3) / 7
Y = np.ones((2, 3))
V = np.array([0.5, 1.5, 2.5])


# -- the feature -------------------------------------------------------------------------------

def test_feature_gives_every_variable_a_shape():
    out = T.exp(x).sum(axis=0) + v
    fg = FunctionGraph([x, v], [out], features=[ShapeFeature()])
    feature = fg.shape_feature
    for var in fg.variables:
        if hasattr(var.type, "ndim"):
            assert len(feature.shape_of[var]) == var.type.ndim
    (length,) = feature.shape_of[fg.outputs[0]]
    # The length comes from an input's shape, not from the computed sum.
    assert length.owner is not None and isinstance(length.owner.op, Shape_i)
    assert length.owner.inputs[0] in fg.inputs
    assert feature.shape_of[fg.inputs[0]][1].owner.op == Shape_i(1)


def test_feature_knows_constants_and_broadcastable_axes():
    row = T.drow("row")
    out = row * T.constant(np.ones((4, 3)))
    fg = FunctionGraph([row], [out], features=[ShapeFeature()])
    rows, cols = fg.shape_feature.shape_of[fg.outputs[0]]
    assert int(rows.data) == 4  # from the constant: the row's first axis is broadcastable
    assert cols.owner.op == Shape_i(1) and cols.owner.inputs[0] is fg.inputs[0]
    const_shape = fg.shape_feature.shape_of[fg.outputs[0].owner.inputs[1]]
    assert [int(e.data) for e in const_shape] == [4, 3]


def test_feature_follows_replacements():
    fg = FunctionGraph([x], [T.exp(x) * 2], features=[ShapeFeature()])
    out = fg.outputs[0]
    exp = out.owner.inputs[1] if out.owner.inputs[0].owner is None else out.owner.inputs[0]
    fg.replace(exp, T.tanh(fg.inputs[0]))
    assert fg.shape_feature.shape_of[fg.outputs[0]] is not None
    assert fg.shape_feature.usable(fg.shape_feature.shape_of[fg.outputs[0]][0]) is not None


def test_shape_feature_compat_path():
    import theano.tensor.opt

    assert theano.tensor.opt.ShapeFeature is ShapeFeature


# -- Shape and Shape_i of computed variables --------------------------------------------------

def test_shape_of_exp_computes_no_exp():
    f = check([x], T.exp(x).shape, [X])
    assert "exp" not in op_names(f)
    assert f(X).tolist() == [2, 3]


def test_shape_of_sum_reads_an_input_shape():
    f = check([x, y], (x + y).shape[0], [X, Y])
    assert "add" not in op_names(f)
    assert op_names(f) == ["Shape_i{0}"]


def test_gradient_of_a_mean_does_not_compute_the_forward_value():
    cost = T.mean(x * y)
    f = check([x, y], T.grad(cost, x), [X, Y])
    # The product x * y only gave the number of elements; it is gone.
    for node in f.maker.fgraph.apply_nodes:
        if str(node.op) == "mul":
            assert not (x.name in [str(i) for i in node.inputs] and y.name in [str(i) for i in node.inputs])
    np.testing.assert_allclose(f(X, Y), Y / 6)


def test_shape_through_reductions_dimshuffles_and_dot():
    w = T.dmatrix("w")
    out = T.dot(T.tanh(x), w).T.sum(axis=1)
    f = check([x, w], out.shape, [X, np.ones((3, 4))])
    assert all(name.startswith(("Shape_i", "MakeVector", "Rebroadcast", "DeepCopy")) for name in op_names(f))
    assert f(X, np.ones((3, 4))).tolist() == [4]


def test_shape_of_an_op_without_infer_shape_is_read_at_run_time():
    out = T.sort(T.exp(v))
    f = check([v], out.shape, [V])
    assert f(V).tolist() == [3]


def test_fast_compile_also_uses_input_shapes():
    f = theano.function([x], T.exp(x).shape[1], mode="FAST_COMPILE")
    assert "exp" not in op_names(f)
    assert f(X) == 3


# -- useless ops ----------------------------------------------------------------------------------

def test_second_becomes_alloc_from_input_shapes():
    f = check([x], T.second(T.exp(x), 1.0), [X])
    assert "exp" not in op_names(f) and "Alloc" in op_names(f)


def test_second_of_a_full_value_is_that_value():
    f = check([x, y], T.second(T.exp(x), y), [X, Y])
    assert op_names(f) == ["DeepCopyOp"]


def test_alloc_of_the_input_shape_is_removed():
    f = check([x], T.alloc(x, x.shape[0], x.shape[1]) * 2, [X])
    assert "Alloc" not in op_names(f)


def test_alloc_of_another_shape_is_kept():
    f = check([v], T.alloc(v, 4, v.shape[0]), [V])
    assert "Alloc" in op_names(f)
    assert f(V).shape == (4, 3)


def test_alloc_under_elemwise_is_removed():
    f = check([x, v], x + T.alloc(v, x.shape[0], x.shape[1]), [X, V])
    assert "Alloc" not in op_names(f)
    g = check([v], T.alloc(v, 4, 3) + 1.0, [V])
    assert "Alloc" in op_names(g)


def test_alloc_of_unknown_length_keeps_its_shape_check():
    # x's lengths are not known to be 4 and 3: dropping the alloc would hide a shape error.
    f = theano.function([x], x + T.ones((4, 3)), mode=UNFUSED)
    assert "Alloc" in op_names(f)
    with pytest.raises(ValueError, match="Input dimension mismatch"):
        f(X)
    np.testing.assert_allclose(f(np.zeros((4, 3))), np.ones((4, 3)))


def test_identity_reshape_is_removed():
    f = check([x], reshape(T.exp(x), T.exp(x).shape), [X])
    assert not any(name.startswith("Reshape") for name in op_names(f))
    g = check([x], reshape(x, (x.shape[0], x.shape[1])) + 1, [X])
    assert not any(name.startswith("Reshape") for name in op_names(g))
    h = check([x], reshape(x, (x.shape[1], x.shape[0])), [X])
    assert any(name.startswith("Reshape") for name in op_names(h))


def test_flatten_of_a_vector_is_removed():
    f = check([v], reshape(T.exp(v), [-1]), [V])
    assert op_names(f) == ["exp"]
    assert T.flatten(v) is v


@pytest.mark.parametrize("index", ["all", "from0", "step1", "to_length"])
def test_identity_subtensor_is_removed(index):
    expr = {"all": x[:], "from0": x[0:], "step1": x[::1], "to_length": x[:x.shape[0]]}[index]
    f = check([x], expr * 2, [X])
    assert not any(name.startswith("Subtensor") for name in op_names(f))


def test_real_subtensor_is_kept():
    n = T.lscalar("n")
    f = check([x, n], x[:n], [X, 1])
    assert any(name.startswith("Subtensor") for name in op_names(f))
    assert f(X, 1).shape == (1, 3)
    g = check([x], x[1:], [X])
    assert any(name.startswith("Subtensor") for name in op_names(g))


def test_cast_to_the_same_dtype_and_copy_are_removed():
    from theano.tensor.basic import _cast_op

    f = check([v], [_cast_op("float64")(v) * 2, T.tensor_copy(v) + 1], [V])
    assert sorted(op_names(f)) == ["add", "mul"]
    i = T.ivector("i")
    g = check([i], T.cast(i, "float64") * 2, [np.array([1, 2], dtype="int32")])
    assert any("Cast" in name for name in op_names(g))


# -- scale ------------------------------------------------------------------------------------------

def test_ten_thousand_node_graph_compiles():
    out = v
    for k in range(5000):
        out = T.tanh(out) * 1.0001 if k % 2 == 0 else T.exp(out) - out
    f = theano.function([v], [out, out.shape[0]])
    value, length = f(np.zeros(3))
    assert length == 3 and value.shape == (3,)
