"""C kernels of the BLAS ops and of ``dot``: values against the ops' ``perform`` for every layout
(C, Fortran, strided, reversed, broadcast), the BLAS corner cases (alpha or beta 0, NaN in z, empty
sums, zero-size outputs), inplace outputs, error messages, and compiled functions."""

import re

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.runtime import _numpy_openblas, _scipy_capsules, blas_routines, runtime_module
from theano.link.c.testing import run_node
from theano.tensor.blas import (
    _dot22,
    _dot22scalar,
    gemm_inplace,
    gemm_no_inplace,
    gemv_inplace,
    gemv_no_inplace,
    ger,
    ger_destructive,
)
from theano.tensor.products import _dot

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

DTYPES = ["float32", "float64"]
TOLERANCE = {"float32": {"rtol": 2e-5, "atol": 2e-5}, "float64": {"rtol": 1e-12, "atol": 1e-12}}
MATRIX_LAYOUTS = ["c", "f", "rows2", "reversed", "both2", "broadcast"]
VECTOR_LAYOUTS = ["c", "step2", "reversed", "broadcast"]


def matrix(rng, shape, dtype, layout):
    """A matrix of ``shape`` whose memory layout is ``layout`` (the values do not depend on it)."""
    rows, cols = shape
    if layout == "broadcast":
        return np.broadcast_to(rng.normal(size=(1, cols)).astype(dtype), shape)
    values = rng.normal(size=shape).astype(dtype)
    if layout == "c":
        return values
    if layout == "f":
        return np.asfortranarray(values)
    if layout == "rows2":  # every other row: a leading dimension twice the row length
        base = np.zeros((2 * rows, cols), dtype=dtype)
        base[::2] = values
        return base[::2]
    if layout == "reversed":  # a negative stride: BLAS cannot read it, the kernel copies
        return values[:, ::-1].copy()[:, ::-1]
    if layout == "both2":  # no unit stride at all
        base = np.zeros((2 * rows, 2 * cols), dtype=dtype)
        base[::2, ::2] = values
        return base[::2, ::2]
    raise ValueError(layout)


def vector(rng, n, dtype, layout):
    if layout == "broadcast":
        return np.broadcast_to(np.asarray(rng.normal(), dtype=dtype), (n,))
    values = rng.normal(size=n).astype(dtype)
    if layout == "c":
        return values
    if layout == "step2":
        base = np.zeros(2 * n, dtype=dtype)
        base[::2] = values
        return base[::2]
    if layout == "reversed":
        return values[::-1].copy()[::-1]
    raise ValueError(layout)


def perform(node, values):
    """The outputs of the op's Python ``perform`` (on copies: inplace ops overwrite their input)."""
    storage = [[None] for _ in node.outputs]
    with np.errstate(invalid="ignore"):  # 0 * inf
        node.op.perform(node, [np.array(v) for v in values], storage)
    return [cell[0] for cell in storage]


def check(node, values, dtype):
    expected = perform(node, values)
    got = run_node(node, values)
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, **TOLERANCE[dtype])
    return got


def scalar(value, dtype):
    return np.asarray(value, dtype=dtype)


# -- generated code --------------------------------------------------------------------------

def test_generated_source_names_the_op_and_calls_blas():
    kernel = kernel_for(gemm_no_inplace(T.dmatrix(), T.dscalar(), T.dmatrix(), T.dmatrix(), T.lscalar()).owner)
    source = kernel.source
    assert "/* Gemm{no_inplace} : (TensorType(float64, matrix), TensorType(float64, scalar)" in source
    assert "typedef double real;" in source and "TH_DGEMM" in source
    assert "(real)*(const int64_t *)ctx->inputs[4].data" in source  # beta converted from int64
    assert f"TH_EXPORT int {kernel.name}(th_ctx *ctx)" in source
    assert kernel_for(_dot22(T.fmatrix(), T.fmatrix()).owner).source.count("TH_SGEMM") == 1


def test_unsupported_types_have_no_kernel():
    assert kernel_for(_dot(T.lmatrix(), T.lmatrix()).owner) is None  # integers: numpy.dot
    assert kernel_for(_dot(T.fmatrix(), T.dmatrix()).owner) is None  # mixed dtypes
    assert kernel_for(_dot22(T.cmatrix(), T.cmatrix()).owner) is None  # complex
    half = T.scalar(dtype="float16")
    assert kernel_for(gemm_no_inplace(T.dmatrix(), half, T.dmatrix(), T.dmatrix(), 1.0).owner) is None


# -- matrix products ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_dot22_every_layout(dtype):
    rng = np.random.default_rng(0)
    node = _dot22(T.matrix(dtype=dtype), T.matrix(dtype=dtype)).owner
    for x_layout in MATRIX_LAYOUTS:
        for y_layout in MATRIX_LAYOUTS:
            x = matrix(rng, (5, 4), dtype, x_layout)
            y = matrix(rng, (4, 3), dtype, y_layout)
            (out,) = check(node, [x, y], dtype)
            assert out.flags.c_contiguous
            np.testing.assert_allclose(out, x @ y, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot22_shapes_with_ones_and_zeros(dtype):
    rng = np.random.default_rng(1)
    node = _dot22(T.matrix(dtype=dtype), T.matrix(dtype=dtype)).owner
    for m, k, n in [(1, 4, 3), (5, 1, 3), (5, 4, 1), (1, 1, 1), (0, 4, 3), (5, 0, 3), (5, 4, 0), (0, 0, 0)]:
        x = rng.normal(size=(m, k)).astype(dtype)
        y = rng.normal(size=(k, n)).astype(dtype)
        (out,) = check(node, [x, y], dtype)
        np.testing.assert_array_equal(out.shape, (m, n))
        # the transposed views (Fortran order) too
        check(node, [np.ascontiguousarray(x.T).T, np.ascontiguousarray(y.T).T], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((1, 6), (6, 4)), ((5, 6), (6, 1)), ((1, 1), (1, 3)), ((3, 1), (1, 1))])
def test_one_row_or_one_column_products_use_gemv(dtype, shapes):
    """m == 1 or n == 1 goes through ?gemv; every operand and output layout gives numpy's product."""
    rng = np.random.default_rng(11)
    (m, k), (_, n) = shapes
    dot_node = _dot22(T.matrix(dtype=dtype), T.matrix(dtype=dtype)).owner
    gemm_node = gemm_no_inplace(T.matrix(dtype=dtype), T.dscalar(), T.matrix(dtype=dtype), T.matrix(dtype=dtype),
                                T.scalar(dtype=dtype)).owner
    for x_layout in MATRIX_LAYOUTS:
        for y_layout in MATRIX_LAYOUTS:
            x = matrix(rng, (m, k), dtype, x_layout)
            y = matrix(rng, (k, n), dtype, y_layout)
            (out,) = check(dot_node, [x, y], dtype)
            np.testing.assert_allclose(out, x @ y, **TOLERANCE[dtype])
            z = matrix(rng, (m, n), dtype, y_layout if y_layout != "broadcast" else "c")
            (out,) = check(gemm_node, [z, scalar(-1.5, "float64"), x, y, scalar(0.5, dtype)], dtype)
            np.testing.assert_allclose(out, 0.5 * z - 1.5 * (x @ y), **TOLERANCE[dtype])


def test_dot22_large_enough_for_blocking():
    rng = np.random.default_rng(2)
    node = _dot22(T.dmatrix(), T.dmatrix()).owner
    x, y = rng.normal(size=(130, 70)), rng.normal(size=(70, 90))
    (out,) = run_node(node, [x.T.copy().T, y[:, :]])
    np.testing.assert_allclose(out, x @ y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot22scalar(dtype):
    rng = np.random.default_rng(3)
    node = _dot22scalar(T.matrix(dtype=dtype), T.matrix(dtype=dtype), T.lscalar()).owner
    x, y = matrix(rng, (3, 4), dtype, "rows2"), matrix(rng, (4, 2), dtype, "f")
    check(node, [x, y, scalar(3, "int64")], dtype)
    # alpha == 0 still reads x: 0 * inf is NaN
    x[1, 2] = np.inf
    (out,) = check(node, [x, y, scalar(0, "int64")], dtype)
    assert np.isnan(out[1]).all() and (out[[0, 2]] == 0).all()
    # an empty sum times alpha
    node = _dot22scalar(T.matrix(dtype=dtype), T.matrix(dtype=dtype), T.dscalar()).owner
    (out,) = check(node, [np.ones((2, 0), dtype), np.ones((0, 3), dtype), scalar(np.nan, "float64")], dtype)
    assert np.isnan(out).all()
    (out,) = check(node, [np.ones((2, 0), dtype), np.ones((0, 3), dtype), scalar(2.5, "float64")], dtype)
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_values_and_layouts(dtype):
    rng = np.random.default_rng(4)
    node = gemm_no_inplace(T.matrix(dtype=dtype), T.dscalar(), T.matrix(dtype=dtype), T.matrix(dtype=dtype),
                           T.scalar(dtype=dtype)).owner
    for k, layout in enumerate(MATRIX_LAYOUTS):
        z = matrix(rng, (4, 3), dtype, layout)
        x = matrix(rng, (4, 5), dtype, MATRIX_LAYOUTS[k - 1])
        y = matrix(rng, (5, 3), dtype, MATRIX_LAYOUTS[k - 2])
        z_before = z.copy()
        (out,) = check(node, [z, scalar(-1.5, "float64"), x, y, scalar(0.75, dtype)], dtype)
        np.testing.assert_allclose(out, 0.75 * z_before - 1.5 * (x @ y), **TOLERANCE[dtype])
        np.testing.assert_array_equal(z, z_before)  # not inplace: z is untouched


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_blas_corner_cases(dtype):
    rng = np.random.default_rng(5)
    node = gemm_no_inplace(T.matrix(dtype=dtype), T.scalar(dtype=dtype), T.matrix(dtype=dtype),
                           T.matrix(dtype=dtype), T.scalar(dtype=dtype)).owner
    x, y = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(4, 2)).astype(dtype)
    nan_z = np.full((3, 2), np.nan, dtype=dtype)
    # beta == 0 ignores z, NaN included (BLAS semantics)
    (out,) = check(node, [nan_z, scalar(2, dtype), x, y, scalar(0, dtype)], dtype)
    assert np.isfinite(out).all()
    # alpha == 0: b * z + 0 * dot(x, y), NaN where the product has inf
    z = rng.normal(size=(3, 2)).astype(dtype)
    x_inf = x.copy()
    x_inf[0, 0] = np.inf
    (out,) = check(node, [z, scalar(0, dtype), x_inf, y, scalar(2, dtype)], dtype)
    assert np.isnan(out[0]).all() and np.isfinite(out[1:]).all()
    # alpha == 0 and beta == 0: zeros except the NaN of 0 * inf
    (out,) = check(node, [nan_z, scalar(0, dtype), x_inf, y, scalar(0, dtype)], dtype)
    assert np.isnan(out[0]).all() and (out[1:] == 0).all()
    # an empty sum (k == 0): beta * z, or zeros when beta == 0 (even over NaN)
    empty_x, empty_y = np.ones((3, 0), dtype), np.ones((0, 2), dtype)
    (out,) = check(node, [z, scalar(np.nan, dtype), empty_x, empty_y, scalar(3, dtype)], dtype)
    np.testing.assert_allclose(out, 3 * z, **TOLERANCE[dtype])
    (out,) = check(node, [nan_z, scalar(1, dtype), empty_x, empty_y, scalar(0, dtype)], dtype)
    np.testing.assert_array_equal(out, 0)
    # zero-size outputs
    for m, n in [(0, 2), (3, 0), (0, 0)]:
        check(node, [np.ones((m, n), dtype), scalar(1, dtype), np.ones((m, 4), dtype), np.ones((4, n), dtype),
                     scalar(1, dtype)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_inplace_writes_into_z(dtype):
    rng = np.random.default_rng(6)
    node = gemm_inplace(T.matrix(dtype=dtype), T.scalar(dtype=dtype), T.matrix(dtype=dtype),
                        T.matrix(dtype=dtype), T.scalar(dtype=dtype)).owner
    x, y = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(4, 5)).astype(dtype)
    for layout in ["c", "f", "rows2", "reversed", "both2"]:
        for beta in (0.5, 0.0):
            z = matrix(rng, (3, 5), dtype, layout)
            if beta == 0:
                z[...] = np.nan
            expected = perform(node, [z, scalar(2, dtype), x, y, scalar(beta, dtype)])[0]
            (out,) = run_node(node, [z, scalar(2, dtype), x, y, scalar(beta, dtype)])
            assert out is z
            np.testing.assert_allclose(z, expected, **TOLERANCE[dtype])


def test_gemm_inplace_with_aliased_operands_reads_the_old_values():
    rng = np.random.default_rng(7)
    node = gemm_inplace(T.dmatrix(), T.dscalar(), T.dmatrix(), T.dmatrix(), T.dscalar()).owner
    z = rng.normal(size=(4, 4))
    old = z.copy()
    run_node(node, [z, scalar(1.0, "float64"), z.view(), z.T, scalar(1.0, "float64")])
    np.testing.assert_allclose(z, old + old @ old.T, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_errors_have_the_python_messages(dtype):
    m = T.matrix(dtype=dtype)
    cases = [
        (_dot22(m, m.type()).owner, [np.ones((2, 3), dtype), np.ones((4, 2), dtype)]),
        (gemm_no_inplace(m, 1.0, m.type(), m.type(), 1.0).owner,
         [np.ones((2, 2), dtype), scalar(1, dtype), np.ones((2, 3), dtype), np.ones((3, 4), dtype), scalar(1, dtype)]),
        (_dot(T.vector(dtype=dtype), m).owner, [np.ones(3, dtype), np.ones((2, 5), dtype)]),
        (gemv_no_inplace(T.vector(dtype=dtype), 1.0, m, T.vector(dtype=dtype), 1.0).owner,
         [np.ones(3, dtype), scalar(1, dtype), np.ones((2, 4), dtype), np.ones(4, dtype), scalar(1, dtype)]),
        (ger(m, 1.0, T.vector(dtype=dtype), T.vector(dtype=dtype)).owner,
         [np.ones((2, 3), dtype), scalar(1, dtype), np.ones(2, dtype), np.ones(4, dtype)]),
    ]
    for node, values in cases:
        with pytest.raises(ValueError) as python_error:
            perform(node, values)
        with pytest.raises(ValueError, match=re.escape(str(python_error.value))):
            run_node(node, values)


# -- matrix-vector products and rank-1 updates --------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_gemv_layouts_and_corner_cases(dtype):
    rng = np.random.default_rng(8)
    vec = T.vector(dtype=dtype)
    node = gemv_no_inplace(vec, T.scalar(dtype=dtype), T.matrix(dtype=dtype), vec.type(), T.lscalar()).owner
    for k, a_layout in enumerate(MATRIX_LAYOUTS):
        A = matrix(rng, (4, 3), dtype, a_layout)
        x = vector(rng, 3, dtype, VECTOR_LAYOUTS[k % 4])
        y = vector(rng, 4, dtype, VECTOR_LAYOUTS[(k + 1) % 4])
        (out,) = check(node, [y, scalar(1.5, dtype), A, x, scalar(-2, "int64")], dtype)
        np.testing.assert_allclose(out, -2 * y + 1.5 * (A @ x), **TOLERANCE[dtype])
    A, x = rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)
    nan_y = np.full(4, np.nan, dtype=dtype)
    (out,) = check(node, [nan_y, scalar(1, dtype), A, x, scalar(0, "int64")], dtype)
    assert np.isfinite(out).all()
    A[2, 1] = -np.inf
    (out,) = check(node, [nan_y, scalar(0, dtype), A, x, scalar(0, "int64")], dtype)
    assert np.isnan(out[2]) and (out[[0, 1, 3]] == 0).all()
    y = rng.normal(size=4).astype(dtype)
    (out,) = check(node, [y, scalar(1, dtype), np.ones((4, 0), dtype), np.ones(0, dtype), scalar(3, "int64")], dtype)
    np.testing.assert_allclose(out, 3 * y, **TOLERANCE[dtype])
    (out,) = check(node, [nan_y, scalar(1, dtype), np.ones((4, 0), dtype), np.ones(0, dtype), scalar(0, "int64")],
                   dtype)
    np.testing.assert_array_equal(out, 0)
    check(node, [np.ones(0, dtype), scalar(1, dtype), np.ones((0, 3), dtype), x, scalar(1, "int64")], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemv_inplace_writes_into_y(dtype):
    rng = np.random.default_rng(9)
    vec = T.vector(dtype=dtype)
    node = gemv_inplace(vec, T.scalar(dtype=dtype), T.matrix(dtype=dtype), vec.type(), T.scalar(dtype=dtype)).owner
    A, x = rng.normal(size=(5, 3)).astype(dtype), rng.normal(size=3).astype(dtype)
    for layout in ["c", "step2", "reversed"]:
        y = vector(rng, 5, dtype, layout)
        expected = perform(node, [y, scalar(2, dtype), A, x, scalar(0.5, dtype)])[0]
        (out,) = run_node(node, [y, scalar(2, dtype), A, x, scalar(0.5, dtype)])
        assert out is y
        np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_ger(dtype):
    rng = np.random.default_rng(10)
    vec = T.vector(dtype=dtype)
    node = ger(T.matrix(dtype=dtype), T.scalar(dtype=dtype), vec, vec.type()).owner
    for k, layout in enumerate(MATRIX_LAYOUTS):
        A = matrix(rng, (4, 3), dtype, layout)
        x = vector(rng, 4, dtype, VECTOR_LAYOUTS[k % 4])
        y = vector(rng, 3, dtype, VECTOR_LAYOUTS[(k + 2) % 4])
        (out,) = check(node, [A, scalar(0.5, dtype), x, y], dtype)
        np.testing.assert_allclose(out, A + 0.5 * np.outer(x, y), **TOLERANCE[dtype])
    A, x, y = np.zeros((2, 3), dtype), np.array([1, np.inf], dtype), np.ones(3, dtype)
    (out,) = check(node, [A, scalar(0, dtype), x, y], dtype)  # 0 * outer(x, y): NaN in the row of inf
    assert np.isnan(out[1]).all() and (out[0] == 0).all()
    check(node, [np.ones((0, 3), dtype), scalar(1, dtype), np.ones(0, dtype), y], dtype)
    # destructive: the result is written into A
    node = ger_destructive(T.matrix(dtype=dtype), T.scalar(dtype=dtype), vec, vec.type()).owner
    for layout in ["c", "f", "both2"]:
        A = matrix(rng, (4, 3), dtype, layout)
        x, y = rng.normal(size=4).astype(dtype), rng.normal(size=3).astype(dtype)
        expected = perform(node, [A, scalar(-1, dtype), x, y])[0]
        (out,) = run_node(node, [A, scalar(-1, dtype), x, y])
        assert out is A
        np.testing.assert_allclose(A, expected, **TOLERANCE[dtype])


# -- dot ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_of_vectors_and_matrices(dtype):
    rng = np.random.default_rng(11)
    mat, vec = T.matrix(dtype=dtype), T.vector(dtype=dtype)
    nodes = {
        "mm": _dot(mat, mat.type()).owner,
        "mv": _dot(mat, vec).owner,
        "vm": _dot(vec, mat).owner,
        "vv": _dot(vec, vec.type()).owner,
    }
    for k in range(4):
        m_layout, v_layout = MATRIX_LAYOUTS[k], VECTOR_LAYOUTS[k]
        check(nodes["mm"], [matrix(rng, (3, 4), dtype, m_layout), matrix(rng, (4, 2), dtype, "f")], dtype)
        check(nodes["mv"], [matrix(rng, (3, 4), dtype, m_layout), vector(rng, 4, dtype, v_layout)], dtype)
        check(nodes["vm"], [vector(rng, 3, dtype, v_layout), matrix(rng, (3, 4), dtype, m_layout)], dtype)
        (out,) = check(nodes["vv"], [vector(rng, 5, dtype, v_layout), vector(rng, 5, dtype, "step2")], dtype)
        assert out.shape == ()
    # empty sums and empty results
    check(nodes["mv"], [np.ones((3, 0), dtype), np.ones(0, dtype)], dtype)
    check(nodes["vm"], [np.ones(0, dtype), np.ones((0, 4), dtype)], dtype)
    check(nodes["vm"], [np.ones(3, dtype), np.ones((3, 0), dtype)], dtype)
    (out,) = check(nodes["vv"], [np.ones(0, dtype), np.ones(0, dtype)], dtype)
    assert out == 0
    with pytest.raises(ValueError, match=re.escape("dot: shapes (3,) and (4,) not aligned: 3 (dim 0) != 4 (dim 0)")):
        run_node(nodes["vv"], [np.ones(3, dtype), np.ones(4, dtype)])


def test_missing_blas_is_a_clear_error():
    runtime = runtime_module()
    node = _dot22(T.dmatrix(), T.dmatrix()).owner
    run_node(node, [np.ones((2, 2)), np.ones((2, 2))])  # compiled before the table is emptied
    routines, int64 = blas_routines()
    runtime.set_blas((None,) * len(routines), int64)
    try:
        with pytest.raises(RuntimeError, match="dgemm is not available"):
            run_node(node, [np.ones((2, 2)), np.ones((2, 2))])
        (out,) = run_node(node, [np.ones((2, 0)), np.ones((0, 2))])  # no BLAS call needed
        np.testing.assert_array_equal(out, 0)
    finally:
        runtime.set_blas(routines, int64)
    (out,) = run_node(node, [np.ones((2, 2)), np.ones((2, 2))])
    np.testing.assert_array_equal(out, 2)


@pytest.mark.parametrize("library", ["numpy", "scipy"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_both_blas_libraries_give_numpy_results(library, dtype):
    """Kernels call 64-bit-integer (NumPy's OpenBLAS) and 32-bit (SciPy's) BLAS routines alike."""
    routines = _numpy_openblas() if library == "numpy" else _scipy_capsules()
    if routines is None or routines[0] is None:
        pytest.skip(f"no {library} BLAS here")
    runtime = runtime_module()
    default = blas_routines()
    a, b = T.matrix(dtype=dtype), T.matrix(dtype=dtype)
    u, v = T.vector(dtype=dtype), T.vector(dtype=dtype)
    nodes = [_dot22(a, b).owner, T.dot(a, u).owner, T.dot(u, v).owner]
    rng = np.random.default_rng(3)
    m, k, n = rng.random((5, 7)).astype(dtype), rng.random((7, 3)).astype(dtype), rng.random(7).astype(dtype)
    values = [[m, k], [m, n], [n, n]]
    runtime.set_blas(routines, library == "numpy")
    try:
        for node, args in zip(nodes, values):
            (out,) = run_node(node, args)
            np.testing.assert_allclose(out, np.dot(*args), rtol=1e-5)
    finally:
        runtime.set_blas(*default)


# -- compiled functions ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_functions_use_the_blas_kernels(dtype):
    rng = np.random.default_rng(12)
    x, y, z = (T.matrix(name, dtype=dtype) for name in "xyz")
    v = T.vector("v", dtype=dtype)
    a = T.scalar("a", dtype=dtype)
    outputs = [z * 0.5 + a * T.dot(x, y), T.dot(x.T, v) + v, z + a * T.outer(v, v[:2]), T.dot(v, v), T.dot(x, x) * a]
    fast = theano.function([x, y, z, v, a], outputs, mode="FAST_RUN")
    slow = theano.function([x, y, z, v, a], outputs, mode=theano.Mode(linker="py"))
    kinds = {type(node.op).__name__ for node, in_c in zip(fast.fn.nodes, fast.fn.c_nodes) if in_c}
    assert {"Gemm", "Gemv", "Ger", "Dot", "Dot22Scalar"} <= kinds
    args = [matrix(rng, (3, 3), dtype, "c"), matrix(rng, (3, 2), dtype, "f"), matrix(rng, (3, 2), dtype, "rows2"),
            vector(rng, 3, dtype, "reversed"), scalar(0.5, dtype)]
    for got, expected in zip(fast(*args), slow(*args)):
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype])
    args[0] = args[0][:, ::-1]
    args[1] = args[1][::-1]
    for got, expected in zip(fast(*args), slow(*args)):
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype])


def test_inplace_gemm_of_an_update():
    rng = np.random.default_rng(13)
    w = theano.shared(rng.normal(size=(4, 3)), name="w")
    x, g = T.dmatrix("x"), T.dmatrix("g")
    f = theano.function([x, g], [], updates=[(w, w - 0.1 * T.dot(x.T, g))], mode="FAST_RUN")
    ops = [str(node.op) for node, in_c in zip(f.fn.nodes, f.fn.c_nodes) if in_c]
    assert "Gemm{inplace}" in ops
    start = w.get_value()
    xv, gv = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    f(xv, gv)
    f(xv, gv)
    np.testing.assert_allclose(w.get_value(), start - 0.2 * xv.T @ gv, rtol=1e-12)
