"""Python values to graph variables, constants, constant analysis, allocation and padding."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano import scalar
from theano.tensor.basic import (
    Alloc,
    EmptyConstantError,
    NotScalarConstantError,
    ScalarFromTensor,
    TensorFromScalar,
    autocast_dtype,
)
from theano.tensor.var import TensorConstant, TensorVariable


def evaluate(inputs, outputs, values):
    return theano.function(list(inputs), outputs)(*values)


# ------------------------------------------------------------------------------------------
# as_tensor_variable and constant
# ------------------------------------------------------------------------------------------

AS_TENSOR = [
    # (python value, expected dtype (None: floatX), expected broadcastable)
    (3, "int64", ()),
    (-(2 ** 40), "int64", ()),
    (2 ** 63, "uint64", ()),
    (1.5, None, ()),
    (True, "bool", ()),
    (1 + 2j, "complex128", ()),
    (np.float32(1.5), "float32", ()),
    (np.int8(3), "int8", ()),
    (np.bool_(False), "bool", ()),
    ([1, 2, 3], "int64", (False,)),
    ([1.5, 2.5], None, (False,)),
    ([[1], [2]], "int64", (False, True)),
    ([True, False], "bool", (False,)),
    (np.zeros((2, 1, 3), dtype="float32"), "float32", (False, True, False)),
    (np.zeros((1,), dtype="uint16"), "uint16", (True,)),
    (np.array(5, dtype="int16"), "int16", ()),
    ((1, 2), "int64", (False,)),
]


@pytest.mark.parametrize("data, dtype, bcast", AS_TENSOR)
@pytest.mark.parametrize("func", [T.as_tensor_variable, T.as_tensor, T.constant])
def test_as_tensor_variable_of_values(data, dtype, bcast, func):
    out = func(data)
    assert isinstance(out, TensorConstant)
    assert out.dtype == (dtype or theano.config.floatX)
    assert out.broadcastable == bcast
    np.testing.assert_array_equal(out.data, np.asarray(data))
    assert not out.data.flags.writeable
    np.testing.assert_array_equal(evaluate([], out, []), np.asarray(data).astype(out.dtype))


def test_python_float_lists_follow_floatx():
    with theano.change_flags(floatX="float32"):
        assert T.as_tensor_variable(1.5).dtype == "float32"
        assert T.as_tensor_variable([1.5, 2.5]).dtype == "float32"
        assert T.as_tensor_variable(np.array([1.5])).dtype == "float64"
        assert T.constant([]).dtype == "float32"


def test_as_tensor_variable_passes_variables_through():
    x = T.dmatrix()
    assert T.as_tensor_variable(x) is x
    y = x + 1
    assert T.as_tensor_variable(y.owner) is y
    assert T.as_tensor_variable(x, ndim=2) is x


def test_as_tensor_variable_ndim():
    row = T.drow()
    dropped = T.as_tensor_variable(row, ndim=1)
    assert dropped.broadcastable == (False,)
    padded = T.as_tensor_variable(T.dvector(), ndim=3)
    assert padded.broadcastable == (True, True, False)
    with pytest.raises(ValueError, match="dimensions"):
        T.as_tensor_variable(T.dmatrix(), ndim=1)
    assert T.as_tensor_variable(5, ndim=2).broadcastable == (True, True)
    assert T.as_tensor_variable([[1, 2]], ndim=1).broadcastable == (False,)
    with pytest.raises(ValueError):
        T.as_tensor_variable([[1, 2], [3, 4]], ndim=1)


def test_as_tensor_variable_of_scalar_variables():
    s = scalar.float32("s")
    t = T.as_tensor_variable(s)
    assert isinstance(t, TensorVariable)
    assert t.type == T.TensorType("float32", ())
    assert isinstance(t.owner.op, TensorFromScalar)
    back = T.scalar_from_tensor(t)
    assert back.type == scalar.float32
    assert isinstance(back.owner.op, ScalarFromTensor)
    assert TensorFromScalar().infer_shape(t.owner, [()]) == [()]
    np.testing.assert_array_equal(evaluate([s], [t * 2], [np.float32(1.5)])[0], np.float32(3.0))


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int8", "float32"), ("int32", "int64")])
def test_as_tensor_variable_stacks_lists_of_variables(dtypes):
    a = T.tensor(dtypes[0], ())
    b = T.tensor(dtypes[1], ())
    out = T.as_tensor_variable([a, b, a])
    assert out.ndim == 1
    assert out.dtype == str(np.result_type(*dtypes))
    va, vb = np.asarray(2, dtype=dtypes[0]), np.asarray(5, dtype=dtypes[1])
    np.testing.assert_array_equal(evaluate([a, b], out, [va, vb]), np.array([va, vb, va]))


def test_as_tensor_variable_stacks_mixed_lists():
    x = T.dscalar()
    out = T.as_tensor_variable([x, 1.5, 2])
    assert out.ndim == 1 and out.dtype == "float64"
    np.testing.assert_array_equal(evaluate([x], out, [np.float64(3.0)]), [3.0, 1.5, 2.0])
    v = T.dvector()
    rows = T.as_tensor_variable([v, v])
    assert rows.ndim == 2
    np.testing.assert_array_equal(evaluate([v], rows, [np.arange(3.0)]), [np.arange(3.0)] * 2)


@pytest.mark.parametrize("bad", [object(), "a string", {"a": 1}, None, [1, "a"], [[1, 2], [3]], {1, 2}])
def test_as_tensor_variable_refuses_unconvertible(bad):
    with pytest.raises(TypeError, match="TensorType|tensor"):
        T.as_tensor_variable(bad)


def test_as_tensor_variable_refuses_other_variable_types():
    class Other(theano.Type):
        def filter(self, data, strict=False, allow_downcast=None):
            return data

    with pytest.raises(TypeError, match="TensorType"):
        T.as_tensor_variable(Other()())


def test_constant_arguments():
    c = T.constant([1, 2, 3], name="c", dtype="float32")
    assert c.name == "c" and c.dtype == "float32"
    assert str(c) == "c"
    assert T.constant(1.5, dtype="floatX").dtype == theano.config.floatX
    assert T.constant(2, ndim=2).broadcastable == (True, True)
    assert T.constant(np.ones((1, 1, 3)), ndim=1).broadcastable == (False,)
    with pytest.raises(ValueError, match="shape"):
        T.constant(np.ones((2, 3)), ndim=1)
    with pytest.raises((OverflowError, TypeError, ValueError)):
        T.constant(300, dtype="int8")
    assert T.constant(T.constant(3)) is not None
    assert T.constant(T.constant(3), dtype="float32").dtype == "float32"
    assert "TensorConstant" in str(T.constant(3))


@pytest.mark.parametrize("ndim", [None, 1])
def test_constant_copies_the_callers_array(ndim):
    data = np.ones((1, 3))
    c = T.constant(data, ndim=ndim)
    data[0, 0] = 5.0  # the caller's array stays writable
    assert c.data.ravel()[0] == 1.0
    assert not np.may_share_memory(c.data, data)
    assert T.as_tensor_variable(data).data.ravel()[0] == 5.0


def test_autocast_dtype():
    assert autocast_dtype(3) == "int64"
    assert autocast_dtype(2 ** 64 - 1) == "uint64"
    with pytest.raises(OverflowError):
        autocast_dtype(2 ** 64)
    assert autocast_dtype(1.5) == theano.config.floatX
    assert autocast_dtype(True) == "bool"
    with theano.change_flags(floatX="float32"):
        assert autocast_dtype(1.5) == "float32"
        assert autocast_dtype(1j) == "complex64"
    with theano.change_flags(cast_policy="numpy", floatX="float32"):
        assert autocast_dtype(1.5) == "float64"


# ------------------------------------------------------------------------------------------
# Constant signatures (merging equal constants)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: T.constant(1.5),
    lambda: T.constant([1, 2, 3]),
    lambda: T.constant(np.array([np.nan, 1.0])),
    lambda: T.constant(np.arange(200.0).reshape(10, 20)),
    lambda: T.constant(True),
])
def test_equal_constants_have_equal_signatures(make):
    a, b = make(), make()
    assert a is not b
    assert a.signature() == b.signature()
    assert hash(a.signature()) == hash(b.signature())
    assert a.equals(b)
    assert a != b  # variables compare by identity; merging uses signatures


@pytest.mark.parametrize("a, b", [
    (T.constant(1.5), T.constant(2.5)),
    (T.constant(1, dtype="int32"), T.constant(1, dtype="int64")),
    (T.constant([1, 2]), T.constant([[1, 2]])),
    (T.constant(np.arange(200.0)), T.constant(np.arange(200.0) + (np.arange(200) == 150))),
    (T.constant([1.0, 2.0]), T.constant([1.0, np.nan])),
])
def test_different_constants_have_different_signatures(a, b):
    assert a.signature() != b.signature()
    assert not a.equals(b)


# ------------------------------------------------------------------------------------------
# get_scalar_constant_value
# ------------------------------------------------------------------------------------------

def test_get_scalar_constant_value_of_constants_and_numbers():
    for value in (3, 2.5, True, np.float32(1.5), np.array(7), np.array([4, 4, 4])):
        got = T.get_scalar_constant_value(value)
        assert got == np.asarray(value).ravel()[0]
    assert T.get_scalar_constant_value(T.constant(3)) == 3
    assert T.get_scalar_constant_value(T.constant(np.full((2, 2), 1.5))) == 1.5
    assert T.constant(4).get_scalar_constant_value() == 4


def test_get_scalar_constant_value_through_ops():
    c = T.constant(3)
    assert T.get_scalar_constant_value(c + 2) == 5
    assert T.get_scalar_constant_value(c * T.constant(2.5)) == 7.5
    cast = T.cast(T.constant(2.7), "int32")
    got = T.get_scalar_constant_value(cast)
    assert got == 2 and got.dtype == np.int32
    assert T.get_scalar_constant_value(T.constant(5).dimshuffle("x", "x")) == 5
    assert T.get_scalar_constant_value(T.addbroadcast(T.constant([6]), 0)) == 6
    assert T.get_scalar_constant_value(T.as_tensor_variable(scalar.constant(8))) == 8
    row = T.drow()
    assert T.get_scalar_constant_value(T.shape_i(row, 0)) == 1
    assert T.get_scalar_constant_value(row.shape[0]) == 1
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(row.shape[1])
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(c + 2, elemwise=False)
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(c + 2, only_process_constants=True)


def test_get_scalar_constant_value_errors():
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(T.dscalar())
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(T.dscalar() + 1)
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(T.constant([1, 2]))
    with pytest.raises(EmptyConstantError):
        T.get_scalar_constant_value(T.constant(np.zeros(0)))
    with pytest.raises(NotScalarConstantError):
        T.get_scalar_constant_value(None)


def test_get_vector_length():
    assert T.get_vector_length(T.constant([1, 2, 3])) == 3
    assert T.get_vector_length(T.dmatrix().shape) == 2
    assert T.get_vector_length(T.addbroadcast(T.dvector(), 0)) == 1
    assert T.get_vector_length(T.cast(T.constant([1, 2]), "int32")) == 2
    with pytest.raises(ValueError, match="length not known"):
        T.get_vector_length(T.dvector())
    with pytest.raises(TypeError, match="vector"):
        T.get_vector_length(T.dmatrix())


# ------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [None, "int8", "float32", "bool", "complex64"])
@pytest.mark.parametrize("shape", [(3,), (2, 1, 4), (), (0, 2)])
def test_zeros_ones(dtype, shape):
    got = evaluate([], [T.zeros(shape, dtype=dtype), T.ones(shape, dtype=dtype)], [])
    expected_dtype = dtype or theano.config.floatX
    for g, e in zip(got, [np.zeros(shape, expected_dtype), np.ones(shape, expected_dtype)]):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)
    assert T.zeros(shape, dtype=dtype).broadcastable == tuple(s == 1 for s in shape)


def test_alloc():
    v = T.dvector()
    n = T.lscalar()
    out = T.alloc(v, n, 3)
    assert out.broadcastable == (False, False)
    vv = np.arange(3.0)
    np.testing.assert_array_equal(evaluate([v, n], out, [vv, np.int64(2)]), np.tile(vv, (2, 1)))
    utt.check_infer_shape([v, n], [out], [vv, np.int64(2)], op_class=Alloc)
    assert T.alloc(1.0, 1, 5).broadcastable == (True, False)
    with pytest.raises(ValueError, match="broadcast"):
        evaluate([v, n], out, [np.arange(4.0), np.int64(2)])
    with pytest.raises(ValueError, match="negative"):
        evaluate([v, n], out, [vv, np.int64(-1)])
    with pytest.raises(TypeError, match="more than"):
        T.alloc(T.dmatrix(), 3)
    with pytest.raises(TypeError, match="integer"):
        T.alloc(1.0, 2.5)


def test_zeros_with_symbolic_shape():
    m = T.dmatrix()
    z = T.zeros(m.shape, dtype="int32")
    vm = np.ones((2, 5))
    got = evaluate([m], z, [vm])
    assert got.dtype == np.int32 and got.shape == (2, 5) and not got.any()


@pytest.mark.parametrize("dtype", [None, "int32", "bool"])
def test_zeros_like_ones_like_fill(dtype):
    x = T.fmatrix()
    vx = utt.random(2, 3, dtype="float32")
    z, o, f = T.zeros_like(x, dtype=dtype), T.ones_like(x, dtype=dtype), T.fill(x, 7.0)
    gz, go, gf = evaluate([x], [z, o, f], [vx])
    expected = dtype or "float32"
    assert gz.dtype == go.dtype == np.dtype(expected)
    np.testing.assert_array_equal(gz, np.zeros((2, 3), expected))
    np.testing.assert_array_equal(go, np.ones((2, 3), expected))
    assert gf.dtype == np.float32
    np.testing.assert_array_equal(gf, np.full((2, 3), 7.0, "float32"))
    assert x.zeros_like().dtype == "float32"
    assert x.ones_like(dtype="int8").dtype == "int8"
    utt.check_infer_shape([x], [z, o, f], [vx])


def test_tensor_copy():
    x = T.dvector()
    vx = np.arange(3.0)
    out = evaluate([x], [T.tensor_copy(x), x.copy(name="copied")], [vx])
    for got in out:
        np.testing.assert_array_equal(got, vx)
        assert not np.may_share_memory(got, vx)
    assert x.copy(name="copied").name == "copied"


# ------------------------------------------------------------------------------------------
# Padding with broadcastable axes
# ------------------------------------------------------------------------------------------

def test_shape_padding():
    x = T.dmatrix()
    vx = utt.random(2, 3)
    left, right, middle, last = (T.shape_padleft(x, 2), T.shape_padright(x), T.shape_padaxis(x, 1),
                                 T.shape_padaxis(x, -1))
    assert left.broadcastable == (True, True, False, False)
    assert right.broadcastable == (False, False, True)
    assert middle.broadcastable == (False, True, False)
    assert last.broadcastable == (False, False, True)
    got = evaluate([x], [left, right, middle, last], [vx])
    expected = [vx[None, None], vx[:, :, None], vx[:, None, :], vx[:, :, None]]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    with pytest.raises(IndexError, match="out of bounds"):
        T.shape_padaxis(x, 3)
    utt.check_infer_shape([x], [left, right, middle], [vx])
