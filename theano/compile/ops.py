"""Small ops used by the compiler itself (copies and views of function outputs), and :func:`as_op`,
which turns a Python function into an op."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.type import Type
from theano.graph.utils import MethodNotDefined


class DeepCopyOp(Op):
    """A copy of its input: inserted where an output would otherwise alias an input."""

    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        value = inputs[0]
        output_storage[0][0] = value.copy() if isinstance(value, np.ndarray) else copy.deepcopy(value)

    def infer_shape(self, node, shapes):
        return shapes


deep_copy_op = DeepCopyOp()


class ViewOp(Op):
    """Its input, unchanged (a view): marks a place in a graph."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return shapes

    def grad(self, inputs, output_grads):
        return list(output_grads)


view_op = ViewOp()


class OutputGuard(ViewOp):
    """Theano 1.0 name kept for old code."""


_output_guard = OutputGuard()


# ------------------------------------------------------------------------------------------
# as_op: a Python function as an Op
# ------------------------------------------------------------------------------------------


def _load_back(module: str, qualname: str):
    """The object named ``qualname`` in ``module`` (how a decorated op is unpickled)."""
    import importlib

    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _lookup(module: str | None, qualname: str | None):
    try:
        return _load_back(module, qualname) if module and qualname else None
    except (ImportError, AttributeError):
        return None


class FromFunctionOp(Op):
    """An op whose ``perform`` calls a Python function (built by :func:`as_op`).

    Two ops wrapping the same function with the same types are equal, so their nodes merge.
    The function's results are checked against ``otypes``: a value is converted when nothing is
    lost, and a wrong number of dimensions or a lossy dtype raises a TypeError naming the op.
    """

    def __init__(self, fn: Callable, itypes: Sequence[Type], otypes: Sequence[Type],
                 infer_shape: Callable | None = None):
        self._fn = fn
        self.itypes = list(itypes)
        self.otypes = list(otypes)
        self._infer_shape = infer_shape
        if infer_shape is not None:
            self.infer_shape = self._call_infer_shape

    @property
    def fn(self) -> Callable:
        return self._fn

    def __eq__(self, other: Any) -> bool:
        return (type(self) is type(other) and self._fn == other._fn and self.itypes == other.itypes
                and self.otypes == other.otypes)

    def __hash__(self) -> int:
        return hash((type(self), self._fn, tuple(self.itypes), tuple(self.otypes)))

    def __str__(self) -> str:
        return f"FromFunctionOp{{{getattr(self._fn, '__name__', repr(self._fn))}}}"

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]], params: Any = None) -> None:
        results = self._fn(*inputs)
        if not isinstance(results, (list, tuple)):  # as in Theano, a list or tuple holds the outputs
            results = (results,)
        if len(results) != len(self.otypes):
            raise TypeError(f"{self}: the function returned {len(results)} values; as_op declared {len(self.otypes)} "
                            f"outputs of types {self.otypes}")
        for i, (value, otype, cell) in enumerate(zip(results, self.otypes, output_storage)):
            cell[0] = self._checked(i, value, otype)

    def _checked(self, i: int, value: Any, otype: Type) -> Any:
        if type(value) is np.ndarray and value.dtype == getattr(otype, "numpy_dtype", None) and \
                value.ndim == otype.ndim:
            return value
        try:
            return otype.filter(value)
        except (TypeError, ValueError) as exc:
            if isinstance(value, np.ndarray):
                got = f"a {value.dtype} array of shape {value.shape}"
            else:
                got = f"{type(value).__name__} {value!r:.60}"
            raise TypeError(f"{self}: output {i} of the function should be {otype} "
                            f"({getattr(otype, 'ndim', '?')} dimensions, dtype {getattr(otype, 'dtype', '?')}), "
                            f"got {got}: {exc}") from None

    def _call_infer_shape(self, node: Apply, input_shapes: Sequence[tuple]) -> list[tuple]:
        return self._infer_shape(node, input_shapes)

    def grad(self, inputs, output_grads):
        raise MethodNotDefined(f"{self} has no gradient: as_op wraps a Python function, which theano cannot "
                               "differentiate. Subclass the op and define grad, or express the computation "
                               "with theano ops (theano.OpFromGraph can give it a custom gradient)")

    def __reduce__(self):
        fn = self._fn
        module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
        found = _lookup(module, qualname)
        if isinstance(found, FromFunctionOp) and found == self:  # ``@as_op(...)`` over a module-level def
            return _load_back, (module, qualname)
        if found is fn:
            return FromFunctionOp, (fn, self.itypes, self.otypes, self._infer_shape)
        raise NotImplementedError(f"{self} cannot be pickled: its function {qualname} cannot be found by name in "
                                  f"module {module} (define it at module level to pickle the op)")


def as_op(itypes: Type | Sequence[Type], otypes: Type | Sequence[Type],
          infer_shape: Callable | None = None) -> Callable[[Callable], FromFunctionOp]:
    """Decorator turning a Python function on NumPy values into an Op.

    Parameters
    ----------
    itypes : Type or list of Type
        The types of the op's inputs (``T.dmatrix``, ``T.lvector``, ...).
    otypes : Type or list of Type
        The types of its outputs; the function returns one value per output (a tuple or list
        when there are several).
    infer_shape : callable, optional
        ``infer_shape(node, input_shapes) -> list of output shapes``, each a tuple of symbolic
        scalars; lets the optimizer know output shapes without running the op.

    Returns
    -------
    callable
        A decorator; applied to a function it returns a :class:`FromFunctionOp`, called on
        symbolic variables like any op. The op has no gradient.

    Examples
    --------
    >>> import numpy as np, theano.tensor as T
    >>> from theano.compile.ops import as_op
    >>> @as_op(itypes=[T.dmatrix, T.dmatrix], otypes=[T.dmatrix])
    ... def numpy_dot(a, b):
    ...     return np.dot(a, b)
    """
    itypes = list(itypes) if isinstance(itypes, (list, tuple)) else [itypes]
    otypes = list(otypes) if isinstance(otypes, (list, tuple)) else [otypes]
    if not all(isinstance(t, Type) for t in itypes):
        raise TypeError(f"as_op: itypes has to be a list of theano types, got {itypes}")
    if not all(isinstance(t, Type) for t in otypes):
        raise TypeError(f"as_op: otypes has to be a list of theano types, got {otypes}")
    if infer_shape is not None and not callable(infer_shape):
        raise TypeError(f"as_op: infer_shape needs to be a callable, got {infer_shape!r}")

    def make_op(fn: Callable) -> FromFunctionOp:
        return FromFunctionOp(fn, itypes, otypes, infer_shape)

    return make_op
