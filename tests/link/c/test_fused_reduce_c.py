"""The C kernel of FusedReduce (theano/link/c/fused_reduce_c.py) against the op's Python ``perform``
(the unfused Elemwise and CAReduce), on several memory layouts of the same values."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import scalar
from theano.link.c import compiler
from theano.link.c.kernels import compile_kernels, kernel_for
from theano.link.c.testing import run_node
from theano.scalar.composite import Composite
from theano.tensor.elemwise import All, Any, CAReduce, CAReduceMax, CAReduceMin, Prod, Sum
from theano.tensor.math import Argmax, Argmin, MaxAndArgmax
from theano.tensor.reduce_fusion import FusedReduce
from theano.tensor.type import TensorType

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")


def _premap(dtypes, build) -> Composite:
    inputs = [scalar.get_scalar_type(dtype)() for dtype in dtypes]
    return Composite(inputs, [build(*inputs)])


def _node(reduce_op, premap, types):
    return FusedReduce(reduce_op, premap).make_node(*[t() for t in types])


def _layouts(values: np.ndarray) -> list[np.ndarray]:
    """The same values C-ordered, Fortran-ordered, with the last two axes swapped in memory, and as a
    reversed view with steps of -2."""
    swapped = np.swapaxes(np.ascontiguousarray(np.swapaxes(values, -1, -2)), -1, -2)
    big = np.zeros(tuple(2 * n for n in values.shape), dtype=values.dtype)
    reversed_view = big[(slice(None, None, -2),) * values.ndim]
    reversed_view[...] = values
    return [values, np.asfortranarray(values), swapped, reversed_view]


def _perform(node, inputs) -> list[np.ndarray]:
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, inputs, storage)
    return [np.asarray(cell[0]) for cell in storage]


def _check(cases) -> None:
    """``cases``: (node, list of input lists). Compiles the kernels together, then compares each
    node's kernel with its ``perform`` on every list of inputs."""
    kernels = [kernel_for(node) for node, _ in cases]
    assert all(kernels), [str(node.op) for (node, _), k in zip(cases, kernels) if k is None]
    compile_kernels(kernels)
    for node, input_lists in cases:
        for k, inputs in enumerate(input_lists):
            label = f"{node.op}, inputs {k}: strides {[x.strides for x in inputs]}"
            for got, want in zip(run_node(node, inputs), _perform(node, inputs), strict=True):
                got = np.asarray(got)
                assert got.dtype == want.dtype and got.shape == want.shape, label
                if got.dtype.kind == "f":  # sums in another order than NumPy's; C's exp may round differently
                    rtol = 1e-4 if got.dtype == np.float32 else 1e-11
                    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=label)
                else:
                    np.testing.assert_array_equal(got, want, err_msg=label)


def _with_nan(values: np.ndarray) -> np.ndarray:
    values = values.copy()
    values.reshape(-1)[[3, 17]] = [np.nan, np.inf]
    return values


def test_layouts_and_reductions():
    """Every reduction kind, over axes that put a reduced or a kept dimension innermost, with the
    inputs in every layout (and one input as a zero-stride broadcast view of the full shape)."""
    rng = np.random.default_rng(0)
    f64 = TensorType("float64", (False, False, False))
    f32 = TensorType("float32", (False, False, False))
    i8 = TensorType("int8", (False, False, False))
    x = rng.standard_normal((3, 4, 37))
    y = rng.standard_normal((3, 4, 37))
    small = rng.integers(-3, 4, size=(3, 4, 37)).astype("int8")
    mul_add = _premap(["float64", "float64"], lambda a, b: a * b + 1)
    cases = [
        (_node(Sum(axis=(0, 2)), mul_add, [f64, f64]), [[a, b] for a in _layouts(x) for b in _layouts(y)[:2]]
         + [[x, np.broadcast_to(y[:1, :1], x.shape)]]),
        (_node(Sum(axis=(1,)), mul_add, [f64, f64]), [[a, y] for a in _layouts(x)]),
        (_node(Prod(axis=(2,)), _premap(["float64"], lambda a: a * 0.5 + 1), [f64]), [[a] for a in _layouts(x)]),
        (_node(CAReduceMax(), _premap(["float32", "float32"], lambda a, b: a - b), [f32, f32]),
         [[a, b.astype("float32")] for a in _layouts(_with_nan(x).astype("float32")) for b in (y, y[::-1])]),
        (_node(CAReduceMin(axis=(0, 1)), _premap(["float64"], scalar.exp), [f64]),
         [[a] for a in _layouts(_with_nan(x))]),
        # int8 values summed in int64 (wrapping like NumPy), and with an int8 output
        (_node(Sum(axis=(1, 2)), _premap(["int8", "int8"], lambda a, b: a * b), [i8, i8]),
         [[a, small] for a in _layouts(small * 40)]),
        (_node(Sum(axis=(2,), dtype="int8"), _premap(["int8"], lambda a: a * 3), [i8]), [[a] for a in _layouts(small)]),
        (_node(All(axis=(0, 2)), _premap(["float64"], lambda a: scalar.neq(a, 0)), [f64]),
         [[np.round(a)] for a in _layouts(x)]),
        (_node(Any(), _premap(["int8", "int8"], lambda a, b: scalar.gt(a, b)), [i8, i8]),
         [[a, small + 3] for a in _layouts(small)]),
        (_node(CAReduce(scalar.xor, axis=(1,)), _premap(["int8"], lambda a: a + 1), [i8]),
         [[a] for a in _layouts(small)]),
    ]
    _check(cases)


def test_broadcast_inputs_and_single_values():
    """Inputs broadcast by their types (a row, a column, a scalar) and empty inputs."""
    rng = np.random.default_rng(1)
    matrix = TensorType("float64", (False, False))
    row = TensorType("float64", (True, False))
    col = TensorType("float64", (False, True))
    single = TensorType("float64", (True, True))
    premap = _premap(["float64"] * 4, lambda a, b, c, d: a * b + c * d)
    x = rng.standard_normal((9, 40))
    r, c, s = rng.standard_normal((1, 40)), rng.standard_normal((9, 1)), np.full((1, 1), 0.5)
    values = [[x, r, c, s], [x[::-1], r[:, ::-1], c[::-1], s], [np.zeros((0, 40)), r, np.zeros((0, 1)), s]]
    cases = [(_node(op, premap, [matrix, row, col, single]), values)
             for op in (Sum(), Sum(axis=(0,)), Sum(axis=(1,)), CAReduceMax(axis=(1,)))]
    cases[-1] = (cases[-1][0], values[:2])  # the maximum of nothing is an error
    _check(cases)


def test_empty_maximum_raises():
    node = _node(CAReduceMax(axis=(1,)), _premap(["float64"], lambda a: a * 2), [TensorType("float64", (False,) * 2)])
    compile_kernels([kernel_for(node)])
    with pytest.raises(ValueError, match="empty"):
        run_node(node, [np.zeros((3, 0))])


def test_same_bits_as_the_unfused_c_graph():
    """Contiguous inputs of one shape: the walk and the order of the terms are the CAReduce kernel's
    on the temporary, so the sums are bit-identical (rational arithmetic only: libmvec may round a
    vectorized exp differently from the scalar one)."""
    x, y = T.dmatrices("x", "y")
    outputs = [T.sum(x * y + 1), T.sum(x - y, axis=0), T.sum(x * 2 + y, axis=1), T.prod(x * 0.01 + 1)]
    fused = theano.function([x, y], outputs, mode=theano.Mode(linker="cvm", optimizer="fast_run"))
    assert sum(isinstance(node.op, FusedReduce) for node in fused.maker.fgraph.toposort()) == 4
    unfused = theano.function([x, y], outputs, mode=theano.Mode(linker="cvm", optimizer="fast_run")
                              .excluding("reduce_fusion"))
    rng = np.random.default_rng(2)
    for shape in [(37, 300), (3, 5), (1000, 7)]:
        values = [rng.standard_normal(shape), rng.standard_normal(shape)]
        for got, want in zip(fused(*values), unfused(*values)):
            np.testing.assert_array_equal(got, want)


def test_constants_are_parameters():
    """Two pre-maps differing only in a constant share one compiled kernel, with their own values."""
    vector = TensorType("float64", (False,))
    nodes = [_node(Sum(), _premap(["float64"], lambda a, k=k: a * k), [vector]) for k in (2.0, 3.0)]
    kernels = [kernel_for(node) for node in nodes]
    assert kernels[0].name == kernels[1].name and kernels[0].params != kernels[1].params
    compile_kernels(kernels)
    values = np.arange(5.0)
    assert [float(run_node(node, [values])[0]) for node in nodes] == [20.0, 30.0]


def test_generated_source_is_readable():
    node = _node(Sum(axis=(1,)), _premap(["float64", "float64"], lambda a, b: scalar.exp(a) * b),
                 [TensorType("float64", (False, False))] * 2)
    kernel = kernel_for(node)
    source = kernel.source
    assert "/* FusedReduce{Sum} : (float64, float64) -> (float64); any axes (parameters)" in source  # the op
    other_axis = _node(Sum(axis=(0,)), _premap(["float64", "float64"], lambda a, b: scalar.exp(a) * b),
                       [TensorType("float64", (False, False))] * 2)
    assert kernel_for(other_axis).name == kernel.name  # the reduced axes are parameters
    assert "no temporary" in source
    assert "static inline double th_value(" in source and "/* exp */" in source
    assert "row_unit(" in source and "row_strided(" in source
    assert "\t" not in source


def test_openmp_same_bits_as_the_unfused_c_graph():
    """Threads share out the same dimension in the same chunks as the CAReduce kernel's."""
    x, y = T.dmatrices("x", "y")
    row = T.drow("row")
    outputs = [T.sum(x * y + 1), T.sum(x - y, axis=0), T.sum(x * 2 + y, axis=1), T.max(x * row - y)]
    with theano.change_flags(openmp=True, openmp_elemwise_minsize=1000):
        mode = theano.Mode(linker="cvm", optimizer="fast_run")
        fused = theano.function([x, y, row], outputs, mode=mode)
        unfused = theano.function([x, y, row], outputs, mode=mode.excluding("reduce_fusion"))
        nodes = [node for node in fused.maker.fgraph.toposort() if isinstance(node.op, FusedReduce)]
        assert len(nodes) == 4
        assert "#pragma omp parallel for" in kernel_for(nodes[0]).source
        rng = np.random.default_rng(3)
        values = [rng.standard_normal((300, 41)), rng.standard_normal((300, 41)), rng.standard_normal((1, 41))]
        for got, want in zip(fused(*values), unfused(*values)):
            np.testing.assert_array_equal(got, want)


def test_arg_reductions_in_every_layout():
    """Short rows (a scalar loop) and long contiguous ones (vectorized lanes), ties and NaNs."""
    rng = np.random.default_rng(4)
    f64 = TensorType("float64", (False, False, False))
    f32 = TensorType("float32", (False, False))
    i8 = TensorType("int8", (False, False, False))
    row = TensorType("float64", (True, False, True))
    x = _with_nan(rng.standard_normal((3, 4, 37)))
    long_x = rng.standard_normal((3, 2, 150))
    long_x[1, 0, [70, 100]] = np.nan
    long_x[2, 1, 90:] = 5.0  # ties: the first one wins
    small = rng.integers(-3, 4, size=(2, 3, 600)).astype("int8")
    mul = _premap(["float64", "float64"], lambda a, b: a * b)
    cases = [
        (_node(MaxAndArgmax((0, 2)), mul, [f64, row]), [[a, np.full((1, 4, 1), -1.0)] for a in _layouts(x)]),
        (_node(Argmax((1,)), _premap(["int8"], lambda a: a * 2), [i8]), [[a] for a in _layouts(small)]),
        (_node(Argmin((2,)), _premap(["int8"], lambda a: a - 1), [i8]), [[a] for a in _layouts(small)]),
        (_node(Argmin((0, 1, 2)), mul, [f64, f64]), [[a, b] for a in _layouts(x) for b in _layouts(x)[2:]]),
        (_node(MaxAndArgmax((2,)), mul, [f64, f64]), [[a, np.ones_like(long_x)] for a in _layouts(long_x)]),
        (_node(Argmax((0, 1)), _premap(["float32"], scalar.exp), [f32]),
         [[a] for a in _layouts(rng.standard_normal((50, 90)).astype("float32"))]),
    ]
    _check(cases)
    node = _node(Argmax((1,)), mul, [f64, f64])
    compile_kernels([kernel_for(node)])
    with pytest.raises(ValueError, match="empty sequence"):
        run_node(node, [np.zeros((2, 0, 3)), np.zeros((2, 0, 3))])
