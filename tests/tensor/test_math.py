"""Elementwise math, operators and reductions of ``theano.tensor`` compared with NumPy/SciPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats

import theano
import theano.tensor as T
from tests import unittest_tools as utt

ALL = ("bool", "int8", "uint8", "int32", "int64", "float32", "float64", "complex64", "complex128")
REAL = ALL[:-2]
NUMERIC = ALL[1:]
INTS = ("int8", "uint8", "int32", "int64")
DISCRETE = ("bool",) + INTS
FLOATS = ("float32", "float64")
NONBOOL_REAL = INTS + FLOATS
SMALL_INTS = ("bool", "int8", "uint8", "int16", "uint16")


# ------------------------------------------------------------------------------------------
# Expected dtypes, written independently of the implementation
# ------------------------------------------------------------------------------------------

def float_of(dtype: str) -> str:
    """Theano's rule: float-valued functions of small ints give float32, of larger ints float64."""
    if dtype in SMALL_INTS:
        return "float32"
    if np.dtype(dtype).kind in "iu":
        return "float64"
    return dtype


def rule_float(*dtypes):
    return float_of(str(np.result_type(*dtypes)))


def rule_arith(*dtypes):
    out = str(np.result_type(*dtypes))
    return "int8" if out == "bool" else out


def rule_same(*dtypes):
    return str(np.result_type(*dtypes))


def rule_bool(*dtypes):
    return "bool"


def rule_real(dtype):
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


def rule_angle(dtype):
    return rule_real(dtype) if dtype.startswith("complex") else float_of(dtype)


def rule_true_div(*dtypes):
    if all(np.dtype(d).kind in "biu" for d in dtypes):
        return theano.config.floatX
    return str(np.result_type(*dtypes))


def rule_complex(*dtypes):
    out = rule_float(*dtypes)
    return "complex64" if out == "float32" else "complex128"


# ------------------------------------------------------------------------------------------
# Input values
# ------------------------------------------------------------------------------------------

def make_value(domain, dtype, shape=(2, 3), offset=0):
    """Random values of ``dtype`` inside ``domain``.

    ``domain`` is ``(low, high)``, or one of the names ``"nonzero"`` (|x| in [0.5, 3]),
    ``"halves"`` (multiples of 0.5, to test rounding ties) and ``"special"`` (with nan/inf).
    """
    gen = np.random.default_rng(1234 + offset)
    kind = np.dtype(dtype).kind
    if kind == "b":
        return gen.integers(0, 2, size=shape).astype(bool)
    if domain == "nonzero":
        magnitude = gen.uniform(0.5, 3, size=shape) if kind in "fc" else gen.integers(1, 4, size=shape)
        sign = 1 if kind == "u" else np.where(gen.integers(0, 2, size=shape) == 1, 1, -1)
        value = magnitude * sign
        if kind == "c":
            value = value + 1j * gen.uniform(-1, 1, size=shape)
        return value.astype(dtype)
    if domain == "halves":
        value = gen.integers(-8, 8, size=shape) / 2.0
        return (np.abs(value) if kind == "u" else value).astype(dtype)
    if domain == "special":
        value = gen.uniform(-3, 3, size=shape).astype(dtype)
        if kind in "fc":
            value.flat[0] = np.nan
            value.flat[1] = np.inf
            value.flat[2] = -np.inf
        return value
    low, high = domain
    if kind in "iu":
        info = np.iinfo(dtype)
        low_i = builtins_max(int(np.ceil(low)), info.min)
        high_i = builtins_min(int(np.floor(high)), info.max)
        return gen.integers(low_i, high_i + 1, size=shape).astype(dtype)
    value = gen.uniform(low, high, size=shape)
    if kind == "c":
        value = value + 1j * gen.uniform(low, high, size=shape) * 0.5
    return value.astype(dtype)


builtins_max = max
builtins_min = min


def evaluate(inputs, outputs, values):
    fn = theano.function(list(inputs), outputs)
    return fn(*values)


def reference(np_func, values, out_dtype, compute_in_float):
    """Apply ``np_func`` in float64/complex128 for float-valued ops, else on the values themselves."""
    if compute_in_float:
        target = "complex128" if np.dtype(out_dtype).kind == "c" else "float64"
        values = [v.astype(target) if v.dtype.kind != "c" or target == "complex128" else v for v in values]
    else:
        values = [v.astype("int8") if v.dtype == bool and out_dtype != "bool" else v for v in values]
    with np.errstate(all="ignore"):
        return np.asarray(np_func(*values))


def check_close(actual, expected, out_dtype):
    assert actual.dtype == np.dtype(out_dtype), f"dtype {actual.dtype}, expected {out_dtype}"
    expected = expected.astype(out_dtype) if np.dtype(out_dtype).kind != "b" else expected
    if np.dtype(out_dtype).kind in "fc":
        utt.assert_allclose(actual, expected)
    else:
        np.testing.assert_array_equal(actual, expected)


# ------------------------------------------------------------------------------------------
# The table of elementwise functions
# ------------------------------------------------------------------------------------------

def _round_away(x):
    return np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5))


def _xlogx(x):
    return scipy.special.xlogy(x, x)


def _complex(re, im):
    return re + 1j * im


def _gammau(k, x):
    return scipy.special.gammaincc(k, x) * scipy.special.gamma(k)


def _gammal(k, x):
    return scipy.special.gammainc(k, x) * scipy.special.gamma(k)


def _chi2sf(x, k):
    return scipy.stats.chi2.sf(x, k)


# name: (theano function, reference, domain, accepted dtypes, dtype rule, computed in float)
UNARY = {
    "neg": (T.neg, np.negative, (-3, 3), NUMERIC, rule_same, False),
    "abs_": (T.abs_, np.abs, (-3, 3), ALL, rule_real, False),
    "sgn": (T.sgn, np.sign, (-3, 3), NONBOOL_REAL, rule_same, False),
    "inv": (T.inv, np.reciprocal, "nonzero", ALL, rule_float, True),
    "sqr": (T.sqr, np.square, (-3, 3), ALL, rule_arith, False),
    "sqrt": (T.sqrt, np.sqrt, (0, 4), ALL, rule_float, True),
    "exp": (T.exp, np.exp, (-3, 3), ALL, rule_float, True),
    "exp2": (T.exp2, np.exp2, (-3, 3), ALL, rule_float, True),
    "expm1": (T.expm1, np.expm1, (-3, 3), ALL, rule_float, True),
    "log": (T.log, np.log, (0.1, 5), ALL, rule_float, True),
    "log2": (T.log2, np.log2, (0.1, 5), ALL, rule_float, True),
    "log10": (T.log10, np.log10, (0.1, 5), ALL, rule_float, True),
    "log1p": (T.log1p, np.log1p, (-0.5, 3), ALL, rule_float, True),
    "sin": (T.sin, np.sin, (-3, 3), ALL, rule_float, True),
    "cos": (T.cos, np.cos, (-3, 3), ALL, rule_float, True),
    "tan": (T.tan, np.tan, (-1, 1), ALL, rule_float, True),
    "arcsin": (T.arcsin, np.arcsin, (-0.9, 0.9), ALL, rule_float, True),
    "arccos": (T.arccos, np.arccos, (-0.9, 0.9), ALL, rule_float, True),
    "arctan": (T.arctan, np.arctan, (-3, 3), ALL, rule_float, True),
    "sinh": (T.sinh, np.sinh, (-3, 3), ALL, rule_float, True),
    "cosh": (T.cosh, np.cosh, (-3, 3), ALL, rule_float, True),
    "tanh": (T.tanh, np.tanh, (-3, 3), ALL, rule_float, True),
    "arcsinh": (T.arcsinh, np.arcsinh, (-3, 3), ALL, rule_float, True),
    "arccosh": (T.arccosh, np.arccosh, (1, 4), NUMERIC, rule_float, True),
    "arctanh": (T.arctanh, np.arctanh, (-0.9, 0.9), ALL, rule_float, True),
    "deg2rad": (T.deg2rad, np.deg2rad, (-100, 100), REAL, rule_float, True),
    "rad2deg": (T.rad2deg, np.rad2deg, (-3, 3), REAL, rule_float, True),
    "floor": (T.floor, np.floor, (-3, 3), REAL, rule_float, True),
    "ceil": (T.ceil, np.ceil, (-3, 3), REAL, rule_float, True),
    "trunc": (T.trunc, np.trunc, (-3, 3), REAL, rule_float, True),
    "round_half_to_even": (T.round_half_to_even, np.round, "halves", NONBOOL_REAL, rule_same, False),
    "round_half_away_from_zero": (T.round_half_away_from_zero, _round_away, "halves", NONBOOL_REAL, rule_same,
                                  False),
    "erf": (T.erf, scipy.special.erf, (-2, 2), REAL, rule_float, True),
    "erfc": (T.erfc, scipy.special.erfc, (-2, 2), REAL, rule_float, True),
    "erfcx": (T.erfcx, scipy.special.erfcx, (-2, 2), REAL, rule_float, True),
    "erfinv": (T.erfinv, scipy.special.erfinv, (-0.9, 0.9), REAL, rule_float, True),
    "erfcinv": (T.erfcinv, scipy.special.erfcinv, (0.1, 1.9), REAL, rule_float, True),
    "gamma": (T.gamma, scipy.special.gamma, (0.1, 4), REAL, rule_float, True),
    "gammaln": (T.gammaln, scipy.special.gammaln, (0.1, 4), REAL, rule_float, True),
    "psi": (T.psi, scipy.special.psi, (0.1, 4), REAL, rule_float, True),
    "tri_gamma": (T.tri_gamma, lambda x: scipy.special.polygamma(1, x), (0.1, 4), REAL, rule_float, True),
    "j0": (T.j0, scipy.special.j0, (-3, 3), REAL, rule_float, True),
    "j1": (T.j1, scipy.special.j1, (-3, 3), REAL, rule_float, True),
    "i0": (T.i0, scipy.special.i0, (-3, 3), REAL, rule_float, True),
    "i1": (T.i1, scipy.special.i1, (-3, 3), REAL, rule_float, True),
    "real": (T.real, np.real, (-3, 3), ALL, rule_real, False),
    "imag": (T.imag, np.imag, (-3, 3), ALL, rule_real, False),
    "angle": (T.angle, np.angle, (-3, 3), ALL, rule_angle, True),
    "conj": (T.conj, np.conjugate, (-3, 3), ALL, rule_same, False),
    "isnan": (T.isnan, np.isnan, "special", ALL, rule_bool, False),
    "isinf": (T.isinf, np.isinf, "special", ALL, rule_bool, False),
    "invert": (T.invert, np.invert, (-3, 3), DISCRETE, rule_same, False),
    "xlogx": (T.xlogx, _xlogx, (0, 3), REAL, rule_float, True),
}

BINARY = {
    "add": (T.add, np.add, (-3, 3), (-3, 3), ALL, rule_arith, False),
    "sub": (T.sub, np.subtract, (-3, 3), (-3, 3), ALL, rule_arith, False),
    "mul": (T.mul, np.multiply, (-3, 3), (-3, 3), ALL, rule_arith, False),
    "true_div": (T.true_div, np.true_divide, (-3, 3), "nonzero", NUMERIC, rule_true_div, True),
    "int_div": (T.int_div, np.floor_divide, (-5, 5), "nonzero", REAL, rule_arith, False),
    "mod": (T.mod, np.mod, (-5, 5), "nonzero", REAL, rule_arith, False),
    "pow": (T.pow, np.power, (0.5, 3), (0, 3), ALL, rule_arith, False),
    "maximum": (T.maximum, np.maximum, (-3, 3), (-3, 3), REAL, rule_same, False),
    "minimum": (T.minimum, np.minimum, (-3, 3), (-3, 3), REAL, rule_same, False),
    "arctan2": (T.arctan2, np.arctan2, (-3, 3), (-3, 3), REAL, rule_float, True),
    "hypot": (T.hypot, np.hypot, (-3, 3), (-3, 3), REAL, rule_float, True),
    "lt": (T.lt, np.less, "halves", "halves", REAL, rule_bool, False),
    "gt": (T.gt, np.greater, "halves", "halves", REAL, rule_bool, False),
    "le": (T.le, np.less_equal, "halves", "halves", REAL, rule_bool, False),
    "ge": (T.ge, np.greater_equal, "halves", "halves", REAL, rule_bool, False),
    "eq": (T.eq, np.equal, "halves", "halves", ALL, rule_bool, False),
    "neq": (T.neq, np.not_equal, "halves", "halves", ALL, rule_bool, False),
    "and_": (T.and_, np.bitwise_and, (-3, 3), (-3, 3), DISCRETE, rule_same, False),
    "or_": (T.or_, np.bitwise_or, (-3, 3), (-3, 3), DISCRETE, rule_same, False),
    "xor": (T.xor, np.bitwise_xor, (-3, 3), (-3, 3), DISCRETE, rule_same, False),
    "xlogy0": (T.xlogy0, scipy.special.xlogy, (0, 3), (0.1, 3), REAL, rule_float, True),
    "complex": (T.complex, _complex, (-3, 3), (-3, 3), REAL, rule_complex, True),
    "gammainc": (T.gammainc, scipy.special.gammainc, (0.5, 3), (0.1, 3), REAL, rule_float, True),
    "gammaincc": (T.gammaincc, scipy.special.gammaincc, (0.5, 3), (0.1, 3), REAL, rule_float, True),
    "gammau": (T.gammau, _gammau, (0.5, 3), (0.1, 3), REAL, rule_float, True),
    "gammal": (T.gammal, _gammal, (0.5, 3), (0.1, 3), REAL, rule_float, True),
    "chi2sf": (T.chi2sf, _chi2sf, (0.1, 3), (1, 3), REAL, rule_float, True),
    "jv": (T.jv, scipy.special.jv, (0, 3), (-3, 3), REAL, rule_float, True),
    "iv": (T.iv, scipy.special.iv, (0, 3), (-3, 3), REAL, rule_float, True),
}

# Mixed pairs exercise promotion between tensors (NumPy 2's rule).
MIXED_PAIRS = [
    ("bool", "int8"), ("int8", "uint8"), ("uint8", "int32"), ("int8", "float32"), ("int32", "float32"),
    ("int64", "float32"), ("uint8", "float64"), ("float32", "float64"), ("int32", "int64"),
    ("float32", "complex64"), ("float64", "complex64"), ("int8", "complex64"), ("int64", "complex128"),
]


def _unary_cases():
    for name, (_, _, _, dtypes, _, _) in UNARY.items():
        for dtype in dtypes:
            yield pytest.param(name, dtype, id=f"{name}-{dtype}")


def _binary_cases():
    for name, entry in BINARY.items():
        accepted = entry[4]
        pairs = [(d, d) for d in accepted] + [p for p in MIXED_PAIRS if p[0] in accepted and p[1] in accepted]
        for a, b in pairs:
            yield pytest.param(name, a, b, id=f"{name}-{a}-{b}")


@pytest.mark.parametrize("name, dtype", list(_unary_cases()))
def test_unary_elemwise(name, dtype):
    func, np_func, domain, _, rule, in_float = UNARY[name]
    x = T.tensor(dtype, (False, False), name="x")
    value = make_value(domain, dtype)
    out = func(x)
    expected_dtype = rule(dtype)
    assert out.dtype == expected_dtype
    assert out.broadcastable == (False, False)
    actual = evaluate([x], out, [value])
    check_close(actual, reference(np_func, [value], expected_dtype, in_float), expected_dtype)


@pytest.mark.parametrize("name, dtype_a, dtype_b", list(_binary_cases()))
def test_binary_elemwise(name, dtype_a, dtype_b):
    func, np_func, domain_a, domain_b, _, rule, in_float = BINARY[name]
    a = T.tensor(dtype_a, (False, False), name="a")
    b = T.tensor(dtype_b, (False, False), name="b")
    va = make_value(domain_a, dtype_a, offset=1)
    vb = make_value(domain_b, dtype_b, offset=2)
    out = func(a, b)
    expected_dtype = rule(dtype_a, dtype_b)
    assert out.dtype == expected_dtype
    actual = evaluate([a, b], out, [va, vb])
    check_close(actual, reference(np_func, [va, vb], expected_dtype, in_float), expected_dtype)


def _rejected_unary():
    for name, (_, _, _, dtypes, _, _) in UNARY.items():
        for dtype in set(ALL) - set(dtypes):
            if name in ("sgn", "arccosh") and dtype == "bool":
                continue  # accepted, but not meaningful to compare with NumPy
            yield pytest.param(name, dtype, id=f"{name}-{dtype}")


@pytest.mark.parametrize("name, dtype", sorted(_rejected_unary(), key=lambda p: p.id))
def test_unary_rejects_dtype(name, dtype):
    func = UNARY[name][0]
    with pytest.raises(TypeError):
        func(T.tensor(dtype, (False,)))


@pytest.mark.parametrize("name", ["int_div", "mod", "maximum", "arctan2", "hypot", "lt", "and_", "xlogy0", "complex",
                                  "gammainc", "jv", "chi2sf"])
def test_binary_rejects_complex(name):
    accepted = BINARY[name][4]
    rejected = [d for d in ALL if d not in accepted]
    for dtype in rejected:
        with pytest.raises(TypeError):
            BINARY[name][0](T.tensor(dtype, (False,)), T.tensor(dtype, (False,)))


def test_neg_of_bool_raises():
    with pytest.raises(TypeError, match="bool"):
        T.neg(T.tensor("bool", (False,)))


def test_bitwise_ops_reject_floats():
    with pytest.raises(TypeError, match="float32"):
        T.and_(T.fvector(), T.fvector())
    with pytest.raises(TypeError):
        ~T.dvector()


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_integer_division_and_log_follow_numpy_silently(dtype):
    x = T.tensor(dtype, (False,))
    y = T.tensor(dtype, (False,))
    vx = np.array([3, 0, 7, 5], dtype=dtype)
    vy = np.array([0, 0, 2, 0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quotient, remainder, logs = evaluate([x, y], [x // y, x % y, T.log(x - 4)], [vx, vy])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(quotient, vx // vy)
        np.testing.assert_array_equal(remainder, vx % vy)
        expected_log = np.log((vx - np.array(4, dtype)).astype(float_of(dtype)))
    utt.assert_allclose(logs, expected_log.astype(logs.dtype))


def test_float_division_by_zero_gives_inf_and_nan():
    x = T.dvector()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate([x], [x / 0.0, x // 0.0, x % 0.0, T.log(x), T.sqrt(x)], [np.array([1.0, 0.0, -1.0])])
    with np.errstate(all="ignore"):
        values = np.array([1.0, 0.0, -1.0])
        for got, expected in zip(result, [values / 0.0, values // 0.0, values % 0.0, np.log(values),
                                           np.sqrt(values)]):
            np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------------------------------------
# Functions built from several ops
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "int64"])
@pytest.mark.parametrize("mode", [None, "half_to_even", "half_away_from_zero"])
def test_round_and_iround(dtype, mode):
    x = T.tensor(dtype, (False,))
    value = make_value("halves", dtype, shape=(12,))
    expected = _round_away(value) if mode == "half_away_from_zero" else np.round(value)
    rounded, irounded = evaluate([x], [T.round(x, mode), T.iround(x, mode)], [value])
    assert rounded.dtype == np.dtype(dtype)
    assert irounded.dtype == np.int64
    np.testing.assert_array_equal(rounded, expected.astype(dtype))
    np.testing.assert_array_equal(irounded, expected.astype("int64"))


def test_round_rejects_unknown_mode():
    with pytest.raises(ValueError, match="half_up"):
        T.round(T.dvector(), "half_up")


@pytest.mark.parametrize("cond_dtype", ["bool", "int8", "float64"])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int32", "float32"), ("int8", "uint8"),
                                    ("bool", "bool"), ("complex64", "float64")])
@pytest.mark.parametrize("func", [T.switch, T.where])
def test_switch(cond_dtype, dtypes, func):
    c = T.tensor(cond_dtype, (False, False))
    a = T.tensor(dtypes[0], (False, True))
    b = T.tensor(dtypes[1], (True, False))
    vc = make_value((-1, 1), cond_dtype, shape=(3, 4))
    va = make_value((-3, 3), dtypes[0], shape=(3, 1), offset=1)
    vb = make_value((-3, 3), dtypes[1], shape=(1, 4), offset=2)
    out = func(c, a, b)
    assert out.dtype == str(np.result_type(*dtypes))
    assert out.broadcastable == (False, False)
    check_close(evaluate([c, a, b], out, [vc, va, vb]), np.where(vc, va, vb), out.dtype)


@pytest.mark.parametrize("cond_dtype", ["bool", "int32", "float64"])
@pytest.mark.parametrize("value_dtype", ["int8", "float32"])
def test_switch_with_python_numbers(cond_dtype, value_dtype):
    c = T.tensor(cond_dtype, (False,))
    x = T.tensor(value_dtype, (False,))
    vc = make_value((-1, 1), cond_dtype, shape=(6,))
    vx = make_value((-3, 3), value_dtype, shape=(6,), offset=1)
    weak, both = T.switch(c, x, 2), T.switch(c, 1, 0)
    assert weak.dtype == value_dtype  # the condition's dtype does not matter
    assert both.dtype == "int64"
    got_weak, got_both = evaluate([c, x], [weak, both], [vc, vx])
    np.testing.assert_array_equal(got_weak, np.where(vc, vx, np.asarray(2, value_dtype)))
    np.testing.assert_array_equal(got_both, np.where(vc, 1, 0))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float32", "float64"])
def test_clip(dtype):
    x = T.tensor(dtype, (False,))
    lo = T.tensor(dtype, ())
    hi = T.tensor(dtype, ())
    value = make_value((-5, 5), dtype, shape=(10,))
    bounds = [np.asarray(1, dtype=dtype), np.asarray(3, dtype=dtype)]
    out = T.clip(x, lo, hi)
    assert out.dtype == dtype
    check_close(evaluate([x, lo, hi], out, [value, *bounds]), np.clip(value, *bounds), dtype)
    method = evaluate([x], x.clip(1, 3), [value])
    assert method.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(method, np.clip(value, 1, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_complex_from_polar(dtype):
    r = T.tensor(dtype, (False,))
    theta = T.tensor(dtype, (False,))
    vr = make_value((0, 3), dtype, shape=(5,))
    vt = make_value((-3, 3), dtype, shape=(5,), offset=1)
    out = T.complex_from_polar(r, theta)
    expected_dtype = rule_complex(dtype)
    assert out.dtype == expected_dtype
    expected = vr.astype(float) * np.exp(1j * vt.astype(float))
    check_close(evaluate([r, theta], out, [vr, vt]), expected, expected_dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_allclose(dtype, equal_nan):
    a = T.tensor(dtype, (False,))
    b = T.tensor(dtype, (False,))
    va = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, 1.0, 0.0, np.nan], dtype=dtype)
    vb = np.array([1.0, 1.0 + 1e-9, np.nan, np.inf, np.inf, 1.1, 1e-9, 1.0], dtype=dtype)
    close, all_close = evaluate([a, b], [T.isclose(a, b, equal_nan=equal_nan),
                                         T.allclose(a, b, equal_nan=equal_nan)], [va, vb])
    assert close.dtype == np.bool_
    np.testing.assert_array_equal(close, np.isclose(va, vb, equal_nan=equal_nan))
    assert bool(all_close) == np.allclose(va, vb, equal_nan=equal_nan)
    assert bool(evaluate([a], T.allclose(a, a + 1e-12), [va[:2]]))


@pytest.mark.parametrize("src", ALL)
@pytest.mark.parametrize("dst", ALL + ("int16", "uint16", "uint32", "uint64", "float16"))
def test_cast(src, dst):
    x = T.tensor(src, (False,))
    value = make_value((-3, 3), src, shape=(6,))
    if src.startswith("complex") and not dst.startswith("complex"):
        with pytest.raises(TypeError, match="complex"):
            T.cast(x, dst)
        return
    out = T.cast(x, dst)
    assert out.dtype == dst
    if src == dst:
        assert out is x
    with np.errstate(all="ignore"):
        expected = value.astype(dst)
    np.testing.assert_array_equal(evaluate([x], out, [value]), expected)
    assert evaluate([x], x.astype(dst), [value]).dtype == np.dtype(dst)


def test_cast_floatx_and_named_converters():
    x = T.ivector()
    with theano.change_flags(floatX="float32"):
        assert T.cast(x, "floatX").dtype == "float32"
    assert theano.tensor.basic._convert_to_int8(x).dtype == "int8"
    assert theano.tensor.basic._convert_to_float64(x).dtype == "float64"


# ------------------------------------------------------------------------------------------
# Dtypes of Python scalars next to tensors ("weak" scalars, NEP 50)
# ------------------------------------------------------------------------------------------

WEAK_CASES = [
    # (tensor dtype, operation, python value, expected dtype with floatX=float64)
    ("float32", "mul", 1.5, "float32"),
    ("float32", "add", 1, "float32"),
    ("float32", "add", 2 ** 40, "float32"),
    ("float64", "add", 1.5, "float64"),
    ("int32", "add", 2, "int32"),
    ("int32", "add", 2 ** 40, "int64"),
    ("int8", "add", 1000, "int16"),
    ("int8", "add", -1000, "int16"),
    ("int8", "add", 100, "int8"),
    ("uint8", "add", 300, "uint16"),
    ("uint8", "add", -1, "int16"),
    ("int32", "mul", 1.5, "float64"),
    ("int8", "mul", 1.5, "float64"),
    ("bool", "add", 1, "int64"),
    ("float32", "mul", 1j, "complex64"),
    ("int32", "mul", 1j, "complex128"),
    ("float32", "add", True, "float32"),
    ("int8", "and_", True, "int8"),
    ("int32", "true_div", 2, "float64"),
    ("float32", "true_div", 2, "float32"),
    ("complex64", "add", 1.5, "complex64"),
]


@pytest.mark.parametrize("dtype, op, value, expected", WEAK_CASES)
@pytest.mark.parametrize("reflected", [False, True])
def test_python_scalars_are_weak(dtype, op, value, expected, reflected):
    x = T.tensor(dtype, (False,))
    func = getattr(T, op)
    out = func(value, x) if reflected else func(x, value)
    assert out.dtype == expected
    vx = make_value("nonzero" if op == "true_div" else (0, 3), dtype, shape=(4,))
    actual = evaluate([x], out, [vx])
    with np.errstate(all="ignore"):
        np_value = np.asarray(value, dtype=expected)
        expected_value = getattr(np, {"mul": "multiply", "and_": "bitwise_and", "true_div": "true_divide"}.get(
            op, op))(*((np_value, vx.astype(expected)) if reflected else (vx.astype(expected), np_value)))
    check_close(actual, expected_value, expected)


def test_python_scalars_under_floatx_float32():
    with theano.change_flags(floatX="float32"):
        assert (T.bvector() * 1.5).dtype == "float32"
        assert (T.fvector() * 1.5).dtype == "float32"
        assert (T.dvector() * 1.5).dtype == "float64"
        assert (T.bvector() / T.bvector()).dtype == "float32"
        assert (T.lvector() / T.lvector()).dtype == "float32"
        assert T.constant(1.5).dtype == "float32"


def test_standalone_constants():
    assert T.constant(1.5).dtype == theano.config.floatX
    assert T.constant(3).dtype == "int64"
    assert T.constant(True).dtype == "bool"
    assert T.constant(1j).dtype == "complex128"
    assert (T.constant(3) + T.constant(1.5)).dtype == "float64"


def test_python_scalar_values_are_exact():
    x = T.bvector()
    out = x + 1000
    assert out.dtype == "int16"
    value = np.array([-128, 0, 127], dtype="int8")
    np.testing.assert_array_equal(evaluate([x], out, [value]), value.astype("int16") + 1000)


# ------------------------------------------------------------------------------------------
# Operators of TensorVariable
# ------------------------------------------------------------------------------------------

BINARY_OPERATORS = [
    ("+", np.add), ("-", np.subtract), ("*", np.multiply), ("/", np.true_divide), ("//", np.floor_divide),
    ("%", np.mod), ("**", np.power), ("<", np.less), ("<=", np.less_equal), (">", np.greater),
    (">=", np.greater_equal),
]


def _apply(symbol, a, b):
    return eval(f"a {symbol} b", {}, {"a": a, "b": b})  # noqa: S307  (operators under test)


@pytest.mark.parametrize("symbol, np_func", BINARY_OPERATORS)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "int32"), ("int64", "int8")])
def test_binary_operators(symbol, np_func, dtypes):
    a = T.tensor(dtypes[0], (False,))
    b = T.tensor(dtypes[1], (False,))
    va = make_value((1, 4), dtypes[0], shape=(5,))
    vb = make_value((1, 3), dtypes[1], shape=(5,), offset=1)
    out = _apply(symbol, a, b)
    got = evaluate([a, b], out, [va, vb])
    expected = np_func(va, vb)
    if symbol == "/" and expected.dtype.kind in "iu":
        expected = expected.astype(theano.config.floatX)
    assert got.dtype == expected.dtype or (symbol == "/" and got.dtype == np.dtype(theano.config.floatX))
    utt.assert_allclose(got, expected.astype(got.dtype))


@pytest.mark.parametrize("symbol, np_func", BINARY_OPERATORS)
def test_reflected_operators_with_numbers_and_arrays(symbol, np_func):
    x = T.dvector()
    vx = make_value((1, 4), "float64", shape=(3,))
    left = np.array([1.0, 2.5, 3.0])
    for other in (2, 1.5, left):
        out = _apply(symbol, other, x)
        assert isinstance(out, T.TensorVariable)
        got = evaluate([x], out, [vx])
        utt.assert_allclose(got, np_func(other, vx).astype(got.dtype))


def test_reflected_operator_with_float32_array_on_the_left():
    x = T.fvector()
    out = np.ones(3) + x
    assert out.dtype == "float64"
    out32 = np.ones(3, dtype="float32") * x
    assert out32.dtype == "float32"
    vx = np.array([1, 2, 3], dtype="float32")
    np.testing.assert_array_equal(evaluate([x], out32, [vx]), vx)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int32"])
def test_bitwise_operators(dtype):
    a = T.tensor(dtype, (False,))
    b = T.tensor(dtype, (False,))
    va = make_value((-3, 3), dtype, shape=(6,))
    vb = make_value((-3, 3), dtype, shape=(6,), offset=1)
    got = evaluate([a, b], [a & b, a | b, a ^ b, ~a, 1 & a if dtype != "bool" else True & a], [va, vb])
    expected = [va & vb, va | vb, va ^ vb, ~va, (1 if dtype != "bool" else True) & va]
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("dtype", ["int8", "float32", "complex128"])
def test_unary_operators(dtype):
    x = T.tensor(dtype, (False,))
    value = make_value((-3, 3), dtype, shape=(5,))
    neg, absolute, pos = evaluate([x], [-x, abs(x), +x], [value])
    np.testing.assert_array_equal(neg, -value)
    assert neg.dtype == value.dtype
    np.testing.assert_array_equal(absolute, np.abs(value))
    assert absolute.dtype == np.abs(value).dtype
    np.testing.assert_array_equal(pos, value)


def test_matmul_operator():
    if not hasattr(T, "dot"):
        pytest.skip("T.dot is not available yet")
    a = T.dmatrix()
    b = T.dvector()
    va = make_value((-1, 1), "float64", shape=(2, 3))
    vb = make_value((-1, 1), "float64", shape=(3,))
    utt.assert_allclose(evaluate([a, b], a @ b, [va, vb]), va @ vb)
    utt.assert_allclose(evaluate([b], np.ones((2, 3)) @ b, [vb]), np.ones((2, 3)) @ vb)


def test_equality_is_not_overloaded_and_bool_raises():
    x = T.dvector()
    y = T.dvector()
    assert (x == x) is True
    assert (x == y) is False
    assert (x != y) is True
    assert hash(x) != hash(y) or x is not y
    with pytest.raises(TypeError, match="boolean"):
        bool(x)
    with pytest.raises(TypeError):
        bool(x < y)
    with pytest.raises(TypeError):
        if x > 0:
            pass


def test_mod_of_complex_raises():
    with pytest.raises(TypeError, match="complex"):
        T.zvector() % 2


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_ceil_intdiv(dtype):
    a = T.tensor(dtype, (False,))
    b = T.tensor(dtype, (False,))
    va = np.array([7, -7, 6, 0, -6, 5], dtype=dtype)
    vb = np.array([2, 2, 3, 4, -4, -3], dtype=dtype)
    out = T.ceil_intdiv(a, b)
    assert out.dtype == dtype
    np.testing.assert_array_equal(evaluate([a, b], out, [va, vb]), np.ceil(va / vb).astype(dtype))


def test_divmod():
    x = T.ivector()
    y = T.ivector()
    vx = np.array([7, -7, 5], dtype="int32")
    vy = np.array([2, 2, -3], dtype="int32")
    q, r = evaluate([x, y], list(divmod(x, y)), [vx, vy])
    eq, er = np.divmod(vx, vy)
    np.testing.assert_array_equal(q, eq)
    np.testing.assert_array_equal(r, er)


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2), (-1, 0), ()]
SHAPE = (2, 3, 4)


def _axis_id(axis):
    return "None" if axis is None else str(axis).replace(" ", "")


def _x3(dtype):
    return T.tensor(dtype, (False, False, False), name="x")


def _v3(dtype, domain=(-3, 3), shape=SHAPE):
    return make_value(domain, dtype, shape=shape)


def _expected_shape_keepdims(shape, axis):
    if axis is None:
        return (1,) * len(shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = [a % len(shape) for a in axes]
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, tuple) else axis


REDUCTIONS = {
    # name: (theano function, numpy function, accepted dtypes, domain)
    "sum": (T.sum, np.sum, ALL, (-3, 3)),
    "prod": (T.prod, np.prod, ALL, (-2, 2)),
    "max": (T.max, np.max, REAL, (-3, 3)),
    "min": (T.min, np.min, REAL, (-3, 3)),
    "all": (T.all, np.all, ALL, (-1, 1)),
    "any": (T.any, np.any, ALL, (-1, 1)),
    "mean": (T.mean, np.mean, ALL, (-3, 3)),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("axis", AXES, ids=_axis_id)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction(name, dtype, axis, keepdims):
    func, np_func, dtypes, domain = REDUCTIONS[name]
    if dtype not in dtypes:
        with pytest.raises(TypeError, match="complex"):
            func(_x3(dtype), axis=axis, keepdims=keepdims)
        return
    if name in ("max", "min") and axis == ():
        pytest.skip("NumPy does not define max over no axis")
    x = _x3(dtype)
    value = _v3(dtype, domain)
    out = func(x, axis=axis, keepdims=keepdims)
    expected = np.asarray(np_func(value, axis=_np_axis(axis), keepdims=keepdims))
    if name == "mean" and dtype in ("float32", "complex64"):
        expected = expected.astype(dtype)
    assert out.dtype == str(expected.dtype), f"{out.dtype} != {expected.dtype}"
    assert out.ndim == expected.ndim
    got = evaluate([x], out, [value])
    assert got.shape == expected.shape
    check_close(got, expected, str(expected.dtype))
    if keepdims:
        assert all(out.broadcastable[i] for i, s in enumerate(_expected_shape_keepdims(SHAPE, axis))
                   if s == 1 and SHAPE[i] != 1)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "all", "any", "mean"])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=_axis_id)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_infer_shape(name, axis, keepdims):
    x = _x3("float64")
    out = REDUCTIONS[name][0](x, axis=axis, keepdims=keepdims)
    utt.check_infer_shape([x], [out], [_v3("float64")])


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "all", "any", "mean", "var", "std",
                                  "argmax", "argmin"])
def test_reduction_methods(name):
    x = _x3("float64")
    value = _v3("float64")
    got = evaluate([x], getattr(x, name)(axis=1), [value])
    utt.assert_allclose(got, getattr(np, name)(value, axis=1))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "float32", "float64", "bool"])
@pytest.mark.parametrize("out_dtype", [None, "int64", "float64", "float32", "int32"])
@pytest.mark.parametrize("func", ["sum", "prod"])
def test_sum_prod_dtype_argument(dtype, out_dtype, func):
    x = T.tensor(dtype, (False, False))
    value = make_value((-2, 3), dtype, shape=(3, 4))
    out = getattr(T, func)(x, axis=0, dtype=out_dtype)
    if dtype.startswith("float") and out_dtype is not None and out_dtype.startswith("int"):
        # Theano accumulates in float64, then casts (NumPy would cast every element first)
        expected = getattr(np, func)(value.astype("float64"), axis=0).astype(out_dtype)
    else:
        expected = getattr(np, func)(value, axis=0, dtype=out_dtype)
    assert out.dtype == str(expected.dtype)
    check_close(evaluate([x], out, [value]), expected, str(expected.dtype))


@pytest.mark.parametrize("func", ["sum", "prod"])
def test_sum_prod_acc_dtype(func):
    x = T.bvector()
    value = np.full(50, 100, dtype="int8") if func == "sum" else np.full(10, 3, dtype="int8")
    out = getattr(T, func)(x, dtype="int8", acc_dtype="int64")
    assert out.dtype == "int8"
    got = evaluate([x], out, [value])
    expected = getattr(np, func)(value.astype("int64")).astype("int8")
    np.testing.assert_array_equal(got, expected)
    wide = getattr(T, func)(x, acc_dtype="int64")
    assert wide.dtype == "int64"
    np.testing.assert_array_equal(evaluate([x], wide, [value]), getattr(np, func)(value.astype("int64")))


def test_sum_rejects_narrow_acc_dtype():
    with pytest.raises(TypeError, match="acc_dtype"):
        T.sum(T.dvector(), dtype="float64", acc_dtype="float32")


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "bool", "uint8"])
def test_mean_of_ints_is_float64(dtype):
    x = T.tensor(dtype, (False, False))
    value = make_value((-3, 3), dtype, shape=(3, 4))
    for axis in (None, 0, 1):
        out = T.mean(x, axis=axis)
        assert out.dtype == "float64"
        utt.assert_allclose(evaluate([x], out, [value]), np.mean(value, axis=axis))


def test_mean_dtype_argument():
    x = T.ivector()
    out = T.mean(x, dtype="float32")
    assert out.dtype == "float32"
    value = np.array([1, 2, 4], dtype="int32")
    utt.assert_allclose(evaluate([x], out, [value]), np.mean(value, dtype="float32"))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "complex128"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)], ids=_axis_id)
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("keepdims, corrected", [(False, False), (True, False), (False, True)])
def test_var_std(dtype, axis, ddof, keepdims, corrected):
    x = _x3(dtype)
    value = _v3(dtype)
    v = T.var(x, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)
    s = T.std(x, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)
    ev = np.var(value, axis=_np_axis(axis), ddof=ddof, keepdims=keepdims)
    es = np.std(value, axis=_np_axis(axis), ddof=ddof, keepdims=keepdims)
    assert v.dtype == str(ev.dtype)
    assert s.dtype == str(es.dtype)
    gv, gs = evaluate([x], [v, s], [value])
    utt.assert_allclose(gv, ev)
    utt.assert_allclose(gs, es)
    utt.check_infer_shape([x], [v, s], [value])


ARG_AXES = [None, 0, 1, -1, (0, 2), (1, 2), (0, 1, 2)]


def _np_arg(func, value, axis):
    if axis is None:
        return np.asarray(func(value))
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = [a % value.ndim for a in axes]
    kept = [i for i in range(value.ndim) if i not in axes]
    moved = np.transpose(value, kept + axes)
    flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
    return np.asarray(func(flat, axis=-1))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int64", "float32", "float64"])
@pytest.mark.parametrize("axis", ARG_AXES, ids=_axis_id)
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin_max_and_argmax(dtype, axis, keepdims):
    x = _x3(dtype)
    value = make_value((-2, 2), dtype, shape=SHAPE)  # small range: ties pick the first index
    outs = [T.argmax(x, axis=axis, keepdims=keepdims), T.argmin(x, axis=axis, keepdims=keepdims),
            *T.max_and_argmax(x, axis=axis, keepdims=keepdims)]
    got = evaluate([x], outs, [value])
    arg_max = _np_arg(np.argmax, value, axis)
    arg_min = _np_arg(np.argmin, value, axis)
    maximum = np.max(value, axis=_np_axis(axis))
    if keepdims:
        shape = _expected_shape_keepdims(SHAPE, axis)
        arg_max, arg_min, maximum = (a.reshape(shape) for a in (arg_max, arg_min, maximum))
    for g, e, out in zip(got, [arg_max, arg_min, maximum, arg_max], outs):
        assert out.dtype == ("int64" if e is not maximum else dtype)
        assert g.dtype == np.dtype(out.dtype)
        np.testing.assert_array_equal(g, e)
    utt.check_infer_shape([x], outs, [value])


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32", "float64"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=_axis_id)
def test_ptp(dtype, axis):
    x = T.tensor(dtype, (False, False))
    value = make_value((-5, 5), dtype, shape=(3, 4))
    out = T.ptp(x, axis=axis)
    expected = np.ptp(value, axis=axis)
    assert out.dtype == str(expected.dtype)
    check_close(evaluate([x], out, [value]), expected, str(expected.dtype))
    utt.assert_allclose(evaluate([x], x.ptp(axis), [value]), expected)


@pytest.mark.parametrize("func", [T.max, T.min, T.argmax, T.argmin])
@pytest.mark.parametrize("axis", [None, 0, (0, 1)], ids=_axis_id)
def test_empty_max_raises(func, axis):
    x = T.dmatrix()
    fn = theano.function([x], func(x, axis=axis))
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((0, 3)))


def test_empty_reductions_with_identity():
    x = T.dmatrix()
    value = np.zeros((0, 3))
    got = evaluate([x], [T.sum(x), T.prod(x, axis=0), T.all(x), T.any(x, axis=0), T.max(x, axis=1)], [value])
    np.testing.assert_array_equal(got[0], 0.0)
    np.testing.assert_array_equal(got[1], np.ones(3))
    assert bool(got[2]) is True
    np.testing.assert_array_equal(got[3], np.zeros(3, dtype=bool))
    assert got[4].shape == (0,)


@pytest.mark.parametrize("func", [T.sum, T.max, T.argmax, T.mean])
@pytest.mark.parametrize("axis", [3, -4, (0, 0)], ids=_axis_id)
def test_bad_axis_raises(func, axis):
    with pytest.raises((ValueError, IndexError), match="axis"):
        func(_x3("float64"), axis=axis)


def test_reduction_of_broadcastable_axes_and_symbolic_axis():
    x = T.tensor("float64", (False, True, False))
    value = _v3("float64", shape=(2, 1, 4))
    out = T.sum(x, axis=1)
    assert out.broadcastable == (False, False)
    utt.assert_allclose(evaluate([x], out, [value]), value.sum(axis=1))
    kept = T.max(x, axis=(0, 2), keepdims=True)
    assert kept.broadcastable == (True, True, True)
    utt.assert_allclose(evaluate([x], kept, [value]), value.max(axis=(0, 2), keepdims=True))
    const_axis = T.sum(x, axis=np.int64(2))
    utt.assert_allclose(evaluate([x], const_axis, [value]), value.sum(axis=2))


def test_var_ddof_must_be_an_integer():
    with pytest.raises(ValueError, match="ddof"):
        T.var(T.dvector(), ddof=True)
    with pytest.raises(ValueError, match="ddof"):
        T.var(T.dvector(), ddof=0.5)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_argmax_of_complex_raises(dtype):
    for func in (T.argmax, T.argmin, T.max_and_argmax):
        with pytest.raises(TypeError, match="complex"):
            func(T.tensor(dtype, (False,)))


# ------------------------------------------------------------------------------------------
# TensorVariable methods and attributes that use this module
# ------------------------------------------------------------------------------------------

def test_variable_attributes():
    x = T.tensor("float32", (False, True, False))
    assert x.ndim == 3 and x.dtype == "float32" and x.broadcastable == (False, True, False)
    vx = make_value((-3, 3), "float32", shape=(2, 1, 4))
    got = evaluate([x], [x.T, x.size, x.sum(), x.astype("int8")], [vx])
    np.testing.assert_array_equal(got[0], vx.T)
    assert got[1] == vx.size
    utt.assert_allclose(got[2], vx.sum())
    np.testing.assert_array_equal(got[3], vx.astype("int8"))
    z = T.zvector()
    vz = make_value((-3, 3), "complex128", shape=(3,))
    re, im, cj = evaluate([z], [z.real, z.imag, z.conj()], [vz])
    np.testing.assert_array_equal(re, vz.real)
    np.testing.assert_array_equal(im, vz.imag)
    np.testing.assert_array_equal(cj, vz.conj())
    assert z.conjugate().dtype == "complex128"


@pytest.mark.parametrize("order", [1, 2, 3, np.inf])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_norm_method(order, axis):
    x = T.dmatrix()
    vx = make_value((-3, 3), "float64", shape=(3, 4))
    expected = np.max(np.abs(vx), axis=axis) if np.isinf(order) else np.sum(np.abs(vx) ** order, axis=axis) ** (
        1.0 / order)
    utt.assert_allclose(evaluate([x], x.norm(order, axis=axis), [vx]), expected)
    with pytest.raises(NotImplementedError):
        x.norm(0)


def test_iteration():
    m = T.dmatrix()
    rows, cols = m.shape
    vm = np.zeros((2, 5))
    assert [int(v) for v in evaluate([m], [rows, cols], [vm])] == [2, 5]
    assert len(list(m.shape)) == 2
    with pytest.raises(TypeError, match="iteration"):
        list(m)
    with pytest.raises(TypeError, match="iteration"):
        for _ in T.dvector():
            pass


def test_cast_of_nan_and_inf_to_int_is_silent():
    x = T.dvector()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = evaluate([x], T.cast(x, "int32"), [np.array([np.nan, np.inf, 1.5])])
    assert got.dtype == np.int32 and got[2] == 1


def test_len_setitem_round_method():
    x = T.dvector()
    with pytest.raises(TypeError, match="len"):
        len(x)
    with pytest.raises(TypeError, match="set_subtensor"):
        x[0] = 1
    value = np.array([0.5, 1.5, 2.5, -0.5])
    rounded, away = evaluate([x], [x.round(), x.round("half_away_from_zero")], [value])
    np.testing.assert_array_equal(rounded, np.round(value))
    np.testing.assert_array_equal(away, _round_away(value))


@pytest.mark.parametrize("func, np_func", [(T.largest, np.maximum), (T.smallest, np.minimum)])
def test_largest_smallest(func, np_func):
    a, b, c = T.dvector(), T.dvector(), T.drow()
    va, vb, vc = (make_value((-3, 3), "float64", shape=s, offset=i) for i, s in enumerate([(4,), (4,), (1, 4)]))
    out = func(a, b, c)
    assert out.broadcastable == (True, False)
    utt.assert_allclose(evaluate([a, b, c], out, [va, vb, vc]), np_func(np_func(va, vb), vc))
    assert func(a) is a
    assert func(2, a).dtype == "float64"
    with pytest.raises(TypeError):
        func()
