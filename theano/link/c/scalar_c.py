"""The C rendering of scalar ops: one C expression per scalar op application.

The elementwise kernel generator (:mod:`theano.link.c.elemwise_c`) asks :func:`c_expression` for
the C expression of each scalar op it applies, over C variables of the inputs' types, and pastes
:func:`support_code` (the few helper functions those expressions call) once into each kernel.

The reference semantics is the Python implementation ``op.impl_arrays(inputs, [out_dtype])``:

* inputs are first converted as :func:`theano.scalar.basic._computation_inputs` does (integers and
  booleans feeding a float result become that float; booleans feeding an integer result become
  that integer);
* the op then computes in the dtype NumPy would give (``np.result_type`` of the converted inputs,
  folded left for the n-ary Add and Mul), and the result is converted to the output dtype.

Integer arithmetic wraps like NumPy's (it is done on unsigned C types, where C defines the
wrap-around); integer division and modulo by zero give 0 and ``INT_MIN // -1`` gives ``INT_MIN``,
as in NumPy, instead of trapping. An integer raised to a negative integer power (an error in NumPy)
gives the integer part of the exact result: 1 for a base of 1, +-1 for a base of -1, 0 otherwise
(0 for a base of 0 too). float32 math calls the ``f`` functions of libm (``expf``, ``tanhf``...), which
gcc vectorizes with glibc's libmvec.

Erf, Erfc, Gamma and GammaLn use glibc's erf, erfc, tgamma and lgamma_r, which are more accurate
than SciPy's in places: SciPy's erfc is off by ~1e-14 relative far in the tail and its gammaln near
the function's roots (differences of a few hundred ULPs), and SciPy's gammaln gives inf for
subnormal x where C gives the true -log|x|.

Ops without a C rendering here (their nodes run in Python): complex and float16 dtypes, and the
functions that only SciPy provides (Erfcx, Erfinv, Erfcinv, Psi, TriGamma, Chi2SF, GammaInc,
GammaIncC, GammaU, GammaL, Jv, Iv, J0, J1, I0, I1) and Complex. (glibc has j0 and j1, but they
differ from SciPy's by up to 1e-7 relative for large arguments.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from theano.link.c.types import c_type, supported
from theano.scalar import basic as sb

__all__ = ["c_expression", "support_code"]

# A renderer gets the converted argument expressions, their dtypes and the output dtype, and
# returns the C expression with the dtype it computes in, or None.
Rendered = tuple[str, str] | None
Renderer = Callable[[list[str], list[str], str], Rendered]

_RENDERERS: dict[type, Renderer] = {}


def _renders(*op_classes: type):
    """Decorator: register a renderer for scalar op classes (and their subclasses)."""

    def register(function: Renderer) -> Renderer:
        for cls in op_classes:
            _RENDERERS[cls] = function
        return function

    return register


def c_expression(op: sb.ScalarOp, args: Sequence[str], in_dtypes: Sequence[str], out_dtype: str) -> str | None:
    """The C expression computing ``op`` on the C variables ``args``.

    Parameters
    ----------
    op : ScalarOp
        The scalar op (a Cast, or one of the ops of :mod:`theano.scalar.basic`).
    args : list of str
        Plain C identifiers holding the inputs, of the C types of ``in_dtypes``
        (:func:`theano.link.c.types.c_type`).
    in_dtypes : list of str
        The inputs' dtypes.
    out_dtype : str
        The output's dtype.

    Returns
    -------
    str or None
        An expression whose value has C type ``c_type(out_dtype)`` and equals
        ``op.impl_arrays(inputs, [out_dtype])``; None when the op or the dtypes have no C
        rendering (the node then runs in Python).
    """
    args, in_dtypes = list(args), list(in_dtypes)
    if len(args) != len(in_dtypes) or not all(supported(d) for d in (*in_dtypes, out_dtype)):
        return None
    if isinstance(op, sb.Cast):
        return _cast(args[0], in_dtypes[0], out_dtype) if len(args) == 1 else None
    render = next((_RENDERERS[cls] for cls in type(op).__mro__ if cls in _RENDERERS), None)
    if render is None or not args or (op.nin >= 0 and len(args) != op.nin):
        return None
    dtypes = _computation_dtypes(in_dtypes, out_dtype)
    values = [_cast(a, have, want) for a, have, want in zip(args, in_dtypes, dtypes)]
    rendered = render(values, dtypes, out_dtype)
    if rendered is None:
        return None
    expression, dtype = rendered
    typed = expression in values or expression.startswith(f"(({c_type(out_dtype)})(")
    if dtype == out_dtype and out_dtype in _NARROW and not typed:
        # C computes on these in int: give the expression its own type
        return f"(({c_type(out_dtype)})({expression}))"
    return _cast(expression, dtype, out_dtype)


# ------------------------------------------------------------------------------------------
# dtypes, casts and literals
# ------------------------------------------------------------------------------------------

# dtypes whose C type is narrower than int (C promotes them to int in expressions)
_NARROW = ("bool", "int8", "uint8", "int16", "uint16")


def _kind(dtype: str) -> str:
    """'b' bool, 'i' signed integer, 'u' unsigned integer, 'f' float."""
    return np.dtype(dtype).kind


def _common(*dtypes: str) -> str:
    return str(np.result_type(*dtypes))


def _computation_dtypes(in_dtypes: list[str], out_dtype: str) -> list[str]:
    """The dtypes of the inputs after :func:`theano.scalar.basic._computation_inputs`."""
    kind = _kind(out_dtype)
    if kind == "f":
        return [out_dtype if _kind(d) in "biu" else d for d in in_dtypes]
    if kind in "iu":
        return [out_dtype if d == "bool" else d for d in in_dtypes]
    return in_dtypes


def _cast(expression: str, have: str, want: str) -> str:
    """``expression`` (of dtype ``have``) converted to ``want`` as NumPy's ``astype`` does."""
    if have == want:
        return expression
    if want == "bool":
        return f"((uint8_t)(({expression}) != 0))"
    return f"(({c_type(want)})({expression}))"


def _wide_unsigned(dtype: str) -> str:
    """The unsigned C type integer arithmetic of ``dtype`` wraps in (C's int promotion would overflow)."""
    return "uint64_t" if np.dtype(dtype).itemsize == 8 else "uint32_t"


def _literal(value: float, dtype: str) -> str:
    """A float literal of ``dtype`` that rounds to the value NumPy gives a weak Python float."""
    if dtype == "float32":
        return str(np.float32(value)) + "f"
    return repr(float(value))


def _function(name: str, dtype: str) -> str:
    """libm's function ``name`` for ``dtype`` (``expf`` for float32)."""
    return name + "f" if dtype == "float32" else name


# ------------------------------------------------------------------------------------------
# Arithmetic
# ------------------------------------------------------------------------------------------

def _arithmetic(operator: str, terms: list[str], dtype: str) -> str | None:
    """``terms`` joined by ``operator`` in ``dtype`` (integers wrap); None for booleans."""
    kind = _kind(dtype)
    if kind == "f":
        return "(" + f" {operator} ".join(terms) + ")"
    if kind == "b":
        return None
    unsigned = _wide_unsigned(dtype)
    joined = f" {operator} ".join(f"({unsigned}){t}" for t in terms)
    return f"(({c_type(dtype)})({joined}))"


def _fold(operator: str) -> Renderer:
    """An n-ary Add or Mul, folded left with NumPy's running dtype (like ``_add_n``)."""

    def render(values: list[str], dtypes: list[str], out: str) -> Rendered:
        terms, dtype = [values[0]], dtypes[0]
        for value, value_dtype in zip(values[1:], dtypes[1:]):
            step_dtype = _common(dtype, value_dtype)
            if step_dtype != dtype and len(terms) > 1:  # the dtype changes: the terms so far become one
                expression = _arithmetic(operator, terms, dtype)
                if expression is None:
                    return None
                terms = [expression]
            terms = [_cast(t, dtype, step_dtype) for t in terms] + [_cast(value, value_dtype, step_dtype)]
            dtype = step_dtype
        if len(terms) == 1:
            return terms[0], dtype
        expression = _arithmetic(operator, terms, dtype)
        return None if expression is None else (expression, dtype)

    return render


_renders(sb.Add)(_fold("+"))
_renders(sb.Mul)(_fold("*"))


def _binary(values: list[str], dtypes: list[str]) -> tuple[str, str, str]:
    """Both operands converted to their common dtype."""
    dtype = _common(*dtypes)
    return _cast(values[0], dtypes[0], dtype), _cast(values[1], dtypes[1], dtype), dtype


@_renders(sb.Sub)
def _sub(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    expression = _arithmetic("-", [a, b], dtype)
    return None if expression is None else (expression, dtype)


@_renders(sb.TrueDiv)
def _true_div(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    return (f"({a} / {b})", dtype) if _kind(dtype) == "f" else None


@_renders(sb.IntDiv)
def _int_div(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    kind = _kind(dtype)
    if kind == "f":
        return f"{_function('th_floordiv', dtype)}({a}, {b})", dtype
    if kind == "i":
        return f"th_floordiv_i64({a}, {b})", "int64"
    if kind == "u":
        return f"({b} == 0 ? 0 : {a} / {b})", dtype
    return None


@_renders(sb.Mod)
def _mod(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    kind = _kind(dtype)
    if kind == "f":
        return f"{_function('th_mod', dtype)}({a}, {b})", dtype
    if kind == "i":
        return f"th_mod_i64({a}, {b})", "int64"
    if kind == "u":
        return f"({b} == 0 ? 0 : {a} % {b})", dtype
    return None


@_renders(sb.Pow)
def _pow(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    kind = _kind(dtype)
    if kind == "f":
        return f"{_function('pow', dtype)}({a}, {b})", dtype
    if kind == "i":
        return f"th_pow_i64({a}, {b})", "int64"
    if kind == "u":
        return f"th_pow_u64({a}, {b})", "uint64"
    return None


@_renders(sb.Neg)
def _neg(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    kind = _kind(dtype)
    if kind == "f":
        return f"(-{x})", dtype
    if kind == "b":
        return None
    return f"(({c_type(dtype)})(0 - ({_wide_unsigned(dtype)}){x}))", dtype


@_renders(sb.Abs)
def _abs(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    kind = _kind(dtype)
    if kind == "f":
        return f"{_function('fabs', dtype)}({x})", dtype
    if kind == "i":  # abs(INT_MIN) wraps to INT_MIN, as in NumPy
        unsigned = _wide_unsigned(dtype)
        return f"(({c_type(dtype)})({x} < 0 ? 0 - ({unsigned}){x} : ({unsigned}){x}))", dtype
    return x, dtype


@_renders(sb.Sgn)
def _sgn(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    kind = _kind(dtype)
    if kind == "f":  # NaN stays NaN, -0.0 gives 0.0
        one, zero = _literal(1.0, dtype), _literal(0.0, dtype)
        return f"({x} > 0 ? {one} : ({x} < 0 ? -{one} : ({x} == 0 ? {zero} : {x})))", dtype
    if kind == "i":
        return f"(({x} > 0) - ({x} < 0))", "int32"
    if kind == "u":
        return f"({x} > 0)", "bool"
    return x, dtype


@_renders(sb.Inv)
def _inv(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    return (f"({_literal(1.0, dtype)} / {x})", dtype) if _kind(dtype) == "f" else None


@_renders(sb.Sqr)
def _sqr(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    expression = _arithmetic("*", [x, x], dtype)
    return None if expression is None else (expression, dtype)


@_renders(sb.Identity, sb.Real, sb.Conj)
def _identity(values, dtypes, out):
    return values[0], dtypes[0]


@_renders(sb.Imag)
def _imag(values, dtypes, out):
    return _cast("0", "int32", dtypes[0]), dtypes[0]


@_renders(sb.Maximum)
def _maximum(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    return _extremum(">", a, b, dtype), dtype


@_renders(sb.Minimum)
def _minimum(values, dtypes, out):
    a, b, dtype = _binary(values, dtypes)
    return _extremum("<", a, b, dtype), dtype


def _extremum(operator: str, a: str, b: str, dtype: str) -> str:
    """NumPy's maximum (``>``) or minimum (``<``): NaN propagates; of equal values, ``b``."""
    select = f"({a} {operator} {b} ? {a} : {b})"
    if _kind(dtype) == "f":
        # the plain select first, then NaN: the form gcc 12 vectorizes when composed with other
        # selects, with or without -fno-trapping-math (not "a > b || isnan(a)")
        return f"({{ const {c_type(dtype)} th_select = {select}; isnan({a}) ? {a} : th_select; }})"
    return select


@_renders(sb.Clip)
def _clip(values, dtypes, out):
    # np.minimum(np.maximum(x, low), high), each step in its own common dtype, in a GNU statement
    # expression: plain selects, then NaN from any input (the form gcc vectorizes, with or without
    # -fno-trapping-math)
    (x, low, high), (x_dtype, low_dtype, high_dtype) = values, dtypes
    lower_dtype = _common(x_dtype, low_dtype)
    dtype = _common(lower_dtype, high_dtype)
    x, low = _cast(x, x_dtype, lower_dtype), _cast(low, low_dtype, lower_dtype)
    lower, high = _cast("th_lower", lower_dtype, dtype), _cast(high, high_dtype, dtype)
    result = "th_clipped"
    for value, value_dtype in reversed(list(zip(values, dtypes))):
        if _kind(value_dtype) == "f":
            result = f"(isnan({value}) ? {_cast(value, value_dtype, dtype)} : {result})"
    return (f"({{ const {c_type(lower_dtype)} th_lower = ({x} > {low} ? {x} : {low}); "
            f"const {c_type(dtype)} th_clipped = ({lower} < {high} ? {lower} : {high}); {result}; }})"), dtype


# ------------------------------------------------------------------------------------------
# Comparisons and logic
# ------------------------------------------------------------------------------------------

_COMPARISONS = {sb.LT: "<", sb.GT: ">", sb.LE: "<=", sb.GE: ">=", sb.EQ: "==", sb.NEQ: "!="}
_SWAPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def _comparison(operator: str) -> Renderer:
    def render(values: list[str], dtypes: list[str], out: str) -> Rendered:
        (a, b), (a_dtype, b_dtype) = values, dtypes
        if b_dtype == "uint64" and _kind(a_dtype) == "i":
            return _signed_vs_uint64(operator, a, b), "bool"
        if a_dtype == "uint64" and _kind(b_dtype) == "i":
            return _signed_vs_uint64(_SWAPPED[operator], b, a), "bool"
        a, b, _ = _binary(values, dtypes)
        return f"({a} {operator} {b})", "bool"

    return render


def _signed_vs_uint64(operator: str, signed: str, unsigned: str) -> str:
    """``signed <operator> unsigned`` exactly (NumPy compares int64 with uint64 exactly, not in float64)."""
    as_unsigned = f"(uint64_t){signed}"
    if operator in ("<", "<=", "!="):
        return f"({signed} < 0 || {as_unsigned} {operator} {unsigned})"
    return f"({signed} >= 0 && {as_unsigned} {operator} {unsigned})"


for _op_class, _operator in _COMPARISONS.items():
    _renders(_op_class)(_comparison(_operator))


@_renders(sb.IsNan)
def _isnan(values, dtypes, out):
    return (f"isnan({values[0]})" if _kind(dtypes[0]) == "f" else "0"), "bool"


@_renders(sb.IsInf)
def _isinf(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    # (gcc vectorizes this form, not isinf() of a double)
    return (f"({_function('fabs', dtype)}({x}) == INFINITY)" if _kind(dtype) == "f" else "0"), "bool"


def _bitwise(operator: str) -> Renderer:
    def render(values: list[str], dtypes: list[str], out: str) -> Rendered:
        a, b, dtype = _binary(values, dtypes)
        return (f"({a} {operator} {b})", dtype) if _kind(dtype) in "biu" else None

    return render


_renders(sb.AND)(_bitwise("&"))
_renders(sb.OR)(_bitwise("|"))
_renders(sb.XOR)(_bitwise("^"))


@_renders(sb.Invert)
def _invert(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    kind = _kind(dtype)
    if kind == "b":
        return f"(!{x})", "bool"
    if kind not in "iu":
        return None
    return f"(~{x})", ("int32" if dtype in _NARROW else dtype)


# ------------------------------------------------------------------------------------------
# Float functions
# ------------------------------------------------------------------------------------------

_LIBM_UNARY = {
    sb.Sqrt: "sqrt", sb.Exp: "exp", sb.Exp2: "exp2", sb.Expm1: "expm1", sb.Log: "log", sb.Log2: "log2",
    sb.Log10: "log10", sb.Log1p: "log1p", sb.Sin: "sin", sb.Cos: "cos", sb.Tan: "tan", sb.ArcSin: "asin",
    sb.ArcCos: "acos", sb.ArcTan: "atan", sb.Sinh: "sinh", sb.Cosh: "cosh", sb.Tanh: "tanh",
    sb.ArcSinh: "asinh", sb.ArcCosh: "acosh", sb.ArcTanh: "atanh", sb.Floor: "floor", sb.Ceil: "ceil",
    sb.Trunc: "trunc", sb.Erf: "erf", sb.Erfc: "erfc", sb.Gamma: "tgamma", sb.GammaLn: "th_lgamma",
}
_LIBM_BINARY = {sb.ArcTan2: "atan2", sb.Hypot: "hypot"}


def _float_function(name: str) -> Renderer:
    def render(values: list[str], dtypes: list[str], out: str) -> Rendered:
        dtype = _common(*dtypes)
        if _kind(dtype) != "f":
            return None
        arguments = ", ".join(_cast(v, d, dtype) for v, d in zip(values, dtypes))
        return f"{_function(name, dtype)}({arguments})", dtype

    return render


for _op_class, _name in {**_LIBM_UNARY, **_LIBM_BINARY}.items():
    _renders(_op_class)(_float_function(_name))


def _float_unary(function: Callable[[str, str], str]) -> Renderer:
    """A renderer for a float formula ``function(x, dtype)`` of one float input."""

    def render(values: list[str], dtypes: list[str], out: str) -> Rendered:
        (x,), (dtype,) = values, dtypes
        return (function(x, dtype), dtype) if _kind(dtype) == "f" else None

    return render


def _scale(factor32: float, factor64: float) -> Callable[[str, str], str]:
    def formula(x: str, dtype: str) -> str:
        factor = factor32 if dtype == "float32" else factor64
        return f"({x} * {_literal(factor, dtype)})"

    return formula


# NumPy's deg2rad/rad2deg multiply by a constant computed in the dtype's own precision
_PI32 = np.float32(np.pi)
_renders(sb.Deg2Rad)(_float_unary(_scale(float(_PI32 / np.float32(180)), np.pi / 180)))
_renders(sb.Rad2Deg)(_float_unary(_scale(float(np.float32(180) / _PI32), 180 / np.pi)))


def _log1mexp(x: str, dtype: str) -> str:
    # log(1 - exp(x)): log1p(-exp(x)) below -log(2), log(-expm1(x)) above
    threshold = _literal(-0.6931471805599453, dtype)
    f = lambda name: _function(name, dtype)  # noqa: E731
    return f"({x} < {threshold} ? {f('log1p')}(-{f('exp')}({x})) : {f('log')}(-{f('expm1')}({x})))"


def _xlogx(x: str, dtype: str) -> str:
    return f"({x} == 0 ? {_literal(0.0, dtype)} : {x} * {_function('log', dtype)}({x}))"


def _sigmoid(x: str, dtype: str) -> str:
    # SciPy's expit: exactly 0 and 1 far from 0, never NaN
    one = _literal(1.0, dtype)
    return f"({one} / ({one} + {_function('exp', dtype)}(-{x})))"


def _softplus(x: str, dtype: str) -> str:
    return f"({x} > {_literal(30.0, dtype)} ? {x} : {_function('log1p', dtype)}({_function('exp', dtype)}({x})))"


def _round_half_away(x: str, dtype: str) -> str:
    # sign(x) * floor(|x| + 0.5): +0.0 for +-0.0, -0.0 for small negatives
    zero = _literal(0.0, dtype)
    body = f"{_function('copysign', dtype)}({_function('floor', dtype)}({_function('fabs', dtype)}({x}) + " \
           f"{_literal(0.5, dtype)}), {x})"
    return f"({x} == 0 ? {zero} : {body})"


def _angle(x: str, dtype: str) -> str:
    return f"{_function('atan2', dtype)}({_literal(0.0, dtype)}, {x})"


_renders(sb.Log1mexp)(_float_unary(_log1mexp))
_renders(sb.XlogX)(_float_unary(_xlogx))
_renders(sb.Sigmoid)(_float_unary(_sigmoid))
_renders(sb.Softplus)(_float_unary(_softplus))
_renders(sb.Angle)(_float_unary(_angle))


@_renders(sb.RoundHalfToEven)
def _round_half_to_even(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    return (f"{_function('rint', dtype)}({x})" if _kind(dtype) == "f" else x), dtype


@_renders(sb.RoundHalfAwayFromZero)
def _round_half_away_from_zero(values, dtypes, out):
    (x,), (dtype,) = values, dtypes
    return (_round_half_away(x, dtype) if _kind(dtype) == "f" else x), dtype


@_renders(sb.XlogY0)
def _xlogy0(values, dtypes, out):
    # x * log(y) with log in y's dtype, 0 where x == 0
    (x, y), (x_dtype, y_dtype) = values, dtypes
    dtype = _common(x_dtype, y_dtype)
    if _kind(dtype) != "f" or _kind(y_dtype) != "f":
        return None
    log_y = _cast(f"{_function('log', y_dtype)}({y})", y_dtype, dtype)
    return f"({x} == 0 ? {_literal(0.0, dtype)} : {_cast(x, x_dtype, dtype)} * {log_y})", dtype


# ------------------------------------------------------------------------------------------
# Selection
# ------------------------------------------------------------------------------------------

@_renders(sb.Second)
def _second(values, dtypes, out):
    return values[1], dtypes[1]


@_renders(sb.Switch)
def _switch(values, dtypes, out):
    (condition, a, b), (_, a_dtype, b_dtype) = values, dtypes
    dtype = _common(a_dtype, b_dtype)
    return f"({condition} ? {_cast(a, a_dtype, dtype)} : {_cast(b, b_dtype, dtype)})", dtype


# ------------------------------------------------------------------------------------------
# Support code
# ------------------------------------------------------------------------------------------

_SUPPORT_CODE = r"""
/* ---- helpers of scalar ops (theano.link.c.scalar_c) ---- */

/* Integer floor division and modulo with Python's signs; a zero divisor gives 0 and
 * INT64_MIN // -1 wraps to INT64_MIN, as in NumPy (C would trap). Narrower types use these too. */
static inline int64_t th_floordiv_i64(int64_t a, int64_t b) {
    if (b == 0) return 0;
    if (b == -1) return (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) q -= 1;
    return q;
}

static inline int64_t th_mod_i64(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

/* Integer power by squaring, wrapping on overflow. The low bits of the 64-bit result are the
 * result of narrower types. */
static inline uint64_t th_pow_u64(uint64_t x, uint64_t n) {
    uint64_t r = 1;
    while (n) {
        if (n & 1) r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

/* NumPy refuses negative exponents; here they give the integer part of x**n. */
static inline int64_t th_pow_i64(int64_t x, int64_t n) {
    if (n < 0) return x == 1 ? 1 : (x == -1 ? ((n & 1) ? -1 : 1) : 0);
    return (int64_t)th_pow_u64((uint64_t)x, (uint64_t)n);
}

/* Float floor division and modulo, as NumPy's npy_divmod: the remainder has the divisor's sign. */
static inline double th_divmod(double a, double b, double *mod) {
    double m = fmod(a, b);
    if (b == 0) {
        *mod = m;
        return a / b;
    }
    double div = (a - m) / b;
    if (m != 0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, b);
    }
    double floordiv;
    if (div != 0) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, a / b);
    }
    *mod = m;
    return floordiv;
}

static inline float th_divmodf(float a, float b, float *mod) {
    float m = fmodf(a, b);
    if (b == 0) {
        *mod = m;
        return a / b;
    }
    float div = (a - m) / b;
    if (m != 0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            div -= 1.0f;
        }
    } else {
        m = copysignf(0.0f, b);
    }
    float floordiv;
    if (div != 0) {
        floordiv = floorf(div);
        if (div - floordiv > 0.5f) floordiv += 1.0f;
    } else {
        floordiv = copysignf(0.0f, a / b);
    }
    *mod = m;
    return floordiv;
}

static inline double th_floordiv(double a, double b) { double m; return th_divmod(a, b, &m); }
static inline float th_floordivf(float a, float b) { float m; return th_divmodf(a, b, &m); }
static inline double th_mod(double a, double b) { double m; th_divmod(a, b, &m); return m; }
static inline float th_modf(float a, float b) { float m; th_divmodf(a, b, &m); return m; }

/* log|Gamma(x)| through lgamma_r (no global sign variable: safe in threads); -inf at -inf like
 * SciPy's gammaln. (Declared here too: math.h declares them only under _DEFAULT_SOURCE.) */
extern double lgamma_r(double, int *);
extern float lgammaf_r(float, int *);
static inline double th_lgamma(double x) { int sign; return x == -INFINITY ? x : lgamma_r(x, &sign); }
static inline float th_lgammaf(float x) { int sign; return x == -INFINITY ? x : lgammaf_r(x, &sign); }
"""


def support_code() -> str:
    """The static inline helper functions that the expressions of :func:`c_expression` call.

    Pasted once into each elementwise kernel, after the kernel header (``th_kernel.h``).
    """
    return _SUPPORT_CODE
