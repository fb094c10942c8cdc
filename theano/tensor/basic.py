"""Converting Python values to graph variables, casts, broadcast patterns and allocation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import theano
from theano import scalar
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.scalar.type import ScalarType, complex_types, discrete_types, upcast
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.type import TensorType
from theano.tensor.var import TensorConstant, TensorVariable

_PY_SCALARS = (bool, int, float, complex)


class NotScalarConstantError(Exception):
    """A variable is not a scalar constant (see :func:`get_scalar_constant_value`)."""


NotConstantError = NotScalarConstantError


class EmptyConstantError(NotScalarConstantError):
    """A constant has no elements."""


# ------------------------------------------------------------------------------------------
# Python values to constants
# ------------------------------------------------------------------------------------------

def _is_python_scalar(x: Any) -> bool:
    return type(x) in _PY_SCALARS


def autocast_dtype(x: Any) -> str:
    """The dtype a Python number becomes on its own (``T.constant(1.5)``).

    Ints become int64 (uint64 when too large); floats become floatX under the ``custom`` and
    ``numpy+floatX`` cast policies and float64 under ``numpy``; complex follows floats.
    """
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, np.generic):
        return str(x.dtype)
    if isinstance(x, int):
        if -(2**63) <= x < 2**63:
            return "int64"
        if 0 <= x < 2**64:
            return "uint64"
        raise OverflowError(f"Python int {x} does not fit in 64 bits")
    float_dtype = "float64" if theano.config.cast_policy == "numpy" else theano.config.floatX
    if isinstance(x, float):
        return float_dtype
    if isinstance(x, complex):
        return "complex64" if float_dtype == "float32" else "complex128"
    return str(np.asarray(x).dtype)


def _smallest_int_dtype(value: int, signed: bool) -> str:
    """The narrowest integer dtype holding ``value`` (unsigned only if allowed and ``value >= 0``)."""
    kinds = ("int8", "int16", "int32", "int64") if signed or value < 0 else ("uint8", "uint16", "uint32", "uint64")
    for dtype in kinds:
        info = np.iinfo(dtype)
        if info.min <= value <= info.max:
            return dtype
    if 0 <= value < 2**64:
        return "uint64"
    raise OverflowError(f"Python int {value} does not fit in 64 bits")


def _weak_scalar_dtype(value: Any, strong_dtype: str) -> str:
    """The dtype a Python number takes next to tensors of ``strong_dtype``.

    NumPy 2's rule (NEP 50): the number adopts the tensor's dtype unless it needs a higher
    kind. Unlike NumPy, an integer that does not fit widens the result instead of raising
    (``int8 + 1000`` is int16), and under floatX=float32 an integer tensor meeting a Python
    float gives float32 when the integers fit in it (int8, int16, uint8, uint16).
    """
    kind = np.dtype(strong_dtype).kind
    if type(value) is int and kind in "iu":
        info = np.iinfo(strong_dtype)
        if info.min <= value <= info.max:
            return strong_dtype
        return upcast(strong_dtype, _smallest_int_dtype(value, signed=kind == "i"))
    if type(value) is int and kind == "b":
        return autocast_dtype(value)
    if type(value) in (float, complex) and kind in "biu":
        return upcast(strong_dtype, autocast_dtype(value))
    return str(np.result_type(np.dtype(strong_dtype), value))


def constant(x: Any, name: str | None = None, ndim: int | None = None, dtype: str | None = None) -> TensorConstant:
    """A TensorConstant holding ``x``; ``ndim`` pads or drops leading length-1 axes."""
    if isinstance(x, TensorConstant) and dtype is None and ndim is None:
        return x
    if isinstance(x, Constant):
        x = x.data
    if dtype is None:
        if isinstance(x, np.ndarray):
            dtype = str(x.dtype)
        elif _is_python_scalar(x) or isinstance(x, np.generic):
            dtype = autocast_dtype(x)
        else:
            try:
                arr = np.asarray(x)
            except ValueError as exc:  # ragged nested lists
                raise TypeError(f"Cannot convert {x!r:.80} to a tensor constant: {exc}") from None
            if arr.dtype == object:
                raise TypeError(f"Cannot convert {x!r:.80} to a tensor constant")
            dtype = str(arr.dtype)
            if arr.dtype.kind == "f" and not isinstance(x, np.ndarray) and arr.dtype != theano.config.floatX:
                # a list of Python floats becomes floatX, like a single Python float
                if theano.config.cast_policy != "numpy":
                    dtype = theano.config.floatX
            if arr.size == 0 and arr.dtype == np.float64:
                dtype = theano.config.floatX
    if dtype == "floatX":
        dtype = theano.config.floatX
    try:
        data = np.asarray(x, dtype=dtype)
    except OverflowError as exc:
        raise OverflowError(f"{x!r} does not fit in dtype {dtype}: {exc}") from None
    if data.dtype == object:
        raise TypeError(f"Cannot convert {x!r:.80} to a tensor constant")
    if ndim is not None:
        if data.ndim < ndim:
            data = data.reshape((1,) * (ndim - data.ndim) + data.shape)
        elif data.ndim > ndim:
            extra = data.ndim - ndim
            if any(s != 1 for s in data.shape[:extra]):
                raise ValueError(f"Cannot make a {ndim}-d constant from a value of shape {data.shape}")
            data = data.reshape(data.shape[extra:])
    if isinstance(x, np.ndarray) and np.may_share_memory(data, x):
        data = data.copy()  # the constant is frozen (read-only): never freeze or alias the caller's array
    bcast = tuple(s == 1 for s in data.shape)
    return TensorConstant(TensorType(str(data.dtype), bcast), data, name=name)


def as_tensor_variable(x: Any, name: str | None = None, ndim: int | None = None) -> TensorVariable:
    """``x`` as a tensor variable: tensors pass through; scalars, lists and arrays become
    constants; a list holding variables is stacked."""
    if isinstance(x, Apply):
        x = x.default_output()
    if isinstance(x, Variable):
        if isinstance(x.type, ScalarType):
            x = tensor_from_scalar(x)
        if not isinstance(x.type, TensorType):
            raise TypeError(f"Variable type field must be a TensorType, got {x.type} (of {x})")
        if ndim is None or x.type.ndim == ndim:
            return x
        if x.type.ndim > ndim:
            extra = x.type.ndim - ndim
            if all(x.type.broadcastable[:extra]):
                return x.dimshuffle(list(range(x.type.ndim))[extra:])
            raise ValueError(f"Tensor of type {x.type} could not be cast to have {ndim} dimensions")
        return shape_padleft(x, ndim - x.type.ndim)
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in _flatten_items(x)):
        from theano.tensor.join import stack

        return stack([as_tensor_variable(e) for e in x])
    try:
        return constant(x, name=name, ndim=ndim)
    except TypeError:
        raise TypeError(f"Cannot convert {x!r:.80} to TensorType") from None


def _flatten_items(x):
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


as_tensor = as_tensor_variable
_as_tensor_variable = as_tensor_variable


def as_elemwise_inputs(args: Sequence[Any], value_inputs: Sequence[int] | None = None) -> list[TensorVariable]:
    """Convert an elementwise op's arguments; Python numbers are "weak" and take the tensors' dtype.

    ``value_inputs`` are the positions whose dtypes decide that dtype (default: all); a
    condition, as the first input of ``switch``, does not.
    """
    weak = [_is_python_scalar(a) for a in args]
    if not any(weak):
        return [as_tensor_variable(a) for a in args]
    converted = [None if w else as_tensor_variable(a) for a, w in zip(args, weak)]
    positions = range(len(args)) if value_inputs is None else value_inputs
    strong = [converted[i] for i in positions if i < len(args) and not weak[i]]
    if not strong:  # only Python numbers among the values: each takes its own default dtype
        return [as_tensor_variable(a) if w else v for a, w, v in zip(args, weak, converted)]
    strong_dtype = upcast(*[v.type.dtype for v in strong])
    return [constant(a, dtype=_weak_scalar_dtype(a, strong_dtype)) if w else v
            for a, w, v in zip(args, weak, converted)]


# ------------------------------------------------------------------------------------------
# Scalar <-> tensor
# ------------------------------------------------------------------------------------------

class TensorFromScalar(Op):
    __props__ = ()

    def make_node(self, s):
        if not isinstance(s.type, ScalarType):
            raise TypeError("TensorFromScalar expects a scalar variable")
        return Apply(self, [s], [TensorType(s.type.dtype, ())()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(inputs[0], dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, shapes):
        return [()]

    def grad(self, inputs, output_grads):
        return [scalar_from_tensor(output_grads[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


class ScalarFromTensor(Op):
    __props__ = ()

    def make_node(self, t):
        t = as_tensor_variable(t)
        if t.type.ndim != 0:
            raise TypeError(f"ScalarFromTensor expects a 0-d tensor, got {t.type}")
        return Apply(self, [t], [scalar.get_scalar_type(t.type.dtype)()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0].flatten()[0]

    def infer_shape(self, node, shapes):
        return [()]

    def grad(self, inputs, output_grads):
        return [tensor_from_scalar(output_grads[0])]


tensor_from_scalar = TensorFromScalar()
scalar_from_tensor = ScalarFromTensor()


# ------------------------------------------------------------------------------------------
# Casts
# ------------------------------------------------------------------------------------------

_CAST_OPS: dict[str, Elemwise] = {}


def _cast_op(dtype: str) -> Elemwise:
    op = _CAST_OPS.get(dtype)
    if op is None:
        op = Elemwise(scalar.get_cast(dtype), name=f"Elemwise{{Cast{{{dtype}}}}}")
        _CAST_OPS[dtype] = op
    return op


def cast(x: Any, dtype: str) -> TensorVariable:
    """``x`` converted to ``dtype`` (``'floatX'`` allowed); a no-op when already of it."""
    if dtype == "floatX":
        dtype = theano.config.floatX
    dtype = str(np.dtype(dtype))
    x = as_tensor_variable(x)
    if x.type.dtype == dtype:
        return x
    if x.type.dtype in complex_types and dtype not in complex_types:
        raise TypeError("Casting from complex to real is ambiguous: use real(), imag(), abs() or angle()")
    return _cast_op(dtype)(x)


def _make_cast_function(dtype: str):
    def convert(x):
        return cast(x, dtype)

    convert.__name__ = f"_convert_to_{dtype}"
    return convert


for _dtype in scalar.type.all_types:
    globals()[f"_convert_to_{_dtype}"] = _make_cast_function(_dtype)
del _dtype


# ------------------------------------------------------------------------------------------
# Broadcast patterns
# ------------------------------------------------------------------------------------------

class Rebroadcast(Op):
    """Change the broadcastable flags of some axes; checks at run time that they have length 1."""

    __props__ = ("axis",)
    view_map = {0: [0]}

    def __init__(self, *axis: tuple[int, bool]):
        self.axis = tuple(sorted((int(a), bool(b)) for a, b in axis))

    def make_node(self, x):
        x = as_tensor_variable(x)
        bcast = list(x.type.broadcastable)
        for a, b in self.axis:
            if a >= x.type.ndim:
                raise ValueError(f"Trying to rebroadcast non-existent dimension {a} of a {x.type.ndim}-d tensor")
            bcast[a] = b
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        for a, b in self.axis:
            if b and x.shape[a] != 1:
                raise ValueError(f"Axis {a} of the input was declared broadcastable but has length {x.shape[a]}")
        output_storage[0][0] = x

    def infer_shape(self, node, shapes):
        shape = list(shapes[0])
        for a, b in self.axis:
            if b:
                shape[a] = 1
        return [tuple(shape)]

    def grad(self, inputs, output_grads):
        return [patternbroadcast(output_grads[0], inputs[0].type.broadcastable)]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]

    def __str__(self):
        body = ",".join(f"{a}" if b else f"!{a}" for a, b in self.axis)
        return f"Rebroadcast{{{body}}}"


def patternbroadcast(x: Any, broadcastable: Sequence[bool]) -> TensorVariable:
    """``x`` with exactly the broadcastable flags ``broadcastable``."""
    x = as_tensor_variable(x)
    if x.type.broadcastable == tuple(broadcastable):
        return x
    changes = [(i, b) for i, b in enumerate(broadcastable) if x.type.broadcastable[i] != bool(b)]
    return Rebroadcast(*changes)(x)


def addbroadcast(x: Any, *axes: int) -> TensorVariable:
    """``x`` with ``axes`` declared broadcastable (they must have length 1)."""
    x = as_tensor_variable(x)
    changes = [(a % x.type.ndim, True) for a in axes if not x.type.broadcastable[a]]
    return Rebroadcast(*changes)(x) if changes else x


def unbroadcast(x: Any, *axes: int) -> TensorVariable:
    """``x`` with ``axes`` no longer declared broadcastable."""
    x = as_tensor_variable(x)
    changes = [(a % x.type.ndim, False) for a in axes if x.type.broadcastable[a]]
    return Rebroadcast(*changes)(x) if changes else x


def shape_padleft(t: Any, n_ones: int = 1) -> TensorVariable:
    """``t`` with ``n_ones`` broadcastable axes added in front."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.broadcastable, ["x"] * n_ones + list(range(t.type.ndim)))(t)


def shape_padright(t: Any, n_ones: int = 1) -> TensorVariable:
    """``t`` with ``n_ones`` broadcastable axes added at the end."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.broadcastable, list(range(t.type.ndim)) + ["x"] * n_ones)(t)


def shape_padaxis(t: Any, axis: int) -> TensorVariable:
    """``t`` with a broadcastable axis inserted at ``axis`` (negative counts from the end)."""
    t = as_tensor_variable(t)
    ndim = t.type.ndim + 1
    if not -ndim <= axis < ndim:
        raise IndexError(f"axis {axis} is out of bounds [-{ndim}, {ndim})")
    axis %= ndim
    pattern = list(range(t.type.ndim))
    pattern.insert(axis, "x")
    return DimShuffle(t.type.broadcastable, pattern)(t)


# ------------------------------------------------------------------------------------------
# Constant analysis
# ------------------------------------------------------------------------------------------

def get_scalar_constant_value(v: Any, elemwise: bool = True, only_process_constants: bool = False,
                              max_recur: int = 10) -> np.ndarray:
    """The value of ``v`` if it is a scalar known when the graph is built, else raise
    :class:`NotScalarConstantError`. Looks through casts, shapes of known dims and simple
    elementwise arithmetic on constants."""
    stack_depth = 0
    while True:
        if v is None:
            raise NotScalarConstantError()
        if isinstance(v, (np.integer, int, float, np.floating, np.bool_, bool)):
            return np.asarray(v)
        if isinstance(v, np.ndarray):
            return _unique_value(v)
        if isinstance(v, Constant):
            data = v.data
            return _unique_value(np.asarray(data))
        if only_process_constants or getattr(v, "owner", None) is None or stack_depth > max_recur:
            raise NotScalarConstantError(v)
        stack_depth += 1
        node = v.owner
        op = node.op
        if isinstance(op, (TensorFromScalar, ScalarFromTensor, Rebroadcast)):
            v = node.inputs[0]
            continue
        if isinstance(op, DimShuffle):
            v = node.inputs[0]
            continue
        if isinstance(op, Elemwise) and isinstance(op.scalar_op, scalar.Cast):
            return np.asarray(get_scalar_constant_value(node.inputs[0], elemwise, False, max_recur - 1)).astype(
                v.type.dtype)
        if elemwise and isinstance(op, Elemwise) and op.scalar_op.nout == 1:
            values = [get_scalar_constant_value(i, elemwise, False, max_recur - 1) for i in node.inputs]
            with np.errstate(all="ignore"):
                out = op.scalar_op.impl_arrays([np.asarray(x) for x in values], [v.type.dtype])[0]
            return np.asarray(out)
        from theano.tensor.shape import Shape, Shape_i

        if isinstance(op, Shape_i):
            dim = node.inputs[0].type.broadcastable[op.i]
            if dim:
                return np.asarray(1, dtype="int64")
            raise NotScalarConstantError(v)
        from theano.tensor.subtensor import Subtensor

        if isinstance(op, Subtensor) and node.inputs[0].owner is not None and isinstance(
                node.inputs[0].owner.op, Shape):
            shaped = node.inputs[0].owner.inputs[0]
            idx = op.idx_list[0] if len(op.idx_list) == 1 else None
            if isinstance(idx, (int, np.integer)) and shaped.type.broadcastable[idx]:
                return np.asarray(1, dtype="int64")
            if isinstance(idx, scalar.ScalarType):
                idx_val = int(get_scalar_constant_value(node.inputs[1], elemwise, False, max_recur - 1))
                if shaped.type.broadcastable[idx_val]:
                    return np.asarray(1, dtype="int64")
        raise NotScalarConstantError(v)


def _unique_value(data: np.ndarray) -> np.ndarray:
    if data.size == 0:
        raise EmptyConstantError()
    flat = data.ravel()
    first = flat[0]
    if data.size > 1 and not np.all(flat == first):
        raise NotScalarConstantError()
    return np.asarray(first)


def get_vector_length(v: Any) -> int:
    """The length of 1-d ``v`` if it is known when the graph is built, else raise ValueError."""
    v = as_tensor_variable(v)
    if v.type.ndim != 1:
        raise TypeError(f"argument must be symbolic vector, got '{v}' with {v.type.ndim} dimensions")
    if v.type.broadcastable[0]:
        return 1
    if isinstance(v, Constant):
        return len(v.data)
    node = v.owner
    if node is None:
        raise ValueError(f"length not known: {v}")
    from theano.tensor.join import Join, MakeVector
    from theano.tensor.shape import Shape

    if isinstance(node.op, MakeVector):
        return len(node.inputs)
    if isinstance(node.op, Shape):
        return node.inputs[0].type.ndim
    if isinstance(node.op, Join):
        return sum(get_vector_length(i) for i in node.inputs[1:])
    if isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, scalar.Cast):
        return get_vector_length(node.inputs[0])
    from theano.tensor.subtensor import Subtensor

    if isinstance(node.op, Subtensor) and node.inputs[0].owner is not None and isinstance(
            node.inputs[0].owner.op, Shape):
        n = node.inputs[0].owner.inputs[0].type.ndim
        sl = node.op.idx_list[0]
        if isinstance(sl, slice) and all(isinstance(p, (int, type(None))) for p in (sl.start, sl.stop, sl.step)):
            return len(range(n)[sl])
    raise ValueError(f"length not known: {v}")


# ------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------

class Alloc(Op):
    """``alloc(value, *shape)``: an array of ``shape`` filled by broadcasting ``value``."""

    __props__ = ()

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        shape_vars = [_as_shape_scalar(s) for s in shape]
        if value.type.ndim > len(shape_vars):
            raise TypeError(f"alloc: the value has {value.type.ndim} dimensions, more than the "
                            f"{len(shape_vars)} of the requested shape")
        bcast = []
        for s in shape_vars:
            try:
                bcast.append(int(get_scalar_constant_value(s)) == 1)
            except NotScalarConstantError:
                bcast.append(False)
        return Apply(self, [value, *shape_vars], [TensorType(value.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        value, *shape = inputs
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise ValueError(f"alloc: negative dimension in shape {shape}")
        out = np.empty(shape, dtype=node.outputs[0].type.dtype)
        try:
            out[...] = value
        except ValueError:
            raise ValueError(f"alloc: cannot broadcast a value of shape {value.shape} to shape {shape}") from None
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs[1:])]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        from theano.gradient import DisconnectedType
        from theano.tensor import math as tm

        value = inputs[0]
        (gz,) = output_grads
        extra = outputs[0].type.ndim - value.type.ndim
        total = tm.sum(gz, axis=list(range(extra))) if extra else gz
        axes = [d for d, (vb, ob) in enumerate(zip(value.type.broadcastable, outputs[0].type.broadcastable[extra:]))
                if vb and not ob]
        if axes:
            total = tm.sum(total, axis=axes, keepdims=True)
        total = patternbroadcast(total, value.type.broadcastable)
        return [total] + [DisconnectedType()() for _ in inputs[1:]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]

    def do_constant_folding(self, node):
        return False


def _as_shape_scalar(s: Any) -> TensorVariable:
    s = as_tensor_variable(s)
    if s.type.ndim != 0 or s.type.dtype not in discrete_types or s.type.dtype == "bool":
        raise TypeError(f"shape entries must be integer scalars, got {s.type}")
    return cast(s, "int64")


alloc = Alloc()


def _shape_args(shape: Any) -> list:
    if isinstance(shape, (list, tuple)):
        return list(shape)
    if isinstance(shape, (int, np.integer)):
        return [shape]
    shape = as_tensor_variable(shape)
    if shape.type.ndim == 0:
        return [shape]
    return [shape[i] for i in range(get_vector_length(shape))]


def zeros(shape: Any, dtype: str | None = None) -> TensorVariable:
    """An array of zeros of ``shape`` (a tuple, list or symbolic vector)."""
    dtype = dtype or theano.config.floatX
    return alloc(np.asarray(0, dtype=dtype), *_shape_args(shape))


def ones(shape: Any, dtype: str | None = None) -> TensorVariable:
    """An array of ones of ``shape``."""
    dtype = dtype or theano.config.floatX
    return alloc(np.asarray(1, dtype=dtype), *_shape_args(shape))


second = Elemwise(scalar.second, name="second")
fill = second


def zeros_like(model: Any, dtype: str | None = None, opt: bool = False) -> TensorVariable:
    """Zeros with the shape (and, unless ``dtype`` is given, the dtype) of ``model``."""
    model = as_tensor_variable(model)
    dtype = dtype or model.type.dtype
    return fill(model, constant(0, dtype=dtype))


def ones_like(model: Any, dtype: str | None = None, opt: bool = False) -> TensorVariable:
    """Ones with the shape (and, unless ``dtype`` is given, the dtype) of ``model``."""
    model = as_tensor_variable(model)
    dtype = dtype or model.type.dtype
    return fill(model, constant(1, dtype=dtype))


tensor_copy = Elemwise(scalar.identity, name="tensor_copy")
identity = tensor_copy


def __getattr__(name: str):
    """Theano 1.0 kept most of ``theano.tensor`` in this module: old ``from
    theano.tensor.basic import dot`` style imports find those names in ``theano.tensor``."""
    import theano.tensor as tensor_package

    if name.startswith("__") or name not in dir(tensor_package):
        raise AttributeError(f"module 'theano.tensor.basic' has no attribute '{name}'")
    return getattr(tensor_package, name)
