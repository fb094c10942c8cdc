"""Scalar types and operations (lifted to tensors by Elemwise)."""

from theano.scalar.basic import *  # noqa: F401,F403
from theano.scalar.basic import Composite, ScalarOp, as_scalar, cast, constant, get_cast  # noqa: F401
from theano.scalar.type import *  # noqa: F401,F403
from theano.scalar.type import ScalarConstant, ScalarType, ScalarVariable, get_scalar_type, upcast  # noqa: F401
