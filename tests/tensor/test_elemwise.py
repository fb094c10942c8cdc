"""Elemwise broadcasting (Theano's rule), DimShuffle and broadcast-pattern changes."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano import scalar
from theano.tensor.basic import Rebroadcast
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise


def evaluate(inputs, outputs, values):
    return theano.function(list(inputs), outputs)(*values)


def value(*shape, dtype="float64", offset=0):
    return utt.random(*shape, dtype=dtype, offset=offset)


# ------------------------------------------------------------------------------------------
# Broadcasting
# ------------------------------------------------------------------------------------------

# (broadcastable of a, shape of a, broadcastable of b, shape of b)
COMPATIBLE = [
    ((False, False), (2, 3), (False, False), (2, 3)),
    ((True, False), (1, 3), (False, False), (2, 3)),
    ((False, True), (2, 1), (False, False), (2, 3)),
    ((True, False), (1, 3), (False, True), (2, 1)),
    ((True, True), (1, 1), (False, False), (2, 3)),
    ((False,), (3,), (False, False), (2, 3)),
    ((), (), (False, False, False), (2, 3, 4)),
    ((False, True, False), (2, 1, 4), (True, False, True), (1, 3, 1)),
    ((False,), (4,), (False, False, False), (2, 3, 4)),
    ((True,), (1,), (False, False), (2, 3)),
    ((False, False), (0, 3), (True, False), (1, 3)),
]


@pytest.mark.parametrize("bc_a, shape_a, bc_b, shape_b", COMPATIBLE)
@pytest.mark.parametrize("func, np_func", [(T.add, np.add), (T.mul, np.multiply), (T.maximum, np.maximum)])
def test_broadcasting_matches_numpy(bc_a, shape_a, bc_b, shape_b, func, np_func):
    a = T.tensor("float64", bc_a)
    b = T.tensor("float64", bc_b)
    va = value(*shape_a)
    vb = value(*shape_b, offset=1)
    out = func(a, b)
    ndim = max(len(bc_a), len(bc_b))
    padded_a = (True,) * (ndim - len(bc_a)) + bc_a
    padded_b = (True,) * (ndim - len(bc_b)) + bc_b
    assert out.broadcastable == tuple(x and y for x, y in zip(padded_a, padded_b))
    got = evaluate([a, b], out, [va, vb])
    utt.assert_allclose(got, np_func(va, vb))
    reverse = evaluate([a, b], func(b, a), [va, vb])
    utt.assert_allclose(reverse, np_func(vb, va))
    utt.check_infer_shape([a, b], [out, func(b, a)], [va, vb], op_class=Elemwise)


# Shapes NumPy would broadcast, but the types do not allow: Theano raises.
MISMATCHED = [
    ((False, False), (2, 3), (False, False), (1, 3)),
    ((False, False), (2, 3), (False, False), (2, 1)),
    ((False,), (1,), (False, False), (2, 3)),
    ((False, False), (2, 3), (False, False), (3, 3)),
    ((False,), (3,), (False,), (4,)),
    ((False, False, False), (2, 3, 4), (False,), (1,)),
]


@pytest.mark.parametrize("bc_a, shape_a, bc_b, shape_b", MISMATCHED)
def test_broadcasting_needs_broadcastable_dims(bc_a, shape_a, bc_b, shape_b):
    a = T.tensor("float64", bc_a)
    b = T.tensor("float64", bc_b)
    fn = theano.function([a, b], a + b)
    with pytest.raises(ValueError, match="Input dimension mismatch"):
        fn(value(*shape_a), value(*shape_b))
    with pytest.raises(ValueError, match="Input dimension mismatch"):
        theano.function([a, b], T.switch(T.gt(a, 0), a, b))(value(*shape_a), value(*shape_b))


def test_broadcasting_three_inputs_and_row_col_types():
    r = T.drow()
    c = T.dcol()
    m = T.dmatrix()
    assert r.broadcastable == (True, False)
    assert c.broadcastable == (False, True)
    out = T.switch(T.gt(m, 0), r, c)
    assert out.broadcastable == (False, False)
    vr, vc, vm = value(1, 4), value(3, 1, offset=1), value(3, 4, offset=2)
    utt.assert_allclose(evaluate([r, c, m], out, [vr, vc, vm]), np.where(vm > 0, vr, vc))
    utt.check_infer_shape([r, c, m], [out, r + c], [vr, vc, vm], op_class=Elemwise)
    assert (r + r).broadcastable == (True, False)
    assert (r * c).broadcastable == (False, False)


def test_elemwise_with_python_scalars_and_constants():
    x = T.dmatrix()
    vx = value(2, 3)
    got = evaluate([x], [x + 1, 2 * x, x + np.ones((1, 3)), x + [1.0, 2.0, 3.0]], [vx])
    for g, e in zip(got, [vx + 1, 2 * vx, vx + np.ones((1, 3)), vx + np.array([1.0, 2.0, 3.0])]):
        utt.assert_allclose(g, e)
    const = T.constant(np.ones((2, 3)))
    assert (const + x).broadcastable == (False, False)


def test_elemwise_rejects_wrong_number_of_inputs():
    with pytest.raises(TypeError, match="2 inputs"):
        T.add.__class__(scalar.sub)(T.dvector())
    with pytest.raises(TypeError):
        T.switch(T.dvector(), T.dvector())


def test_elemwise_op_identity():
    assert Elemwise(scalar.add) == T.add
    assert hash(Elemwise(scalar.add)) == hash(T.add)
    assert Elemwise(scalar.add) != T.mul
    assert Elemwise(scalar.add, {0: 0}) != T.add
    assert Elemwise(scalar.add, {0: 0}).destroy_map == {0: [0]}
    x = T.dvector()
    assert (x + x).owner.op == T.add


def test_elemwise_inplace_pattern_requires_output_broadcast():
    with pytest.raises(ValueError, match="inplace"):
        Elemwise(scalar.add, {0: 0})(T.drow(), T.dmatrix())


@pytest.mark.parametrize("func, dtype", [(T.tensor_copy, "float64"), (T.real, "complex128"), (T.real, "float64"),
                                         (T.conj, "float64"), (T.round, "int32"), (T.abs_, "uint8")])
def test_elemwise_output_does_not_alias_input(func, dtype):
    x = T.tensor(dtype, (False,))
    fn = theano.function([x], func(x))
    vx = utt.random(3, dtype=dtype, low=1, high=5)
    before = vx.copy()
    out = fn(vx)
    assert not np.may_share_memory(out, vx)
    out[0] = 99
    np.testing.assert_array_equal(vx, before)


# ------------------------------------------------------------------------------------------
# DimShuffle
# ------------------------------------------------------------------------------------------

DIMSHUFFLES = [
    # (input broadcastable, input shape, pattern)
    ((False, False), (2, 3), (1, 0)),
    ((False, False), (2, 3), (0, "x", 1)),
    ((False, False), (2, 3), ("x", 1, "x", 0, "x")),
    ((False,), (3,), ("x", 0)),
    ((False,), (3,), (0, "x")),
    ((), (), ("x", "x")),
    ((True,), (1,), ()),
    ((False, True), (3, 1), (0,)),
    ((True, False), (1, 3), (1,)),
    ((True, False, True), (1, 4, 1), ("x", 1)),
    ((False, False, False), (2, 3, 4), (2, 0, 1)),
    ((False, False, False), (2, 3, 4), (-1, 0, 1)),
]


def _np_dimshuffle(v, pattern, ndim):
    pattern = [p if p == "x" else p % ndim for p in pattern]
    kept = [p for p in pattern if p != "x"]
    dropped = [i for i in range(ndim) if i not in kept]
    out = np.transpose(v, kept + dropped).reshape([v.shape[i] for i in kept])
    for position, p in enumerate(pattern):
        if p == "x":
            out = np.expand_dims(out, position)
    return out


@pytest.mark.parametrize("bcast, shape, pattern", DIMSHUFFLES)
def test_dimshuffle(bcast, shape, pattern):
    x = T.tensor("float64", bcast)
    vx = value(*shape)
    out = x.dimshuffle(*pattern)
    expected = _np_dimshuffle(vx, pattern, len(bcast))
    assert out.ndim == expected.ndim
    for i, p in enumerate(pattern):
        assert out.broadcastable[i] == (True if p == "x" else bcast[p])
    got = evaluate([x], out, [vx])
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([x], [out], [vx], op_class=DimShuffle)
    same = evaluate([x], x.dimshuffle(list(pattern)), [vx])
    np.testing.assert_array_equal(same, expected)


def test_dimshuffle_errors():
    with pytest.raises(ValueError, match="not broadcastable"):
        T.dmatrix().dimshuffle(0)
    with pytest.raises(ValueError, match="not broadcastable"):
        T.drow().dimshuffle(0)
    with pytest.raises(ValueError, match="repeats"):
        T.dmatrix().dimshuffle(0, 0)
    with pytest.raises(ValueError, match="out of range"):
        T.dmatrix().dimshuffle(0, 2)
    with pytest.raises(TypeError, match="ints or 'x'"):
        T.dmatrix().dimshuffle(0, "y")
    with pytest.raises(TypeError, match="broadcastable"):
        DimShuffle((True, False), (1,))(T.dmatrix())
    with pytest.raises(TypeError, match="broadcastable"):
        DimShuffle((False,), (0,))(T.dmatrix())


def test_dimshuffle_accepts_more_broadcastable_input():
    op = DimShuffle((False, False), (1, 0))
    out = op(T.drow())
    assert out.broadcastable == (False, True)


def test_dimshuffle_output_is_not_aliased_to_the_input():
    x = T.dmatrix()
    fn = theano.function([x], x.dimshuffle(1, 0))
    vx = value(2, 3)
    out = fn(vx)
    out[0, 0] = 99.0
    assert vx[0, 0] != 99.0


def test_dimshuffle_identity_and_str():
    op = DimShuffle((False, False), (1, "x", 0))
    assert op == DimShuffle((False, False), [1, "x", 0])
    assert hash(op) == hash(DimShuffle((False, False), (1, "x", 0)))
    assert op != DimShuffle((False, False), (0, "x", 1))
    assert "1,x,0" in str(op)
    assert op.view_map == {0: [0]}


def test_transpose_attribute():
    x = T.tensor3()
    vx = value(2, 3, 4)
    got = evaluate([x], [x.dimshuffle(2, 1, 0), x.transpose(1, 0, 2), x.T], [vx])
    for g, e in zip(got, [vx.transpose(2, 1, 0), vx.transpose(1, 0, 2), vx.T]):
        np.testing.assert_array_equal(g, e)


# ------------------------------------------------------------------------------------------
# addbroadcast / unbroadcast / patternbroadcast
# ------------------------------------------------------------------------------------------

def test_addbroadcast():
    x = T.dmatrix()
    y = T.addbroadcast(x, 0)
    assert y.broadcastable == (True, False)
    assert T.addbroadcast(x, 0, 1).broadcastable == (True, True)
    assert T.addbroadcast(x, -1).broadcastable == (False, True)
    vx = value(1, 3)
    np.testing.assert_array_equal(evaluate([x], y, [vx]), vx)
    m = T.dmatrix()
    vm = value(4, 3, offset=1)
    utt.assert_allclose(evaluate([x, m], y + m, [vx, vm]), vx + vm)
    with pytest.raises(ValueError, match="length 2"):
        theano.function([x], y)(value(2, 3))
    utt.check_infer_shape([x], [y], [vx], op_class=Rebroadcast)
    r = T.drow()
    assert T.addbroadcast(r, 0) is r


def test_unbroadcast():
    r = T.drow()
    u = T.unbroadcast(r, 0)
    assert u.broadcastable == (False, False)
    assert T.unbroadcast(r, 1) is r
    vr = value(1, 3)
    np.testing.assert_array_equal(evaluate([r], u, [vr]), vr)
    utt.check_infer_shape([r], [u], [vr])
    # after unbroadcast, the row no longer broadcasts against a matrix
    with pytest.raises(ValueError, match="Input dimension mismatch"):
        theano.function([r], u + T.ones((2, 3)))(vr)


def test_patternbroadcast():
    x = T.dtensor3()
    y = T.patternbroadcast(x, (True, False, True))
    assert y.broadcastable == (True, False, True)
    assert T.patternbroadcast(x, (False, False, False)) is x
    z = T.patternbroadcast(y, (False, False, True))
    assert z.broadcastable == (False, False, True)
    vx = value(1, 3, 1)
    np.testing.assert_array_equal(evaluate([x], [y, z], [vx])[1], vx)
    with pytest.raises(ValueError, match="broadcastable"):
        theano.function([x], y)(value(2, 3, 1))


def test_rebroadcast_errors_and_identity():
    with pytest.raises(ValueError, match="non-existent dimension"):
        Rebroadcast((2, True))(T.dmatrix())
    assert Rebroadcast((0, True)) == Rebroadcast((0, True))
    assert Rebroadcast((0, True)) != Rebroadcast((0, False))


# ------------------------------------------------------------------------------------------
# CAReduce
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scalar_op, np_func", [(scalar.add, np.sum), (scalar.mul, np.prod),
                                                (scalar.maximum, np.max), (scalar.minimum, np.min)])
@pytest.mark.parametrize("axis", [None, 0, (0, 2), -1])
def test_careduce(scalar_op, np_func, axis):
    x = T.dtensor3()
    vx = value(2, 3, 4)
    out = CAReduce(scalar_op, axis)(x)
    np_axis = axis if not isinstance(axis, tuple) else tuple(axis)
    utt.assert_allclose(evaluate([x], out, [vx]), np_func(vx, axis=np_axis))
    utt.check_infer_shape([x], [out], [vx], op_class=CAReduce)
    assert CAReduce(scalar_op, axis) == CAReduce(scalar_op, axis)


def test_careduce_bitwise():
    x = T.bmatrix()
    vx = utt.random(3, 4, dtype="int8", low=-10, high=10)
    got = evaluate([x], [CAReduce(scalar.and_, 0)(x), CAReduce(scalar.or_, 1)(x), CAReduce(scalar.xor)(x)], [vx])
    np.testing.assert_array_equal(got[0], np.bitwise_and.reduce(vx, axis=0))
    np.testing.assert_array_equal(got[1], np.bitwise_or.reduce(vx, axis=1))
    np.testing.assert_array_equal(got[2], np.bitwise_xor.reduce(vx, axis=None))
