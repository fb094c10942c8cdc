"""join/concatenate, stack, split, tile, roll, horizontal/vertical_stack compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.tensor.join import Join, MakeVector, Roll, Split, Tile

DTYPES = ("float64", "float32", "int32", "int64")


def tensor_of(dtype, ndim, name=None):
    return T.tensor(dtype, (False,) * ndim, name=name)


# ------------------------------------------------------------------------------------------
# join / concatenate
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes, axis", [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 1), (2, 0)], 1),
    ([(2, 3), (2, 5)], -1),
    ([(2, 3, 4), (2, 3, 1)], -1),
    ([(3,), (0,), (2,)], 0),
])
def test_concatenate_values(dtype, shapes, axis):
    xs = [tensor_of(dtype, len(s)) for s in shapes]
    out = T.concatenate(xs, axis=axis)
    assert out.dtype == dtype
    values = [utt.random(*s, dtype=dtype, low=-9, high=9, offset=i) for i, s in enumerate(shapes)]
    got = theano.function(xs, out)(*values)
    np.testing.assert_array_equal(got, np.concatenate(values, axis=axis))
    utt.check_infer_shape(xs, [out], values, op_class=Join)


def test_join_symbolic_axis_and_upcast():
    a = T.imatrix()
    b = T.dmatrix()
    axis = T.lscalar()
    out = T.join(axis, a, b)
    assert out.dtype == "float64"
    va = np.arange(6, dtype="int32").reshape(2, 3)
    vb = np.ones((2, 3))
    f = theano.function([axis, a, b], out)
    for ax in (0, 1, -1, -2):
        np.testing.assert_array_equal(f(ax, va, vb), np.concatenate([va, vb], axis=ax))
        utt.check_infer_shape([axis, a, b], [out], [ax, va, vb], op_class=Join)


def test_join_single_tensor_is_identity():
    x = T.dmatrix()
    assert T.join(0, x) is x
    assert T.concatenate([x]) is x


def test_join_broadcastable_pattern():
    row = T.drow()
    mat = T.dmatrix()
    assert T.concatenate([row, row], axis=0).broadcastable == (False, False)
    assert T.concatenate([row, mat], axis=1).broadcastable == (True, False)


def test_join_errors():
    with pytest.raises(TypeError, match="must have 2 dimensions"):
        T.concatenate([T.dmatrix(), T.dvector()])
    with pytest.raises(TypeError, match="0-d"):
        T.join(0, T.dscalar(), T.dscalar())
    with pytest.raises(IndexError, match="out of range"):
        T.concatenate([T.dmatrix(), T.dmatrix()], axis=2)
    with pytest.raises(TypeError, match="list or tuple"):
        T.concatenate(T.dmatrix(), T.dmatrix())
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], T.concatenate([x, y], axis=0))
    with pytest.raises(ValueError, match="do not match"):
        f(np.ones((2, 3)), np.ones((2, 4)))


# ------------------------------------------------------------------------------------------
# stack, stacklists, horizontal/vertical_stack
# ------------------------------------------------------------------------------------------

STACK_CASES = [(shape, axis) for shape in [(), (3,), (2, 3)] for axis in (0, 1, -1, -2)
               if -len(shape) - 1 <= axis <= len(shape)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", STACK_CASES)
def test_stack_values(dtype, shape, axis):
    xs = [tensor_of(dtype, len(shape)) for _ in range(3)]
    out = T.stack(xs, axis=axis)
    assert out.dtype == dtype
    values = [utt.random(*shape, dtype=dtype, low=-9, high=9, offset=i) for i in range(3)]
    got = theano.function(xs, out)(*values)
    np.testing.assert_array_equal(got, np.stack(values, axis=axis))
    utt.check_infer_shape(xs, [out], values)


def test_stack_old_interface_and_scalars():
    a, b = T.lscalars("a", "b")
    out = T.stack(a, b, 3)
    assert out.owner.op == MakeVector("int64")
    np.testing.assert_array_equal(theano.function([a, b], out)(1, 2), [1, 2, 3])
    mixed = T.stack([T.fscalar(), 1.5])
    assert mixed.dtype == "float32"


def test_stack_errors():
    with pytest.raises(TypeError, match="same number of dimensions"):
        T.stack([T.dmatrix(), T.dvector()])
    with pytest.raises(TypeError, match="same number of dimensions"):
        T.stack([T.dvector(), T.dscalar()])
    with pytest.raises(ValueError, match="at least one"):
        T.stack([])
    with pytest.raises(IndexError, match="out of bounds"):
        T.stack([T.dvector(), T.dvector()], axis=2)
    with pytest.raises(TypeError, match="unexpected arguments"):
        T.stack([T.dvector()], axes=0)
    x, y = T.dvectors("x", "y")
    with pytest.raises(ValueError, match="do not match"):
        theano.function([x, y], T.stack([x, y]))(np.ones(2), np.ones(3))


def test_stacklists():
    a, b, c, d = T.dscalars("a", "b", "c", "d")
    out = T.stacklists([[a, b], [c, d]])
    assert out.ndim == 2
    np.testing.assert_array_equal(theano.function([a, b, c, d], out)(1, 2, 3, 4), [[1, 2], [3, 4]])
    x, y = T.dmatrices("x", "y")
    out = T.stacklists([x, y])
    vx, vy = np.ones((2, 2)), np.zeros((2, 2))
    np.testing.assert_array_equal(theano.function([x, y], out)(vx, vy), np.stack([vx, vy]))


@pytest.mark.parametrize("func, np_func, axis", [(T.horizontal_stack, np.hstack, 1), (T.vertical_stack, np.vstack, 0)])
@pytest.mark.parametrize("dtype", ("float64", "int32"))
def test_horizontal_vertical_stack(func, np_func, axis, dtype):
    x, y = tensor_of(dtype, 2), tensor_of(dtype, 2)
    out = func(x, y)
    shape = (2, 3)
    vx = utt.random(*shape, dtype=dtype, low=-5, high=5)
    vy = utt.random(*shape, dtype=dtype, low=-5, high=5, offset=1)
    np.testing.assert_array_equal(theano.function([x, y], out)(vx, vy), np_func([vx, vy]))
    utt.check_infer_shape([x, y], [out], [vx, vy])
    with pytest.raises(TypeError, match="expects matrices"):
        func(T.dvector(), T.dvector())


# ------------------------------------------------------------------------------------------
# split
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, sizes, axis", [
    ((7,), [2, 0, 5], 0),
    ((3, 6), [1, 2], 0),
    ((3, 6), [4, 1, 1], 1),
    ((3, 6), [4, 2], -1),
    ((2, 3, 4), [1, 2], -2),
])
def test_split_values(dtype, shape, sizes, axis):
    x = tensor_of(dtype, len(shape))
    splits = T.lvector()
    ax = T.lscalar()
    outs = T.split(x, splits, len(sizes), axis=ax)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = theano.function([x, splits, ax], outs)(value, sizes, axis)
    expected = np.split(value, np.cumsum(sizes)[:-1], axis=axis)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, e)
    utt.check_infer_shape([x, splits, ax], outs, [value, sizes, axis], op_class=Split)
    # constant axis and sizes
    outs = T.split(x, sizes, len(sizes), axis=axis)
    utt.check_infer_shape([x], outs, [value], op_class=Split)


def test_split_outputs_do_not_alias_inputs():
    x = T.dvector()
    outs = T.split(x, [2, 2], 2)
    f = theano.function([x], outs)
    value = np.arange(4.0)
    first, _ = f(value)
    first[0] = 100.0
    assert value[0] == 0.0


def test_split_single_piece_returns_variable():
    x = T.dvector()
    out = T.split(x, [3], 1)
    np.testing.assert_array_equal(theano.function([x], out)(np.arange(3.0)), np.arange(3.0))


def test_split_errors():
    x = T.dmatrix()
    splits = T.lvector()
    f = theano.function([x, splits], T.split(x, splits, 2, axis=1))
    with pytest.raises(ValueError, match=r"sum to 3, but axis 1 .* has length 4"):
        f(np.ones((2, 4)), [1, 2])
    with pytest.raises(ValueError, match="3 split sizes given for 2 splits"):
        f(np.ones((2, 4)), [1, 2, 1])
    with pytest.raises(ValueError, match="negative split sizes"):
        f(np.ones((2, 4)), [5, -1])
    with pytest.raises(ValueError, match="3 split sizes given for 2 splits"):
        T.split(x, [1, 1, 1], 2)
    with pytest.raises(ValueError, match="out of range"):
        T.split(x, [1, 1], 2, axis=2)
    with pytest.raises(TypeError, match="must be an integer scalar"):
        T.split(x, [1, 1], 2, axis=0.5)
    with pytest.raises(TypeError, match="0-d"):
        T.split(T.dscalar(), [1], 1)


# ------------------------------------------------------------------------------------------
# tile
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, reps", [
    ((3,), 2),
    ((3,), (2, 3)),
    ((2, 3), (2,)),
    ((2, 3), (1, 1)),
    ((2, 3), (0, 2)),
    ((2, 1, 3), (2, 3, 1, 2)),
    ((), (3,)),
])
def test_tile_constant_reps(dtype, shape, reps):
    x = tensor_of(dtype, len(shape))
    out = T.tile(x, reps)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = theano.function([x], out)(value)
    expected = np.tile(value, reps)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([x], [out], [value], op_class=Tile)


def test_tile_symbolic_reps():
    x = T.dmatrix()
    value = np.arange(6.0).reshape(2, 3)
    r0, r1 = T.lscalars("r0", "r1")
    out = T.tile(x, [r0, r1])
    f = theano.function([x, r0, r1], out)
    np.testing.assert_array_equal(f(value, 2, 3), np.tile(value, (2, 3)))
    utt.check_infer_shape([x, r0, r1], [out], [value, 2, 3], op_class=Tile)
    scalar = T.iscalar()
    out = T.tile(x, scalar)
    np.testing.assert_array_equal(theano.function([x, scalar], out)(value, 3), np.tile(value, 3))
    vec = T.lvector()
    out = T.tile(x, vec, ndim=3)
    f = theano.function([x, vec], out)
    for reps in ([2, 1], [2, 1, 3], [4]):
        np.testing.assert_array_equal(f(value, reps), np.tile(value.reshape(1, 2, 3), [1] * (3 - len(reps)) + reps))
    utt.check_infer_shape([x, vec], [out], [value, [2, 1]], op_class=Tile)
    with pytest.raises(ValueError, match="expected 3"):
        f(value, [1, 1, 1, 1])


def test_tile_ndim_and_broadcastable():
    row = T.drow()
    assert T.tile(row, (1, 3)).broadcastable == (True, False)
    assert T.tile(row, (2, 3)).broadcastable == (False, False)
    assert T.tile(T.dvector(), (2,), ndim=3).broadcastable == (True, True, False)
    value = np.arange(3.0)
    out = T.tile(T.dvector("v"), (2,), ndim=3)
    np.testing.assert_array_equal(out.eval({out.owner.inputs[0]: value}), np.tile(value.reshape(1, 1, 3), (1, 1, 2)))


def test_tile_errors():
    with pytest.raises(ValueError, match="pass ndim"):
        T.tile(T.dmatrix(), T.lvector())
    with pytest.raises(ValueError, match="smaller than the input"):
        T.tile(T.dmatrix(), (2, 2), ndim=1)
    with pytest.raises(ValueError, match="more than ndim"):
        T.tile(T.dvector(), (2, 2, 2), ndim=2)
    with pytest.raises(TypeError, match="integer"):
        T.tile(T.dvector(), T.dvector(), ndim=1)
    with pytest.raises(TypeError, match="integer"):
        T.tile(T.dvector(), [1.5])
    r = T.lscalar()
    with pytest.raises(ValueError, match="negative repetitions"):
        theano.function([r], T.tile(T.constant(np.ones(2)), r))(-1)


# ------------------------------------------------------------------------------------------
# roll
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 1), ((3, 4), -2),
                                         ((2, 3, 4), (0, 2)), ((0, 3), 0)])
@pytest.mark.parametrize("shift", [0, 2, -1, 7])
def test_roll_values(dtype, shape, axis, shift):
    x = tensor_of(dtype, len(shape))
    s = T.lscalar()
    out = T.roll(x, s, axis=axis)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = theano.function([x, s], out)(value, shift)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.roll(value, shift, axis=axis))
    utt.check_infer_shape([x, s], [out], [value, shift], op_class=Roll)


def test_roll_vector_shift_and_errors():
    x = T.dtensor3()
    value = utt.random(2, 3, 4)
    out = T.roll(x, [1, -2], axis=(0, 2))
    np.testing.assert_array_equal(theano.function([x], out)(value), np.roll(value, (1, -2), axis=(0, 2)))
    with pytest.raises(ValueError, match="out of range"):
        T.roll(T.dmatrix(), 1, axis=2)
    with pytest.raises(TypeError, match="integer scalar or vector"):
        T.roll(T.dmatrix(), 1.5)
    with pytest.raises(TypeError, match="0-d"):
        T.roll(T.dscalar(), 1)
    shift = T.lvector()
    f = theano.function([x, shift], T.roll(x, shift, axis=(0, 1)))
    with pytest.raises(ValueError, match="does not match"):
        f(value, [1, 2, 3])
