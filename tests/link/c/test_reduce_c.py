"""C kernels of reductions (theano/link/c/reduce_c.py) against the ops' Python ``perform``.

Each test builds its nodes first and compiles their kernels together (one gcc each, in parallel),
then runs every node through its kernel on several memory layouts of the same values: C order, a
layout whose kept axis is the innermost one, reversed and strided views, broadcast (zero stride)
views and empty arrays.
"""

import itertools

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import scalar
from theano.link.c import compiler
from theano.link.c.kernels import compile_kernels, kernel_for
from theano.link.c.testing import run_node
from theano.tensor.elemwise import All, Any, CAReduce, CAReduceDtype, CAReduceMax, CAReduceMin, Prod, Sum
from theano.tensor.math import Argmax, Argmin, MaxAndArgmax
from theano.tensor.type import TensorType

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64"]
REDUCTION_OPS = (CAReduce, Argmax, MaxAndArgmax)


def _values(dtype: str, shape, rng, small: bool = False) -> np.ndarray:
    """Random values of ``dtype``: wide integers (sums wrap around), or small ones for products and
    ties; floats with a few NaN and infinities when ``small`` is False."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    kind = np.dtype(dtype).kind
    if kind in "iu":
        info = np.iinfo(dtype)
        low, high = (-3, 4) if small else (info.min, info.max)
        if kind == "u":
            low = 0
        return rng.integers(low, high, size=shape, dtype=dtype, endpoint=not small)
    if small:
        return rng.integers(-3, 4, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _with_specials(values: np.ndarray, rng) -> np.ndarray:
    """A copy with NaN, +inf and -inf at random places (floats only)."""
    values = values.copy()
    if values.dtype.kind == "f" and values.size >= 8:
        flat = values.reshape(-1)
        places = rng.choice(flat.size, size=4, replace=False)
        flat[places] = [np.nan, np.inf, -np.inf, np.nan]
    return values


def _layouts(values: np.ndarray) -> list[np.ndarray]:
    """The same values in several memory layouts."""
    result = [values]
    if values.ndim >= 2:
        # the middle/last axes swapped in memory: a kept axis becomes the innermost one
        swapped = np.ascontiguousarray(np.swapaxes(values, -1, -2))
        result.append(np.swapaxes(swapped, -1, -2))
        result.append(np.asfortranarray(values))
    if values.ndim >= 1:
        # negative and non-unit strides along every axis: a view of a twice larger array
        big = np.zeros(tuple(2 * n for n in values.shape), dtype=values.dtype)
        view = big[(slice(None, None, -2),) * values.ndim]
        view[...] = values
        result.append(view)
    return result


def _perform(node, inputs) -> list:
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, [np.asarray(x) for x in inputs], storage)
    return [np.asarray(cell[0]) for cell in storage]


def _tolerance(node) -> float:
    """Relative tolerance for float results (the kernels add in another order than NumPy)."""
    op = node.op
    if not isinstance(op, CAReduce) or op.scalar_op.name not in ("add", "mul"):
        return 0.0
    acc = op._acc_dtype(node.inputs[0].type.dtype)
    out = node.outputs[0].type.dtype
    if "float32" in (acc, out):
        return 1e-4 if acc == "float32" else 1e-6
    return 1e-11


def _assert_same(got: list, want: list, node, label: str = "") -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g)
        assert g.dtype == w.dtype, f"{node.op} {label}: dtype {g.dtype} != {w.dtype}"
        assert g.shape == w.shape, f"{node.op} {label}: shape {g.shape} != {w.shape}"
        rtol = _tolerance(node)
        if g.dtype.kind == "f" and rtol:
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, err_msg=f"{node.op} {label}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"{node.op} {label}")


def _check(cases) -> None:
    """``cases``: (node, list of input arrays). Compiles the kernels together, then compares each
    node's kernel with its ``perform`` on every input."""
    kernels = [kernel_for(node) for node, _ in cases]
    for (node, _), kernel in zip(cases, kernels):
        assert kernel is not None, f"{node.op} on {node.inputs[0].type} has no kernel"
    compile_kernels(kernels)
    for node, inputs in cases:
        for k, value in enumerate(inputs):
            want = _perform(node, [value])
            got = run_node(node, [value])
            _assert_same(got, want, node, f"input {k} shape {value.shape} strides {value.strides}")


def _node(op, dtype: str, ndim: int):
    x = TensorType(dtype, (False,) * ndim)("x")
    return op.make_node(x)


# ------------------------------------------------------------------------------------------------
# dtypes
# ------------------------------------------------------------------------------------------------

OPS_ALL_DTYPES = {
    "sum": lambda: Sum(axis=(0, 2)),
    "prod": lambda: Prod(axis=(0, 2)),
    "max": lambda: CAReduceMax(axis=(0, 2)),
    "min": lambda: CAReduceMin(axis=(0, 2)),
    "argmax": lambda: Argmax((0, 2)),
}


@pytest.mark.parametrize("name", sorted(OPS_ALL_DTYPES))
def test_every_dtype(name):
    rng = np.random.default_rng(1)
    small = name == "prod"
    cases = []
    for dtype in DTYPES if name != "min" else ["bool", "int8", "uint64", "float64"]:  # min: like max
        values = _values(dtype, (3, 4, 150), rng, small=small)
        if name != "sum":
            values = _with_specials(values, rng)
        cases.append((_node(OPS_ALL_DTYPES[name](), dtype, 3), _layouts(values)))
    _check(cases)


def test_argmin_and_max_and_argmax_dtypes():
    rng = np.random.default_rng(2)
    cases = []
    for dtype in ["bool", "int8", "uint64", "float32"]:
        values = _with_specials(_values(dtype, (5, 70), rng, small=True), rng)
        cases.append((_node(Argmin((1,)), dtype, 2), _layouts(values)))
        cases.append((_node(MaxAndArgmax((0,)), dtype, 2), _layouts(values)))
    _check(cases)


def test_sum_and_prod_dtype_and_acc_dtype():
    rng = np.random.default_rng(3)
    cases = []
    for op, dtype in [(Sum(axis=(1,), dtype="float32"), "int32"),   # accumulates in float64
                      (Sum(axis=(1,), acc_dtype="float32"), "float32"),
                      (Sum(axis=(1,), dtype="int8"), "int64"),   # wraps into int8 at the end
                      (Sum(axis=(0,), acc_dtype="float64"), "int64"),
                      (Prod(axis=(1,), dtype="float64"), "int8"),
                      (Sum(axis=(1,)), "uint8"),
                      (Sum(axis=(0,)), "bool")]:
        node = _node(op, dtype, 2)
        values = _values(dtype, (6, 45), rng, small=isinstance(op, Prod) or op.acc_dtype == "float64")
        cases.append((node, _layouts(values)))
    _check(cases)


def test_all_any_and_generic_careduce():
    rng = np.random.default_rng(4)
    cases = []
    x = T.tensor3("x", dtype="int8")
    cases.append((All((1, 2)).make_node(x), _layouts(_values("int8", (3, 4, 40), rng, small=True))))
    cases.append((Any((0,)).make_node(x), _layouts(_values("int8", (3, 4, 40), rng, small=True) == 3)))
    for scalar_op, dtypes in [(scalar.add, ["bool", "int8", "uint64", "float32"]),
                              (scalar.mul, ["bool", "int8", "float64"]),
                              (scalar.maximum, ["bool", "float32"]),
                              (scalar.minimum, ["uint8"]),
                              (scalar.and_, ["bool", "int32"]),
                              (scalar.or_, ["uint8", "int64"]),
                              (scalar.xor, ["bool", "int8"])]:
        for dtype in dtypes:
            small = scalar_op is scalar.mul
            values = _values(dtype, (3, 4, 140), rng, small=small)
            if scalar_op in (scalar.maximum, scalar.minimum):
                values = _with_specials(values, rng)
            node = _node(CAReduce(scalar_op, axis=(0, 2)), dtype, 3)
            cases.append((node, _layouts(values)))
    _check(cases)


def test_bitwise_reduction_of_floats_stays_in_python():
    for scalar_op in (scalar.and_, scalar.or_, scalar.xor):
        assert kernel_for(_node(CAReduce(scalar_op, axis=(0,)), "float64", 2)) is None


def test_unsupported_dtypes_have_no_kernel():
    assert kernel_for(_node(Sum(axis=(0,)), "float16", 2)) is None
    assert kernel_for(_node(Sum(axis=(0,)), "complex128", 2)) is None
    assert kernel_for(_node(Argmax((0,)), "float16", 2)) is None


# ------------------------------------------------------------------------------------------------
# axes, ranks, strides
# ------------------------------------------------------------------------------------------------

AXES_3D = [None, ()] + [c for r in (1, 2, 3) for c in itertools.combinations(range(3), r)]


@pytest.mark.parametrize("make_op, dtype", [(Sum, "float64"), (CAReduceMax, "float32"), (Argmax, "int32")],
                         ids=["sum", "max", "argmax"])
def test_every_axis_combination_3d(make_op, dtype):
    rng = np.random.default_rng(5)
    values = _values(dtype, (3, 4, 5), rng, small=dtype == "int32")  # small integers: many ties
    if dtype == "float32":
        values = _with_specials(values, rng)
    broadcast = np.broadcast_to(values[:1], values.shape)  # zero stride along axis 0
    big = _values(dtype, (6, 4, 10), rng, small=dtype == "int32")
    inputs = _layouts(values) + [broadcast, big[::-2, :, ::2], values.transpose(1, 2, 0).copy().transpose(2, 0, 1)]
    cases = []
    for axis in AXES_3D:
        op = make_op(axis=axis) if make_op is not Argmax else Argmax(axis)
        cases.append((_node(op, dtype, 3), inputs))
    _check(cases)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_ranks(ndim):
    rng = np.random.default_rng(6)
    shape = (3, 5, 2, 7)[:ndim]
    values = _values("float64", shape, rng)
    last = (ndim - 1,) if ndim else ()
    cases = [(_node(Sum(axis=None), "float64", ndim), _layouts(values)),
             (_node(MaxAndArgmax(last), "float64", ndim), _layouts(_with_specials(values, rng)))]
    _check(cases)


def test_large_contiguous_reductions():
    """Rows longer than the partial-accumulator blocks, with leftovers; a 60x500 bias gradient."""
    rng = np.random.default_rng(7)
    cases = [(_node(Sum(axis=(0,)), "float64", 2), [rng.standard_normal((60, 500))]),
             (_node(Sum(axis=(1,)), "float32", 2), [rng.standard_normal((60, 1001)).astype("float32")]),
             (_node(Sum(), "int64", 1), [rng.integers(-(2**62), 2**62, size=100003)]),
             (_node(CAReduceMin(axis=(1,)), "float64", 2), [_with_specials(rng.standard_normal((9, 999)), rng)]),
             (_node(Argmax((1,)), "float32", 2), [rng.standard_normal((64, 333)).astype("float32")]),
             (_node(Argmin((1,)), "int8", 2), [rng.integers(-3, 4, size=(6, 1500)).astype("int8")]),
             (_node(MaxAndArgmax((1,)), "float64", 2), [_with_specials(rng.standard_normal((3, 999)), rng),
                                                         np.full((2, 300), -np.inf)])]
    _check(cases)


# ------------------------------------------------------------------------------------------------
# empty arrays
# ------------------------------------------------------------------------------------------------


def test_empty_reductions_give_the_identity():
    cases = []
    for op, dtype in [(Sum(axis=(0,)), "float64"), (Prod(axis=(0,)), "int32"), (All((0,)), "bool"),
                      (Any((0,)), "bool"), (CAReduceMax(axis=(0,)), "float64")]:
        node = _node(op, dtype, 2)
        inputs = [np.zeros((3, 0), dtype=dtype)]  # nothing kept: an empty result
        if not isinstance(op, (CAReduceMax, Argmax)):
            inputs += [np.zeros((0, 0), dtype=dtype), np.zeros((0, 4), dtype=dtype)]
        cases.append((node, inputs))
    _check(cases)


def test_argmax_with_nothing_kept():
    # like np.argmax (the Python perform raises while reshaping an empty array)
    node = _node(MaxAndArgmax((0,)), "int8", 2)
    best, where = run_node(node, [np.zeros((3, 0), dtype="int8")])
    assert best.shape == where.shape == (0,)
    assert best.dtype == np.int8 and where.dtype == np.int64


@pytest.mark.parametrize("op, message", [
    (CAReduceMax(axis=(0,)), r"CAReduceMax\{axis=\[0\]\}: cannot reduce an empty array along axis \(0,\)"),
    (CAReduceMin(axis=None), r"cannot reduce an empty array along axis \(0, 1\) \(the op has no identity\)"),
    (CAReduce(scalar.and_, axis=(1,)), "cannot reduce an empty array"),
    (Argmin((0,)), "attempt to get argmax/argmin of an empty sequence"),
    (MaxAndArgmax((0, 1)), "attempt to get argmax/argmin of an empty sequence"),
])
def test_empty_reductions_without_identity_raise(op, message):
    dtype = "int32"
    node = _node(op, dtype, 2)
    empty = np.zeros((0, 3), dtype=dtype) if op.axis in (None, (0,), (0, 1)) else np.zeros((3, 0), dtype=dtype)
    with pytest.raises(ValueError, match=message):
        _perform(node, [empty])
    with pytest.raises(ValueError, match=message):
        run_node(node, [empty])


def test_copy_kernels_for_no_axis():
    rng = np.random.default_rng(8)
    values = _values("float64", (3, 4), rng) * 100
    cases = [(_node(Sum(axis=(), dtype="int16"), "float64", 2), _layouts(values)),
             (_node(MaxAndArgmax(()), "float64", 2), _layouts(values)),
             (_node(Argmin(None), "int8", 0), [np.array(5, dtype="int8")]),
             (_node(Any(None), "bool", 0), [np.array(True)])]
    _check(cases)


# ------------------------------------------------------------------------------------------------
# OpenMP
# ------------------------------------------------------------------------------------------------


def test_openmp_kernels_match():
    rng = np.random.default_rng(9)
    with theano.change_flags(openmp=True, openmp_elemwise_minsize=1000):
        cases = [(_node(Sum(axis=(0,)), "float64", 2), [rng.standard_normal((300, 501))]),
                 (_node(Sum(), "float32", 2), [rng.standard_normal((1000, 37)).astype("float32")]),
                 (_node(CAReduceMax(axis=(1,)), "int64", 2), [rng.integers(-99, 99, size=(401, 30))]),
                 (_node(Argmax((1,)), "float64", 2), [_with_specials(rng.standard_normal((500, 41)), rng)]),
                 (_node(Prod(axis=None, dtype="int8"), "int8", 3), [rng.integers(-3, 4, size=(20, 30, 5))])]
        source = cases[0][0] and kernel_for(cases[0][0]).source
        assert "#pragma omp parallel for" in source
        _check(cases)


# ------------------------------------------------------------------------------------------------
# whole functions and the generated source
# ------------------------------------------------------------------------------------------------


def test_functions_match_the_python_backend():
    x = T.matrix("x", dtype="float64")
    i = T.matrix("i", dtype="int32")
    outputs = [x.sum(axis=0), T.mean(x, axis=1), x.max(), T.argmax(x, axis=1), T.argmin(i, axis=0),
               (i > 0).all(axis=0), (i > 0).any(), i.prod(axis=1), *T.max_and_argmax(x, axis=0),
               i.min(axis=1), x.sum() + i.sum(axis=1)]
    w = theano.shared(np.linspace(-1, 1, 5), name="w")
    cost = (T.tanh(x * w) ** 2).sum()
    outputs += list(theano.grad(cost, [w]))
    fast = theano.function([x, i], outputs, mode="FAST_RUN")
    slow = theano.function([x, i], outputs, mode=theano.Mode(linker="py"))
    reductions = [node for node in fast.fn.nodes if isinstance(node.op, REDUCTION_OPS)]
    assert reductions
    for node, in_c in zip(fast.fn.nodes, fast.fn.c_nodes):
        if isinstance(node.op, REDUCTION_OPS):
            assert in_c, f"{node.op} ran in Python"
    rng = np.random.default_rng(10)
    a = rng.standard_normal((7, 5))
    b = rng.integers(-2, 3, size=(7, 5)).astype("int32")
    for args in [(a, b), (a[::-1, :], b[:, ::-1]), (np.asfortranarray(a), np.asfortranarray(b))]:
        for got, want in zip(fast(*args), slow(*args)):
            np.testing.assert_allclose(got, want, rtol=1e-12)
            assert np.asarray(got).dtype == np.asarray(want).dtype


def test_generated_source_is_readable():
    node = _node(Sum(axis=(0,)), "float32", 2)
    kernel = kernel_for(node)
    assert kernel.name.startswith("careduce_")
    assert kernel.source.startswith("/* Sum{add} : (float32) -> (float32); any number of dimensions and reduced axes")
    assert "typedef double acc_t;" in kernel.source  # float32 sums accumulate in float64
    assert f"TH_EXPORT int {kernel.name}(th_ctx *ctx)" in kernel.source
    assert "static void accumulate_row(" in kernel.source
    arg = kernel_for(_node(Argmin((1,)), "int8", 2))
    assert arg.source.startswith("/* Argmin : (int8) -> (int64)")
    assert "#define BETTER(v, b) ((v) < (b))" in arg.source


def test_one_kernel_serves_every_axis_and_rank():
    """Which axes are reduced (and the rank) are kernel parameters, not part of the source."""
    sums = [kernel_for(_node(Sum(axis=axis), "float64", nd)) for axis, nd in [((0,), 2), ((1,), 2), (None, 3)]]
    assert len({k.name for k in sums}) == 1
    assert len({k.params for k in sums}) == 3
    args = [kernel_for(_node(Argmin(axis), "int8", 3)) for axis in [(0,), (1, 2)]]
    assert args[0].name == args[1].name


def test_sum_of_all_dtypes_is_registered():
    for op in (Sum(axis=(1,)), Prod(axis=None), CAReduceMax(axis=(0,)), CAReduceDtype(scalar.add, (0,), "float64")):
        for dtype in DTYPES:
            assert kernel_for(_node(op, dtype, 2)) is not None, (op, dtype)
