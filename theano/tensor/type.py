"""TensorType: n-dimensional arrays of one dtype with a static broadcast pattern."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import theano
from theano.graph.type import Type
from theano.scalar.type import all_types, get_scalar_type, upcast

_PATTERN_NAMES = {
    (): "scalar",
    (False,): "vector",
    (False, True): "col",
    (True, False): "row",
    (False, False): "matrix",
}


_NUMPY_DTYPES: dict[str, np.dtype] = {}


class TensorType(Type):
    """The type of arrays with ``dtype`` and ``len(broadcastable)`` dimensions.

    ``broadcastable[i]`` is True when dimension ``i`` always has length 1 and so broadcasts
    against any length in elementwise operations; other dimensions must match exactly.
    """

    __props__ = ("dtype", "broadcastable")

    def __init__(self, dtype: str, broadcastable: Sequence[bool], name: str | None = None,
                 sparse_grad: bool = False):
        if dtype == "floatX":
            dtype = theano.config.floatX
        if dtype not in all_types:
            try:
                dtype = str(np.dtype(dtype))
            except TypeError:
                raise TypeError(f"Unsupported dtype for TensorType: {dtype!r} is not a NumPy dtype") from None
        if dtype not in all_types:
            raise TypeError(f"Unsupported dtype for TensorType: {dtype}")
        self.dtype = str(dtype)
        self.broadcastable = tuple(bool(b) for b in broadcastable)
        self.name = name
        self.numpy_dtype = _NUMPY_DTYPES.get(dtype) or _NUMPY_DTYPES.setdefault(dtype, np.dtype(dtype))
        self.sparse_grad = sparse_grad

    @property
    def ndim(self) -> int:
        return len(self.broadcastable)

    def clone(self, dtype: str | None = None, broadcastable: Sequence[bool] | None = None) -> TensorType:
        return type(self)(self.dtype if dtype is None else dtype,
                          self.broadcastable if broadcastable is None else broadcastable)

    def __eq__(self, other: Any) -> bool:
        return (type(self) is type(other) and self.dtype == other.dtype
                and self.broadcastable == other.broadcastable)

    def __hash__(self) -> int:
        return hash((type(self), self.dtype, self.broadcastable))

    # -- values --------------------------------------------------------------------------
    def describe(self) -> str:
        """``float64 matrix`` / ``int32 3D tensor``: how error messages name this type."""
        kind = _PATTERN_NAMES.get(self.broadcastable)
        if kind is None:
            kind = f"{self.ndim}D tensor with broadcastable {self.broadcastable}"
        return f"{self.dtype} {kind}"

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> np.ndarray:
        """Return ``data`` as an ndarray of this type, or raise TypeError.

        Without ``strict`` a value is converted when nothing is lost; with ``allow_downcast``
        it is converted whatever is lost. A Python float always converts to floatX.
        """
        if isinstance(data, np.ndarray) and data.dtype == self.numpy_dtype:
            pass
        elif strict:
            if not isinstance(data, np.ndarray):
                raise TypeError(f"expected a numpy.ndarray of dtype {self.dtype}, got {type(data).__name__}")
            raise TypeError(f"expected {self.describe()}, got {data.dtype} array of shape {data.shape}")
        elif allow_downcast:
            data = self._forced_convert(data)
        else:
            data = self._lossless_convert(data)
        if data.ndim != self.ndim:
            raise TypeError(
                f"expected {self.describe()} ({self.ndim} dimensions), got {data.dtype} array with "
                f"{data.ndim} dimensions and shape {data.shape}"
            )
        if any(b and s != 1 for b, s in zip(self.broadcastable, data.shape)):
            raise TypeError(
                f"expected {self.describe()}: dimensions {self._bcast_dims()} must have length 1, got "
                f"shape {data.shape}"
            )
        return data

    def _bcast_dims(self) -> list[int]:
        return [i for i, b in enumerate(self.broadcastable) if b]

    def _forced_convert(self, data: Any) -> np.ndarray:
        """Convert whatever is lost (allow_downcast): integers wrap around as in ``astype``."""
        try:
            with np.errstate(all="ignore"):
                return np.asarray(data, dtype=self.dtype)
        except OverflowError:
            original = np.asarray(data)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"expected {self.describe()}, got {type(data).__name__}: {exc}") from None
        with np.errstate(all="ignore"):
            return original.astype(self.dtype)

    def _lossless_convert(self, data: Any) -> np.ndarray:
        if isinstance(data, np.ndarray):
            src = data
            if upcast(self.dtype, str(src.dtype)) == self.dtype:
                return src.astype(self.dtype)
            raise TypeError(
                f"expected {self.describe()}, got {src.dtype} array of shape {src.shape}; converting it "
                f"to {self.dtype} could lose precision. Cast it with .astype('{self.dtype}') or pass "
                "allow_input_downcast=True to theano.function"
            )
        if type(data) is float and self.dtype == theano.config.floatX:
            return np.asarray(data, dtype=self.dtype)
        try:
            original = np.asarray(data)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"expected {self.describe()}, got {type(data).__name__}: {exc}") from None
        if original.dtype.kind not in "biufc":  # objects, strings, dates
            raise TypeError(f"expected {self.describe()}, got {type(data).__name__} {data!r:.60}")
        if original.dtype.kind == "c" and self.numpy_dtype.kind != "c":
            raise TypeError(f"expected {self.describe()}, got complex values {data!r:.60}")
        with np.errstate(all="ignore"):
            try:
                converted = original.astype(self.dtype)
            except (TypeError, ValueError, OverflowError) as exc:
                raise TypeError(f"expected {self.describe()}: {exc}") from None
            same = converted.shape == original.shape and bool(
                np.all((converted == original) | (np.isnan(converted) & np.isnan(original))
                       if original.dtype.kind in "fc" else converted == original))
        if not same:
            text = repr(data)
            text = text if len(text) <= 60 else text[:55] + "(...)"
            raise TypeError(
                f"{self.describe()} cannot store {text} exactly (it would become {converted!r:.60}). "
                f"Convert it to a numpy array of dtype {self.dtype}, or pass allow_input_downcast=True "
                "to theano.function"
            )
        return converted

    def filter_variable(self, other: Any, allow_convert: bool = True):
        from theano.tensor.basic import as_tensor_variable

        if not hasattr(other, "type"):
            other = as_tensor_variable(other, ndim=self.ndim)
            if other.type.dtype != self.dtype:
                from theano.tensor.basic import cast

                other = cast(other, self.dtype) if allow_convert else other
        if other.type == self:
            return other
        if allow_convert:
            converted = self.convert_variable(other)
            if converted is not None:
                return converted
        raise TypeError(
            f"Cannot convert Type {other.type} (of Variable {other}) into Type {self}. You can try to "
            "manually convert it with a cast or with addbroadcast/unbroadcast/patternbroadcast."
        )

    def convert_variable(self, var):
        vt = getattr(var, "type", None)
        if (isinstance(vt, TensorType) and vt.ndim == self.ndim and vt.dtype == self.dtype
                and all(sb == ob or ob for sb, ob in zip(self.broadcastable, vt.broadcastable))):
            from theano.tensor.basic import patternbroadcast

            return patternbroadcast(var, self.broadcastable)
        return None

    def is_valid_value(self, data: Any) -> bool:
        return (isinstance(data, np.ndarray) and data.dtype == self.numpy_dtype and data.ndim == self.ndim
                and all(not b or s == 1 for b, s in zip(self.broadcastable, data.shape)))

    def value_validity_msg(self, data):
        try:
            self.filter(data, strict=True)
        except TypeError as exc:
            return str(exc)
        return "value is valid"

    @staticmethod
    def values_eq(a, b, force_same_dtype: bool = True) -> bool:
        a = np.asarray(a)
        b = np.asarray(b)
        if a.shape != b.shape or (force_same_dtype and a.dtype != b.dtype):
            return False
        if a.dtype.kind in "fc":
            return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
        return bool(np.all(a == b))

    @staticmethod
    def values_eq_approx(a, b, allow_remove_inf: bool = False, allow_remove_nan: bool = False,
                         rtol: float | None = None, atol: float | None = None) -> bool:
        a = np.asarray(a)
        b = np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
            return bool(np.all(a == b))
        low = "float32" in (str(a.dtype), str(b.dtype)) or "complex64" in (str(a.dtype), str(b.dtype))
        rtol = rtol if rtol is not None else (1e-4 if low else 1e-5)
        atol = atol if atol is not None else (1e-5 if low else 1e-8)
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))

    def may_share_memory(self, a, b) -> bool:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return bool(np.may_share_memory(a, b))
        return False

    def value_zeros(self, shape):
        return np.zeros(shape, dtype=self.dtype)

    def get_shape_info(self, obj):
        return obj.shape

    def get_size(self, shape_info):
        return int(np.prod(shape_info, dtype="int64")) * self.numpy_dtype.itemsize

    def dtype_specs(self):
        return (self.numpy_dtype.type, None, None)

    # -- variables -----------------------------------------------------------------------
    def make_variable(self, name: str | None = None):
        from theano.tensor.var import TensorVariable

        return TensorVariable(self, None, name=name)

    def make_constant(self, value, name=None):
        from theano.tensor.var import TensorConstant

        return TensorConstant(self, value, name=name)

    def __str__(self) -> str:
        if self.name:
            return self.name
        pattern = _PATTERN_NAMES.get(self.broadcastable)
        if pattern is None:
            pattern = f"{self.ndim}D" if not any(self.broadcastable) else str(self.broadcastable)
        return f"TensorType({self.dtype}, {pattern})"

    def __repr__(self) -> str:
        return str(self)

    def to_scalar_type(self):
        return get_scalar_type(self.dtype)


def _one(broadcastable, default_dtype: str | None):
    def constructor(name: str | None = None, dtype: str | None = None):
        from theano.graph.utils import add_tag_trace

        dtype = dtype or default_dtype or theano.config.floatX
        return add_tag_trace(TensorType(dtype, broadcastable).make_variable(name))

    return constructor


def _plural(single):
    def constructor(*names):
        if len(names) == 1 and isinstance(names[0], int):
            return [single() for _ in range(names[0])]
        if len(names) == 1 and isinstance(names[0], str) and "," in names[0]:
            names = [n.strip() for n in names[0].split(",")]
        return [single(name) for name in names]

    return constructor


_SHAPES = {
    "scalar": (),
    "vector": (False,),
    "row": (True, False),
    "col": (False, True),
    "matrix": (False, False),
    "tensor3": (False,) * 3,
    "tensor4": (False,) * 4,
    "tensor5": (False,) * 5,
    "tensor6": (False,) * 6,
    "tensor7": (False,) * 7,
}
_PLURALS = {"scalar": "scalars", "vector": "vectors", "row": "rows", "col": "cols",
            "matrix": "matrices", "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s",
            "tensor6": "tensor6s", "tensor7": "tensor7s"}
_PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
             "c": "complex64", "z": "complex128", "": None}


def _build_constructors() -> dict[str, Any]:
    made = {}
    for prefix, dtype in _PREFIXES.items():
        for kind, pattern in _SHAPES.items():
            if dtype is None:
                single = _one(pattern, dtype)
                single.__name__ = prefix + kind
                single.__doc__ = f"A symbolic {kind} of dtype floatX."
            else:  # as in Theano 1.0, T.dmatrix is a type: T.dmatrix('x') is a variable, itypes=[T.dmatrix]
                single = TensorType(dtype, pattern)
            made[prefix + kind] = single
            plural = _plural(single)
            plural.__name__ = prefix + _PLURALS[kind]
            made[prefix + _PLURALS[kind]] = plural
    return made


CONSTRUCTORS = _build_constructors()
globals().update(CONSTRUCTORS)


def tensor(*args, **kwargs):
    """``tensor(dtype, broadcastable, name=None)`` a new variable (Theano 1.0's T.tensor)."""
    name = kwargs.pop("name", None)
    return TensorType(*args, **kwargs)(name=name)


def scalar(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["scalar"](name, dtype)


def vector(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["vector"](name, dtype)


def matrix(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["matrix"](name, dtype)


def row(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["row"](name, dtype)


def col(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["col"](name, dtype)


def tensor3(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["tensor3"](name, dtype)


def tensor4(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["tensor4"](name, dtype)


def tensor5(name: str | None = None, dtype: str | None = None):
    return CONSTRUCTORS["tensor5"](name, dtype)


# Theano 1.0's lists of dtype names (``x.dtype in T.discrete_dtypes``)
int_dtypes = ["int8", "int16", "int32", "int64"]
uint_dtypes = ["uint8", "uint16", "uint32", "uint64"]
integer_dtypes = int_dtypes + uint_dtypes
discrete_dtypes = ["bool", *integer_dtypes]
float_dtypes = ["float16", "float32", "float64"]
basic_float_dtypes = ["float32", "float64"]
complex_dtypes = ["complex64", "complex128"]
continuous_dtypes = float_dtypes + complex_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes

__all__ = ["TensorType", "tensor", *CONSTRUCTORS, "int_dtypes", "uint_dtypes", "integer_dtypes", "discrete_dtypes",
           "float_dtypes", "basic_float_dtypes", "complex_dtypes", "continuous_dtypes", "all_dtypes"]
