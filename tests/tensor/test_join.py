"""join/concatenate, stack, split, tile, roll, horizontal/vertical_stack compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from tests.unittest_tools import check_rop, grad_of
from theano.gradient import DisconnectedInputError
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


# ==========================================================================================
# Gradients (grad, second derivatives, R_op, disconnected inputs)
# ==========================================================================================

FLOATS = ("float64", "float32")


JOIN_CASES = [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 1), (2, 2)], -1),
    ([(2, 1, 2), (2, 3, 2)], 1),
    ([(3,), (2,)], 0),
    ([(2, 2, 3), (2, 2, 1)], -1),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes, axis", JOIN_CASES)
def test_join_grad(dtype, shapes, axis):
    values = [utt.random(*s, dtype=dtype, offset=i) for i, s in enumerate(shapes)]
    T.verify_grad(lambda *xs: T.concatenate(list(xs), axis=axis), values)


@pytest.mark.parametrize("shapes, axis", JOIN_CASES[:3])
def test_join_second_derivative_and_rop(shapes, axis):
    values = [utt.random(*s, offset=i) for i, s in enumerate(shapes)]
    T.verify_grad(grad_of(lambda *xs: T.concatenate(list(xs), axis=axis)), values)
    check_rop(lambda *xs: T.concatenate(list(xs), axis=axis), values)


def test_join_grad_symbolic_axis_matches_numpy():
    a, b, w = T.dmatrix(), T.dmatrix(), T.dmatrix()
    axis = T.lscalar()
    ga, gb = T.grad(T.sum(T.join(axis, a, b) * w), [a, b])
    f = theano.function([axis, a, b, w], [ga, gb])
    va, vb = utt.random(2, 3), utt.random(2, 3, offset=1)
    for ax in (0, 1, -1, -2):
        vw = utt.random(*np.concatenate([va, vb], axis=ax).shape, offset=2)
        expected = np.split(vw, [va.shape[ax]], axis=ax)
        for got, want in zip(f(ax, va, vb, vw), expected):
            np.testing.assert_array_equal(got, want)


def test_join_axis_is_disconnected_and_int_inputs_get_zeros():
    s = T.dscalar()
    a = T.dmatrix()
    i = T.imatrix()
    cost = T.sum(T.join(T.cast(s, "int64"), a, a))
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, s)
    assert theano.function([s], T.grad(cost, s, disconnected_inputs="ignore"))(0.0) == 0
    assert Join().connection_pattern(T.join(0, a, a).owner) == [[False], [True], [True]]
    ga, gi = T.grad(T.sum(T.join(0, a, i) * 2), [a, i])
    assert gi.dtype == "float64"
    got_a, got_i = theano.function([a, i], [ga, gi])(np.ones((1, 2)), np.ones((2, 2), dtype="int32"))
    np.testing.assert_array_equal(got_a, np.full((1, 2), 2.0))
    np.testing.assert_array_equal(got_i, np.zeros((2, 2)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, sizes, axis, used", [
    ((5, 2), [1, 3, 1], 0, (0, 2)),
    ((2, 6), [4, 2], -1, (1,)),
    ((6,), [0, 6], 0, (0, 1)),
    ((2, 3, 4), [1, 3], -1, (0, 1)),
])
def test_split_grad_unused_pieces_get_zeros(dtype, shape, sizes, axis, used):
    def pieces(x):
        parts = T.split(x, sizes, len(sizes), axis)
        return T.concatenate([parts[i] * (i + 1) for i in used], axis=axis)

    value = utt.random(*shape, dtype=dtype)
    T.verify_grad(pieces, [value])
    x = T.tensor(dtype, (False,) * len(shape))
    got = theano.function([x], T.grad(T.sum(pieces(x)), x))(value)
    weights = [np.full(np.take(value, range(s), axis=axis).shape, float(i + 1) if i in used else 0.0)
               for i, s in enumerate(sizes)]
    np.testing.assert_array_equal(got, np.concatenate(weights, axis=axis).astype(dtype))


def test_split_second_derivative_rop_and_disconnected_sizes():
    value = utt.random(5, 2)
    T.verify_grad(grad_of(lambda x: T.split(x, [2, 3], 2, axis=0)[1]), [value])
    check_rop(lambda x: T.split(x, [2, 3], 2, axis=0)[0], [value])
    check_rop(lambda x: T.split(x, [1, 1], 2, axis=-1)[1], [value])
    x = T.dmatrix()
    sizes = T.dvector()
    piece = T.split(x, T.cast(sizes, "int64"), 2, axis=0)[0]
    assert piece.owner.op.connection_pattern(piece.owner) == [[True, True], [False, False], [False, False]]
    with pytest.raises(ValueError, match="not part of the computational graph"):
        T.grad(T.sum(piece), sizes)


@pytest.mark.parametrize("dtype", FLOATS)
def test_make_vector_and_stack_grads(dtype):
    scalars = [utt.random(dtype=dtype, offset=i) for i in range(3)]
    T.verify_grad(lambda a, b, c: T.stack([a, b * c, T.sqr(a)]), scalars)
    T.verify_grad(lambda a, b, c: T.make_vector(a, b, c), scalars)
    mats = [utt.random(2, 3, dtype=dtype, offset=i) for i in range(2)]
    T.verify_grad(lambda a, b: T.stack([a, b], axis=-1), mats)
    T.verify_grad(lambda a, b: T.stack([a, b], axis=1), mats)
    T.verify_grad(lambda a, b: T.horizontal_stack(a, b), mats)
    T.verify_grad(lambda a, b: T.vertical_stack(a, b), mats)
    T.verify_grad(lambda a, b: T.stacklists([[a, b], [b, a]]), mats)


def test_make_vector_rop_and_integer_entries():
    check_rop(lambda a, b: T.make_vector(a, T.sqr(b), a * b), [np.array(0.5), np.array(-1.5)])
    # an eval point for only some entries: the others do not move
    a, b, va = T.dscalar(), T.dscalar(), T.dscalar()
    rop = T.Rop(T.stack([a, b]), [a], [va])
    f = theano.function([a, b, va], rop, on_unused_input="ignore")
    np.testing.assert_array_equal(f(1.0, 2.0, 3.0), [3.0, 0.0])
    i = T.iscalar()
    assert theano.function([i], T.grad(T.sum(T.stack([a, i])), i))(2) == 0


TILE_CASES = [((2, 3), (2, 1, 3)), ((3,), (2,)), ((), (2, 3)), ((2, 1), (1, 3)), ((2, 2), (3, 1))]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, reps", TILE_CASES)
def test_tile_grad(dtype, shape, reps):
    T.verify_grad(lambda x: T.tile(x, reps), [utt.random(*shape, dtype=dtype)])


def test_tile_second_derivative_rop_and_disconnected_reps():
    value = utt.random(2, 3)
    T.verify_grad(grad_of(lambda x: T.tile(x, (2, 2))), [value])
    check_rop(lambda x: T.tile(x, (3, 1, 2)), [value])
    x = T.dmatrix()
    r = T.dvector()
    out = T.tile(x, T.cast(r, "int64"), ndim=2)
    assert out.owner.op.connection_pattern(out.owner) == [[True], [False]]
    with pytest.raises(ValueError, match="not part of the computational graph"):
        T.grad(T.sum(out), r)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, shift, axis", [
    ((5,), 2, None), ((3, 4), -1, None), ((3, 4), 1, 0), ((3, 4), 3, -1), ((2, 3, 4), (1, -2), (0, 2)),
])
def test_roll_grad(dtype, shape, shift, axis):
    T.verify_grad(lambda x: T.roll(x, shift, axis), [utt.random(*shape, dtype=dtype)])


def test_roll_rop_and_disconnected_shift():
    check_rop(lambda x: T.roll(x, 2, axis=1), [utt.random(3, 4)])
    check_rop(lambda x: T.roll(T.sqr(x), -1), [utt.random(3, 4)])
    x = T.dmatrix()
    s = T.dscalar()
    with pytest.raises(ValueError, match="not part of the computational graph"):
        T.grad(T.sum(T.roll(x, T.cast(s, "int64"), 0)), s)
