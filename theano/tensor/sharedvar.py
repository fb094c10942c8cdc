"""Shared tensors: ``theano.shared(numpy_array)``."""

from __future__ import annotations

import numpy as np

from theano.compile.sharedvalue import SharedVariable, shared_constructor
from theano.tensor.type import TensorType
from theano.tensor.var import _tensor_py_operators


class TensorSharedVariable(_tensor_py_operators, SharedVariable):
    """A shared variable holding an ndarray; usable wherever a tensor is."""


class ScalarSharedVariable(TensorSharedVariable):
    """A 0-d shared tensor made from a Python or NumPy scalar."""


@shared_constructor
def tensor_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False, shape=None,
                       broadcastable=None, target="cpu"):
    """Shared tensors for ndarrays: not broadcastable unless asked, and copied unless borrowed."""
    if target != "cpu":
        raise TypeError("target is not 'cpu'")
    if not isinstance(value, np.ndarray):
        raise TypeError("not an ndarray")
    if broadcastable is None:
        broadcastable = (False,) * value.ndim
    tensor_type = TensorType(value.dtype, broadcastable)
    data = value if borrow else value.copy()
    return TensorSharedVariable(type=tensor_type, value=data, name=name, strict=strict,
                                allow_downcast=allow_downcast)


@shared_constructor
def scalar_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False, target="cpu"):
    """Shared 0-d tensors for Python and NumPy scalars (a Python float is float64, as in Theano)."""
    if target != "cpu":
        raise TypeError("target is not 'cpu'")
    if not isinstance(value, (int, float, complex, bool, np.number, np.bool_)):
        raise TypeError("not a scalar")
    dtype = str(np.asarray(value).dtype)
    tensor_type = TensorType(dtype, ())
    return ScalarSharedVariable(type=tensor_type, value=np.array(value, dtype=dtype), name=name,
                                strict=False, allow_downcast=allow_downcast)
