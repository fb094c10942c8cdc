"""ScalarType: 0-d values of one dtype, and dtype rules shared by scalars and tensors."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from theano.graph.basic import Constant, Variable
from theano.graph.type import Type

bool_types = ("bool",)
int_types = ("int8", "int16", "int32", "int64")
uint_types = ("uint8", "uint16", "uint32", "uint64")
discrete_types = bool_types + int_types + uint_types
float_types = ("float16", "float32", "float64")
complex_types = ("complex64", "complex128")
continuous_types = float_types + complex_types
all_types = discrete_types + continuous_types

_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def upcast(dtype: str, *dtypes: str) -> str:
    """The dtype NumPy gives when combining arrays of these dtypes."""
    return _upcast((str(dtype), *map(str, dtypes)))


@functools.lru_cache(maxsize=4096)
def _upcast(dtypes: tuple[str, ...]) -> str:
    return str(np.result_type(*[np.dtype(d) for d in dtypes]))


def upgrade_to_float_dtype(dtype: str) -> str:
    """Theano's rule for ops that need a float result: small ints become float32."""
    if dtype in ("bool", "int8", "uint8", "int16", "uint16"):
        return "float32"
    if dtype in ("int32", "uint32", "int64", "uint64"):
        return "float64"
    return dtype


def dtype_kind(dtype: str) -> int:
    """0 bool, 1 integer, 2 float, 3 complex."""
    return _KIND_ORDER[np.dtype(dtype).kind]


class ScalarType(Type):
    """The type of a 0-d value of ``dtype``."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        dtype = str(np.dtype(dtype)) if dtype != "floatX" else _floatx()
        if dtype not in all_types:
            raise TypeError(f"Unsupported dtype for ScalarType: {dtype}")
        self.dtype = dtype

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash((ScalarType, self.dtype))

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        """``data`` as a NumPy scalar of this dtype, with the conversion rules of
        :meth:`TensorType.filter <theano.tensor.type.TensorType.filter>` for 0-d tensors."""
        if strict:
            if not (isinstance(data, (np.generic, np.ndarray)) and str(data.dtype) == self.dtype
                    and np.ndim(data) == 0):
                raise TypeError(f"{self} expects a numpy scalar of dtype {self.dtype}, got {data!r:.60}")
            return data[()]
        tensor_type = self.__dict__.get("_tensor_type")
        if tensor_type is None:
            from theano.tensor.type import TensorType

            tensor_type = self.__dict__["_tensor_type"] = TensorType(self.dtype, ())
        return tensor_type.filter(data, allow_downcast=allow_downcast)[()]

    @staticmethod
    def values_eq(a, b) -> bool:
        return bool(a == b)

    @staticmethod
    def values_eq_approx(a, b, tolerance: float = 1e-4) -> bool:
        return bool(np.allclose(a, b, rtol=tolerance, atol=tolerance, equal_nan=True))

    def make_variable(self, name: str | None = None) -> ScalarVariable:
        return ScalarVariable(self, None, name=name)

    def make_constant(self, value, name=None) -> ScalarConstant:
        return ScalarConstant(self, value, name=name)

    def __str__(self) -> str:
        return str(self.dtype)

    def __repr__(self) -> str:
        return f"Scalar({self.dtype})"

    def get_shape_info(self, obj):
        return obj.itemsize

    def get_size(self, shape_info):
        return shape_info


def _floatx() -> str:
    import theano

    return theano.config.floatX


def get_scalar_type(dtype: str) -> ScalarType:
    """The (cached) ScalarType of ``dtype``."""
    try:
        return _SCALAR_TYPES[dtype]
    except KeyError:
        st = ScalarType(dtype)
        _SCALAR_TYPES[st.dtype] = st
        return st


_SCALAR_TYPES: dict[str, ScalarType] = {}


class _ScalarOperators:
    """Arithmetic on scalar variables builds scalar-op graphs."""

    def _binary(self, other, name, reverse=False):
        from theano.scalar import basic as sb

        op = getattr(sb, name)
        return op(other, self) if reverse else op(self, other)

    def __add__(self, other):
        return self._binary(other, "add")

    def __radd__(self, other):
        return self._binary(other, "add", True)

    def __sub__(self, other):
        return self._binary(other, "sub")

    def __rsub__(self, other):
        return self._binary(other, "sub", True)

    def __mul__(self, other):
        return self._binary(other, "mul")

    def __rmul__(self, other):
        return self._binary(other, "mul", True)

    def __truediv__(self, other):
        return self._binary(other, "true_div")

    def __rtruediv__(self, other):
        return self._binary(other, "true_div", True)

    def __floordiv__(self, other):
        return self._binary(other, "int_div")

    def __mod__(self, other):
        return self._binary(other, "mod")

    def __pow__(self, other):
        return self._binary(other, "pow")

    def __neg__(self):
        from theano.scalar import basic as sb

        return sb.neg(self)

    def __lt__(self, other):
        return self._binary(other, "lt")

    def __le__(self, other):
        return self._binary(other, "le")

    def __gt__(self, other):
        return self._binary(other, "gt")

    def __ge__(self, other):
        return self._binary(other, "ge")


class ScalarVariable(_ScalarOperators, Variable):
    pass


class ScalarConstant(_ScalarOperators, Constant):
    def signature(self):
        return (self.type, self.data.item() if hasattr(self.data, "item") else self.data)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


ScalarType.Variable = ScalarVariable
ScalarType.Constant = ScalarConstant

bool_ = get_scalar_type("bool")
int8 = get_scalar_type("int8")
int16 = get_scalar_type("int16")
int32 = get_scalar_type("int32")
int64 = get_scalar_type("int64")
uint8 = get_scalar_type("uint8")
uint16 = get_scalar_type("uint16")
uint32 = get_scalar_type("uint32")
uint64 = get_scalar_type("uint64")
float16 = get_scalar_type("float16")
float32 = get_scalar_type("float32")
float64 = get_scalar_type("float64")
complex64 = get_scalar_type("complex64")
complex128 = get_scalar_type("complex128")
