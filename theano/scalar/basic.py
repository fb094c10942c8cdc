"""Scalar operations: each defined once, lifted to tensors by :class:`~theano.tensor.elemwise.Elemwise`.

An op here states its arity, how its output dtype follows from its input dtypes (an
"output types preference"), and its NumPy implementation, which works elementwise on arrays.
Gradients live in :mod:`theano.scalar.grad`; C and CUDA renderings live with their backends.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.special

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import (
    ScalarConstant,
    ScalarType,
    ScalarVariable,
    complex_types,
    discrete_types,
    get_scalar_type,
    upcast,
    upgrade_to_float_dtype,
)

# ------------------------------------------------------------------------------------------
# Output type preferences: functions from input types to the list of output types.
# ------------------------------------------------------------------------------------------


class _TypeRule:
    """A named rule mapping input scalar types to output scalar types (hashable, printable)."""

    def __init__(self, name: str, rule: Callable[..., Sequence[str]]):
        self.name = name
        self.rule = rule

    def __call__(self, *types: ScalarType) -> list[ScalarType]:
        return [get_scalar_type(d) for d in self.rule(*[t.dtype for t in types])]

    def __repr__(self) -> str:
        return self.name


def _upcast_nobool(*dtypes: str) -> list[str]:
    out = upcast(*dtypes)
    return ["int8" if out == "bool" else out]


def _float_out(*dtypes: str) -> list[str]:
    return [upgrade_to_float_dtype(upcast(*dtypes))]


def _float_no_complex(*dtypes: str) -> list[str]:
    if any(d in complex_types for d in dtypes):
        raise TypeError("complex arguments are not supported by this op")
    return _float_out(*dtypes)


def _real_part(*dtypes: str) -> list[str]:
    dtype = upcast(*dtypes)
    if dtype == "complex64":
        return ["float32"]
    if dtype == "complex128":
        return ["float64"]
    return [dtype]


def _complex_from_float(*dtypes: str) -> list[str]:
    dtype = upgrade_to_float_dtype(upcast(*_check_no_complex(dtypes, dtypes)))
    return ["complex64" if dtype in ("float16", "float32") else "complex128"]


def _discrete_only(*dtypes: str) -> list[str]:
    for dtype in dtypes:
        if dtype not in discrete_types:
            raise TypeError(f"this op works on integers and booleans only, got {dtype}")
    return [upcast(*dtypes)]


def _no_bool(*dtypes: str) -> list[str]:
    if "bool" in dtypes:
        raise TypeError("this op does not accept booleans")
    return [upcast(*dtypes)]


upcast_out = _TypeRule("upcast_out", lambda *d: [upcast(*d)])
upcast_out_nobool = _TypeRule("upcast_out_nobool", _upcast_nobool)
upcast_out_no_complex = _TypeRule("upcast_out_no_complex", lambda *d: _check_no_complex(d, [upcast(*d)]))
same_out = _TypeRule("same_out", lambda d, *rest: [d])
same_out_nobool = _TypeRule("same_out_nobool", lambda d, *rest: _upcast_nobool(d))
same_out_nocomplex = _TypeRule("same_out_nocomplex", lambda d, *rest: _check_no_complex((d,), [d]))
no_bool_out = _TypeRule("no_bool_out", _no_bool)
bool_out = _TypeRule("bool_out", lambda *d: ["bool"])
int_out = bool_out
upgrade_to_float = _TypeRule("upgrade_to_float", _float_out)
upgrade_to_float_no_complex = _TypeRule("upgrade_to_float_no_complex", _float_no_complex)
real_out = _TypeRule("real_out", _real_part)
complex_from_float = _TypeRule("complex_from_float", _complex_from_float)
discrete_out = _TypeRule("discrete_out", _discrete_only)
second_type = _TypeRule("second_type", lambda *d: [d[-1]])
switch_type = _TypeRule("switch_type", lambda c, a, b: [upcast(a, b)])


def _check_no_complex(dtypes, result):
    if any(d in complex_types for d in dtypes):
        raise TypeError(f"complex arguments are not supported by this op, got {', '.join(dtypes)}")
    return result


def _upcast_nobool_no_complex(*dtypes: str) -> list[str]:
    return _check_no_complex(dtypes, _upcast_nobool(*dtypes))


def _bool_no_complex(*dtypes: str) -> list[str]:
    return _check_no_complex(dtypes, ["bool"])


def _round_out(dtype: str) -> list[str]:
    if dtype == "bool" or dtype in complex_types:
        raise TypeError(f"rounding works on integers and reals, got {dtype}")
    return [dtype]


upcast_out_nobool_no_complex = _TypeRule("upcast_out_nobool_no_complex", _upcast_nobool_no_complex)
bool_out_no_complex = _TypeRule("bool_out_no_complex", _bool_no_complex)
round_out = _TypeRule("round_out", _round_out)


def _float_div_out(*dtypes: str) -> list[str]:
    import theano

    if all(d in discrete_types for d in dtypes):
        return [theano.config.floatX]
    return [upcast(*dtypes)]


true_div_out = _TypeRule("true_div_out", _float_div_out)


# ------------------------------------------------------------------------------------------
# The ScalarOp base class
# ------------------------------------------------------------------------------------------


def as_scalar(x: Any, name: str | None = None) -> ScalarVariable:
    """``x`` as a scalar variable: a scalar variable itself, a 0-d tensor, or a constant."""
    if isinstance(x, Variable):
        if isinstance(x.type, ScalarType):
            return x
        from theano.tensor.type import TensorType

        if isinstance(x.type, TensorType) and x.type.ndim == 0:
            from theano.tensor.basic import scalar_from_tensor

            return scalar_from_tensor(x)
        raise TypeError(f"Cannot convert {x} to a scalar variable")
    return constant(x, name=name)


def constant(x: Any, name: str | None = None, dtype: str | None = None) -> ScalarConstant:
    if dtype is None:
        from theano.tensor.basic import autocast_dtype

        dtype = autocast_dtype(x)
    data = np.asarray(x, dtype=dtype)
    if data.ndim != 0:
        raise TypeError(f"scalar constant expects a 0-d value, got shape {data.shape}")
    return ScalarConstant(get_scalar_type(str(data.dtype)), data[()], name=name)


def _as_scalar_inputs(inputs: Sequence[Any], value_inputs: Sequence[int] | None = None) -> list[ScalarVariable]:
    """Convert an op's arguments; Python numbers next to variables are "weak" (they take the
    variables' dtype when they fit, as for tensors)."""
    python_numbers = [type(x) in (bool, int, float, builtins.complex) for x in inputs]
    if not any(python_numbers) or all(python_numbers):
        return [as_scalar(x) for x in inputs]
    from theano.tensor.basic import _weak_scalar_dtype

    converted = [None if weak else as_scalar(x) for x, weak in zip(inputs, python_numbers)]
    positions = range(len(inputs)) if value_inputs is None else value_inputs
    strong = [converted[i] for i in positions if i < len(inputs) and not python_numbers[i]]
    if not strong:  # only Python numbers among the values: each takes its own default dtype
        return [as_scalar(x) if weak else v for x, weak, v in zip(inputs, python_numbers, converted)]
    strong_dtype = upcast(*[v.type.dtype for v in strong])
    return [constant(x, dtype=_weak_scalar_dtype(x, strong_dtype)) if weak else v
            for x, weak, v in zip(inputs, python_numbers, converted)]


class ScalarOp(Op):
    """An operation on scalars, usable elementwise on tensors through Elemwise.

    Subclasses set ``nin``, ``nfunc`` (the NumPy implementation, applied to whole arrays)
    and an ``output_types_preference``. Ops are compared by class and type rule.
    """

    nin = -1
    nout = 1
    nfunc: Callable | None = None
    identity: Any = None
    commutative = False
    associative = False
    __props__ = ("output_types_preference",)

    def __init__(self, output_types_preference: _TypeRule | None = None, name: str | None = None):
        if output_types_preference is not None:
            self.output_types_preference = output_types_preference
        self.name = name or getattr(type(self), "name", None) or type(self).__name__.lower()

    def output_types(self, types: Sequence[ScalarType]) -> list[ScalarType]:
        rule = getattr(self, "output_types_preference", None)
        if rule is None:
            raise NotImplementedError(f"{type(self).__name__} does not say its output types")
        return rule(*types)

    def make_node(self, *inputs: Any) -> Apply:
        if self.nin >= 0 and len(inputs) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} inputs, got {len(inputs)}")
        inputs = _as_scalar_inputs(inputs, getattr(self, "value_inputs", None))
        outputs = [t() for t in self.output_types([x.type for x in inputs])]
        return Apply(self, inputs, outputs)

    def impl(self, *inputs: Any):
        """The value on NumPy scalars or arrays (elementwise)."""
        return self.nfunc(*inputs)

    def impl_arrays(self, inputs: Sequence[np.ndarray], out_dtypes: Sequence[str]):
        """Compute on arrays, returning results of exactly ``out_dtypes``."""
        result = self.impl(*_computation_inputs(inputs, out_dtypes[0]))
        if self.nout == 1:
            result = (result,)
        return [np.asarray(r, dtype=d) if getattr(r, "dtype", None) != d else r
                for r, d in zip(result, out_dtypes)]

    def perform(self, node, inputs, output_storage, params=None):
        with np.errstate(all="ignore"):
            results = self.impl_arrays([np.asarray(x) for x in inputs], [o.type.dtype for o in node.outputs])
        for cell, value in zip(output_storage, results):
            cell[0] = value[()]

    def __str__(self) -> str:
        return self.name

    def c_code_cache_version(self):
        return ()


_REAL_PART_DTYPE = {"complex64": "float32", "complex128": "float64"}


def _computation_inputs(inputs: Sequence[np.ndarray], out_dtype: str) -> list[np.ndarray]:
    """Convert inputs so that NumPy computes in the output's precision.

    Integers feeding a float (or complex) result become that float, so ``exp(int8)`` is
    computed in float32 rather than NumPy's float16; booleans feeding an integer result become
    that integer, so ``True + True`` is 2 rather than NumPy's logical ``True``.
    """
    kind = np.dtype(out_dtype).kind
    if kind in "fc":
        target = _REAL_PART_DTYPE.get(out_dtype, out_dtype)
        return [x.astype(target) if x.dtype.kind in "biu" else x for x in inputs]
    if kind in "iu":
        return [x.astype(out_dtype) if x.dtype.kind == "b" else x for x in inputs]
    return list(inputs)


class UnaryScalarOp(ScalarOp):
    nin = 1


class BinaryScalarOp(ScalarOp):
    nin = 2


class LogicalComparison(BinaryScalarOp):
    output_types_preference = bool_out


def _define(cls_name: str, name: str, base: type, nfunc: Callable, rule: _TypeRule,
            **attrs: Any) -> tuple[type, ScalarOp]:
    """Create a ScalarOp subclass from a NumPy implementation and a type rule, and its instance."""
    namespace = {"nfunc": staticmethod(nfunc), "output_types_preference": rule, "name": name, **attrs}
    cls = type(cls_name, (base,), namespace)
    return cls, cls(name=name)


# ------------------------------------------------------------------------------------------
# Implementations that NumPy lacks
# ------------------------------------------------------------------------------------------

def _round_half_away_from_zero(x):
    if x.dtype.kind in "biu":
        return x
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _round_half_to_even(x):
    return np.round(x)


def _xlogx(x):
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1, x)))


def _xlogy0(x, y):
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1, y)))


def _identity(x):
    return x


def _second(x, y):
    return np.broadcast_to(y, np.broadcast_shapes(np.shape(x), np.shape(y))).copy()


def _switch(cond, a, b):
    return np.where(cond, a, b)


def _clip(x, low, high):
    return np.minimum(np.maximum(x, low), high)


def _sgn(x):
    if x.dtype.kind == "b":
        return x
    return np.sign(x)


def _sqr(x):
    return x * x


def _sigmoid(x):
    return scipy.special.expit(x)


def _softplus(x):
    # log(1 + exp(x)), exact for large |x|
    return np.where(x > 30, x, np.log1p(np.exp(np.minimum(x, 30))))


def _log1mexp(x):
    return np.where(x < -0.6931471805599453, np.log1p(-np.exp(x)), np.log(-np.expm1(x)))


def _complex(real, imag):
    return real + 1j * imag


def _trigamma(x):
    return scipy.special.polygamma(1, x)


def _gammau(k, x):
    return scipy.special.gammaincc(k, x) * scipy.special.gamma(k)


def _gammal(k, x):
    return scipy.special.gammainc(k, x) * scipy.special.gamma(k)


def _chi2sf(x, k):
    return scipy.special.chdtrc(k, x)


def _angle_out(dtype: str) -> list[str]:
    return _real_part(dtype) if dtype in complex_types else [upgrade_to_float_dtype(dtype)]


def _add_n(*xs):
    # np.add's third positional argument is ``out``: fold n-ary sums explicitly.
    total = xs[0]
    for x in xs[1:]:
        total = np.add(total, x)
    return total


def _mul_n(*xs):
    total = xs[0]
    for x in xs[1:]:
        total = np.multiply(total, x)
    return total


def _int_div(x, y):
    return np.floor_divide(x, y)


# ------------------------------------------------------------------------------------------
# The table of scalar ops
# ------------------------------------------------------------------------------------------
# Each line: class and instance, base class, NumPy implementation, output type rule.
_AC = {"commutative": True, "associative": True}
Add, add = _define("Add", "add", ScalarOp, _add_n, upcast_out_nobool, identity=0, **_AC)
Mul, mul = _define("Mul", "mul", ScalarOp, _mul_n, upcast_out_nobool, identity=1, **_AC)
Sub, sub = _define("Sub", "sub", BinaryScalarOp, np.subtract, upcast_out_nobool)
TrueDiv, true_div = _define("TrueDiv", "true_div", BinaryScalarOp, np.true_divide, true_div_out)
IntDiv, int_div = _define("IntDiv", "int_div", BinaryScalarOp, _int_div, upcast_out_nobool_no_complex)
Mod, mod = _define("Mod", "mod", BinaryScalarOp, np.mod, upcast_out_nobool_no_complex)
Pow, pow = _define("Pow", "pow", BinaryScalarOp, np.power, upcast_out_nobool)
Maximum, maximum = _define("Maximum", "maximum", BinaryScalarOp, np.maximum, upcast_out_no_complex, **_AC)
Minimum, minimum = _define("Minimum", "minimum", BinaryScalarOp, np.minimum, upcast_out_no_complex, **_AC)
ArcTan2, arctan2 = _define("ArcTan2", "arctan2", BinaryScalarOp, np.arctan2, upgrade_to_float_no_complex)
Hypot, hypot = _define("Hypot", "hypot", BinaryScalarOp, np.hypot, upgrade_to_float_no_complex)
Neg, neg = _define("Neg", "neg", UnaryScalarOp, np.negative, no_bool_out)
Abs, abs = _define("Abs", "abs", UnaryScalarOp, np.abs, real_out)
Sgn, sgn = _define("Sgn", "sgn", UnaryScalarOp, _sgn, same_out_nocomplex)
Inv, inv = _define("Inv", "inv", UnaryScalarOp, np.reciprocal, upgrade_to_float)
Sqr, sqr = _define("Sqr", "sqr", UnaryScalarOp, _sqr, same_out_nobool)
Sqrt, sqrt = _define("Sqrt", "sqrt", UnaryScalarOp, np.sqrt, upgrade_to_float)
Identity, identity = _define("Identity", "identity", UnaryScalarOp, _identity, same_out)
LT, lt = _define("LT", "lt", LogicalComparison, np.less, bool_out_no_complex)
GT, gt = _define("GT", "gt", LogicalComparison, np.greater, bool_out_no_complex)
LE, le = _define("LE", "le", LogicalComparison, np.less_equal, bool_out_no_complex)
GE, ge = _define("GE", "ge", LogicalComparison, np.greater_equal, bool_out_no_complex)
EQ, eq = _define("EQ", "eq", LogicalComparison, np.equal, bool_out, commutative=True)
NEQ, neq = _define("NEQ", "neq", LogicalComparison, np.not_equal, bool_out, commutative=True)
IsNan, isnan = _define("IsNan", "isnan", UnaryScalarOp, np.isnan, bool_out)
IsInf, isinf = _define("IsInf", "isinf", UnaryScalarOp, np.isinf, bool_out)
AND, and_ = _define("AND", "and_", BinaryScalarOp, np.bitwise_and, discrete_out, **_AC)
OR, or_ = _define("OR", "or_", BinaryScalarOp, np.bitwise_or, discrete_out, **_AC)
XOR, xor = _define("XOR", "xor", BinaryScalarOp, np.bitwise_xor, discrete_out, **_AC)
Invert, invert = _define("Invert", "invert", UnaryScalarOp, np.invert, discrete_out)
Exp, exp = _define("Exp", "exp", UnaryScalarOp, np.exp, upgrade_to_float)
Exp2, exp2 = _define("Exp2", "exp2", UnaryScalarOp, np.exp2, upgrade_to_float)
Expm1, expm1 = _define("Expm1", "expm1", UnaryScalarOp, np.expm1, upgrade_to_float)
Log, log = _define("Log", "log", UnaryScalarOp, np.log, upgrade_to_float)
Log2, log2 = _define("Log2", "log2", UnaryScalarOp, np.log2, upgrade_to_float)
Log10, log10 = _define("Log10", "log10", UnaryScalarOp, np.log10, upgrade_to_float)
Log1p, log1p = _define("Log1p", "log1p", UnaryScalarOp, np.log1p, upgrade_to_float)
Log1mexp, log1mexp = _define("Log1mexp", "log1mexp", UnaryScalarOp, _log1mexp, upgrade_to_float_no_complex)
XlogX, xlogx = _define("XlogX", "xlogx", UnaryScalarOp, _xlogx, upgrade_to_float_no_complex)
XlogY0, xlogy0 = _define("XlogY0", "xlogy0", BinaryScalarOp, _xlogy0, upgrade_to_float_no_complex)
Sigmoid, sigmoid = _define("Sigmoid", "sigmoid", UnaryScalarOp, _sigmoid, upgrade_to_float_no_complex)
Softplus, softplus = _define("Softplus", "softplus", UnaryScalarOp, _softplus, upgrade_to_float_no_complex)
Sin, sin = _define("Sin", "sin", UnaryScalarOp, np.sin, upgrade_to_float)
Cos, cos = _define("Cos", "cos", UnaryScalarOp, np.cos, upgrade_to_float)
Tan, tan = _define("Tan", "tan", UnaryScalarOp, np.tan, upgrade_to_float)
ArcSin, arcsin = _define("ArcSin", "arcsin", UnaryScalarOp, np.arcsin, upgrade_to_float)
ArcCos, arccos = _define("ArcCos", "arccos", UnaryScalarOp, np.arccos, upgrade_to_float)
ArcTan, arctan = _define("ArcTan", "arctan", UnaryScalarOp, np.arctan, upgrade_to_float)
Sinh, sinh = _define("Sinh", "sinh", UnaryScalarOp, np.sinh, upgrade_to_float)
Cosh, cosh = _define("Cosh", "cosh", UnaryScalarOp, np.cosh, upgrade_to_float)
Tanh, tanh = _define("Tanh", "tanh", UnaryScalarOp, np.tanh, upgrade_to_float)
ArcSinh, arcsinh = _define("ArcSinh", "arcsinh", UnaryScalarOp, np.arcsinh, upgrade_to_float)
ArcCosh, arccosh = _define("ArcCosh", "arccosh", UnaryScalarOp, np.arccosh, upgrade_to_float)
ArcTanh, arctanh = _define("ArcTanh", "arctanh", UnaryScalarOp, np.arctanh, upgrade_to_float)
Deg2Rad, deg2rad = _define("Deg2Rad", "deg2rad", UnaryScalarOp, np.deg2rad, upgrade_to_float_no_complex)
Rad2Deg, rad2deg = _define("Rad2Deg", "rad2deg", UnaryScalarOp, np.rad2deg, upgrade_to_float_no_complex)
Floor, floor = _define("Floor", "floor", UnaryScalarOp, np.floor, upgrade_to_float_no_complex)
Ceil, ceil = _define("Ceil", "ceil", UnaryScalarOp, np.ceil, upgrade_to_float_no_complex)
Trunc, trunc = _define("Trunc", "trunc", UnaryScalarOp, np.trunc, upgrade_to_float_no_complex)
RoundHalfToEven, round_half_to_even = _define(
    "RoundHalfToEven", "round_half_to_even", UnaryScalarOp, _round_half_to_even, round_out)
RoundHalfAwayFromZero, round_half_away_from_zero = _define(
    "RoundHalfAwayFromZero", "round_half_away_from_zero", UnaryScalarOp, _round_half_away_from_zero, round_out)
Erf, erf = _define("Erf", "erf", UnaryScalarOp, scipy.special.erf, upgrade_to_float_no_complex)
Erfc, erfc = _define("Erfc", "erfc", UnaryScalarOp, scipy.special.erfc, upgrade_to_float_no_complex)
Erfcx, erfcx = _define("Erfcx", "erfcx", UnaryScalarOp, scipy.special.erfcx, upgrade_to_float_no_complex)
Erfinv, erfinv = _define("Erfinv", "erfinv", UnaryScalarOp, scipy.special.erfinv, upgrade_to_float_no_complex)
Erfcinv, erfcinv = _define("Erfcinv", "erfcinv", UnaryScalarOp, scipy.special.erfcinv, upgrade_to_float_no_complex)
Gamma, gamma = _define("Gamma", "gamma", UnaryScalarOp, scipy.special.gamma, upgrade_to_float_no_complex)
GammaLn, gammaln = _define("GammaLn", "gammaln", UnaryScalarOp, scipy.special.gammaln, upgrade_to_float_no_complex)
Psi, psi = _define("Psi", "psi", UnaryScalarOp, scipy.special.digamma, upgrade_to_float_no_complex)
TriGamma, tri_gamma = _define("TriGamma", "tri_gamma", UnaryScalarOp, _trigamma, upgrade_to_float_no_complex)
Chi2SF, chi2sf = _define("Chi2SF", "chi2sf", BinaryScalarOp, _chi2sf, upgrade_to_float_no_complex)
GammaInc, gammainc = _define("GammaInc", "gammainc", BinaryScalarOp, scipy.special.gammainc,
                             upgrade_to_float_no_complex)
GammaIncC, gammaincc = _define("GammaIncC", "gammaincc", BinaryScalarOp, scipy.special.gammaincc,
                               upgrade_to_float_no_complex)
GammaU, gammau = _define("GammaU", "gammau", BinaryScalarOp, _gammau, upgrade_to_float_no_complex)
GammaL, gammal = _define("GammaL", "gammal", BinaryScalarOp, _gammal, upgrade_to_float_no_complex)
Jv, jv = _define("Jv", "jv", BinaryScalarOp, scipy.special.jv, upgrade_to_float_no_complex)
Iv, iv = _define("Iv", "iv", BinaryScalarOp, scipy.special.iv, upgrade_to_float_no_complex)
J0, j0 = _define("J0", "j0", UnaryScalarOp, scipy.special.j0, upgrade_to_float_no_complex)
J1, j1 = _define("J1", "j1", UnaryScalarOp, scipy.special.j1, upgrade_to_float_no_complex)
I0, i0 = _define("I0", "i0", UnaryScalarOp, scipy.special.i0, upgrade_to_float_no_complex)
I1, i1 = _define("I1", "i1", UnaryScalarOp, scipy.special.i1, upgrade_to_float_no_complex)
Real, real = _define("Real", "real", UnaryScalarOp, np.real, real_out)
Imag, imag = _define("Imag", "imag", UnaryScalarOp, np.imag, real_out)
Angle, angle = _define("Angle", "angle", UnaryScalarOp, np.angle, _TypeRule("angle_out", _angle_out))
Conj, conj = _define("Conj", "conj", UnaryScalarOp, np.conjugate, same_out)
Complex, complex = _define("Complex", "complex", BinaryScalarOp, _complex, complex_from_float)
Second, second = _define("Second", "second", BinaryScalarOp, _second, second_type)
# the condition does not decide the dtype of Python numbers among the values
Switch, switch = _define("Switch", "switch", ScalarOp, _switch, switch_type, nin=3, value_inputs=(1, 2))
Clip, clip = _define("Clip", "clip", ScalarOp, _clip, upcast_out_no_complex, nin=3)

fill = second


class Cast(UnaryScalarOp):
    """Convert to ``o_type`` (a ScalarType)."""

    __props__ = ("o_type",)

    def __init__(self, o_type: ScalarType, name: str | None = None):
        self.o_type = o_type
        super().__init__(name=name or f"convert_to_{o_type.dtype}")

    def output_types(self, types):
        return [self.o_type]

    def impl(self, x):
        return np.asarray(x).astype(self.o_type.dtype)

    def impl_arrays(self, inputs, out_dtypes):
        return [inputs[0].astype(out_dtypes[0])]

    def __str__(self):
        return self.name


_CASTS: dict[str, Cast] = {}


def get_cast(dtype: str) -> Cast:
    if dtype not in _CASTS:
        _CASTS[dtype] = Cast(get_scalar_type(dtype))
    return _CASTS[dtype]


def cast(x, dtype: str):
    if dtype == "floatX":
        import theano

        dtype = theano.config.floatX
    x = as_scalar(x)
    if x.type.dtype == dtype:
        return x
    if x.type.dtype in complex_types and dtype not in complex_types:
        raise TypeError("Casting from complex to real is ambiguous: use real(), imag(), abs() or angle()")
    return get_cast(dtype)(x)


class ScalarFromPython(Op):
    """Unused placeholder kept for old imports."""


def scalar(name: str | None = None, dtype: str | None = None) -> ScalarVariable:
    import theano

    return get_scalar_type(dtype or theano.config.floatX)(name)


def _scalar_constructor(dtype: str) -> Callable[[str | None], ScalarVariable]:
    def make(name: str | None = None) -> ScalarVariable:
        return get_scalar_type(dtype)(name)

    make.__name__ = dtype
    return make


bscalar = _scalar_constructor("int8")
wscalar = _scalar_constructor("int16")
iscalar = _scalar_constructor("int32")
lscalar = _scalar_constructor("int64")
fscalar = _scalar_constructor("float32")
dscalar = _scalar_constructor("float64")
cscalar = _scalar_constructor("complex64")
zscalar = _scalar_constructor("complex128")

from theano.scalar.composite import Composite  # noqa: E402,F401  (it builds on the ops above)

__all__ = [name for name in dir() if not name.startswith("_")]
