"""Elementwise math on tensors and reductions (sum, prod, mean, var, max, argmax, ...)."""

from __future__ import annotations

import builtins

import numpy as np

from theano import scalar
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types
from theano.tensor import elemwise as _elemwise
from theano.tensor.basic import as_tensor_variable, cast, constant
from theano.tensor.elemwise import DimShuffle, Elemwise, _normalize_axis
from theano.tensor.type import TensorType


def _elemwise_op(scalar_op, name: str, doc: str) -> Elemwise:
    op = Elemwise(scalar_op, name=name)
    op.__doc__ = doc
    return op


# ------------------------------------------------------------------------------------------
# Elementwise functions: one Elemwise per scalar op.
# ------------------------------------------------------------------------------------------
add = _elemwise_op(scalar.add, "add", "a + b + ... elementwise")
sub = _elemwise_op(scalar.sub, "sub", "a - b elementwise")
mul = _elemwise_op(scalar.mul, "mul", "a * b * ... elementwise")
true_div = _elemwise_op(scalar.true_div, "true_div", "a / b elementwise (integers give floats)")
int_div = _elemwise_op(scalar.int_div, "int_div", "a // b elementwise (floor division)")
floor_div = int_div
mod = _elemwise_op(scalar.mod, "mod", "a % b elementwise, with the sign of b (as Python)")
pow = _elemwise_op(scalar.pow, "pow", "a ** b elementwise")
maximum = _elemwise_op(scalar.maximum, "maximum", "elementwise maximum")
minimum = _elemwise_op(scalar.minimum, "minimum", "elementwise minimum")
arctan2 = _elemwise_op(scalar.arctan2, "arctan2", "elementwise arctan(a / b) with the quadrant")
hypot = _elemwise_op(scalar.hypot, "hypot", "sqrt(a**2 + b**2) elementwise")
neg = _elemwise_op(scalar.neg, "neg", "-a elementwise")
abs_ = _elemwise_op(scalar.abs, "abs", "|a| elementwise (the modulus for complex)")
sgn = _elemwise_op(scalar.sgn, "sgn", "the sign of a: -1, 0 or 1")
inv = _elemwise_op(scalar.inv, "inv", "1 / a elementwise")
sqr = _elemwise_op(scalar.sqr, "sqr", "a * a elementwise")
sqrt = _elemwise_op(scalar.sqrt, "sqrt", "square root elementwise")
lt = _elemwise_op(scalar.lt, "lt", "a < b elementwise")
gt = _elemwise_op(scalar.gt, "gt", "a > b elementwise")
le = _elemwise_op(scalar.le, "le", "a <= b elementwise")
ge = _elemwise_op(scalar.ge, "ge", "a >= b elementwise")
eq = _elemwise_op(scalar.eq, "eq", "a == b elementwise")
neq = _elemwise_op(scalar.neq, "neq", "a != b elementwise")
isnan_ = _elemwise_op(scalar.isnan, "isnan", "whether a is NaN")
isinf_ = _elemwise_op(scalar.isinf, "isinf", "whether a is infinite")
and_ = _elemwise_op(scalar.and_, "and_", "bitwise and (logical and on booleans)")
or_ = _elemwise_op(scalar.or_, "or_", "bitwise or (logical or on booleans)")
xor = _elemwise_op(scalar.xor, "xor", "bitwise exclusive or")
invert = _elemwise_op(scalar.invert, "invert", "bitwise not (logical not on booleans)")
exp = _elemwise_op(scalar.exp, "exp", "e ** a elementwise")
exp2 = _elemwise_op(scalar.exp2, "exp2", "2 ** a elementwise")
expm1 = _elemwise_op(scalar.expm1, "expm1", "e ** a - 1, accurate near 0")
log = _elemwise_op(scalar.log, "log", "natural logarithm")
log2 = _elemwise_op(scalar.log2, "log2", "base-2 logarithm")
log10 = _elemwise_op(scalar.log10, "log10", "base-10 logarithm")
log1p = _elemwise_op(scalar.log1p, "log1p", "log(1 + a), accurate near 0")
log1mexp = _elemwise_op(scalar.log1mexp, "log1mexp", "log(1 - exp(a)) for a < 0, accurately")
sin = _elemwise_op(scalar.sin, "sin", "sine")
cos = _elemwise_op(scalar.cos, "cos", "cosine")
tan = _elemwise_op(scalar.tan, "tan", "tangent")
arcsin = _elemwise_op(scalar.arcsin, "arcsin", "inverse sine")
arccos = _elemwise_op(scalar.arccos, "arccos", "inverse cosine")
arctan = _elemwise_op(scalar.arctan, "arctan", "inverse tangent")
sinh = _elemwise_op(scalar.sinh, "sinh", "hyperbolic sine")
cosh = _elemwise_op(scalar.cosh, "cosh", "hyperbolic cosine")
tanh = _elemwise_op(scalar.tanh, "tanh", "hyperbolic tangent")
arcsinh = _elemwise_op(scalar.arcsinh, "arcsinh", "inverse hyperbolic sine")
arccosh = _elemwise_op(scalar.arccosh, "arccosh", "inverse hyperbolic cosine")
arctanh = _elemwise_op(scalar.arctanh, "arctanh", "inverse hyperbolic tangent")
deg2rad = _elemwise_op(scalar.deg2rad, "deg2rad", "degrees to radians")
rad2deg = _elemwise_op(scalar.rad2deg, "rad2deg", "radians to degrees")
floor = _elemwise_op(scalar.floor, "floor", "largest integer <= a (as a float)")
ceil = _elemwise_op(scalar.ceil, "ceil", "smallest integer >= a (as a float)")
trunc = _elemwise_op(scalar.trunc, "trunc", "a rounded toward zero (as a float)")
round_half_to_even = _elemwise_op(scalar.round_half_to_even, "round_half_to_even", "round, ties to even")
round_half_away_from_zero = _elemwise_op(scalar.round_half_away_from_zero, "round_half_away_from_zero",
                                         "round, ties away from zero")
erf = _elemwise_op(scalar.erf, "erf", "the error function")
erfc = _elemwise_op(scalar.erfc, "erfc", "1 - erf(a)")
erfcx = _elemwise_op(scalar.erfcx, "erfcx", "exp(a**2) * erfc(a)")
erfinv = _elemwise_op(scalar.erfinv, "erfinv", "the inverse error function")
erfcinv = _elemwise_op(scalar.erfcinv, "erfcinv", "the inverse of erfc")
gamma = _elemwise_op(scalar.gamma, "gamma", "the gamma function")
gammaln = _elemwise_op(scalar.gammaln, "gammaln", "log |gamma(a)|")
psi = _elemwise_op(scalar.psi, "psi", "the digamma function")
tri_gamma = _elemwise_op(scalar.tri_gamma, "tri_gamma", "the trigamma function")
chi2sf = _elemwise_op(scalar.chi2sf, "chi2sf", "chi-squared survival function")
gammainc = _elemwise_op(scalar.gammainc, "gammainc", "regularized lower incomplete gamma")
gammaincc = _elemwise_op(scalar.gammaincc, "gammaincc", "regularized upper incomplete gamma")
gammau = _elemwise_op(scalar.gammau, "gammau", "upper incomplete gamma (not regularized)")
gammal = _elemwise_op(scalar.gammal, "gammal", "lower incomplete gamma (not regularized)")
jv = _elemwise_op(scalar.jv, "jv", "Bessel function of the first kind, order v: jv(v, x)")
iv = _elemwise_op(scalar.iv, "iv", "modified Bessel function of the first kind, order v: iv(v, x)")
j0 = _elemwise_op(scalar.j0, "j0", "Bessel function of the first kind, order 0")
j1 = _elemwise_op(scalar.j1, "j1", "Bessel function of the first kind, order 1")
i0 = _elemwise_op(scalar.i0, "i0", "modified Bessel function, order 0")
i1 = _elemwise_op(scalar.i1, "i1", "modified Bessel function, order 1")
real = _elemwise_op(scalar.real, "real", "real part")
imag = _elemwise_op(scalar.imag, "imag", "imaginary part")
angle = _elemwise_op(scalar.angle, "angle", "argument of a complex number")
conj = _elemwise_op(scalar.conj, "conj", "complex conjugate")
complex = _elemwise_op(scalar.complex, "complex", "real + 1j * imag")
switch = _elemwise_op(scalar.switch, "switch", "cond ? a : b elementwise (both sides are computed)")
clip_op = _elemwise_op(scalar.clip, "clip", "a limited to [low, high]")
xlogx = _elemwise_op(scalar.xlogx, "xlogx", "x * log(x), 0 where x is 0")
xlogy0 = _elemwise_op(scalar.xlogy0, "xlogy0", "x * log(y), 0 where x is 0")

# NumPy and Theano aliases
abs = abs_  # noqa: A001  (Theano exposes T.abs_; NumPy users write abs)
where = switch
reciprocal = inv
bitwise_and = and_
bitwise_or = or_
bitwise_xor = xor
bitwise_not = invert
divide = true_divide = true_div
floor_divide = int_div
multiply = mul
subtract = sub
negative = neg
power = pow
absolute = abs_
less = lt
greater = gt
less_equal = le
greater_equal = ge
equal = eq
not_equal = neq
sign = sgn


def isnan(a):
    """Whether each element is NaN (always False for integers)."""
    a = as_tensor_variable(a)
    if a.type.dtype in discrete_types:
        return _elemwise_zeros_bool(a)
    return isnan_(a)


def isinf(a):
    """Whether each element is +-inf (always False for integers)."""
    a = as_tensor_variable(a)
    if a.type.dtype in discrete_types:
        return _elemwise_zeros_bool(a)
    return isinf_(a)


def _elemwise_zeros_bool(a):
    from theano.tensor.basic import zeros_like

    return zeros_like(a, dtype="bool")


def clip(x, min, max):  # noqa: A002  (Theano's argument names)
    """``x`` limited to ``[min, max]``."""
    return clip_op(x, min, max)


def largest(*args):
    """The elementwise largest of any number of tensors (like Python's ``max`` on scalars)."""
    if not args:
        raise TypeError("largest() needs at least one argument")
    result = as_tensor_variable(args[0]) if len(args) == 1 else args[0]
    for other in args[1:]:
        result = maximum(result, other)
    return result


def smallest(*args):
    """The elementwise smallest of any number of tensors (like Python's ``min`` on scalars)."""
    if not args:
        raise TypeError("smallest() needs at least one argument")
    result = as_tensor_variable(args[0]) if len(args) == 1 else args[0]
    for other in args[1:]:
        result = minimum(result, other)
    return result


def mod_check(x, y):
    """``x % y``, refusing complex numbers as Python does."""
    x_dtype = getattr(getattr(x, "type", None), "dtype", None)
    y_dtype = getattr(getattr(y, "type", None), "dtype", None)
    if x_dtype in complex_types or y_dtype in complex_types or isinstance(x, builtins.complex) or isinstance(
            y, builtins.complex):
        raise TypeError("% is not defined for complex numbers")
    return mod(x, y)




def divmod(x, y):  # noqa: A001
    """``(x // y, x % y)``."""
    return int_div(x, y), mod_check(x, y)


def ceil_intdiv(a, b):
    """``ceil(a / b)`` for integers, without going through floats."""
    div = int_div(a, b)
    return div + neq(mod(a, b), 0)


def round(a, mode=None):  # noqa: A001
    """Round elementwise; ``mode`` is ``"half_to_even"`` (the default, as NumPy) or ``"half_away_from_zero"``.

    Integers are returned unchanged (same dtype); booleans and complex numbers are refused.
    """
    if mode is None:
        mode = "half_to_even"
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    if mode == "half_to_even":
        return round_half_to_even(a)
    raise ValueError(f"round mode {mode!r} is not supported: use 'half_away_from_zero' or 'half_to_even'")


def iround(a, mode=None):
    """Round to the nearest integer, as int64."""
    return cast(round(a, mode), "int64")


def complex_from_polar(abs, angle):  # noqa: A002
    """``abs * exp(1j * angle)``."""
    return complex(abs * cos(angle), abs * sin(angle))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (NumPy's isclose)."""
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    diff = abs_(a - b)
    tolerance = atol + rtol * abs_(b)
    # infinities are close only to themselves (NumPy's rule)
    finite = invert(or_(isinf(a), isinf(b)))
    result = or_(and_(finite, le(diff, tolerance)), eq(a, b))
    if equal_nan:
        result = or_(result, and_(isnan(a), isnan(b)))
    return result


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element is close (NumPy's allclose)."""
    return all(isclose(a, b, rtol, atol, equal_nan))


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------

def _keep_dims(x, y, axis):
    """Re-insert the reduced axes of ``x`` into ``y`` as broadcastable axes."""
    axis = _normalize_axis(axis, x.type.ndim)
    if axis is None:
        axis = tuple(range(x.type.ndim))
    pattern = []
    j = 0
    for i in range(x.type.ndim):
        if i in axis:
            pattern.append("x")
        else:
            pattern.append(j)
            j += 1
    return DimShuffle(y.type.broadcastable, pattern)(y)


makeKeepDims = _keep_dims


def _reduce(op_class, x, axis, keepdims, **kwargs):
    x = as_tensor_variable(x)
    axis = _normalize_axis(axis, x.type.ndim)
    out = op_class(axis=axis, **kwargs)(x)
    return _keep_dims(x, out, axis) if keepdims else out


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all)."""
    return _reduce(_elemwise.Sum, input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    """Product over ``axis``."""
    return _reduce(_elemwise.Prod, input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype,
                   no_zeros_in_input=no_zeros_in_input)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``."""
    return _reduce(_elemwise.CAReduceMax, x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``."""
    return _reduce(_elemwise.CAReduceMin, x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every element along ``axis`` is nonzero."""
    return _reduce(_elemwise.All, x, axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether some element along ``axis`` is nonzero."""
    return _reduce(_elemwise.Any, x, axis, keepdims)


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    """Mean over ``axis`` (None: all axes; an int or a tuple); integers and booleans give float64.

    ``dtype`` is the dtype of the inner sum (and of the result); ``acc_dtype`` that of the
    accumulator, as for :func:`sum`. ``op`` is accepted for Theano 1.0 compatibility and ignored.
    """
    input = as_tensor_variable(input)
    axis_n = _normalize_axis(axis, input.type.ndim)
    sum_dtype = dtype
    if dtype is None and input.type.dtype == "float16":
        sum_dtype = "float32"
    total = sum(input, axis=axis_n, dtype=sum_dtype, keepdims=keepdims, acc_dtype=acc_dtype)
    float_dtype = "float32" if total.type.dtype in ("float16", "float32", "complex64") else "float64"
    result = true_div(total, cast(_reduced_size(input, axis_n), float_dtype))
    if dtype is not None and result.type.dtype != dtype:
        result = cast(result, dtype)
    elif dtype is None and input.type.dtype == "float16":
        result = cast(result, "float16")
    return result


def _reduced_size(input, axis_n):
    """The number of elements reduced together over ``axis_n`` (normalized), as a symbolic int64."""
    from theano.tensor.shape import shape

    axes = range(input.type.ndim) if axis_n is None else axis_n
    count = constant(1, dtype="int64")
    for i in axes:
        count = count * shape(input)[i]
    return count


def _squared_modulus(x):
    return real(x * conj(x)) if x.type.dtype in complex_types else sqr(x)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Variance over ``axis`` (NumPy's var).

    Parameters
    ----------
    input
        The tensor.
    axis
        None (all axes), an int or a tuple of ints.
    ddof
        Delta degrees of freedom: the sum of squares is divided by ``N - ddof``.
    keepdims
        Keep the reduced axes with length 1.
    corrected
        Subtract the rounding error of the mean (the "corrected two-pass" algorithm).

    Returns
    -------
    TensorVariable
        Real-valued (the variance of complex values is the mean squared modulus).
    """
    input = as_tensor_variable(input)
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)):
        raise ValueError(f"var: ddof must be an integer, got {ddof!r}")
    axis_n = _normalize_axis(axis, input.type.ndim)
    centered = input - mean(input, axis_n, keepdims=True)
    total = sum(_squared_modulus(centered), axis_n, keepdims=keepdims)
    count = _reduced_size(input, axis_n)
    if corrected:
        error = sum(centered, axis_n, keepdims=keepdims)
        total = total - true_div(_squared_modulus(error), cast(count, total.type.dtype))
    return true_div(total, cast(count - ddof, total.type.dtype))


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Standard deviation over ``axis``."""
    return sqrt(var(input, axis, ddof=ddof, keepdims=keepdims, corrected=corrected))


def ptp(a, axis=None):
    """Range (max - min) over ``axis``."""
    return max(a, axis) - min(a, axis)


class MaxAndArgmax(Op):
    """The maximum and the index of its first occurrence along ``axis`` (flattened over several axes)."""

    __props__ = ("axis",)
    nout = 2

    def __init__(self, axis):
        self.axis = None if axis is None else tuple(sorted(axis))

    def make_node(self, x):
        x = _ordered_input(x)
        axis = self.axis if self.axis is not None else tuple(range(x.type.ndim))
        kept = [b for i, b in enumerate(x.type.broadcastable) if i not in axis]
        return Apply(self, [x], [TensorType(x.type.dtype, kept)(), TensorType("int64", kept)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        axis = self.axis if self.axis is not None else tuple(range(x.ndim))
        idx = _max_and_argmax(x, axis, np.argmax)[1]
        output_storage[0][0] = np.asarray(np.max(x, axis=axis) if axis else x.copy(), dtype=x.dtype)
        output_storage[1][0] = idx

    def infer_shape(self, node, shapes):
        axis = self.axis if self.axis is not None else tuple(range(len(shapes[0])))
        kept = tuple(s for i, s in enumerate(shapes[0]) if i not in axis)
        return [kept, kept]

    def connection_pattern(self, node):
        return [[True, False]]

    def L_op(self, inputs, outputs, output_grads):
        from theano.tensor.elemwise_grad import _expand_reduced

        (x,) = inputs
        g_max = output_grads[0]
        if x.type.dtype in discrete_types:
            return [None]
        # Every element equal to the maximum receives the gradient (Theano's rule for ties).
        max_b = _expand_reduced(x, outputs[0], self.axis)
        g_b = _expand_reduced(x, g_max, self.axis)
        return [cast(g_b * eq(x, max_b), x.type.dtype)]

    def R_op(self, inputs, eval_points):
        from theano.tensor.elemwise_grad import _expand_reduced

        if eval_points[0] is None:
            return [None, None]
        x = inputs[0]
        max_value = self(x)[0]
        at_max = eq(x, _expand_reduced(x, max_value, self.axis))
        # The eval point where the maximum is (averaged over ties).
        change = sum(eval_points[0] * at_max, axis=self.axis) / sum(at_max, axis=self.axis)
        return [cast(change, x.type.dtype), None]

    def __str__(self):
        return f"MaxAndArgmax{{axis={self.axis}}}"


def _ordered_input(x):
    x = as_tensor_variable(x)
    if x.type.dtype in complex_types:
        raise TypeError(f"max/argmax/argmin are not defined for complex numbers, got {x.type}")
    return x


def _max_and_argmax(x, axis, arg_func):
    """Move the reduced axes last, flatten them, and take ``arg_func`` along the result."""
    if x.size == 0 and builtins.any(x.shape[a] == 0 for a in axis):
        raise ValueError("attempt to get argmax/argmin of an empty sequence")
    kept = [i for i in range(x.ndim) if i not in axis]
    moved = np.transpose(x, kept + list(axis))
    flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
    return None, np.asarray(arg_func(flat, axis=-1), dtype="int64")


class Argmax(Op):
    """Index of the maximum along ``axis`` (several axes are flattened first); int64."""

    __props__ = ("axis",)
    arg_func = staticmethod(np.argmax)

    def __init__(self, axis):
        self.axis = None if axis is None else tuple(sorted(axis))

    def make_node(self, x):
        x = _ordered_input(x)
        axis = self.axis if self.axis is not None else tuple(range(x.type.ndim))
        kept = [b for i, b in enumerate(x.type.broadcastable) if i not in axis]
        return Apply(self, [x], [TensorType("int64", kept)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        axis = self.axis if self.axis is not None else tuple(range(x.ndim))
        output_storage[0][0] = _max_and_argmax(x, axis, self.arg_func)[1]

    def infer_shape(self, node, shapes):
        axis = self.axis if self.axis is not None else tuple(range(len(shapes[0])))
        return [tuple(s for i, s in enumerate(shapes[0]) if i not in axis)]

    def connection_pattern(self, node):
        return [[False]]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        return [DisconnectedType()()]


class Argmin(Argmax):
    """Index of the minimum along ``axis``; int64."""

    arg_func = staticmethod(np.argmin)


def max_and_argmax(a, axis=None, keepdims=False):
    """``(max(a, axis), argmax(a, axis))``."""
    a = as_tensor_variable(a)
    axis = _normalize_axis(axis, a.type.ndim)
    out, idx = MaxAndArgmax(axis)(a)
    if keepdims:
        out = _keep_dims(a, out, axis)
        idx = _keep_dims(a, idx, axis)
    return [out, idx]


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (first one on ties)."""
    return _reduce(Argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (first one on ties)."""
    return _reduce(Argmin, x, axis, keepdims)


# Everything defined here (functions, op classes and the Elemwise instances), but not the
# helpers imported from other modules.
__all__ = sorted(
    name for name, value in list(globals().items())
    if not name.startswith("_") and (isinstance(value, Elemwise) or getattr(value, "__module__", None) == __name__)
)
