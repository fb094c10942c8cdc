"""Sigmoid-shaped elementwise activations: ``sigmoid``, ``softplus``, their fast approximations
``ultra_fast_sigmoid`` and ``hard_sigmoid``, and ``softsign``.

``sigmoid`` and ``softplus`` lift the scalar ops of :mod:`theano.scalar` (their gradients are
in :mod:`theano.tensor.elemwise_grad`). The scalar ops that exist only for neural networks
(the ultra-fast sigmoid and softsign) are defined here, and their gradient rules are
registered in the same table of elementwise gradient rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.scalar.type import upgrade_to_float_dtype
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import Elemwise
from theano.tensor.elemwise_grad import RULES
from theano.tensor.var import TensorVariable

__all__ = [
    "ScalarSigmoid",
    "ScalarSoftplus",
    "ScalarSoftsign",
    "UltraFastScalarSigmoid",
    "hard_sigmoid",
    "scalar_sigmoid",
    "scalar_softplus",
    "scalar_softsign",
    "sigmoid",
    "softplus",
    "softsign",
    "ultra_fast_scalar_sigmoid",
    "ultra_fast_sigmoid",
]

# ------------------------------------------------------------------------------------------
# The ultra-fast sigmoid: Theano's piecewise approximation.
# With a = |x| / 2, the approximation of tanh(x / 2) is 1.5 a / (1 + a) below a = 1.7, a line
# between 1.7 and 3, and a constant beyond; the sigmoid is (1 + sign(x) * that) / 2.
# ------------------------------------------------------------------------------------------
_UFS_KNEE = 1.7
_UFS_FLAT = 3.0
_UFS_LINE_AT_KNEE = 0.935409070603099
_UFS_LINE_SLOPE = 0.0458812946797165
_UFS_CEILING = 0.99505475368673


def _ultra_fast_sigmoid_impl(x: np.ndarray) -> np.ndarray:
    a = np.abs(x) * 0.5
    curve = 1.5 * a / (1 + a)
    line = _UFS_LINE_AT_KNEE + _UFS_LINE_SLOPE * (a - _UFS_KNEE)
    tanh_half = np.where(a < _UFS_KNEE, curve, np.where(a < _UFS_FLAT, line, _UFS_CEILING))
    return 0.5 * (1 + np.copysign(tanh_half, x))


def _ultra_fast_sigmoid_grad(xs, z, gz):
    # d/dx of the approximation: the odd symmetry cancels the sign, leaving 0.25 * slope(a).
    a = abs(xs[0]) * 0.5
    slope = T.switch(T.lt(a, _UFS_KNEE), 1.5 / T.sqr(1 + a), T.switch(T.lt(a, _UFS_FLAT), _UFS_LINE_SLOPE, 0.0))
    return [gz * 0.25 * slope]


def _softsign_impl(x: np.ndarray) -> np.ndarray:
    return x / (1 + np.abs(x))


def _softsign_grad(xs, z, gz):
    return [gz / T.sqr(1 + abs(xs[0]))]


class UltraFastScalarSigmoid(scalar.basic.UnaryScalarOp):
    """Theano's piecewise approximation of the sigmoid, on scalars."""

    nfunc = staticmethod(_ultra_fast_sigmoid_impl)
    output_types_preference = scalar.basic.upgrade_to_float_no_complex
    name = "ultra_fast_sigmoid"


class ScalarSoftsign(scalar.basic.UnaryScalarOp):
    """``x / (1 + |x|)`` on scalars."""

    nfunc = staticmethod(_softsign_impl)
    output_types_preference = scalar.basic.upgrade_to_float_no_complex
    name = "softsign"


# Elementwise gradient rules of the scalar ops defined here (looked up by scalar op name).
RULES.setdefault(UltraFastScalarSigmoid.name, _ultra_fast_sigmoid_grad)
RULES.setdefault(ScalarSoftsign.name, _softsign_grad)

# Theano 1.0 names of the scalar ops.
ScalarSigmoid = scalar.basic.Sigmoid
ScalarSoftplus = scalar.basic.Softplus
scalar_sigmoid = scalar.sigmoid
scalar_softplus = scalar.softplus
ultra_fast_scalar_sigmoid = UltraFastScalarSigmoid(name=UltraFastScalarSigmoid.name)
scalar_softsign = ScalarSoftsign(name=ScalarSoftsign.name)


def _activation(scalar_op, name: str, doc: str) -> Elemwise:
    op = Elemwise(scalar_op, name=name)
    op.__doc__ = doc
    return op


sigmoid = _activation(scalar_sigmoid, "sigmoid", """The logistic sigmoid ``1 / (1 + exp(-x))``, elementwise.

Exact 0 and 1 for inputs far below or above 0; never NaN for large ``|x|``.
""")
softplus = _activation(scalar_softplus, "softplus", """``log(1 + exp(x))``, elementwise, computed without overflow.

Its gradient is :func:`sigmoid`.
""")
ultra_fast_sigmoid = _activation(ultra_fast_scalar_sigmoid, "ultra_fast_sigmoid", """A piecewise approximation
of :func:`sigmoid` (Theano's ``ultra_fast_sigmoid``), elementwise.

Its values lie in ``[0.00247262315663, 0.997527376843]``: it never returns exactly 0 or 1. The
gradient is the derivative of the approximation.
""")
softsign = _activation(scalar_softsign, "softsign", """``x / (1 + |x|)``, elementwise.""")


def hard_sigmoid(x: Any) -> TensorVariable:
    """A piecewise-linear approximation of :func:`sigmoid`: ``clip(0.2 * x + 0.5, 0, 1)``.

    Parameters
    ----------
    x : tensor-like
        Any real tensor; integers give a float result.

    Returns
    -------
    TensorVariable
        Same shape as ``x``, float dtype (``x``'s when it is a float). Exactly 0 below -2.5
        and exactly 1 above 2.5.
    """
    x = as_tensor_variable(x)
    out_dtype = upgrade_to_float_dtype(x.type.dtype)
    slope = constant(0.2, dtype=out_dtype)
    shift = constant(0.5, dtype=out_dtype)
    return T.clip(x * slope + shift, constant(0, dtype=out_dtype), constant(1, dtype=out_dtype))
