"""C kernels of advanced indexing with integer vectors against the ops' Python ``perform``:
``x[ilist]`` and its updates, and the negative log-likelihood's ``p[rows, cols]`` with its
gradient."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.testing import run_node
from theano.tensor.advanced_indexing import (
    AdvancedIncSubtensor,
    AdvancedIncSubtensor1,
    AdvancedSubtensor,
    AdvancedSubtensor1,
    advanced_subtensor1,
)

from .test_views_c import C_MODE, PY_MODE, assert_all_in_c, compare, same_error

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

INDEX_DTYPES = ["int8", "uint32", "int64"]


def indices(values, dtype):
    values = np.asarray(values)
    if dtype.startswith("u"):
        values = values[values >= 0]
    return values.astype(dtype)


# ------------------------------------------------------------------------------------------
# x[ilist]
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
def test_take_rows(index_dtype):
    x = T.dmatrix()
    ilist = T.vector(dtype=index_dtype)
    node = advanced_subtensor1(x, ilist).owner
    base = np.arange(35.0).reshape(7, 5)
    for value in (base, base[::-2, ::-1], base.T):
        for rows in ([0, 3, -1, 3, -2], [], [2]):
            compare(node, [value, indices(rows, index_dtype)], view_of=None)
    compare(node, [base, indices([1, 4, 0, 2], index_dtype)[::-2]], view_of=None)  # a strided index
    same_error(node, [base, indices([0, 7], index_dtype)])
    if not index_dtype.startswith("u"):
        same_error(node, [base, indices([-8, 0], index_dtype)])


@pytest.mark.parametrize("dtype", ["float32", "bool"])
def test_take_dtypes_and_shapes(dtype):
    ilist = T.lvector()
    vector, tensor3 = T.vector(dtype=dtype), T.tensor3(dtype=dtype)
    values = (np.arange(24) % 5).astype(dtype)
    compare(vector[ilist].owner, [values, np.array([-1, 0, 5, 5])], view_of=None)
    node = tensor3[ilist].owner
    compare(node, [values.reshape(2, 3, 4), np.array([1, -2, 1])], view_of=None)
    compare(node, [values.reshape(2, 3, 4)[:, ::2, 1:], np.array([1, 0])], view_of=None)
    compare(node, [values[:0].reshape(0, 3, 4), np.array([], dtype="int64")], view_of=None)
    same_error(node, [values[:0].reshape(0, 3, 4), np.array([0])])


def test_uint64_indices_wrap_like_numpy():
    x, ilist = T.dvector(), T.vector(dtype="uint64")
    compare(x[ilist].owner, [np.arange(4.0), np.array([2**64 - 1, 1], dtype="uint64")], view_of=None)


# ------------------------------------------------------------------------------------------
# x[ilist] = y, x[ilist] += y
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("set_instead_of_inc", [False, True])
@pytest.mark.parametrize("inplace", [False, True])
def test_update_rows(inplace, set_instead_of_inc):
    x, y, ilist = T.dmatrix(), T.dmatrix(), T.ivector()
    node = AdvancedIncSubtensor1(inplace, set_instead_of_inc)(x, y, ilist).owner
    base = np.arange(20.0).reshape(5, 4)
    rows = np.array([0, -1, 2, 2, 4], dtype="int32")  # repeated: accumulates, or the last write wins
    y_value = np.arange(20.0).reshape(5, 4) * 10 + 1
    compare(node, [base, y_value, rows])
    compare(node, [base[::-1, ::2], y_value[:, 1:3], rows])
    compare(node, [base, y_value[:0], rows[:0]])
    x_value = base.copy()
    result = run_node(node, [x_value, y_value, rows])[0]
    assert np.shares_memory(result, x_value) == inplace
    same_error(node, [base, y_value, np.array([0, 1, 2, 3, 5], dtype="int32")])  # out of range
    same_error(node, [base, y_value[:, :3], rows])  # y does not broadcast
    same_error(node, [base, y_value[:, :3], np.array([0, 1, 2, 3, 5], dtype="int32")])  # both: which first
    same_error(node, [base, y_value[:1], rows])  # y's first axis is not declared broadcastable


@pytest.mark.parametrize("dtype,y_dtype", [("int8", "int8"), ("bool", "bool"), ("float32", "int64")])
def test_increment_rows_by_a_broadcast_value(dtype, y_dtype):
    x = T.matrix(dtype=dtype)
    y = T.TensorType(y_dtype, (True, False))()
    ilist = T.vector(dtype="uint8")
    node = AdvancedIncSubtensor1(False, False)(x, y, ilist).owner
    base = (np.arange(12) * 50 % 7).astype(dtype).reshape(4, 3)
    y_value = (np.arange(3) * 100).astype(y_dtype).reshape(1, 3)
    compare(node, [base, y_value, np.array([3, 0, 3, 3], dtype="uint8")])


def test_set_vector_elements_from_a_scalar():
    x, y, ilist = T.fvector(), T.dscalar(), T.lvector()
    node = AdvancedIncSubtensor1(False, True)(x, y, ilist).owner
    compare(node, [np.zeros(5, "float32"), np.asarray(2.5), np.array([4, -5, 1])])


def test_inplace_update_with_y_a_view_of_x():
    x, y, ilist = T.dvector(), T.dvector(), T.lvector()
    node = AdvancedIncSubtensor1(True, False)(x, y, ilist).owner
    x_value = np.arange(6.0)
    expected = x_value.copy()
    np.add.at(expected, [5, 4, 3], x_value[::2].copy())
    np.testing.assert_array_equal(run_node(node, [x_value, x_value[::2], np.array([5, 4, 3])])[0], expected)


# ------------------------------------------------------------------------------------------
# p[rows, cols]
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row_dtype,col_dtype", [("int64", "int32"), ("uint8", "int16")])
def test_pick_one_entry_per_row(row_dtype, col_dtype):
    p = T.fmatrix()
    rows, cols = T.vector(dtype=row_dtype), T.vector(dtype=col_dtype)
    node = p[rows, cols].owner
    assert isinstance(node.op, AdvancedSubtensor)
    base = np.arange(20, dtype="float32").reshape(4, 5)
    r, c = indices([0, 1, 3, 2, 3], row_dtype), indices([4, -1, 0, -5, 2], col_dtype)
    n = min(len(r), len(c))
    compare(node, [base, r[:n], c[:n]], view_of=None)
    compare(node, [base.T, indices([1, 0], row_dtype), indices([3, 2], col_dtype)], view_of=None)
    compare(node, [base, r[:1], c], view_of=None)  # a length-1 index repeats
    compare(node, [base, indices([9], row_dtype), c[:0]], view_of=None)  # nothing picked: no check
    same_error(node, [base, r[:2], c[:3]])  # lengths that do not broadcast
    same_error(node, [base, indices([0, 4], row_dtype), c[:2]])
    same_error(node, [base, r[:2], indices([5, 0], col_dtype)])


def test_other_advanced_indices_have_no_kernel():
    x, v, w = T.dtensor3(), T.lvector(), T.lvector()
    assert kernel_for(x[v, w].owner) is None
    assert kernel_for(T.dmatrix()[v, 1:].owner) is None
    assert kernel_for(T.dmatrix()[T.lmatrix(), w].owner) is None


@pytest.mark.parametrize("set_instead_of_inc", [False, True])
@pytest.mark.parametrize("inplace", [False, True])
def test_update_picked_entries(inplace, set_instead_of_inc):
    x, y, rows, cols = T.dmatrix(), T.dvector(), T.lvector(), T.bvector()
    proto = T.inc_subtensor(x[rows, cols], y, set_instead_of_inc=set_instead_of_inc).owner.op
    op = AdvancedIncSubtensor(proto.idx_list, inplace, set_instead_of_inc)
    node = op(x, y, rows, cols).owner
    base = np.arange(12.0).reshape(3, 4)
    r, c = np.array([0, 2, 2, -1]), np.array([1, 3, 3, -4], dtype="int8")
    compare(node, [base, np.array([1.0, 2.0, 4.0, 8.0]), r, c])
    compare(node, [base.T, np.array([1.0, 2.0]), r[:2], c[:1]])
    same_error(node, [base, np.array([1.0, 2.0, 3.0]), r, c])  # y does not broadcast
    same_error(node, [base, np.array([1.0]), r, c])  # y's length 1 is not declared broadcastable
    same_error(node, [base, np.ones(4), np.array([0, 3, 0, 0]), c])
    same_error(node, [base, np.ones(3), np.array([0, 3, 0, 0]), c])  # bad y and bad index: which first
    same_error(node, [base, np.ones(4), r[:2], c[:3]])


def test_negative_log_likelihood_and_its_gradient_match_python():
    p, y = T.dmatrix("p"), T.ivector("y")
    cost = -T.log(p)[T.arange(y.shape[0]), y].mean()
    grad = T.grad(cost, p)
    f = theano.function([p, y], [cost, grad], mode=C_MODE)
    g = theano.function([p, y], [cost, grad], mode=PY_MODE)
    assert_all_in_c(f, AdvancedSubtensor, AdvancedIncSubtensor, AdvancedSubtensor1, AdvancedIncSubtensor1)
    assert any(isinstance(node.op, AdvancedSubtensor) for node in f.fn.nodes)
    rng = np.random.default_rng(0)
    probabilities = rng.uniform(0.1, 1.0, size=(6, 4))
    labels = np.array([0, 3, 3, 1, 2, 0], dtype="int32")
    for got, want in zip(f(probabilities, labels), g(probabilities, labels)):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    with pytest.raises(IndexError):
        f(probabilities, np.array([0, 4, 0, 0, 0, 0], dtype="int32"))


def test_embedding_lookup_and_its_gradient_match_python():
    table, words = T.dmatrix("table"), T.lvector("words")
    cost = (table[words] ** 2).sum()
    f = theano.function([table, words], [cost, T.grad(cost, table)], mode=C_MODE)
    g = theano.function([table, words], [cost, T.grad(cost, table)], mode=PY_MODE)
    assert_all_in_c(f, AdvancedSubtensor1, AdvancedIncSubtensor1)
    values = np.arange(15.0).reshape(5, 3)
    ids = np.array([4, 0, 4, -1])
    for got, want in zip(f(values, ids), g(values, ids)):
        np.testing.assert_allclose(got, want, rtol=1e-13)
