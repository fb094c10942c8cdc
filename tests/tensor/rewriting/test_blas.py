"""BLAS ops (Dot22, Dot22Scalar, Gemm, Gemv, Ger) and the specialize rewrites that introduce them:
values against NumPy and against an unoptimized compile, the compiled graphs' structure,
inplace behaviour, shapes and gradients."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests.unittest_tools import assert_allclose, check_infer_shape, random
from theano.gradient import verify_grad
from theano.tensor.blas import (
    Dot22,
    Dot22Scalar,
    Gemm,
    Gemv,
    Ger,
    _dot22,
    _dot22scalar,
    gemm_inplace,
    gemm_no_inplace,
    gemv_inplace,
    gemv_no_inplace,
    ger,
    ger_destructive,
)

NO_OPT = theano.Mode(optimizer=None)
FLOATS = ["float32", "float64"]


def op_names(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def blas_ops(f):
    return [type(node.op).__name__ for node in f.maker.fgraph.toposort()
            if isinstance(node.op, (Dot22, Dot22Scalar, Gemm, Gemv, Ger))]


def compile_both(inputs, output):
    """The optimized function and the reference one (no rewrite at all)."""
    return (theano.function(inputs, output, on_unused_input="ignore"),
            theano.function(inputs, output, mode=NO_OPT, on_unused_input="ignore"))


def check_same_values(inputs, output, values):
    fast, slow = compile_both(inputs, output)
    expected = slow(*[v.copy() for v in values])
    got = fast(*[v.copy() for v in values])
    assert_allclose(got, expected)
    return fast


def layouts(value):
    """The same matrix as C-ordered, Fortran-ordered, a strided slice and a transposed view."""
    big = np.zeros((value.shape[0] * 2, value.shape[1] * 3), dtype=value.dtype)
    big[::2, ::3] = value
    return {
        "c": value.copy(),
        "f": np.asfortranarray(value),
        "strided": big[::2, ::3],
        "transposed": np.ascontiguousarray(value.T).T,
    }


# ------------------------------------------------------------------------------------------
# The ops
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS + ["complex128"])
@pytest.mark.parametrize("layout", ["c", "f", "strided", "transposed"])
def test_gemm_values_and_inplace(dtype, layout):
    z_val = layouts(random(3, 5, dtype=dtype))[layout]
    x_val = layouts(random(3, 4, dtype=dtype, offset=1))[layout]
    y_val = layouts(random(4, 5, dtype=dtype, offset=2))[layout]
    z, x, y = T.matrix(dtype=dtype), T.matrix(dtype=dtype), T.matrix(dtype=dtype)
    a, b = T.scalar(dtype=dtype), T.scalar(dtype=dtype)
    expected = 0.5 * z_val + -1.5 * (x_val @ y_val)
    original = z_val.copy()
    f = theano.function([z, a, x, y, b], gemm_no_inplace(z, a, x, y, b), mode=NO_OPT)
    assert_allclose(f(z_val, -1.5, x_val, y_val, 0.5), expected)
    np.testing.assert_array_equal(z_val, original)
    node = gemm_inplace(z, a, x, y, b).owner
    storage = [[None]]
    gemm_inplace.perform(node, [z_val, np.asarray(-1.5, dtype), x_val, y_val, np.asarray(0.5, dtype)], storage)
    assert storage[0][0] is z_val  # written into z's buffer
    assert_allclose(z_val, expected)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", [gemm_no_inplace, gemm_inplace])
def test_gemm_ignores_z_when_b_is_zero(dtype, op):
    z_val = np.full((2, 3), np.nan, dtype=dtype)
    x_val, y_val = random(2, 4, dtype=dtype), random(4, 3, dtype=dtype, offset=1)
    node = op(T.matrix(dtype=dtype), 2.0, T.matrix(dtype=dtype), T.matrix(dtype=dtype), 0.0).owner
    storage = [[None]]
    op.perform(node, [z_val, np.asarray(2.0, dtype), x_val, y_val, np.asarray(0.0, dtype)], storage)
    assert_allclose(storage[0][0], 2 * (x_val @ y_val))


def test_gemm_with_zero_a_keeps_nan_of_the_product():
    x_val = np.array([[np.nan, 1.0]])
    node = gemm_no_inplace(T.dmatrix(), 0.0, T.dmatrix(), T.dmatrix(), 1.0).owner
    storage = [[None]]
    gemm_no_inplace.perform(node, [np.ones((1, 2)), np.asarray(0.0), x_val, np.ones((2, 2)), np.asarray(1.0)],
                            storage)
    assert np.isnan(storage[0][0]).all()


@pytest.mark.parametrize("shapes", [((0, 3), (0, 2), (2, 3)), ((2, 3), (2, 0), (0, 3)), ((2, 0), (2, 4), (4, 0))])
def test_gemm_empty_dimensions(shapes):
    z_shape, x_shape, y_shape = shapes
    z, x, y = T.dmatrix(), T.dmatrix(), T.dmatrix()
    f = theano.function([z, x, y], gemm_no_inplace(z, 2.0, x, y, 3.0), mode=NO_OPT)
    z_val = np.ones(z_shape)
    out = f(z_val, np.ones(x_shape), np.ones(y_shape))
    assert_allclose(out, 3 * z_val)


@pytest.mark.parametrize("dtype", FLOATS + ["complex64"])
@pytest.mark.parametrize("layout", ["c", "f", "strided"])
def test_gemv_values_and_inplace(dtype, layout):
    A_val = layouts(random(4, 3, dtype=dtype))[layout]
    x_val = random(6, dtype=dtype, offset=1)[::2]  # strided vector
    y_val = random(4, dtype=dtype, offset=2)
    y, A, x = T.vector(dtype=dtype), T.matrix(dtype=dtype), T.vector(dtype=dtype)
    f = theano.function([y, A, x], gemv_no_inplace(y, 2.0, A, x, -1.0), mode=NO_OPT)
    expected = -y_val + 2 * (A_val @ x_val)
    original = y_val.copy()
    assert_allclose(f(y_val, A_val, x_val), expected)
    np.testing.assert_array_equal(y_val, original)
    node = gemv_inplace(y, 2.0, A, x, -1.0).owner
    storage = [[None]]
    gemv_inplace.perform(node, [y_val, np.asarray(2, dtype), A_val, x_val, np.asarray(-1, dtype)], storage)
    assert storage[0][0] is y_val
    assert_allclose(y_val, expected)


def test_gemv_ignores_y_when_b_is_zero_and_handles_empty():
    y, A, x = T.dvector(), T.dmatrix(), T.dvector()
    f = theano.function([y, A, x], gemv_no_inplace(y, 1.0, A, x, 0.0), mode=NO_OPT)
    A_val, x_val = random(3, 2), random(2, offset=1)
    assert_allclose(f(np.full(3, np.nan), A_val, x_val), A_val @ x_val)
    assert_allclose(f(np.full(3, np.nan), np.ones((3, 0)), np.ones(0)), np.zeros(3))
    assert f(np.ones(0), np.ones((0, 2)), np.ones(2)).shape == (0,)


@pytest.mark.parametrize("dtype", FLOATS + ["complex128"])
@pytest.mark.parametrize("layout", ["c", "f", "strided"])
def test_ger_values_and_destructive(dtype, layout):
    A_val = layouts(random(3, 4, dtype=dtype))[layout]
    x_val, y_val = random(3, dtype=dtype, offset=1), random(4, dtype=dtype, offset=2)
    A, x, y = T.matrix(dtype=dtype), T.vector(dtype=dtype), T.vector(dtype=dtype)
    expected = A_val + 0.5 * np.outer(x_val, y_val)
    original = A_val.copy()
    f = theano.function([A, x, y], ger(A, 0.5, x, y), mode=NO_OPT)
    assert_allclose(f(A_val, x_val, y_val), expected)
    np.testing.assert_array_equal(A_val, original)
    node = ger_destructive(A, 0.5, x, y).owner
    storage = [[None]]
    ger_destructive.perform(node, [A_val, np.asarray(0.5, dtype), x_val, y_val], storage)
    assert storage[0][0] is A_val
    assert_allclose(A_val, expected)


@pytest.mark.parametrize("dtype", FLOATS)
def test_dot22_and_dot22scalar(dtype):
    x, y, a = T.matrix(dtype=dtype), T.matrix(dtype=dtype), T.scalar(dtype=dtype)
    x_val = layouts(random(3, 4, dtype=dtype))["transposed"]
    y_val = random(4, 2, dtype=dtype, offset=1)
    f = theano.function([x, y, a], [_dot22(x, y), _dot22scalar(x, y, a)], mode=NO_OPT)
    plain, scaled = f(x_val, y_val, 3.0)
    assert_allclose(plain, x_val @ y_val)
    assert_allclose(scaled, 3 * (x_val @ y_val))
    assert plain.dtype == dtype and scaled.dtype == dtype


def test_op_names_and_identity():
    assert str(gemm_no_inplace) == "Gemm{no_inplace}" and str(gemm_inplace) == "Gemm{inplace}"
    assert str(gemv_no_inplace) == "Gemv{no_inplace}" and str(gemv_inplace) == "Gemv{inplace}"
    assert str(ger) == "Ger{non-destructive}" and str(ger_destructive) == "Ger{destructive}"
    assert str(_dot22) == "Dot22" and str(_dot22scalar) == "Dot22Scalar"
    assert Gemm(inplace=True) == gemm_inplace and hash(Gemm(inplace=True)) == hash(gemm_inplace)
    assert gemm_inplace != gemm_no_inplace
    assert gemm_inplace.destroy_map == {0: [0]} and gemm_no_inplace.destroy_map == {}
    assert gemv_inplace.destroy_map == {0: [0]} and ger_destructive.destroy_map == {0: [0]}
    assert "inplace" in Gemm.__props__ and "destructive" in Ger.__props__
    text = theano.printing.debugprint(gemm_inplace(T.dmatrix("z"), 1.0, T.dmatrix("x"), T.dmatrix("y"), 1.0),
                                      file="str")
    assert text.splitlines()[0].startswith("Gemm{inplace}")


def test_make_node_errors():
    with pytest.raises(TypeError, match="'x' must be a matrix"):
        _dot22(T.dvector(), T.dmatrix())
    with pytest.raises(TypeError, match="same dtype"):
        _dot22(T.fmatrix(), T.dmatrix())
    with pytest.raises(TypeError, match="dtypes"):
        _dot22(T.imatrix(), T.imatrix())
    with pytest.raises(TypeError, match="'a' must be a 0-d"):
        gemm_no_inplace(T.dmatrix(), T.dvector(), T.dmatrix(), T.dmatrix(), 1.0)
    with pytest.raises(TypeError, match="'b' must be a scalar"):
        gemm_no_inplace(T.dmatrix(), 1.0, T.dmatrix(), T.dmatrix(), np.ones(2))
    with pytest.raises(TypeError, match="'y' must be a vector"):
        gemv_no_inplace(T.dmatrix(), 1.0, T.dmatrix(), T.dvector(), 1.0)
    with pytest.raises(TypeError, match="'y' is float32"):
        ger(T.dmatrix(), 1.0, T.dvector(), T.fvector())
    with pytest.raises(TypeError, match="complex"):
        gemm_no_inplace(T.dmatrix(), T.zscalar(), T.dmatrix(), T.dmatrix(), 1.0)


def test_perform_shape_errors():
    f = theano.function([z := T.dmatrix(), x := T.dmatrix(), y := T.dmatrix()], gemm_no_inplace(z, 1.0, x, y, 1.0),
                        mode=NO_OPT)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2, 2\) not aligned"):
        f(np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"shape \(2, 2\) of the first input differs from the shape \(2, 3\)"):
        f(np.ones((2, 2)), np.ones((2, 3)), np.ones((3, 3)))
    h = theano.function([A := T.dmatrix(), u := T.dvector(), v := T.dvector()], ger(A, 1.0, u, v), mode=NO_OPT)
    with pytest.raises(ValueError, match="differs"):
        h(np.ones((2, 2)), np.ones(2), np.ones(3))
    g = theano.function([x, y], _dot22(x, y), mode=NO_OPT)
    with pytest.raises(ValueError, match="not aligned"):
        g(np.ones((2, 3)), np.ones((2, 2)))


def test_infer_shape():
    z, x, y, A = T.dmatrix(), T.dmatrix(), T.dmatrix(), T.dmatrix()
    u, v, w = T.dvector(), T.dvector(), T.dvector()
    outputs = [_dot22(x, y), _dot22scalar(x, y, 2.0), gemm_no_inplace(z, 1.0, x, y, 1.0),
               gemv_no_inplace(u, 1.0, A, v, 1.0), ger(A, 1.0, u, w)]
    values = [np.ones((3, 2)), np.ones((3, 4)), np.ones((4, 2)), np.ones((3, 5)), np.ones(3), np.ones(5), np.ones(5)]
    for out, op_class in zip(outputs, [Dot22, Dot22Scalar, Gemm, Gemv, Ger]):
        check_infer_shape([z, x, y, A, u, v, w], out, values, op_class=op_class)


def test_gradients():
    gen = np.random.default_rng(3)
    m, k, n = gen.standard_normal((3, 4)), gen.standard_normal((4, 2)), gen.standard_normal((3, 2))
    scalar = np.asarray(0.7)
    vec3, vec4 = gen.standard_normal(3), gen.standard_normal(4)
    verify_grad(_dot22, [m, k])
    verify_grad(_dot22scalar, [m, k, scalar])
    verify_grad(gemm_no_inplace, [n, scalar, m, k, np.asarray(-1.3)])
    verify_grad(gemv_no_inplace, [vec3, scalar, m, vec4, np.asarray(-1.3)])
    verify_grad(ger, [m, scalar, vec3, vec4])


def test_dot22_r_op():
    from tests.unittest_tools import check_rop

    check_rop(_dot22, [random(3, 4), random(4, 2, offset=1)])


# ------------------------------------------------------------------------------------------
# dot -> Dot22 / Gemv
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_dot_of_matrices_becomes_dot22(dtype):
    x, y = T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    f = check_same_values([x, y], T.dot(x.T, y[::2]), [random(6, 3, dtype=dtype), random(12, 5, dtype=dtype)])
    assert op_names(f).count("Dot22") == 1
    assert "dot" not in op_names(f)
    assert "Dot22" in theano.printing.debugprint(f, file="str")


@pytest.mark.parametrize("dtype", FLOATS)
def test_matrix_vector_dot_becomes_gemv(dtype):
    A, v = T.matrix("A", dtype=dtype), T.vector("v", dtype=dtype)
    A_val, v_val = layouts(random(4, 3, dtype=dtype))["strided"], random(3, dtype=dtype, offset=1)
    f = check_same_values([A, v], T.dot(A, v), [A_val, v_val])
    assert blas_ops(f) == ["Gemv"]
    w_val = random(4, dtype=dtype, offset=2)
    g = check_same_values([A, v], T.dot(v, A), [A_val, w_val])
    assert blas_ops(g) == ["Gemv"]


def test_dots_left_alone():
    u, v = T.dvector(), T.dvector()
    f = check_same_values([u, v], T.dot(u, v), [random(3), random(3, offset=1)])
    assert blas_ops(f) == []
    i, j = T.imatrix(), T.imatrix()
    f = check_same_values([i, j], T.dot(i, j) + i, [random(2, 2, dtype="int32", low=-5, high=5)] * 2)
    assert blas_ops(f) == [] and "dot" in op_names(f)
    a, b = T.fmatrix(), T.dmatrix()
    f = check_same_values([a, b], T.dot(a, b), [random(2, 3, dtype="float32"), random(3, 2)])
    assert blas_ops(f) == []


# ------------------------------------------------------------------------------------------
# Scaled sums -> Gemm, Gemv, Ger, Dot22Scalar
# ------------------------------------------------------------------------------------------

def _gemm_cases():
    """(name, builder(z, x, y, a, b) -> expression, expected BLAS ops)."""
    return [
        ("z+dot", lambda z, x, y, a, b: z + T.dot(x, y), ["Gemm"]),
        ("dot+z", lambda z, x, y, a, b: T.dot(x, y) + z, ["Gemm"]),
        ("z-dot", lambda z, x, y, a, b: z - T.dot(x, y), ["Gemm"]),
        ("z-const*dot", lambda z, x, y, a, b: z - 0.01 * T.dot(x, y), ["Gemm"]),
        ("z*b+a*dot", lambda z, x, y, a, b: z * b + a * T.dot(x, y), ["Gemm"]),
        ("dot*a+z", lambda z, x, y, a, b: T.dot(x, y) * a + z, ["Gemm"]),
        ("a*dot-z*b", lambda z, x, y, a, b: a * T.dot(x, y) - b * z, ["Gemm"]),
        ("neg", lambda z, x, y, a, b: -(z + T.dot(x, y) * 2), ["Gemm"]),
        ("nested", lambda z, x, y, a, b: z - a * (z * b + T.dot(x, y)), ["Gemm"]),
        ("row+dot", lambda z, x, y, a, b: z + T.dot(x, y) + z[0], ["Gemm"]),
        ("two dots", lambda z, x, y, a, b: T.dot(x, y) + a * T.dot(x[::-1], y) + z, ["Gemm", "Gemm"]),
        ("a*dot", lambda z, x, y, a, b: a * T.dot(x, y), ["Dot22Scalar"]),
        ("const*dot", lambda z, x, y, a, b: T.dot(x, y) * 3, ["Dot22Scalar"]),
    ]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, build, expected", _gemm_cases(), ids=[c[0] for c in _gemm_cases()])
def test_scaled_sums_become_gemm(dtype, name, build, expected):
    z, x, y = (T.matrix(n, dtype=dtype) for n in "zxy")
    a, b = T.scalar("a", dtype=dtype), T.scalar("b", dtype=dtype)
    values = [layouts(random(3, 5, dtype=dtype))["strided"], layouts(random(3, 4, dtype=dtype, offset=1))["f"],
              layouts(random(4, 5, dtype=dtype, offset=2))["transposed"], np.asarray(-0.7, dtype),
              np.asarray(1.3, dtype)]
    out = build(z, x, y, a, b)
    f = check_same_values([z, x, y, a, b], out, values)
    assert sorted(blas_ops(f)) == sorted(expected), op_names(f)
    assert "dot" not in op_names(f)
    assert f.maker.fgraph.outputs[0].type == out.type


def test_gemm_structure_of_the_sgd_update():
    W, x, g = T.dmatrix("W"), T.dmatrix("x"), T.dmatrix("g")
    f = check_same_values([W, x, g], W - 0.01 * T.dot(x.T, g), [random(4, 3), random(5, 4), random(5, 3)])
    (node,) = f.maker.fgraph.toposort()[-1:]
    assert isinstance(node.op, Gemm)
    z, a, xt, gg, b = node.inputs
    assert z is f.maker.fgraph.inputs[0]
    assert float(a.data) == -0.01 and float(b.data) == 1.0
    assert gg is f.maker.fgraph.inputs[2]
    text = theano.printing.debugprint(f, file="str")
    assert text.splitlines()[0].startswith("Gemm{")


def test_complex_sum_becomes_gemm():
    z, x, y = T.zmatrix("z"), T.zmatrix("x"), T.zmatrix("y")
    values = [random(2, 3, dtype="complex128"), random(2, 4, dtype="complex128", offset=1),
              random(4, 3, dtype="complex128", offset=2)]
    f = check_same_values([z, x, y], z - 2 * T.dot(x, y), values)
    assert blas_ops(f) == ["Gemm"]
    assert_allclose(f(*values), values[0] - 2 * values[1] @ values[2])


def test_gemm_with_broadcast_scalars():
    z, x, y = T.dmatrix("z"), T.dmatrix("x"), T.dmatrix("y")
    a = T.dscalar("a")
    a_row = a.dimshuffle("x", "x")  # DimShuffle{x,x}(a)
    b_col = T.TensorType("float64", (True, True))("b11")
    out = b_col * z + a_row * T.dot(x, y)
    values = [random(3, 5), random(3, 4, offset=1), random(4, 5, offset=2), np.asarray(2.5), np.full((1, 1), -0.5)]
    f = check_same_values([z, x, y, a, b_col], out, values)
    assert blas_ops(f) == ["Gemm"]


@pytest.mark.parametrize("dtype", FLOATS)
def test_b_zero_and_nan_in_z_keep_their_values(dtype):
    z, x, y = T.matrix("z", dtype=dtype), T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    b = T.scalar("b", dtype=dtype)
    z_val = np.full((2, 3), np.nan, dtype=dtype)
    z_val[0, 0] = np.inf
    x_val, y_val = random(2, 4, dtype=dtype), random(4, 3, dtype=dtype, offset=1)
    for out in (b * z + T.dot(x, y), 0 * z + T.dot(x, y), z * b - 2 * T.dot(x, y)):
        fast, slow = compile_both([z, x, y, b], out)
        expected = slow(z_val, x_val, y_val, np.asarray(0, dtype))
        assert np.isnan(expected).all()
        assert_allclose(fast(z_val, x_val, y_val, np.asarray(0, dtype)), expected)
        assert any(isinstance(node.op, (Gemm, Dot22, Dot22Scalar)) for node in fast.maker.fgraph.toposort())


def test_gemm_needs_exact_types():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    row = T.drow("row")
    f = check_same_values([x, y, row], row + T.dot(x, y), [random(3, 4), random(4, 5), random(1, 5)])
    assert blas_ops(f) == ["Dot22"]  # the row is broadcast: no Gemm
    z32 = T.fmatrix("z32")
    f = check_same_values([x, y, z32], z32 + T.dot(x, y), [random(3, 4), random(4, 5), random(3, 5, dtype="float32")])
    assert blas_ops(f) in (["Dot22"], ["Gemm"])
    a64 = T.dscalar("a64")
    xf, yf = T.fmatrix("xf"), T.fmatrix("yf")
    out = a64 * T.dot(xf, yf)  # float64 result: the float32 product is not scaled inside BLAS
    f = check_same_values([xf, yf, a64], out, [random(2, 3, dtype="float32"), random(3, 2, dtype="float32"),
                                                np.asarray(2.0)])
    assert blas_ops(f) == ["Dot22"] and f.maker.fgraph.outputs[0].type == out.type


def test_shared_product_is_not_recomputed():
    z, x, y = T.dmatrix("z"), T.dmatrix("x"), T.dmatrix("y")
    d = T.dot(x, y)
    fast = theano.function([z, x, y], [z + d, d])
    assert blas_ops(fast) == ["Dot22"]
    values = [random(3, 5), random(3, 4, offset=1), random(4, 5, offset=2)]
    slow = theano.function([z, x, y], [z + d, d], mode=NO_OPT)
    for got, expected in zip(fast(*values), slow(*values)):
        assert_allclose(got, expected)


@pytest.mark.parametrize("dtype", FLOATS)
def test_vector_sums_become_gemv(dtype):
    y, A, v = T.vector("y", dtype=dtype), T.matrix("A", dtype=dtype), T.vector("v", dtype=dtype)
    a = T.scalar("a", dtype=dtype)
    values = [random(4, dtype=dtype), layouts(random(4, 3, dtype=dtype, offset=1))["transposed"],
              random(3, dtype=dtype, offset=2), np.asarray(0.5, dtype)]
    for out in (y + T.dot(A, v), y * 2 - a * T.dot(A, v), T.dot(A, v) * a):
        f = check_same_values([y, A, v, a], out, values)
        assert blas_ops(f) == ["Gemv"], op_names(f)
        assert "dot" not in op_names(f)
    w = T.vector("w", dtype=dtype)
    f = check_same_values([w, A, y, a], w - a * T.dot(y, A), [values[2], values[1], values[0], values[3]])
    assert blas_ops(f) == ["Gemv"]
    gemv_node = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Gemv)][0]
    assert gemv_node.inputs[0] is f.maker.fgraph.inputs[0]  # w is the y of the Gemv
    # The gradient step of logistic regression: one Gemv with constant a and b.
    f = check_same_values([w, A, y], w - 0.1 * T.dot(A.T, y), [values[2], values[1], values[0]])
    (gemv_node,) = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Gemv)]
    assert gemv_node.inputs[0] is f.maker.fgraph.inputs[0]
    assert np.isclose(gemv_node.inputs[1].data, -0.1) and gemv_node.inputs[4].data == 1


@pytest.mark.parametrize("dtype", FLOATS)
def test_outer_products_added_to_a_matrix_become_ger(dtype):
    A, u, v = T.matrix("A", dtype=dtype), T.vector("u", dtype=dtype), T.vector("v", dtype=dtype)
    a = T.scalar("a", dtype=dtype)
    values = [layouts(random(3, 4, dtype=dtype))["f"], random(3, dtype=dtype, offset=1),
              random(4, dtype=dtype, offset=2), np.asarray(-0.25, dtype)]
    for out in (A + a * T.outer(u, v), A + u.dimshuffle(0, "x") * v.dimshuffle("x", 0),
                A - 0.5 * u[:, None] * v[None, :]):
        f = check_same_values([A, u, v, a], out, values)
        assert blas_ops(f) == ["Ger"], op_names(f)
    f = check_same_values([A, u, v, a], 2 * A + T.outer(u, v), values)
    assert blas_ops(f) == ["Gemm"]  # Ger has no b: the Dot22 of the outer product becomes a Gemm
    x, y = T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    xy_values = [random(3, 2, dtype=dtype, offset=3), random(2, 4, dtype=dtype, offset=4)]
    scaled_outer = 3 * u[:, None] * v[None, :] * a
    for both in (A + scaled_outer + T.dot(x, y), T.dot(x, y) + scaled_outer + A, scaled_outer + T.dot(x, y)):
        f = check_same_values([A, u, v, a, x, y], both, values + xy_values)
        assert "Ger" in blas_ops(f), op_names(f)


def _small_mlp(dtype, l2):
    gen = np.random.default_rng(5)
    x, y = T.matrix("x", dtype=dtype), T.ivector("y")
    shapes = {"W1": (20, 8), "b1": (8,), "W2": (8, 3), "b2": (3,)}
    params = {name: theano.shared((0.3 * gen.standard_normal(shp)).astype(dtype), name=name)
              for name, shp in shapes.items()}
    hidden = T.tanh(T.dot(x, params["W1"]) + params["b1"])
    p_y = T.nnet.softmax(T.dot(hidden, params["W2"]) + params["b2"])
    cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    if l2:
        cost = cost + 1e-3 * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    grads = T.grad(cost, list(params.values()))
    updates = [(p, p - np.asarray(0.1, dtype) * g) for p, g in zip(params.values(), grads)]
    data = (gen.random((6, 20)).astype(dtype), gen.integers(0, 3, 6).astype("int32"))
    return x, y, params, cost, updates, data


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("l2", [False, True])
def test_mlp_training_function_uses_gemm(dtype, l2):
    x, y, params, cost, updates, data = _small_mlp(dtype, l2)
    initial = {name: p.get_value() for name, p in params.items()}
    results = {}
    for label, mode in (("fast", None), ("slow", NO_OPT)):
        for name, p in params.items():
            p.set_value(initial[name].copy())
        train = theano.function([x, y], cost, updates=updates, mode=mode)
        costs = [train(*data) for _ in range(3)]
        results[label] = (costs, {name: p.get_value() for name, p in params.items()}, train)
    ops = blas_ops(results["fast"][2])
    assert ops.count("Gemm") >= 2 and "Dot22" in ops, ops
    assert "dot" not in op_names(results["fast"][2])
    # The weight updates are Gemm(W, -0.1, ., ., 1): z is the shared weight itself.
    fgraph = results["fast"][2].maker.fgraph
    gemm_zs = {node.inputs[0].name for node in fgraph.toposort() if isinstance(node.op, Gemm)}
    assert {"W1", "W2"} <= gemm_zs
    assert_allclose(np.array(results["fast"][0]), np.array(results["slow"][0]))
    for name in params:
        assert_allclose(results["fast"][1][name], results["slow"][1][name])


def test_gradient_of_an_optimized_graph():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    z = T.dmatrix("z")
    cost = T.sum(T.sqr(z - 0.5 * T.dot(x, y)))
    f = theano.function([z, x, y], cost, mode=theano.Mode(optimizer="fast_run").excluding("inplace"))
    assert "Gemm" in blas_ops(f)
    # Differentiate the rewritten graph itself (BLAS ops before the inplace stage, as grad sees them).
    optimized = f.maker.fgraph.outputs[0]
    inputs = f.maker.fgraph.inputs
    grads = T.grad(optimized, inputs)
    g_fast = theano.function(inputs, grads, mode=NO_OPT)
    g_ref = theano.function([z, x, y], T.grad(cost, [z, x, y]), mode=NO_OPT)
    values = [random(3, 2), random(3, 4, offset=1), random(4, 2, offset=2)]
    for got, expected in zip(g_fast(*values), g_ref(*values)):
        assert_allclose(got, expected)
