"""Scalar types and scalar ops (the elementwise kernels that Elemwise lifts to tensors)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import theano
from theano import scalar as S
from theano.scalar.type import ScalarConstant, ScalarType, ScalarVariable, upcast, upgrade_to_float_dtype

DTYPES = ("bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16", "float32", "float64",
          "complex64", "complex128")


# ------------------------------------------------------------------------------------------
# ScalarType
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_scalar_type(dtype):
    t = ScalarType(dtype)
    assert t == S.get_scalar_type(dtype) and hash(t) == hash(S.get_scalar_type(dtype))
    assert S.get_scalar_type(dtype) is S.get_scalar_type(dtype)
    assert str(t) == dtype and repr(t) == f"Scalar({dtype})"
    v = t("v")
    assert isinstance(v, ScalarVariable) and v.name == "v" and v.type == t
    assert ScalarType(np.dtype(dtype)) == t


def test_scalar_type_errors_and_floatx():
    with pytest.raises(TypeError, match="dtype"):
        ScalarType("object")
    with theano.change_flags(floatX="float32"):
        assert ScalarType("floatX").dtype == "float32"
        assert S.scalar().type.dtype == "float32"
    assert S.scalar(dtype="int16").type.dtype == "int16"


@pytest.mark.parametrize("dtype, data, expected", [
    ("float64", 1.5, np.float64(1.5)),
    ("float64", 3, np.float64(3)),
    ("int8", True, np.int8(1)),
    ("int8", np.int64(3), np.int8(3)),
    ("float32", np.float32(2.5), np.float32(2.5)),
    ("float32", 0.5, np.float32(0.5)),
    ("int64", np.array(7), np.int64(7)),
    ("complex64", 1 + 2j, np.complex64(1 + 2j)),
])
def test_scalar_filter_accepts(dtype, data, expected):
    got = S.get_scalar_type(dtype).filter(data)
    assert isinstance(got, np.generic) and got.dtype == np.dtype(dtype)
    assert got == expected


@pytest.mark.parametrize("dtype, data", [
    ("int8", 300), ("int64", 1.5), ("float32", 0.1), ("float32", np.float64(0.1)), ("uint8", -1),
    ("int8", [1]), ("float64", "a"), ("float64", 1j), ("int64", 2 ** 70),
])
def test_scalar_filter_refuses(dtype, data):
    with pytest.raises(TypeError, match=dtype):
        S.get_scalar_type(dtype).filter(data)


def test_scalar_filter_strict_and_downcast():
    assert S.float64.filter(np.float64(1.5), strict=True) == 1.5
    with pytest.raises(TypeError, match="numpy scalar"):
        S.float64.filter(1.5, strict=True)
    with pytest.raises(TypeError, match="numpy scalar"):
        S.float64.filter(np.float32(1.5), strict=True)
    assert S.int8.filter(300, allow_downcast=True) == np.int8(44)
    assert S.float32.filter(0.1, allow_downcast=True) == np.float32(0.1)
    with theano.change_flags(floatX="float32"):
        assert S.float32.filter(0.1) == np.float32(0.1)


def test_values_eq():
    assert S.float64.values_eq(1.0, 1.0)
    assert not S.float64.values_eq(1.0, 1.5)
    assert S.float64.values_eq_approx(1.0, 1.0 + 1e-7)
    assert S.float64.values_eq_approx(np.nan, np.nan)
    assert not S.float64.values_eq_approx(1.0, 1.1)


# ------------------------------------------------------------------------------------------
# dtype rules
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_upcast_is_numpy_promotion(a, b):
    assert upcast(a, b) == str(np.result_type(a, b))
    assert upcast(a, b, a) == str(np.result_type(a, b))


@pytest.mark.parametrize("dtype, expected", [
    ("bool", "float32"), ("int8", "float32"), ("uint8", "float32"), ("int16", "float32"), ("uint16", "float32"),
    ("int32", "float64"), ("uint32", "float64"), ("int64", "float64"), ("uint64", "float64"),
    ("float16", "float16"), ("float32", "float32"), ("float64", "float64"), ("complex64", "complex64"),
])
def test_upgrade_to_float_dtype(dtype, expected):
    assert upgrade_to_float_dtype(dtype) == expected


# ------------------------------------------------------------------------------------------
# Scalar ops on scalar variables
# ------------------------------------------------------------------------------------------

def _values(dtype, low, high, n=5, seed=0):
    gen = np.random.default_rng(seed)
    if dtype == "bool":
        return [np.bool_(v) for v in gen.integers(0, 2, size=n)]
    if np.dtype(dtype).kind in "iu":
        return [np.dtype(dtype).type(v) for v in gen.integers(int(low), int(high) + 1, size=n)]
    return [np.dtype(dtype).type(v) for v in gen.uniform(low, high, size=n)]


# (op, reference, domain, dtypes)
UNARY = [
    (S.exp, np.exp, (-2, 2), ("int8", "int32", "float32", "float64")),
    (S.log, np.log, (1, 5), ("int8", "int64", "float32", "float64")),
    (S.sqrt, np.sqrt, (0, 5), ("uint8", "float32", "float64")),
    (S.tanh, np.tanh, (-2, 2), ("int16", "float64")),
    (S.neg, np.negative, (-3, 3), ("int8", "float32")),
    (S.abs, np.abs, (-3, 3), ("int8", "float64")),
    (S.sgn, np.sign, (-3, 3), ("int32", "float64")),
    (S.sqr, np.square, (-3, 3), ("int8", "float64")),
    (S.inv, np.reciprocal, (1, 3), ("int32", "float64")),
    (S.floor, np.floor, (-3, 3), ("float32", "float64")),
    (S.erf, scipy.special.erf, (-2, 2), ("float32", "float64")),
    (S.gammaln, scipy.special.gammaln, (0.5, 4), ("float64",)),
    (S.psi, scipy.special.psi, (0.5, 4), ("float64",)),
    (S.invert, np.invert, (-3, 3), ("int8", "bool")),
    (S.isnan, np.isnan, (-3, 3), ("float64",)),
]


@pytest.mark.parametrize("op, np_func, domain, dtypes", UNARY, ids=[str(u[0]) for u in UNARY])
def test_unary_scalar_ops(op, np_func, domain, dtypes):
    for dtype in dtypes:
        x = S.get_scalar_type(dtype)("x")
        out = op(x)
        fn = theano.function([x], out)
        for value in _values(dtype, *domain):
            got = fn(value)
            assert np.asarray(got).dtype == np.dtype(out.type.dtype)
            work = "float64" if out.type.dtype.startswith("float") else dtype
            expected = np_func(np.asarray(value, dtype=work))
            np.testing.assert_allclose(got, expected, rtol=1e-4 if "32" in out.type.dtype else 1e-7)


BINARY = [
    (S.add, np.add), (S.sub, np.subtract), (S.mul, np.multiply), (S.true_div, np.true_divide),
    (S.int_div, np.floor_divide), (S.mod, np.mod), (S.pow, np.power), (S.maximum, np.maximum),
    (S.minimum, np.minimum), (S.lt, np.less), (S.ge, np.greater_equal), (S.eq, np.equal), (S.neq, np.not_equal),
    (S.arctan2, np.arctan2), (S.hypot, np.hypot),
]


@pytest.mark.parametrize("op, np_func", BINARY, ids=[str(b[0]) for b in BINARY])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int32", "int32"), ("int8", "float32"),
                                    ("uint8", "int8")])
def test_binary_scalar_ops(op, np_func, dtypes):
    x = S.get_scalar_type(dtypes[0])("x")
    y = S.get_scalar_type(dtypes[1])("y")
    out = op(x, y)
    fn = theano.function([x, y], out)
    for a, b in zip(_values(dtypes[0], 1, 4), _values(dtypes[1], 1, 3, seed=1)):
        got = fn(a, b)
        assert np.asarray(got).dtype == np.dtype(out.type.dtype)
        work = "float64" if out.type.dtype.startswith("float") else None
        expected = np_func(np.asarray(a, dtype=work), np.asarray(b, dtype=work))
        np.testing.assert_allclose(got, expected, rtol=1e-4 if "32" in out.type.dtype else 1e-7)


@pytest.mark.parametrize("op, dtypes, expected", [
    (S.add, ("bool", "bool"), "int8"),
    (S.add, ("int8", "uint8"), "int16"),
    (S.mul, ("int32", "float32"), "float64"),
    (S.true_div, ("int8", "int8"), "floatX"),
    (S.true_div, ("int32", "float32"), "float64"),
    (S.exp, ("int8",), "float32"),
    (S.exp, ("int64",), "float64"),
    (S.sqrt, ("complex64",), "complex64"),
    (S.abs, ("complex128",), "float64"),
    (S.real, ("complex64",), "float32"),
    (S.angle, ("float32",), "float32"),
    (S.lt, ("float32", "int8"), "bool"),
    (S.and_, ("bool", "bool"), "bool"),
    (S.int_div, ("bool", "bool"), "int8"),
    (S.complex, ("float32", "float32"), "complex64"),
    (S.complex, ("int64", "float64"), "complex128"),
    (S.switch, ("bool", "int8", "float32"), "float32"),
    (S.round_half_to_even, ("int16",), "int16"),
])
def test_output_types(op, dtypes, expected):
    expected = theano.config.floatX if expected == "floatX" else expected
    out = op(*[S.get_scalar_type(d)() for d in dtypes])
    assert out.type.dtype == expected


@pytest.mark.parametrize("op, dtypes", [
    (S.neg, ("bool",)), (S.and_, ("float32", "float32")), (S.invert, ("float64",)), (S.erf, ("complex64",)),
    (S.int_div, ("complex64", "complex64")), (S.lt, ("complex128", "float64")), (S.maximum, ("complex64", "int8")),
    (S.round_half_to_even, ("bool",)), (S.round_half_away_from_zero, ("complex64",)), (S.floor, ("complex64",)),
])
def test_rejected_types(op, dtypes):
    with pytest.raises(TypeError):
        op(*[S.get_scalar_type(d)() for d in dtypes])


def test_wrong_number_of_inputs():
    with pytest.raises(TypeError, match="2 inputs"):
        S.sub(S.float64())
    with pytest.raises(TypeError, match="3 inputs"):
        S.switch(S.float64(), S.float64())


def test_scalar_operators_and_weak_python_numbers():
    x = S.float32("x")
    i = S.int8("i")
    assert (x * 2).type.dtype == "float32"
    assert (x + 1.5).type.dtype == "float32"
    assert (i + 1000).type.dtype == "int16"
    assert (2 - i).type.dtype == "int8"
    assert (i * 1.5).type.dtype == "float64"
    exprs = [x + i, x - 1, 3 - x, x * i, x / 2, 1 / x, i // 2, i % 3, x ** 2, -x, x < i, x <= 1, x > 0, x >= i,
             2 + x, 2 * x, 2.0 / x]
    fn = theano.function([x, i], exprs)
    vx, vi = np.float32(2.5), np.int8(7)
    expected = [vx + vi, vx - 1, 3 - vx, vx * vi, vx / 2, 1 / vx, vi // 2, vi % 3, vx ** 2, -vx, vx < vi,
                vx <= 1, vx > 0, vx >= vi, 2 + vx, 2 * vx, 2.0 / vx]
    for got, exp in zip(fn(vx, vi), expected):
        np.testing.assert_allclose(got, exp, rtol=1e-6)


def test_switch_and_clip():
    c = S.bool_("c")
    a = S.float64("a")
    b = S.int32("b")
    fn = theano.function([c, a, b], [S.switch(c, a, b), S.clip(a, -1.0, 1.0)])
    assert fn(True, 2.5, 3) == [2.5, 1.0]
    assert fn(False, -2.5, 3) == [3.0, -1.0]
    assert S.switch(S.int32(), S.float32(), 0.5).type == S.float32
    assert S.switch(S.bool_(), 1, 2).type == S.int64


# ------------------------------------------------------------------------------------------
# Casts and constants
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src", ["bool", "int8", "int64", "float32", "float64"])
@pytest.mark.parametrize("dst", ["bool", "int8", "uint8", "int64", "float32", "float64", "complex128"])
def test_scalar_cast(src, dst):
    x = S.get_scalar_type(src)("x")
    out = S.cast(x, dst)
    assert out.type.dtype == dst
    if src == dst:
        assert out is x
    value = _values(src, -3, 3, n=1)[0]
    got = theano.function([x], out)(value)
    assert np.asarray(got).dtype == np.dtype(dst)
    assert got == np.asarray(value).astype(dst)


def test_cast_complex_to_real_raises_and_cast_identity():
    with pytest.raises(TypeError, match="complex"):
        S.cast(S.complex64(), "float32")
    assert S.get_cast("int8") is S.get_cast("int8")
    assert S.get_cast("int8") == S.Cast(S.int8)
    assert S.get_cast("int8") != S.get_cast("int16")
    assert S.cast(S.int8(), "floatX").type.dtype == theano.config.floatX


def test_scalar_constants():
    c = S.constant(3)
    assert isinstance(c, ScalarConstant) and c.type == S.int64 and c.data == 3
    assert S.constant(1.5).type.dtype == theano.config.floatX
    assert S.constant(2, dtype="int8").type == S.int8
    assert S.constant(True).type == S.bool_
    assert c.signature() == S.constant(3).signature()
    assert c.signature() != S.constant(3, dtype="int8").signature()
    assert c != S.constant(3)
    with pytest.raises(TypeError, match="0-d"):
        S.constant([1, 2])


def test_as_scalar():
    import theano.tensor as T

    s = S.float64()
    assert S.as_scalar(s) is s
    t = T.dscalar()
    converted = S.as_scalar(t)
    assert converted.type == S.float64
    with pytest.raises(TypeError, match="scalar"):
        S.as_scalar(T.dvector())
    assert S.as_scalar(2.5).data == 2.5


@pytest.mark.parametrize("name, dtype", [("bscalar", "int8"), ("wscalar", "int16"), ("iscalar", "int32"),
                                         ("lscalar", "int64"), ("fscalar", "float32"), ("dscalar", "float64"),
                                         ("cscalar", "complex64"), ("zscalar", "complex128")])
def test_scalar_constructors(name, dtype):
    v = getattr(S, name)("v")
    assert v.type == S.get_scalar_type(dtype) and v.name == "v"


def test_scalar_op_identity():
    assert S.add == S.Add()
    assert hash(S.add) == hash(S.Add())
    assert S.add != S.mul
    assert str(S.add) == "add"
    assert S.add.identity == 0 and S.mul.identity == 1
    assert S.add.commutative and S.add.associative
    assert not S.sub.commutative
