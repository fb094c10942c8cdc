"""Shape rewrites: shape computations taken from the inputs' shapes, useless shape ops removed.

:class:`ShapeFeature` gives every tensor variable of a FunctionGraph a symbolic shape: a
tuple of int64 scalars built by the ops' ``infer_shape`` from the shapes of their inputs.
The canonicalize rewrites below then replace ``Shape(x)`` and ``Shape_i(x)`` of a computed
``x`` by those expressions, so ``theano.function([x], T.exp(x).shape)`` computes no ``exp``.

The feature is attached by :data:`shape_feature_requirement`, the first entry of the
canonicalize stage. Shapes are computed once per node, when the node enters the graph; a
replacement only merges what is known of the old and the new variable, so the cost of
keeping shapes is proportional to the number of nodes ever imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_canonicalize
from theano.graph.basic import Apply, Constant, Variable, clone_replace
from theano.graph.fg import Feature, FunctionGraph
from theano.graph.rewriting.basic import GraphRewriter, node_rewriter
from theano.tensor.basic import Alloc, Rebroadcast, ScalarFromTensor, alloc
from theano.tensor.elemwise import Elemwise
from theano.tensor.join import MakeVector
from theano.tensor.rewriting.basic import _constant_value, _same_type_or_none
from theano.tensor.shape import Reshape, Shape, Shape_i
from theano.tensor.subtensor import Subtensor, get_idx_list

# How far :meth:`ShapeFeature.usable` walks a shape expression before giving up.
_MAX_EXPRESSION_NODES = 200


class ShapeFeature(Feature):
    """Symbolic shapes of the variables of a FunctionGraph.

    ``shape_of[var]`` is a tuple of int64 scalar variables, one per axis of ``var`` (None
    for variables that are not tensors). An axis the type declares broadcastable has the
    constant 1; an op without a usable ``infer_shape`` gives ``Shape_i(i)(var)`` (the
    variable's own shape, computed at run time).
    """

    def __init__(self):
        self.shape_of: dict[Variable, tuple | None] = {}
        self.fgraph: FunctionGraph | None = None
        self._constants: dict[int, Variable] = {}
        # Variables replaced (and pruned) while shape expressions may still name them.
        self._replaced: dict[Variable, Variable] = {}
        self._pruned: dict[Variable, tuple | None] = {}

    # -- entries -----------------------------------------------------------------------------
    def constant(self, value: int) -> Variable:
        """The int64 constant ``value``, one object per value (so equal entries are identical)."""
        const = self._constants.get(value)
        if const is None:
            const = self._constants[value] = T.constant(np.int64(value), dtype="int64")
        return const

    def _entry(self, value) -> Variable:
        """A shape entry as an int64 scalar variable."""
        if isinstance(value, (int, np.integer)):
            return self.constant(int(value))
        value = T.as_tensor_variable(value)
        if value.type.ndim != 0 or value.type.dtype[0] not in "iu":
            raise TypeError(f"a shape entry must be an integer scalar, got {value.type}")
        if isinstance(value, Constant):
            return self.constant(int(value.data))
        if value.type.dtype != "int64":
            value = T.cast(value, "int64")
        return value

    def default_shape(self, var: Variable) -> tuple | None:
        """The shape of ``var`` read from ``var`` itself (constants give their known shape)."""
        ndim = getattr(var.type, "ndim", None)
        if ndim is None or not hasattr(var.type, "broadcastable"):
            return None
        if isinstance(var, Constant):
            return tuple(self.constant(n) for n in np.shape(var.data))
        return tuple(self.constant(1) if var.type.broadcastable[i] else Shape_i(i)(var) for i in range(ndim))

    def _shape_of_input(self, var: Variable) -> tuple | None:
        shape = self.shape_of.get(var)
        if shape is None and var not in self.shape_of:
            shape = self.shape_of[var] = self.default_shape(var)
        return shape

    def _infer(self, node: Apply) -> None:
        """Shapes of ``node``'s outputs from its op's ``infer_shape`` and its inputs' shapes."""
        in_shapes = [self._shape_of_input(inp) for inp in node.inputs]
        inferred = None
        infer_shape = getattr(node.op, "infer_shape", None)
        if infer_shape is not None and all(s is not None for s, i in zip(in_shapes, node.inputs)
                                           if hasattr(i.type, "ndim")):
            try:
                inferred = infer_shape(node, in_shapes)
            except Exception:  # an op that cannot tell: read the shapes at run time
                inferred = None
        for k, out in enumerate(node.outputs):
            default = None
            shape = None
            if inferred is not None and k < len(inferred) and inferred[k] is not None:
                try:
                    shape = tuple(self._entry(s) for s in inferred[k])
                except (TypeError, ValueError):
                    shape = None
            if shape is None or len(shape) != getattr(out.type, "ndim", -1):
                default = self.default_shape(out)
                shape = default
            elif any(out.type.broadcastable):
                shape = tuple(self.constant(1) if b else s for b, s in zip(out.type.broadcastable, shape))
            self.shape_of[out] = shape

    def is_own_shape(self, var: Variable, i: int) -> bool:
        """Whether the entry of axis ``i`` of ``var`` is just ``Shape_i(i)(var)`` (nothing known)."""
        entry = self.shape_of[var][i]
        owner = entry.owner
        return owner is not None and isinstance(owner.op, Shape_i) and owner.op.i == i and owner.inputs[0] is var

    def shape_tuple(self, var: Variable) -> tuple | None:
        """The shape entries of ``var`` (computing them for a variable the graph lacks)."""
        return self._shape_of_input(var)

    def get_shape(self, var: Variable, i: int) -> Variable:
        return self._shape_of_input(var)[i]

    def same_entry(self, a: Variable, b: Variable) -> bool:
        """Whether two shape entries are known to be equal."""
        if a is b:
            return True
        if isinstance(a, Constant) and isinstance(b, Constant):
            return int(a.data) == int(b.data)
        a, b = _strip_int_casts(a), _strip_int_casts(b)
        if a is b:
            return True
        if a.owner is not None and b.owner is not None and isinstance(a.owner.op, Shape_i) and \
                a.owner.op == b.owner.op and a.owner.inputs[0] is b.owner.inputs[0]:
            return True
        return False

    def same_axis_length(self, x: Variable, i: int, length: Variable) -> bool:
        """Whether ``length`` is known to be the length of axis ``i`` of ``x``."""
        length = _strip_int_casts(length)
        if length.owner is not None and isinstance(length.owner.op, Shape_i) and length.owner.op.i == i and \
                length.owner.inputs[0] is x:
            return True
        if isinstance(length, Constant) and x.type.broadcastable[i]:
            return int(length.data) == 1
        shape = self._shape_of_input(x)
        return shape is not None and self.same_entry(shape[i], length)

    # -- keeping expressions usable ----------------------------------------------------------
    def usable(self, expr: Variable) -> Variable | None:
        """``expr`` rewritten so that every variable it reads is in the graph (following
        replacements), or None when it reads something the graph no longer has."""
        fgraph = self.fgraph
        if isinstance(expr, Constant) or expr in fgraph.variables:
            return expr
        substitutions: dict[Variable, Variable] = {}
        stack = [expr]
        seen: set[Variable] = set()
        while stack:
            var = stack.pop()
            if var in seen:
                continue
            seen.add(var)
            if len(seen) > _MAX_EXPRESSION_NODES:
                return None
            if isinstance(var, Constant) or var in fgraph.variables:
                continue
            target = self._follow_replacements(var)
            if target is not None:
                substitutions[var] = target
                continue
            if var.owner is None:
                return None
            stack.extend(var.owner.inputs)
        if not substitutions:
            return expr
        return clone_replace(expr, substitutions)

    def _follow_replacements(self, var: Variable) -> Variable | None:
        target = self._replaced.get(var)
        steps = 0
        while target is not None and target not in self.fgraph.variables and steps < 100:
            target = self._replaced.get(target)
            steps += 1
        return target if target is not None and target in self.fgraph.variables else None

    # -- feature hooks -----------------------------------------------------------------------
    def on_attach(self, fgraph: FunctionGraph) -> None:
        if getattr(fgraph, "shape_feature", None) is not None:
            raise ValueError("this FunctionGraph already has a ShapeFeature")
        fgraph.shape_feature = self
        self.fgraph = fgraph
        for var in fgraph.inputs:
            self._shape_of_input(var)
        for node in fgraph.toposort():
            self._infer(node)

    def on_detach(self, fgraph: FunctionGraph) -> None:
        self.shape_of.clear()
        self._replaced.clear()
        self._pruned.clear()
        self.fgraph = None
        if getattr(fgraph, "shape_feature", None) is self:
            del fgraph.shape_feature

    def on_import(self, fgraph, node, reason) -> None:
        if node.outputs[0] in self.shape_of:
            return
        self._infer(node)

    def on_prune(self, fgraph, node, reason) -> None:
        for out in node.outputs:
            if out in self.shape_of:
                self._pruned[out] = self.shape_of.pop(out)

    def on_change_input(self, fgraph, node, i, old, new, reason) -> None:
        new_shape = self._shape_of_input(new)
        old_shape = self.shape_of.get(old, self._pruned.get(old))
        if new_shape is not None and old_shape is not None and len(old_shape) == len(new_shape):
            # ``old`` and ``new`` have the same shape: keep the better-known entry of each axis.
            merged = []
            for old_entry, new_entry in zip(old_shape, new_shape):
                own = new_entry.owner is not None and isinstance(new_entry.owner.op, Shape_i) and \
                    new_entry.owner.inputs[0] is new
                old_own = old_entry.owner is not None and isinstance(old_entry.owner.op, Shape_i) and \
                    old_entry.owner.inputs[0] is old
                merged.append(old_entry if (own and not old_own) or (
                    isinstance(old_entry, Constant) and not isinstance(new_entry, Constant)) else new_entry)
            self.shape_of[new] = tuple(merged)
        if old not in fgraph.variables:
            self._replaced[old] = new
        self._pruned.clear()

    def clone(self) -> ShapeFeature:
        return ShapeFeature()


def _strip_int_casts(var: Variable) -> Variable:
    """``var`` without the integer casts and scalar/tensor conversions around it."""
    while var.owner is not None:
        op = var.owner.op
        if isinstance(op, ScalarFromTensor) or type(op).__name__ == "TensorFromScalar":
            var = var.owner.inputs[0]
        elif isinstance(op, Elemwise) and isinstance(op.scalar_op, scalar.Cast) and \
                var.type.dtype[0] in "iu" and var.owner.inputs[0].type.dtype[0] in "iu":
            var = var.owner.inputs[0]
        else:
            break
    return var


class AddShapeFeature(GraphRewriter):
    """Attaches a :class:`ShapeFeature` (its ``apply`` changes nothing)."""

    name = "ShapeFeature"

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        if getattr(fgraph, "shape_feature", None) is None:
            fgraph.attach_feature(ShapeFeature())

    def apply(self, fgraph: FunctionGraph) -> int:
        return 0


shape_feature_requirement = register_canonicalize(AddShapeFeature(), name="ShapeFeature")


def _shape_feature(fgraph) -> ShapeFeature | None:
    return getattr(fgraph, "shape_feature", None)


def _usable_shape(fgraph, var: Variable) -> list[Variable] | None:
    """The inferred shape of ``var`` as graph-ready expressions, or None when nothing is known
    beyond ``var``'s own run-time shape."""
    feature = _shape_feature(fgraph)
    if feature is None or var not in feature.shape_of or feature.shape_of[var] is None:
        return None
    entries = []
    for i, entry in enumerate(feature.shape_of[var]):
        usable = feature.usable(entry)
        if usable is None:
            usable = Shape_i(i)(var)
        entries.append(usable)
    return entries


# ------------------------------------------------------------------------------------------
# Shapes from the inputs' shapes
# ------------------------------------------------------------------------------------------

@register_canonicalize
@node_rewriter([Shape_i])
def local_shape_i_from_inputs(fgraph, node):
    """Shape_i(i)(x) of a computed x -> the length inferred from x's inputs' shapes."""
    (x,) = node.inputs
    feature = _shape_feature(fgraph)
    if x.owner is None or feature is None or x not in feature.shape_of or feature.shape_of[x] is None:
        return None
    i = node.op.i
    if feature.is_own_shape(x, i):
        return None
    entry = feature.usable(feature.shape_of[x][i])
    if entry is None:
        return None
    return [_same_type_or_none(node.outputs[0], entry)]


@register_canonicalize
@node_rewriter([Shape])
def local_shape_from_inputs(fgraph, node):
    """Shape(x) of a computed x -> the vector of lengths inferred from x's inputs' shapes."""
    (x,) = node.inputs
    feature = _shape_feature(fgraph)
    if x.owner is None or feature is None or feature.shape_of.get(x) is None:
        return None
    ndim = x.type.ndim
    if ndim == 0:
        return [T.constant(np.zeros(0, dtype="int64"))]
    if all(feature.is_own_shape(x, i) for i in range(ndim)):
        return None
    entries = _usable_shape(fgraph, x)
    if entries is None:
        return None
    return [_same_type_or_none(node.outputs[0], MakeVector("int64")(*entries))]


def _constant_index(node) -> int | None:
    """The index of a Subtensor taking one integer entry (a Python int or a constant input)."""
    if len(node.op.idx_list) != 1:
        return None
    (entry,) = get_idx_list(node.inputs, node.op.idx_list)
    return _index_value(entry)


@register_canonicalize
@node_rewriter([Subtensor])
def local_subtensor_of_shape(fgraph, node):
    """Shape(x)[i] -> Shape_i(i)(x) (1 for a broadcastable axis); make_vector(a, b, ...)[i] -> the entry."""
    source = node.inputs[0]
    if source.owner is not None and isinstance(source.owner.op, Rebroadcast):
        source = source.owner.inputs[0]
    if source.owner is None or not isinstance(source.owner.op, (Shape, MakeVector)):
        return None
    index = _constant_index(node)
    if index is None:
        return None
    out = node.outputs[0]
    if isinstance(source.owner.op, Shape):
        x = source.owner.inputs[0]
        ndim = x.type.ndim
        if not -ndim <= index < ndim:
            return None
        index %= ndim
        result = T.constant(np.int64(1)) if x.type.broadcastable[index] else Shape_i(index)(x)
    else:
        entries = source.owner.inputs
        if not -len(entries) <= index < len(entries):
            return None
        result = entries[index]
    if result.type.dtype != out.type.dtype:
        result = T.cast(result, out.type.dtype)
    return [_same_type_or_none(out, result)]


# ------------------------------------------------------------------------------------------
# Useless shape ops
# ------------------------------------------------------------------------------------------

@register_canonicalize
@node_rewriter([T.second])
def local_fill_to_alloc(fgraph, node):
    """second(a, b) -> b when b already has the output's shape, else alloc(b, *shape of a)
    (so a need not be computed just for its shape)."""
    if node.op.scalar_op != scalar.second:
        return None
    a, b = node.inputs
    out = node.outputs[0]
    if b.type.broadcastable == out.type.broadcastable:
        return [_same_type_or_none(out, b)] if b.type.dtype == out.type.dtype else [T.cast(b, out.type.dtype)]
    entries = _usable_shape(fgraph, out)
    if entries is None:
        return None
    # Reading a's shape from a itself gains nothing over second(a, b).
    if any(e.owner is not None and isinstance(e.owner.op, Shape_i) and e.owner.inputs[0] is out
           for e in entries):
        return None
    value = b if b.type.dtype == out.type.dtype else T.cast(b, out.type.dtype)
    result = _same_type_or_none(out, alloc(value, *entries))
    if result is None:
        return None
    return [result]


@register_canonicalize
@node_rewriter([Alloc])
def local_useless_alloc(fgraph, node):
    """alloc(x, *shape) -> x when shape is x's own shape."""
    value, *shape = node.inputs
    out = node.outputs[0]
    if value.type.ndim != out.type.ndim or value.type.dtype != out.type.dtype:
        return None
    feature = _shape_feature(fgraph)
    for i, length in enumerate(shape):
        if value.type.broadcastable[i] and not out.type.broadcastable[i]:
            value_length = _constant_value(length)
            if value_length is None or int(value_length) != 1:
                return None
            continue
        if not _has_axis_length(feature, value, i, length):
            return None
    return [_same_type_or_none(out, value)]


@register_canonicalize
@node_rewriter([Elemwise])
def local_alloc_under_elemwise(fgraph, node):
    """An alloc feeding an elementwise op is useless when another input is known to have the
    alloc's shape: broadcasting produces that shape anyway. (Only a shape known to be equal
    counts: dropping an alloc of another length would hide a shape error.)"""
    if len(node.inputs) < 2:
        return None
    out_bcast = node.outputs[0].type.broadcastable
    ndim = len(out_bcast)
    allocs = [i for i, inp in enumerate(node.inputs) if inp.owner is not None and isinstance(inp.owner.op, Alloc)
              and inp.type.ndim == ndim]
    if not allocs:
        return None
    others = [inp for i, inp in enumerate(node.inputs) if i not in allocs and inp.type.broadcastable == out_bcast]
    feature = _shape_feature(fgraph)
    new_inputs = list(node.inputs)
    changed = False
    for i in allocs:
        value, *shape = node.inputs[i].owner.inputs
        if not any(_same_lengths(feature, other, shape, node.inputs[i].type.broadcastable) for other in others):
            continue
        if value.type.ndim < ndim:
            value = T.shape_padleft(value, ndim - value.type.ndim)
        new_inputs[i] = value
        changed = True
    if not changed:
        return None
    new = node.op.make_node(*new_inputs).outputs
    if any(n.type != o.type for n, o in zip(new, node.outputs)):
        return None
    return new


def _same_lengths(feature, var, shape, broadcastable) -> bool:
    """Whether ``var`` is known to have length ``shape[d]`` on every non-broadcastable axis ``d``."""
    for axis, (length, flag) in enumerate(zip(shape, broadcastable)):
        if not flag and not _has_axis_length(feature, var, axis, length):
            return False
    return True


def _has_axis_length(feature, var, axis: int, length) -> bool:
    """Whether ``var``'s length along ``axis`` is known to be ``length`` (through the
    ShapeFeature, or without it when ``length`` is literally ``var.shape[axis]``)."""
    if feature is not None:
        return feature.same_axis_length(var, axis, length)
    stripped = _strip_int_casts(length)
    return (stripped.owner is not None and isinstance(stripped.owner.op, Shape_i)
            and stripped.owner.op.i == axis and stripped.owner.inputs[0] is var)


@register_canonicalize
@node_rewriter([Reshape])
def local_useless_reshape(fgraph, node):
    """reshape(x, shape) -> x when shape is x's own shape (also a vector reshaped to [-1])."""
    x, shp = node.inputs
    out = node.outputs[0]
    if node.op.ndim != x.type.ndim:
        return None
    if shp.owner is not None and isinstance(shp.owner.op, Shape) and shp.owner.inputs[0] is x:
        return [_same_type_or_none(out, x)]
    if x.type.ndim == 1:
        value = _vector_entries(shp)
        if value is not None and len(value) == 1 and _constant_value(value[0]) is not None and \
                int(_constant_value(value[0])) == -1:
            return [_same_type_or_none(out, x)]
    entries = _vector_entries(shp)
    if entries is None:
        return None
    feature = _shape_feature(fgraph)
    for i, entry in enumerate(entries):
        if feature is not None:
            if not feature.same_axis_length(x, i, entry):
                return None
        else:
            stripped = _strip_int_casts(entry)
            if not (stripped.owner is not None and isinstance(stripped.owner.op, Shape_i)
                    and stripped.owner.op.i == i and stripped.owner.inputs[0] is x):
                return None
    result = _same_type_or_none(out, x)
    return [result] if result is not None else None


def _vector_entries(vec: Variable) -> Sequence[Variable] | None:
    """The entries of a shape vector built by make_vector, or of a constant vector."""
    if vec.owner is not None and isinstance(vec.owner.op, MakeVector):
        return list(vec.owner.inputs)
    if isinstance(vec, Constant) and np.ndim(vec.data) == 1:
        return [T.constant(np.int64(v)) for v in np.asarray(vec.data)]
    return None


@register_canonicalize
@node_rewriter([Subtensor])
def local_useless_subtensor(fgraph, node):
    """x[:], x[0:], x[::1], x[:n] with n the length of the axis -> x."""
    x = node.inputs[0]
    entries = get_idx_list(node.inputs, node.op.idx_list)
    feature = _shape_feature(fgraph)
    for axis, entry in enumerate(entries):
        if not isinstance(entry, slice):
            return None
        start, stop, step = entry.start, entry.stop, entry.step
        if step is not None and _index_value(step) != 1:
            return None
        if start is not None and _index_value(start) != 0:
            return None
        if stop is None:
            continue
        value = _index_value(stop)
        if value is not None:
            if x.type.broadcastable[axis] and value >= 1:
                continue
            length = _constant_value(feature.get_shape(x, axis)) if feature is not None else None
            if length is None or value < int(length):
                return None
            continue
        stop_var = _strip_int_casts(stop)
        if feature is not None:
            if not feature.same_axis_length(x, axis, stop_var):
                return None
        elif not (stop_var.owner is not None and isinstance(stop_var.owner.op, Shape_i)
                  and stop_var.owner.op.i == axis and stop_var.owner.inputs[0] is x):
            return None
    result = _same_type_or_none(node.outputs[0], x)
    return [result] if result is not None else None


def _index_value(entry) -> int | None:
    if isinstance(entry, (int, np.integer)):
        return int(entry)
    if isinstance(entry, Variable):
        value = _constant_value(entry)
        if value is not None and np.ndim(value) == 0:
            return int(value)
    return None
