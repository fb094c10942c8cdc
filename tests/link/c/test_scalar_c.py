"""The C expressions of scalar ops against their Python implementations (``op.impl_arrays``).

Every (op, input dtypes) case below becomes one small C function applying the op's expression in a
loop; all of them are compiled into ONE shared library for the module, called through ctypes on
arrays of edge values (0, -1, integer limits, NaN, infinities, -0.0, tiny and huge floats) and
compared with NumPy: exactly for integer and boolean results and for float arithmetic, within a
few ULPs for libm's math functions.
"""

from __future__ import annotations

import ctypes
import itertools

import numpy as np
import pytest

import theano
from theano.link.c import cache, compiler, runtime, scalar_c
from theano.link.c.types import c_type
from theano.scalar import basic as sb
from theano.scalar.type import get_scalar_type

INTS = ("int8", "int16", "int32", "int64")
UINTS = ("uint8", "uint16", "uint32", "uint64")
FLOATS = ("float32", "float64")
DTYPES = ("bool", *INTS, *UINTS, *FLOATS)

# mixed pairs of input dtypes, besides each dtype with itself
MIXED_PAIRS = [
    ("int8", "uint8"), ("uint16", "int16"), ("int32", "uint32"), ("int64", "uint64"), ("uint64", "int64"),
    ("int8", "uint64"), ("uint64", "int32"), ("bool", "int8"), ("uint8", "bool"), ("bool", "float32"),
    ("int16", "int64"), ("uint32", "int8"), ("int32", "float32"), ("int64", "float32"), ("uint8", "float64"),
    ("float32", "float64"), ("float64", "float32"), ("float32", "int8"),
]
PAIRS = [(d, d) for d in DTYPES] + MIXED_PAIRS
# ops whose result is a float for any input share the conversion of integers: fewer dtypes for them
FLOAT_RULES = (sb.upgrade_to_float, sb.upgrade_to_float_no_complex, sb.true_div_out)
FLOAT_OP_DTYPES = ("bool", "int8", "uint16", "int32", "uint64", "float32", "float64")
FLOAT_OP_PAIRS = [("float32", "float32"), ("float64", "float64"), ("int8", "int8"), ("int16", "int16"),
                  ("uint32", "uint32"), ("int64", "uint64"), ("bool", "float32"), ("int32", "float32"),
                  ("float32", "float64"), ("float64", "float32"), ("uint8", "float64")]
TRIPLES = [("float32",) * 3, ("float64",) * 3, ("int8",) * 3, ("int8", "int8", "int16"), ("uint8", "int8", "int8"),
           ("float32", "float32", "float64"), ("int32", "float32", "float32"), ("bool", "uint64", "int64"),
           ("int64", "int64", "uint64"), ("uint32",) * 3, ("bool",) * 3]

# ops with no C rendering, and why (asserted below)
NO_C = {
    "erfcx": "SciPy only", "erfinv": "SciPy only", "erfcinv": "SciPy only", "psi": "SciPy only",
    "tri_gamma": "SciPy only", "chi2sf": "SciPy only", "gammainc": "SciPy only", "gammaincc": "SciPy only",
    "gammau": "SciPy only", "gammal": "SciPy only", "jv": "SciPy only", "iv": "SciPy only", "i0": "SciPy only",
    "i1": "SciPy only", "j0": "glibc's differs from SciPy's", "j1": "glibc's differs from SciPy's",
    "complex": "complex output",
}

# results equal to NumPy's within this many units in the last place (0: exactly, sign of zero included)
ULPS = {
    "exp": 4, "exp2": 4, "expm1": 4, "log": 4, "log2": 4, "log10": 4, "log1p": 4, "log1mexp": 4, "sin": 4,
    "cos": 4, "tan": 4, "arcsin": 4, "arccos": 4, "arctan": 4, "sinh": 4, "cosh": 4, "tanh": 4, "arcsinh": 4,
    "arccosh": 4, "arctanh": 4, "arctan2": 4, "hypot": 4, "pow": 4, "erf": 4, "gamma": 8, "sigmoid": 4,
    "softplus": 4, "xlogx": 4, "xlogy0": 4, "angle": 4,
    # SciPy's erfc loses ~1e-14 relative far in the tail, its gammaln near its roots (glibc is right there:
    # checked against mpmath)
    "erfc": 512, "gammaln": 256,
}
# xlogy0(int, float32) is float64 but its log is taken in float32 (as NumPy does): glibc's vector logf
# and NumPy's may round that float32 differently, which is 2**29 float64 ULPs.
ULPS["xlogy0"] = 2**30


def _all_ops() -> list[sb.ScalarOp]:
    ops = {id(v): v for v in vars(sb).values() if isinstance(v, sb.ScalarOp) and not isinstance(v, sb.Composite)}
    return sorted(ops.values(), key=lambda op: op.name)


ALL_OPS = _all_ops()
C_OPS = [op for op in ALL_OPS if op.name not in NO_C]


def _edge_values(dtype: str) -> np.ndarray:
    if dtype == "bool":
        return np.array([False, True])
    info = np.iinfo(dtype) if dtype not in FLOATS else np.finfo(dtype)
    if dtype in UINTS:
        values = [0, 1, 2, 3, 7, 100, 200, info.max, info.max - 1]
    elif dtype in INTS:
        values = [0, 1, -1, 2, -2, 3, -3, 7, -7, 100, -100, info.max, info.min, info.max - 1, info.min + 1]
    else:
        values = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.0, -7.25, 0.1, -0.7, 30.5, -30.5,
                  100.0, 1e-30, 1e30, -1e30, float(info.max), float(info.smallest_subnormal), np.nan, np.inf,
                  -np.inf]
    return np.array(values, dtype=dtype)


def _unary_values(dtype: str) -> np.ndarray:
    values = _edge_values(dtype)
    if dtype in FLOATS:
        rng = np.random.default_rng(42)
        spread = 10.0 ** rng.uniform(-8, 8, 150) * rng.choice([-1, 1], 150)
        values = np.concatenate([values, rng.uniform(-20, 20, 150).astype(dtype), spread.astype(dtype)])
    return values


def _inputs(dtypes: tuple[str, ...]) -> list[np.ndarray]:
    """Every combination of edge values (a subset of them for three inputs)."""
    if len(dtypes) == 1:
        return [_unary_values(dtypes[0])]
    pools = [_edge_values(d) for d in dtypes]
    if len(dtypes) > 2:
        pools = [pool[np.linspace(0, len(pool) - 1, 8).astype(int)] if len(pool) > 8 else pool for pool in pools]
    grids = np.meshgrid(*pools, indexing="ij")
    return [np.ascontiguousarray(g.ravel()) for g in grids]


def _out_dtype(op, dtypes) -> str | None:
    """The op's output dtype for these inputs; None when its type rule or NumPy refuses them."""
    try:
        out = op.output_types([get_scalar_type(d) for d in dtypes])[0].dtype
        with np.errstate(all="ignore"):
            op.impl_arrays([np.ones(1, dtype=d) for d in dtypes], [out])
    except (TypeError, NotImplementedError):
        return None
    return out


def _cases() -> list[tuple]:
    """(op, input dtypes, output dtype) of every case compiled into the test library."""
    cases = []
    for op in C_OPS:
        if isinstance(op, sb.Cast):
            continue
        nin = op.nin if op.nin >= 0 else 2
        if getattr(op, "output_types_preference", None) in FLOAT_RULES:
            combos = {1: [(d,) for d in FLOAT_OP_DTYPES], 2: FLOAT_OP_PAIRS}[nin]
        else:
            combos = {1: [(d,) for d in DTYPES], 2: PAIRS, 3: TRIPLES}[nin]
        if op in (sb.add, sb.mul):
            combos = combos + TRIPLES
        for dtypes in combos:
            out = _out_dtype(op, dtypes)
            if out is not None and out in DTYPES:
                cases.append((op, dtypes, out))
    for have, want in itertools.product(DTYPES, DTYPES):
        cases.append((sb.get_cast(want), (have,), want))
    return cases


CASES = _cases()


def _function_source(index: int, op, dtypes, out) -> str:
    args = [f"i{k}" for k in range(len(dtypes))]
    expression = scalar_c.c_expression(op, args, list(dtypes), out)
    assert expression is not None, f"{op}{dtypes} -> {out} has no C expression"
    params = ", ".join(f"const {c_type(d)} *restrict a{k}" for k, d in enumerate(dtypes))
    loads = "\n".join(f"        const {c_type(d)} i{k} = a{k}[k];" for k, d in enumerate(dtypes))
    return (f"/* {op}({', '.join(dtypes)}) -> {out} */\n"
            f"TH_EXPORT void f{index}({params}, {c_type(out)} *restrict out, int64_t n) {{\n"
            f"    for (int64_t k = 0; k < n; k++) {{\n{loads}\n        out[k] = {expression};\n    }}\n}}\n")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The compiled functions of every case, by (op name, input dtypes)."""
    if not compiler.have_compiler():
        pytest.skip("no C compiler")
    source = runtime.header() + runtime.mvec_declarations() + scalar_c.support_code() + "\n"
    source += "\n".join(_function_source(k, *case) for k, case in enumerate(CASES))
    cache.forget_loaded_modules()
    with theano.change_flags(compiledir=str(tmp_path_factory.mktemp("compiledir"))):
        lib = cache.get_module(source, "test_scalar_c", kind="library")
    cache.forget_loaded_modules()
    functions = {}
    for k, (op, dtypes, _) in enumerate(CASES):
        function = getattr(lib, f"f{k}")
        function.restype = None
        function.argtypes = [ctypes.c_void_p] * (len(dtypes) + 1) + [ctypes.c_int64]
        functions[(op.name, dtypes)] = function
    return functions


def run_c(library, op, inputs: list[np.ndarray], out: str) -> np.ndarray:
    result = np.empty(len(inputs[0]), dtype=out)
    pointers = [x.ctypes.data for x in inputs] + [result.ctypes.data]
    library[(op.name, tuple(str(x.dtype) for x in inputs))](*pointers, len(result))
    return result


def _valid(op, inputs: list[np.ndarray], out: str) -> np.ndarray:
    """Where the Python implementation is defined (NumPy raises for negative integer powers, and a
    float cast to an integer out of its range is undefined) and right (SciPy's gammaln overflows to inf
    for subnormal x)."""
    mask = np.ones(len(inputs[0]), dtype=bool)
    if op is sb.gammaln:
        mask &= ~(np.abs(inputs[0]) < 1e-300) | (inputs[0] == 0)
    if op is sb.pow and np.dtype(out).kind in "iu":
        mask &= inputs[1] >= 0
    if isinstance(op, sb.Cast) and inputs[0].dtype.kind == "f" and np.dtype(out).kind in "iu":
        info = np.iinfo(out)
        with np.errstate(invalid="ignore"):
            truncated = np.trunc(inputs[0].astype(np.float64))
        mask &= np.array([np.isfinite(t) and info.min <= int(t) <= info.max for t in truncated])
    return mask


def _ordered(x: np.ndarray) -> np.ndarray:
    """Float bits as integers ordered like the floats (-0.0 and 0.0 both 0)."""
    bits = x.view(np.int32 if x.dtype == np.float32 else np.int64).astype(np.int64)
    sign_bit = np.int64(-(2**31)) if x.dtype == np.float32 else np.int64(-(2**63))
    return np.where(bits < 0, sign_bit - bits, bits)


def assert_matches(op, inputs, got: np.ndarray, expected: np.ndarray, ulps: int) -> None:
    def where(bad):
        first = np.flatnonzero(bad)[:5]
        shown = ", ".join(f"{op}({', '.join(repr(x[i]) for x in inputs)}) = {got[i]!r}, expected {expected[i]!r}"
                          for i in first)
        return f"{int(bad.sum())} wrong values of {op}{tuple(str(x.dtype) for x in inputs)}: {shown}"

    assert got.dtype == expected.dtype
    if got.dtype.kind != "f":
        assert np.array_equal(got, expected), where(got != expected)
        return
    nan_got, nan_expected = np.isnan(got), np.isnan(expected)
    assert np.array_equal(nan_got, nan_expected), where(nan_got != nan_expected)
    ok = ~nan_got
    with np.errstate(over="ignore"):
        distance = np.abs(_ordered(got[ok]) - _ordered(expected[ok]))
    bad = np.zeros(len(got), dtype=bool)
    bad[ok] = distance > ulps
    if ulps == 0:
        bad[ok] |= np.signbit(got[ok]) != np.signbit(expected[ok])
    assert not bad.any(), where(bad)


def _check_case(library, op, dtypes, out):
    inputs = _inputs(dtypes)
    got = run_c(library, op, inputs, out)
    mask = _valid(op, inputs, out)
    kept = [x[mask] for x in inputs]
    with np.errstate(all="ignore"):
        expected = op.impl_arrays(kept, [out])[0]
    assert_matches(op, kept, got[mask], np.asarray(expected), ULPS.get(op.name, 0))


@pytest.mark.parametrize("op", [op for op in C_OPS if not isinstance(op, sb.Cast)], ids=lambda op: op.name)
def test_op_matches_python(library, op):
    cases = [(dtypes, out) for case_op, dtypes, out in CASES if case_op is op]
    assert cases
    for dtypes, out in cases:
        _check_case(library, op, dtypes, out)


@pytest.mark.parametrize("want", DTYPES)
def test_cast_matches_astype(library, want):
    for have in DTYPES:
        _check_case(library, sb.get_cast(want), (have,), want)


@pytest.mark.parametrize("dtype", INTS)
def test_negative_integer_power_gives_integer_part(library, dtype):
    # NumPy raises for these; C gives the integer part of the exact power
    base = np.array([0, 1, -1, -1, 2, -2, 7, np.iinfo(dtype).min], dtype=dtype)
    exponent = np.array([-1, -5, -1, -2, -1, -3, -2, -1], dtype=dtype)
    got = run_c(library, sb.pow, [base, exponent], dtype)
    np.testing.assert_array_equal(got, np.array([0, 1, -1, 1, 0, 0, 0, 0], dtype=dtype))


def test_gammaln_of_subnormals_is_finite(library):
    # SciPy gives inf (its 1/x overflows); the true value is -log(x)
    x = np.array([5e-324, 1e-310, -1e-310])
    got = run_c(library, sb.gammaln, [x], "float64")
    np.testing.assert_allclose(got, -np.log(np.abs(x)), rtol=1e-15)


def test_integer_division_by_zero_and_overflow(library):
    for dtype in INTS:
        low = np.iinfo(dtype).min
        a = np.array([5, -5, 0, low, low, low], dtype=dtype)
        b = np.array([0, 0, 0, -1, 1, 0], dtype=dtype)
        np.testing.assert_array_equal(run_c(library, sb.int_div, [a, b], dtype), [0, 0, 0, low, low, 0])
        np.testing.assert_array_equal(run_c(library, sb.mod, [a, b], dtype), [0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("op", [op for op in ALL_OPS if op.name in NO_C], ids=lambda op: op.name)
def test_ops_without_c(op):
    nin = op.nin if op.nin >= 0 else 2
    args = [f"i{k}" for k in range(nin)]
    assert scalar_c.c_expression(op, args, ["float64"] * nin, "float64") is None


@pytest.mark.parametrize("dtype", ["float16", "complex64", "complex128"])
def test_float16_and_complex_have_no_c(dtype):
    assert scalar_c.c_expression(sb.add, ["a", "b"], [dtype, dtype], dtype) is None
    assert scalar_c.c_expression(sb.get_cast("float64"), ["a"], [dtype], "float64") is None
    assert scalar_c.c_expression(sb.exp, ["a"], ["float32"], dtype) is None


def test_expressions_read_as_c():
    def c(op, dtypes, out):
        return scalar_c.c_expression(op, [f"x{k}" for k in range(len(dtypes))], list(dtypes), out)

    # float32 math calls libm's float functions (libmvec vectorizes them)
    assert c(sb.exp, ["float32"], "float32") == "expf(x0)"
    assert c(sb.tanh, ["float64"], "float64") == "tanh(x0)"
    # integers feeding a float result are converted first
    assert c(sb.sqrt, ["int8"], "float32") == "sqrtf(((float)(x0)))"
    assert c(sb.true_div, ["int64", "int64"], "float64") == "(((double)(x0)) / ((double)(x1)))"
    # integer arithmetic wraps through unsigned types (no undefined overflow)
    assert c(sb.add, ["int32", "int32", "int32"], "int32") == "((int32_t)((uint32_t)x0 + (uint32_t)x1 + (uint32_t)x2))"
    assert c(sb.mul, ["float32", "float32"], "float32") == "(x0 * x1)"
    # int64 against uint64 compares exactly, as NumPy does
    assert c(sb.lt, ["int64", "uint64"], "bool") == "((uint8_t)((x0 < 0 || (uint64_t)x0 < x1)))"
    assert c(sb.maximum, ["float64", "float64"], "float64") == (
        "({ const double th_select = (x0 > x1 ? x0 : x1); isnan(x0) ? x0 : th_select; })")
    assert c(sb.int_div, ["int32", "int32"], "int32") == "((int32_t)(th_floordiv_i64(x0, x1)))"
    assert c(sb.get_cast("bool"), ["float32"], "bool") == "((uint8_t)((x0) != 0))"
    assert c(sb.identity, ["int8"], "int8") == "x0"


def test_support_code_defines_the_helpers_expressions_call():
    code = scalar_c.support_code()
    for helper in ("th_floordiv_i64", "th_mod_i64", "th_pow_i64", "th_pow_u64", "th_floordiv", "th_floordivf",
                   "th_mod", "th_modf", "th_lgamma", "th_lgammaf"):
        assert f" {helper}(" in code
    assert "#include" not in code
