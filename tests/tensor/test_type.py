"""TensorType, the variable constructors (``T.dmatrix``, ``T.fvectors``, ...) and ``filter``."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

PREFIXES = {"": None, "b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
            "c": "complex64", "z": "complex128"}
KINDS = {"scalar": (), "vector": (False,), "row": (True, False), "col": (False, True),
         "matrix": (False, False), "tensor3": (False,) * 3, "tensor4": (False,) * 4, "tensor5": (False,) * 5}
PLURALS = {"scalar": "scalars", "vector": "vectors", "row": "rows", "col": "cols", "matrix": "matrices",
           "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s"}


@pytest.mark.parametrize("prefix", list(PREFIXES))
@pytest.mark.parametrize("kind", list(KINDS))
def test_constructors(prefix, kind):
    dtype = PREFIXES[prefix] or theano.config.floatX
    single = getattr(T, prefix + kind)
    x = single("x")
    assert isinstance(x, TensorVariable)
    assert x.name == "x"
    assert x.type == TensorType(dtype, KINDS[kind])
    assert x.dtype == dtype and x.broadcastable == KINDS[kind] and x.ndim == len(KINDS[kind])
    assert single().name is None
    plural = getattr(T, prefix + PLURALS[kind])
    a, b = plural("a", "b")
    assert (a.name, b.name) == ("a", "b")
    assert a.type == b.type == x.type
    assert a is not b
    three = plural(3)
    assert len(three) == 3 and all(v.type == x.type for v in three)
    (only,) = plural("only")
    assert only.name == "only"


@pytest.mark.parametrize("kind", list(KINDS))
def test_floatx_constructors(kind):
    with theano.change_flags(floatX="float32"):
        assert getattr(T, kind)().dtype == "float32"
        assert getattr(T, PLURALS[kind])("a")[0].dtype == "float32"
        assert T.TensorType("floatX", KINDS[kind]).dtype == "float32"
    with theano.change_flags(floatX="float64"):
        assert getattr(T, kind)().dtype == "float64"
    assert getattr(T, kind)("m", dtype="int32").dtype == "int32"


def test_tensor_and_tensortype_calls():
    x = T.tensor("float32", (False, True), name="x")
    assert x.type == TensorType("float32", (False, True)) and x.name == "x"
    y = T.tensor("int8", [True])
    assert y.broadcastable == (True,) and y.dtype == "int8"
    z = T.TensorType("float64", (False, True))("z")
    assert z.name == "z" and z.type.broadcastable == (False, True)
    assert T.TensorType(np.float32, ()).dtype == "float32"
    assert T.TensorType(np.dtype("uint16"), (False,)).dtype == "uint16"
    with pytest.raises(TypeError, match="dtype"):
        T.TensorType("float128x", (False,))
    with pytest.raises(TypeError):
        T.TensorType("object", (False,))


def test_type_equality_hash_str_clone():
    t = TensorType("float64", (False, True))
    assert t == TensorType("float64", [False, True])
    assert hash(t) == hash(TensorType("float64", (False, True)))
    assert t != TensorType("float32", (False, True))
    assert t != TensorType("float64", (False, False))
    assert t.ndim == 2
    assert str(T.dmatrix().type) == "TensorType(float64, matrix)"
    assert str(T.fcol().type) == "TensorType(float32, col)"
    assert "float64" in str(T.dtensor3().type)
    assert t.clone(dtype="int8") == TensorType("int8", (False, True))
    assert t.clone(broadcastable=(True,)) == TensorType("float64", (True,))
    assert t.clone() == t


FILTER_OK = [
    # (type dtype, broadcastable, data, expected dtype of the stored value)
    ("float64", (False,), np.arange(3.0), "float64"),
    ("float64", (False,), np.arange(3, dtype="float32"), "float64"),
    ("float64", (False,), np.arange(3, dtype="int32"), "float64"),
    ("int64", (False,), np.arange(3, dtype="int8"), "int64"),
    ("int16", (False,), np.arange(3, dtype="uint8"), "int16"),
    ("complex128", (False,), np.arange(3, dtype="float64"), "complex128"),
    ("float64", (), 1.5, "float64"),
    ("float64", (), 3, "float64"),
    ("float32", (), 0.5, "float32"),
    ("int8", (False,), [1, 2, 3], "int8"),
    ("float32", (False, False), [[1.0, 2.5], [3.0, 4.0]], "float32"),
    ("bool", (False,), [True, False], "bool"),
    ("uint8", (), np.int64(7), "uint8"),
    ("float32", (), np.float64(0.25), "float32"),
    ("float64", (True, False), np.ones((1, 3)), "float64"),
    ("float32", (False,), [float("nan"), 1.0], "float32"),
]


@pytest.mark.parametrize("dtype, bcast, data, stored", FILTER_OK)
def test_filter_accepts(dtype, bcast, data, stored):
    t = TensorType(dtype, bcast)
    out = t.filter(data)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.dtype(stored)
    assert out.ndim == len(bcast)
    np.testing.assert_array_equal(out, np.asarray(data).astype(stored))
    assert t.is_valid_value(out)


def test_filter_exact_dtype_returns_the_array():
    data = np.arange(4.0)
    assert TensorType("float64", (False,)).filter(data) is data
    assert TensorType("float64", (False,)).filter(data, strict=True) is data


FILTER_LOSSY = [
    ("float32", (False,), np.arange(3.0)),
    ("int32", (False,), np.arange(3, dtype="int64")),
    ("int64", (False,), np.arange(3.0)),
    ("uint8", (False,), np.arange(3, dtype="int8")),
    ("float64", (False,), np.arange(3, dtype="complex128")),
    ("int8", (False,), [1, 2, 300]),
    ("int32", (False,), [1.5, 2.0]),
    ("float32", (), 0.1),
    ("int64", (), 1.5),
    ("uint8", (), -1),
    ("float32", (), np.float64(0.1)),
    ("int8", (), np.int64(1000)),
]


@pytest.mark.parametrize("dtype, bcast, data", FILTER_LOSSY)
def test_filter_refuses_lossy_conversion(dtype, bcast, data):
    t = TensorType(dtype, bcast)
    with pytest.raises(TypeError, match=dtype):
        t.filter(data)
    if np.asarray(data).dtype.kind == "c":
        return
    with np.errstate(all="ignore"):
        forced = t.filter(data, allow_downcast=True)
        expected = np.asarray(data).astype(dtype)
    assert forced.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(forced, expected)


def test_python_float_converts_to_floatx():
    with theano.change_flags(floatX="float32"):
        assert T.fscalar().type.filter(0.1).dtype == np.float32
        # only a lone Python float is special: a list converts when exact
        assert T.fvector().type.filter([0.5, 0.25]).dtype == np.float32
        with pytest.raises(TypeError, match="exactly"):
            T.fvector().type.filter([0.1, 0.2])
    with theano.change_flags(floatX="float64"):
        with pytest.raises(TypeError, match="float32"):
            T.fscalar().type.filter(0.1)
    with pytest.raises(TypeError, match="complex"):
        T.dvector().type.filter([1j, 2.0])


@pytest.mark.parametrize("dtype, bcast, data, words", [
    ("float64", (False, False), np.zeros(3), ["matrix", "2", "1"]),
    ("float64", (False,), np.zeros((2, 2)), ["vector", "1", "2"]),
    ("float64", (), np.zeros(1), ["scalar", "0", "1"]),
    ("float64", (True, False), np.zeros((2, 3)), ["row", "(2, 3)", "length 1"]),
    ("float32", (False, True), np.zeros((3, 2), dtype="float32"), ["col", "(3, 2)", "length 1"]),
    ("int32", (False,), [[1, 2]], ["vector", "2"]),
])
def test_filter_wrong_ndim_or_broadcast(dtype, bcast, data, words):
    with pytest.raises(TypeError) as info:
        TensorType(dtype, bcast).filter(data)
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_filter_strict():
    t = TensorType("float64", (False,))
    with pytest.raises(TypeError, match="float32"):
        t.filter(np.zeros(3, dtype="float32"), strict=True)
    with pytest.raises(TypeError, match="list"):
        t.filter([1.0, 2.0], strict=True)


@pytest.mark.parametrize("data", [object(), "abc", {"a": 1}, None, [[1, 2], [3]]])
def test_filter_refuses_non_numeric(data):
    with pytest.raises(TypeError):
        TensorType("float64", (False,)).filter(data)


def test_filter_through_function_inputs():
    x = T.fvector("x")
    fn = theano.function([x], x * 2)
    np.testing.assert_array_equal(fn([1.0, 2.0]), np.array([2.0, 4.0], dtype="float32"))
    with pytest.raises(TypeError, match="float32"):
        fn(np.array([0.1, 0.2]))
    lenient = theano.function([theano.In(x, allow_downcast=True)], x * 2)
    assert lenient(np.array([0.1, 0.2])).dtype == np.float32


def test_is_valid_value_and_values_eq():
    t = TensorType("float64", (True, False))
    assert t.is_valid_value(np.zeros((1, 3)))
    assert not t.is_valid_value(np.zeros((2, 3)))
    assert not t.is_valid_value(np.zeros((1, 3), dtype="float32"))
    assert not t.is_valid_value([[0.0, 1.0]])
    a = np.array([1.0, np.nan, np.inf])
    assert TensorType.values_eq(a, a.copy())
    assert not TensorType.values_eq(a, a.astype("float32"))
    assert TensorType.values_eq(a, a.astype("float32"), force_same_dtype=False)
    assert not TensorType.values_eq(a, a[:2])
    assert TensorType.values_eq_approx(a, a + np.array([1e-9, 0, 0]))
    assert not TensorType.values_eq_approx(a, a + np.array([1e-3, 0, 0]))
    assert TensorType.values_eq_approx(np.array([1, 2]), np.array([1, 2]))


def test_convert_and_filter_variable():
    t = TensorType("float64", (False, False))
    r = T.drow()
    converted = t.convert_variable(r)
    assert converted is not None and converted.type == t
    assert t.convert_variable(T.fmatrix()) is None
    assert TensorType("float64", (True, False)).convert_variable(T.dmatrix()) is None
    assert t.filter_variable(T.dmatrix()).type == t
    with pytest.raises(TypeError, match="Cannot convert Type"):
        t.filter_variable(T.dvector())
    const = t.filter_variable([[1.0, 2.0]])
    assert const.type == t


def test_value_zeros_and_shape_info():
    t = TensorType("int16", (False, False))
    zeros = t.value_zeros((2, 3))
    assert zeros.dtype == np.int16 and zeros.shape == (2, 3) and not zeros.any()
    assert t.get_size(t.get_shape_info(zeros)) == 12
