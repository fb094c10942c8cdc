"""Elementwise ops on tensors (Elemwise), axis permutations (DimShuffle), reductions (CAReduce)."""

from __future__ import annotations

import typing
from collections.abc import Sequence

import numpy as np

from theano import scalar
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import upcast
from theano.tensor.type import TensorType


class DimShuffle(Op):
    """Permute, insert (``'x'``) and drop (length-1) dimensions; returns a view.

    ``DimShuffle((False, True, False), [2, 0, 'x'])`` maps an input with those broadcastable
    flags to ``x.transpose(2, 0)[..., None]`` after dropping the length-1 axis 1.
    """

    __props__ = ("input_broadcastable", "new_order")
    view_map = {0: [0]}

    def __init__(self, input_broadcastable: Sequence[bool], new_order: Sequence[typing.Any], inplace: bool = True):
        self.input_broadcastable = tuple(bool(b) for b in input_broadcastable)
        ndim = len(self.input_broadcastable)
        order = []
        for entry in new_order:
            if entry == "x":
                order.append("x")
                continue
            if not isinstance(entry, (int, np.integer)):
                raise TypeError(f"DimShuffle pattern entries must be ints or 'x', got {entry!r}")
            entry = int(entry)
            if entry < 0:
                entry += ndim
            if not 0 <= entry < ndim:
                raise ValueError(f"DimShuffle: axis {entry} is out of range for a {ndim}-d input")
            order.append(entry)
        self.new_order = tuple(order)
        kept = [i for i in self.new_order if i != "x"]
        if len(set(kept)) != len(kept):
            raise ValueError(f"DimShuffle: pattern {self.new_order} repeats an axis")
        self.drop = [i for i in range(ndim) if i not in kept]
        for i in self.drop:
            if not self.input_broadcastable[i]:
                raise ValueError(
                    f"DimShuffle: cannot drop axis {i} of the input, which is not broadcastable "
                    f"(pattern {self.new_order}, input broadcastable {self.input_broadcastable})"
                )
        self.shuffle = kept
        self.augment = [i for i, e in enumerate(self.new_order) if e == "x"]
        self.inplace = inplace

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable

        x = as_tensor_variable(x)
        if x.type.broadcastable != self.input_broadcastable:
            if len(x.type.broadcastable) != len(self.input_broadcastable) or any(
                    ib and not xb for ib, xb in zip(self.input_broadcastable, x.type.broadcastable)):
                raise TypeError(
                    f"DimShuffle expected an input with broadcastable {self.input_broadcastable}, got "
                    f"{x.type.broadcastable}"
                )
        bcast = tuple(True if e == "x" else x.type.broadcastable[e] for e in self.new_order)
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        res = x.transpose(self.shuffle + self.drop) if (self.shuffle + self.drop) != list(range(x.ndim)) else x
        shape = [1 if e == "x" else None for e in self.new_order]
        kept_shape = list(res.shape[: len(self.shuffle)])
        it = iter(kept_shape)
        new_shape = tuple(next(it) if s is None else 1 for s in shape)
        output_storage[0][0] = res.reshape(new_shape) if new_shape != res.shape else res

    def infer_shape(self, node, shapes):
        (ishape,) = shapes
        return [tuple(1 if e == "x" else ishape[e] for e in self.new_order)]

    def grad(self, inputs, output_grads):
        from theano.tensor.elemwise_grad import dimshuffle_grad

        return dimshuffle_grad(self, inputs, output_grads)

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]

    def __str__(self):
        return "DimShuffle{" + ",".join(map(str, self.new_order)) + "}"


def _broadcast_check(node, inputs) -> None:
    """Theano's rule: only dimensions declared broadcastable may differ (and must be 1)."""
    shape0 = inputs[0].shape
    if all(x.shape == shape0 for x in inputs[1:]):
        return
    out_ndim = node.outputs[0].type.ndim
    for dim in range(out_ndim):
        size = None
        owner = None
        for i, (var, x) in enumerate(zip(node.inputs, inputs)):
            if var.type.broadcastable[dim]:
                continue
            if size is None:
                size, owner = x.shape[dim], i
            elif x.shape[dim] != size:
                raise ValueError(
                    f"Input dimension mismatch: input[{owner}].shape[{dim}] = {size}, "
                    f"input[{i}].shape[{dim}] = {x.shape[dim]} (an elementwise op only broadcasts "
                    "dimensions declared broadcastable; use T.addbroadcast or a row/col type)"
                )


class Elemwise(Op):
    """Apply a scalar op to every element of tensors, broadcasting like NumPy along
    dimensions whose type says they are broadcastable.

    ``inplace_pattern`` maps an output index to the input whose storage it overwrites.
    """

    __props__ = ("scalar_op", "inplace_pattern")

    def __init__(self, scalar_op, inplace_pattern: dict[int, int] | None = None, name: str | None = None,
                 nfunc_spec=None, openmp=None):
        self.scalar_op = scalar_op
        self.inplace_pattern = tuple(sorted((inplace_pattern or {}).items()))
        self.name = name
        self.destroy_map = {o: [i] for o, i in self.inplace_pattern}
        self.nfunc_spec = nfunc_spec

    @property
    def nin(self) -> int:
        return self.scalar_op.nin

    @property
    def nout(self) -> int:
        return self.scalar_op.nout

    def make_node(self, *inputs):
        from theano.tensor.basic import as_elemwise_inputs

        inputs = as_elemwise_inputs(inputs, getattr(self.scalar_op, "value_inputs", None))
        if self.scalar_op.nin >= 0 and len(inputs) != self.scalar_op.nin:
            raise TypeError(f"{self} takes {self.scalar_op.nin} inputs, got {len(inputs)}")
        ndim = max((x.type.ndim for x in inputs), default=0)
        padded = []
        for x in inputs:
            missing = ndim - x.type.ndim
            if missing:
                x = DimShuffle(x.type.broadcastable, ["x"] * missing + list(range(x.type.ndim)))(x)
            padded.append(x)
        try:
            out_types = self.scalar_op.output_types([scalar.get_scalar_type(x.type.dtype) for x in padded])
        except TypeError as exc:
            dtypes = ", ".join(x.type.dtype for x in padded)
            raise TypeError(f"{self.scalar_op} does not accept inputs of dtype ({dtypes}): {exc}") from None
        bcast = tuple(all(x.type.broadcastable[d] for x in padded) for d in range(ndim))
        for _, in_index in self.inplace_pattern:
            if padded[in_index].type.broadcastable != bcast:
                raise ValueError("Elemwise: an inplace output must have the broadcast pattern of its input")
        outputs = [TensorType(t.dtype, bcast)() for t in out_types]
        return Apply(self, padded, outputs)

    def perform(self, node, inputs, output_storage, params=None):
        if len(inputs) > 1:
            _broadcast_check(node, inputs)
        out_dtypes = [o.type.dtype for o in node.outputs]
        if self.inplace_pattern and _compute_into_input(self, inputs, out_dtypes, output_storage):
            return
        with np.errstate(all="ignore"):
            results = self.scalar_op.impl_arrays(inputs, out_dtypes)
        destroyed = dict(self.inplace_pattern)
        for i, (cell, value) in enumerate(zip(output_storage, results)):
            if not isinstance(value, np.ndarray):
                value = np.asarray(value, dtype=out_dtypes[i])
            if i in destroyed and inputs[destroyed[i]].shape == value.shape and inputs[destroyed[i]].flags.writeable:
                # e.g. a fused Composite: computed, then copied into the overwritten input's buffer
                target = inputs[destroyed[i]]
                if value is not target:
                    np.copyto(target, value, casting="unsafe")
                value = target
            elif any(np.may_share_memory(value, x) for x in inputs):
                # NumPy returned an input or a view of it (identity, real, ...): no view_map here
                value = value.copy()
            cell[0] = value

    def infer_shape(self, node, shapes):
        out_ndim = node.outputs[0].type.ndim
        out_shape = []
        for dim in range(out_ndim):
            chosen = None
            for var, shape in zip(node.inputs, shapes):
                if not var.type.broadcastable[dim]:
                    chosen = shape[dim]
                    break
            out_shape.append(1 if chosen is None else chosen)
        return [tuple(out_shape)] * len(node.outputs)

    def connection_pattern(self, node):
        """Which inputs each output depends on: all of them, except inside a fused node."""
        if isinstance(self.scalar_op, scalar.Composite):
            return self.scalar_op.connection_pattern()
        return [[True] * len(node.outputs) for _ in node.inputs]

    def L_op(self, inputs, outputs, output_grads):
        if isinstance(self.scalar_op, scalar.Composite):  # a fused node: differentiate its unfolded graph
            from theano.tensor.rewriting.elemwise import fused_L_op

            return fused_L_op(self, inputs, outputs, output_grads)
        from theano.tensor.elemwise_grad import elemwise_grads

        return elemwise_grads(self, inputs, outputs, output_grads)

    def R_op(self, inputs, eval_points):
        if isinstance(self.scalar_op, scalar.Composite):
            from theano.tensor.rewriting.elemwise import fused_R_op

            return fused_R_op(self, inputs, eval_points)
        from theano.tensor.elemwise_grad import elemwise_rop

        return elemwise_rop(self, inputs, eval_points, self.make_node(*inputs).outputs)

    def __str__(self):
        base = self.name or f"Elemwise{{{self.scalar_op}}}"
        if self.inplace_pattern:  # Theano's spelling: Elemwise{add}[(0, 0)] writes output 0 into input 0
            return base + "[" + ", ".join(f"({o}, {i})" for o, i in self.inplace_pattern) + "]"
        return base


def _compute_into_input(op: Elemwise, inputs: list, out_dtypes: list[str], output_storage: list) -> bool:
    """An inplace Elemwise whose scalar op is a NumPy ufunc (or n-ary add/mul): compute straight
    into the overwritten input with ``out=``, no temporary. False when it does not apply (the
    caller then computes and copies); the result is the one the non-inplace op gives."""
    if len(out_dtypes) != 1 or len(inputs) < 1:
        return False
    scalar_op = op.scalar_op
    kind = type(scalar_op)
    if kind is scalar.Add or kind is scalar.Mul:
        if len(inputs) < 2:
            return False
        ufunc = np.add if kind is scalar.Add else np.multiply
    else:
        ufunc = getattr(scalar_op, "nfunc", None)
        if not isinstance(ufunc, np.ufunc) or ufunc.nout != 1 or ufunc.nin != len(inputs):
            return False
        if kind.impl is not scalar.ScalarOp.impl or kind.impl_arrays is not scalar.ScalarOp.impl_arrays:
            return False
    index = op.inplace_pattern[0][1]
    target = inputs[index]
    dtype = out_dtypes[0]
    if not isinstance(target, np.ndarray) or str(target.dtype) != dtype or not target.flags.writeable:
        return False
    args = _computation_inputs(inputs, dtype)
    if args[index] is not target or np.result_type(*args) != target.dtype:
        return False
    if any(x is not target and np.may_share_memory(x, target) for x in args):
        return False
    if target.shape != np.broadcast_shapes(*[x.shape for x in args]):
        return False
    if len(args) > 2 and index >= 2 and ufunc.nin == 2:
        return False  # the fold would overwrite that input before reading it
    with np.errstate(all="ignore"):
        if ufunc.nin == 2 and len(args) > 2:  # n-ary add/mul, folded left to right as _add_n does
            ufunc(args[0], args[1], out=target)
            for x in args[2:]:
                ufunc(target, x, out=target)
        else:
            ufunc(*args, out=target)
    output_storage[0][0] = target
    return True


def _computation_inputs(inputs, dtype):
    from theano.scalar.basic import _computation_inputs as convert

    return convert(inputs, dtype)


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------

_REDUCERS = {
    "add": np.sum,
    "mul": np.prod,
    "maximum": np.max,
    "minimum": np.min,
    "and_": np.bitwise_and.reduce,
    "or_": np.bitwise_or.reduce,
    "xor": np.bitwise_xor.reduce,
}


def _normalize_axis(axis, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    result = []
    for a in axis:
        a = int(a)
        if a < -ndim or a >= ndim:
            raise ValueError(f"axis {a} is out of range for a {ndim}-d tensor")
        result.append(a % ndim if ndim else a)
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {tuple(axis)}")
    return tuple(sorted(result))


class CAReduce(Op):
    """Reduce a tensor along ``axis`` (None: all axes) with a commutative, associative scalar op."""

    __props__ = ("scalar_op", "axis")

    def __init__(self, scalar_op, axis=None):
        self.scalar_op = scalar_op
        if isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        self.axis = None if axis is None else tuple(sorted(int(a) for a in axis))

    @property
    def has_identity(self) -> bool:
        """Whether reducing an empty axis is defined (sum: 0, prod: 1; not max)."""
        return self.scalar_op.identity is not None

    def _output_dtype(self, idtype: str) -> str:
        return idtype

    def _acc_dtype(self, idtype: str) -> str:
        return self._output_dtype(idtype)

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable

        x = as_tensor_variable(x)
        axis = _normalize_axis(self.axis, x.type.ndim)
        if axis != self.axis and self.axis is not None:
            op = self.clone_with_axis(axis)
            return op.make_node(x)
        kept = [b for i, b in enumerate(x.type.broadcastable) if axis is not None and i not in axis]
        out = TensorType(self._output_dtype(x.type.dtype), kept)()
        return Apply(self, [x], [out])

    def clone_with_axis(self, axis):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.axis = axis
        return new

    def _reduce(self, x, axis):
        reducer = _REDUCERS.get(self.scalar_op.name)
        if reducer is None:
            return self.scalar_op.nfunc.reduce(x, axis=axis)
        return reducer(x, axis=axis)

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        axis = self.axis if self.axis is not None else tuple(range(x.ndim))
        out_dtype = node.outputs[0].type.dtype
        if axis and x.size == 0 and not self.has_identity and any(x.shape[a] == 0 for a in axis):
            raise ValueError(f"{self}: cannot reduce an empty array along axis {axis} (the op has no "
                             "identity)")
        with np.errstate(all="ignore"):
            value = self._reduce(x, axis) if axis else x.copy()
        output_storage[0][0] = np.asarray(value, dtype=out_dtype)

    def infer_shape(self, node, shapes):
        (ishape,) = shapes
        if self.axis is None:
            return [()]
        return [tuple(s for i, s in enumerate(ishape) if i not in self.axis)]

    def L_op(self, inputs, outputs, output_grads):
        from theano.tensor.elemwise_grad import careduce_grads

        return careduce_grads(self, inputs, outputs, output_grads)

    def R_op(self, inputs, eval_points):
        from theano.tensor.elemwise_grad import careduce_rop

        return careduce_rop(self, inputs, eval_points, self.make_node(*inputs).outputs)

    def __str__(self):
        name = type(self).__name__
        if type(self) is CAReduce:
            name = f"CAReduce{{{self.scalar_op}}}"
            return name if self.axis is None else f"{name}{{{', '.join(map(str, self.axis))}}}"
        if self.axis is None:
            return name
        return f"{name}{{axis=[{', '.join(map(str, self.axis))}]}}"


class CAReduceDtype(CAReduce):
    """A reduction with an output ``dtype`` and accumulator ``acc_dtype`` (Sum, Prod)."""

    __props__ = ("scalar_op", "axis", "dtype", "acc_dtype")

    def __init__(self, scalar_op, axis=None, dtype=None, acc_dtype=None):
        super().__init__(scalar_op, axis)
        self.dtype = dtype
        self.acc_dtype = acc_dtype

    def _output_dtype(self, idtype: str) -> str:
        if self.dtype is not None:
            return str(np.dtype(self.dtype)) if self.dtype != "floatX" else _floatx()
        return {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
                "uint8": "uint64", "uint16": "uint64", "uint32": "uint64"}.get(idtype, idtype)

    def _acc_dtype(self, idtype: str) -> str:
        """Theano's rule: accumulate in at least int64 / uint64 / float64 / complex128."""
        if self.acc_dtype is not None:
            return str(np.dtype(self.acc_dtype)) if self.acc_dtype != "floatX" else _floatx()
        widest = _WIDE_ACCUMULATOR[np.dtype(idtype).kind]
        return upcast(idtype, self._output_dtype(idtype), widest)

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable

        x = as_tensor_variable(x)
        if self.acc_dtype is not None:
            acc = self._acc_dtype(x.type.dtype)
            idtype = x.type.dtype
            continuous_for_discrete = np.dtype(acc).kind in "fc" and np.dtype(idtype).kind in "biu"
            if not continuous_for_discrete and upcast(idtype, acc) != acc:
                raise TypeError(f"{type(self).__name__}: acc_dtype {acc} would lose precision on an input "
                                f"of dtype {idtype}; use an acc_dtype at least as wide as the input")
        return super().make_node(x)

    def _reduce(self, x, axis):
        acc = self._acc_dtype(str(x.dtype))
        if self.scalar_op.name == "add":
            return np.sum(x, axis=axis, dtype=acc)
        if self.scalar_op.name == "mul":
            return np.prod(x, axis=axis, dtype=acc)
        return super()._reduce(x.astype(acc), axis)


_WIDE_ACCUMULATOR = {"b": "int64", "i": "int64", "u": "uint64", "f": "float64", "c": "complex128"}


def _floatx() -> str:
    import theano

    return theano.config.floatX


class Sum(CAReduceDtype):
    """Sum over ``axis``; small integers accumulate in int64 (as NumPy)."""

    def __init__(self, axis=None, dtype=None, acc_dtype=None):
        super().__init__(scalar.add, axis, dtype, acc_dtype)

    def __str__(self):
        return "Sum" if self.axis is None else f"Sum{{axis=[{', '.join(map(str, self.axis))}]}}"


class Prod(CAReduceDtype):
    """Product over ``axis``."""

    __props__ = ("axis", "dtype", "acc_dtype", "no_zeros_in_input")

    def __init__(self, axis=None, dtype=None, acc_dtype=None, no_zeros_in_input=False):
        super().__init__(scalar.mul, axis, dtype, acc_dtype)
        self.no_zeros_in_input = no_zeros_in_input

    def __str__(self):
        return "Prod" if self.axis is None else f"Prod{{axis=[{', '.join(map(str, self.axis))}]}}"


class _BoolReduce(CAReduce):
    __props__ = ("axis",)
    has_identity = True  # all() of nothing is True, any() of nothing is False

    def _output_dtype(self, idtype):
        return "bool"

    def _reduce(self, x, axis):
        return self.numpy_reduce(x, axis=axis)

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable
        from theano.tensor.math import neq

        x = as_tensor_variable(x)
        if x.type.dtype != "bool":
            x = neq(x, 0)
        return super().make_node(x)


class All(_BoolReduce):
    numpy_reduce = staticmethod(np.all)

    def __init__(self, axis=None):
        super().__init__(scalar.and_, axis)


class Any(_BoolReduce):
    numpy_reduce = staticmethod(np.any)

    def __init__(self, axis=None):
        super().__init__(scalar.or_, axis)


class _OrderedReduce(CAReduce):
    """Max and Min: defined on ordered dtypes only (not complex)."""

    __props__ = ("axis",)

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable

        x = as_tensor_variable(x)
        if x.type.dtype in scalar.complex_types:
            raise TypeError(f"{type(self).__name__} is not defined for complex numbers, got {x.type}")
        return super().make_node(x)


class CAReduceMax(_OrderedReduce):
    def __init__(self, axis=None):
        super().__init__(scalar.maximum, axis)

    def _reduce(self, x, axis):
        return np.max(x, axis=axis)


class CAReduceMin(_OrderedReduce):
    def __init__(self, axis=None):
        super().__init__(scalar.minimum, axis)

    def _reduce(self, x, axis):
        return np.min(x, axis=axis)


Max = CAReduceMax
Min = CAReduceMin
