"""Random draws from NumPy generators as graph ops: the type of a generator state, the op that
draws from it, and the functions under :class:`~theano.tensor.shared_randomstreams.RandomStreams`.

A draw is one :class:`RandomFunction` node: it takes a generator state, a size vector and the
distribution's parameters, and outputs ``(new_state, sample)``. The op never changes its input
state: it draws from a copy, so the input stays valid for every other function reading the same
shared variable; ``new_state`` is written back by the function's update (usually the state's
``default_update``, set by ``RandomStreams``).

States are ``numpy.random.Generator`` objects (PCG64 by default). Legacy
``numpy.random.RandomState`` objects are accepted as well, so Theano 1.0 code that sets a state
to a ``RandomState`` keeps working; its draws are then exactly NumPy's legacy draws.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theano.compile.ops import ViewOp
from theano.compile.sharedvalue import SharedVariable, shared_constructor
from theano.configdefaults import config
from theano.gradient import grad_undefined
from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.graph.type import Type
from theano.scalar.type import upcast
from theano.tensor.basic import as_tensor_variable, cast, constant
from theano.tensor.join import stack
from theano.tensor.type import TensorType

__all__ = [
    "RandomFunction",
    "RandomGeneratorType",
    "RandomStateSharedVariable",
    "RandomStateType",
    "RandomStreamsBase",
    "UndefinedGrad",
    "binomial",
    "choice",
    "multinomial",
    "normal",
    "permutation",
    "poisson",
    "random_integers",
    "random_state_type",
    "uniform",
]

_GENERATORS = (np.random.Generator, np.random.RandomState)


# ------------------------------------------------------------------------------------------
# The type of a generator state, and shared variables holding one
# ------------------------------------------------------------------------------------------

class RandomGeneratorType(Type):
    """Values are ``numpy.random.Generator`` objects (or legacy ``numpy.random.RandomState``).

    Generators compare equal when their bit generators are in the same state (NumPy compares
    them by identity), which is what ``values_eq`` reports.
    """

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        if isinstance(data, _GENERATORS):
            return data
        raise TypeError(f"{self} expects a numpy.random.Generator (or a legacy numpy.random.RandomState), "
                        f"got {type(data).__name__}")

    def is_valid_value(self, data: Any) -> bool:
        return isinstance(data, _GENERATORS)

    @staticmethod
    def values_eq(a: Any, b: Any) -> bool:
        return type(a) is type(b) and _state_of(a) == _state_of(b)

    def may_share_memory(self, a: Any, b: Any) -> bool:
        return a is b

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return "RandomGeneratorType"

    __repr__ = __str__


RandomStateType = RandomGeneratorType  # Theano 1.0's name
random_state_type = RandomGeneratorType()


def _state_of(rng: Any) -> Any:
    """A comparable snapshot of a generator's state."""
    if isinstance(rng, np.random.Generator):
        return _comparable(rng.bit_generator.state)
    kind, keys, pos, has_gauss, cached = rng.get_state()
    return (kind, keys.tobytes(), pos, has_gauss, cached)


def _comparable(state: Any) -> Any:
    if isinstance(state, dict):
        return tuple(sorted((k, _comparable(v)) for k, v in state.items()))
    if isinstance(state, np.ndarray):
        return state.tobytes()
    return state


class StreamGenerator(np.random.Generator):
    """A NumPy ``Generator`` that also answers the ``RandomState`` calls Theano 1.0 programs make
    on a stream's state: ``seed(s)``, ``get_state()``, ``set_state(state)`` (the states are the
    bit generator's state dicts). It keeps its class when copied or pickled."""

    def seed(self, seed: Any = None) -> None:
        """Reset the state as a new bit generator of the same kind seeded with ``seed``."""
        self.bit_generator.state = type(self.bit_generator)(seed).state

    def get_state(self) -> dict:
        return self.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.bit_generator.state = state

    def __copy__(self) -> StreamGenerator:
        return copy_generator(self)

    def __deepcopy__(self, memo: dict) -> StreamGenerator:
        return copy_generator(self)

    def __reduce__(self):
        return (_stream_generator_from_state, (type(self.bit_generator).__name__, self.bit_generator.state))


def _stream_generator_from_state(bit_generator_name: str, state: dict) -> StreamGenerator:
    bits = getattr(np.random, bit_generator_name)(0)
    bits.state = state
    return StreamGenerator(bits)


def copy_generator(rng: Any) -> Any:
    """An independent generator in the same state as ``rng`` (drawing from it leaves ``rng`` as is)."""
    if isinstance(rng, np.random.Generator):
        bits = type(rng.bit_generator)(0)  # a cheap seed: the state is overwritten next
        bits.state = rng.bit_generator.state
        return type(rng)(bits) if isinstance(rng, StreamGenerator) else np.random.Generator(bits)
    return copy.deepcopy(rng)


class RandomStateSharedVariable(SharedVariable):
    """A shared variable holding a generator state."""


@shared_constructor
def randomstate_constructor(value: Any, name: str | None = None, strict: bool = False,
                            allow_downcast: bool | None = None, borrow: bool = False) -> RandomStateSharedVariable:
    """``theano.shared`` for ``numpy.random.Generator`` and ``RandomState`` values (copied unless borrowed)."""
    if not isinstance(value, _GENERATORS):
        raise TypeError("not a numpy random generator")
    if not borrow:
        value = copy.deepcopy(value)
    return RandomStateSharedVariable(type=random_state_type, value=value, name=name, strict=strict,
                                     allow_downcast=allow_downcast)


# ------------------------------------------------------------------------------------------
# The ops
# ------------------------------------------------------------------------------------------

class UndefinedGrad(ViewOp):
    """Its input in the forward pass; the gradient through it is undefined (Theano 1.0's
    ``undefined_grad``): the parameters of a random draw, whose samples are not differentiable
    functions of them."""

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        return [grad_undefined(self, 0, inputs[0], "the parameters of a random draw have no gradient")]

    def R_op(self, inputs, eval_points):
        return [None]


class RandomFunction(Op):
    """Draw from a generator: ``(rng, size, *params) -> (new_rng, sample)``.

    Parameters
    ----------
    fn : callable or str
        ``fn(rng, *params, size)`` returning the sample; a string names a method of the generator
        (called as ``rng.<fn>(*params, size)``).
    outtype : TensorType
        The type of the sample.
    inplace : bool
        Draw from the input generator itself (declared in ``destroy_map``) instead of a copy.
    ndim_added : int
        How many dimensions each draw adds after those given by ``size`` (1 for permutations
        and multinomial counts).
    """

    __props__ = ("fn", "outtype", "inplace", "ndim_added")

    def __init__(self, fn: Callable | str, outtype: TensorType, inplace: bool = False, ndim_added: int = 0):
        self.fn = fn
        self.outtype = outtype
        self.inplace = bool(inplace)
        self.ndim_added = int(ndim_added)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        name = self.fn if isinstance(self.fn, str) else getattr(self.fn, "__name__", str(self.fn)).lstrip("_")
        return f"RandomFunction{{{name}, {self.outtype}{', inplace' if self.inplace else ''}}}"

    def make_node(self, r: Any, shape: Any, *args: Any) -> Apply:
        """``r``: a generator variable; ``shape``: an integer vector (empty: the parameters' shape)."""
        if not isinstance(r, Variable) or not isinstance(r.type, RandomGeneratorType):
            r = random_state_type.filter_variable(r)
        shape = _as_size_vector(shape)
        args = [as_tensor_variable(a) for a in args]
        return Apply(self, [r, shape, *args], [r.type(), self.outtype()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list, params: Any = None) -> None:
        r, shape, *args = inputs
        size = tuple(int(s) for s in shape) if len(shape) else None
        if size is not None and len(size) + self.ndim_added != self.outtype.ndim:
            raise ValueError(f"{self}: a size of {len(size)} dimensions plus {self.ndim_added} added by each draw "
                             f"does not make the {self.outtype.ndim} dimensions of the output")
        if not self.inplace:
            r = copy_generator(r)
        fn = getattr(r, self.fn) if isinstance(self.fn, str) else None
        value = fn(*args, size) if fn is not None else self.fn(r, *args, size)
        value = np.asarray(value, dtype=self.outtype.dtype)
        if size is None and value.ndim < self.outtype.ndim:
            value = value.reshape((1,) * (self.outtype.ndim - value.ndim) + value.shape)
        if value.ndim != self.outtype.ndim:
            raise ValueError(f"{self}: the draw has {value.ndim} dimensions, the output type {self.outtype.ndim}")
        output_storage[0][0] = r
        output_storage[1][0] = value

    def infer_shape(self, node: Apply, shapes: list) -> list:
        shape = node.inputs[1]
        n_size = self.outtype.ndim - self.ndim_added
        if n_size == 0 and self.ndim_added == 0:
            return [None, ()]
        if not isinstance(shape.type, TensorType) or _static_length(shape) != n_size or n_size == 0:
            raise ValueError("the sample's shape depends on the parameters")
        added = [node.outputs[1].shape[n_size + k] for k in range(self.ndim_added)]
        return [None, tuple(shape[k] for k in range(n_size)) + tuple(added)]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        return [grad_undefined(self, k, inp, "No gradient defined through raw random numbers op")
                for k, inp in enumerate(inputs)]

    def R_op(self, inputs, eval_points):
        return [None for _ in eval_points]

    def do_constant_folding(self, node: Apply) -> bool:
        return False


def _static_length(v: Variable) -> int | None:
    from theano.tensor.basic import get_vector_length

    try:
        return get_vector_length(v)
    except (ValueError, TypeError):
        return None


def _as_size_vector(shape: Any) -> Variable:
    """``shape`` as an int64 vector variable (an empty tuple or None: an empty vector)."""
    if shape is None or (isinstance(shape, (tuple, list)) and len(shape) == 0):
        return constant(np.zeros(0, dtype="int64"))
    if isinstance(shape, (tuple, list)) and any(isinstance(s, Variable) for s in shape):
        shape = stack([cast(as_tensor_variable(s), "int64") for s in shape])
    shape = as_tensor_variable(shape)
    if shape.type.ndim != 1 or shape.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"size must be an integer vector or a tuple of integers, got {shape.type}")
    return cast(shape, "int64") if shape.type.dtype != "int64" else shape


# ------------------------------------------------------------------------------------------
# Shapes: what ``size`` and the parameters' broadcasting say about the output
# ------------------------------------------------------------------------------------------

def _infer_ndim_bcast(ndim: int | None, shape: Any, *args: Variable) -> tuple[int, Variable, tuple[bool, ...]]:
    """The number of dimensions, the int64 size vector and the broadcast pattern of a draw.

    ``shape`` may be None (the parameters' broadcast shape, given to NumPy as ``size=None``), a
    tuple mixing integers and symbolic scalars (``-1`` takes the length of a parameter's
    corresponding dimension), or a symbolic integer vector (then ``ndim`` is needed when its
    length is not known).
    """
    args_ndim = max((a.type.ndim for a in args), default=0)
    if isinstance(shape, (tuple, list)):
        if ndim is None:
            ndim = len(shape)
        elif ndim != len(shape):
            raise ValueError(f"ndim should be equal to len(size), got ndim={ndim} and size={shape}")
        entries: list = []
        bcast: list[bool] = []
        for i, s in enumerate(shape):
            if isinstance(s, Variable):
                entries.append(cast(s, "int64") if s.type.dtype != "int64" else s)
                bcast.append(False)
            elif int(s) >= 0:
                entries.append(constant(int(s), dtype="int64"))
                bcast.append(int(s) == 1)
            elif int(s) == -1:
                entry, broadcastable = _auto_length(i, ndim, args)
                entries.append(entry)
                bcast.append(broadcastable)
            else:
                raise ValueError(f"negative size {s} in {shape}")
        v_shape = stack(entries) if entries else constant(np.zeros(0, dtype="int64"))
    elif shape is None:
        if not args:
            raise TypeError("cannot infer the shape of a draw without a size or parameters")
        ndim = args_ndim
        # an empty size vector: NumPy broadcasts the parameters itself
        v_shape = constant(np.zeros(0, dtype="int64"))
        padded = [(True,) * (ndim - a.type.ndim) + a.type.broadcastable for a in args]
        bcast = [all(p[d] for p in padded) for d in range(ndim)]
        return ndim, v_shape, tuple(bcast)
    else:
        v_shape = as_tensor_variable(shape)
        if v_shape.type.ndim != 1:
            raise TypeError(f"size must be a vector or a tuple, got {shape}")
        if ndim is None:
            ndim = _static_length(v_shape)
            if ndim is None:
                raise ValueError(f"the length of size {shape} is not known when the graph is built: give ndim")
        bcast = [False] * ndim
    if v_shape.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"size must be an integer vector or tuple, got dtype {v_shape.type.dtype}")
    if args_ndim > ndim:
        raise ValueError(f"ndim should be at least as big as the parameters' number of dimensions ({ndim} < "
                         f"{args_ndim})")
    return ndim, cast(v_shape, "int64"), tuple(bcast)


def _auto_length(i: int, ndim: int, args: Sequence[Variable]) -> tuple[Variable, bool]:
    """The length of output dimension ``i`` taken from the parameters (size entry -1)."""
    overlapping = 0
    for a in args:
        if i >= ndim - a.type.ndim:
            overlapping += 1
            axis = i + a.type.ndim - ndim
            if not a.type.broadcastable[axis]:
                return a.shape[axis], False
    if overlapping == 0:
        raise ValueError("a size entry of -1 must overlap a dimension of one of the parameters")
    return constant(1, dtype="int64"), True


def _float_dtype(dtype: str | None, *params: Variable) -> str:
    if dtype is not None:
        return dtype
    return upcast(config.floatX, *(p.type.dtype for p in params))


# ------------------------------------------------------------------------------------------
# Drawing helpers, called by RandomFunction.perform as fn(rng, *params, size)
# ------------------------------------------------------------------------------------------

def _uniform(rng, low, high, size):
    return rng.uniform(low, high, size)


def _normal(rng, avg, std, size):
    return rng.normal(avg, std, size)


def _binomial(rng, n, p, size):
    return rng.binomial(n, p, size)


def _poisson(rng, lam, size):
    return rng.poisson(lam, size)


def _random_integers(rng, low, high, size):
    """Integers in ``[low, high]``, both included."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size, endpoint=True)
    return rng.randint(low, np.asarray(high) + 1, size)


def _choice(rng, a, replace, p, size):
    population = int(a) if np.ndim(a) == 0 else a
    return rng.choice(population, size, bool(replace), p if np.size(p) else None)


def _permutation(rng, n, size):
    """One permutation of ``range(n)`` per entry of ``size`` (a shape ``size + (n,)``)."""
    n = int(n)
    size = () if size is None else size
    out = np.empty(tuple(size) + (n,), dtype="int64")
    for index in np.ndindex(*size):
        out[index] = rng.permutation(n)
    return out


def _multinomial(rng, n, pvals, size):
    """One multinomial count vector per entry of ``size`` (parameters broadcast against it)."""
    n = np.asarray(n)
    pvals = np.asarray(pvals, dtype="float64")
    if size is None:
        size = np.broadcast_shapes(n.shape, pvals.shape[:-1])
    size = tuple(size)
    n = np.broadcast_to(n, size)
    pvals = np.broadcast_to(pvals, size + pvals.shape[-1:])
    out = np.zeros(size + pvals.shape[-1:], dtype="int64")
    for index in np.ndindex(*size):
        p = pvals[index]
        out[index] = rng.multinomial(int(n[index]), p / p.sum())
    return out


# ------------------------------------------------------------------------------------------
# Symbolic draws: each returns (new_rng, sample)
# ------------------------------------------------------------------------------------------

def uniform(random_state: Variable, size: Any = None, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
            dtype: str | None = None) -> list[Variable]:
    """Floats drawn uniformly from ``[low, high)``; the dtype defaults to the upcast of floatX
    and the bounds' dtypes."""
    low = as_tensor_variable(low)
    high = as_tensor_variable(high)
    dtype = _float_dtype(dtype, low, high)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, low, high)
    op = RandomFunction(_uniform, TensorType(dtype, bcast))
    return op(random_state, size, low, high)


def normal(random_state: Variable, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
           dtype: str | None = None) -> list[Variable]:
    """Floats drawn from a normal distribution of mean ``avg`` and standard deviation ``std``."""
    avg = as_tensor_variable(avg)
    std = as_tensor_variable(std)
    dtype = _float_dtype(dtype, avg, std)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, avg, std)
    op = RandomFunction(_normal, TensorType(dtype, bcast))
    return op(random_state, size, avg, std)


def binomial(random_state: Variable, size: Any = None, n: Any = 1, p: Any = 0.5, ndim: int | None = None,
             dtype: str = "int64", prob: Any = None) -> list[Variable]:
    """The number of successes in ``n`` trials of probability ``p`` (``prob`` is Theano's old name)."""
    if prob is not None:
        p = prob
    n = as_tensor_variable(n)
    p = as_tensor_variable(p)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, n, p)
    op = RandomFunction(_binomial, TensorType(dtype, bcast))
    return op(random_state, size, n, p)


def random_integers(random_state: Variable, size: Any = None, low: Any = 0, high: Any = 1, ndim: int | None = None,
                    dtype: str = "int64") -> list[Variable]:
    """Integers drawn uniformly from ``[low, high]`` (both bounds included)."""
    low = as_tensor_variable(low)
    high = as_tensor_variable(high)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, low, high)
    op = RandomFunction(_random_integers, TensorType(dtype, bcast))
    return op(random_state, size, low, high)


def choice(random_state: Variable, size: Any = None, a: Any = 2, replace: Any = True, p: Any = None,
           ndim: int | None = None, dtype: str = "int64") -> list[Variable]:
    """Draws from ``range(a)`` (``a`` an integer) or from the entries of vector ``a``, with
    probabilities ``p`` (uniform when None), with or without replacement."""
    a = as_tensor_variable(a)
    if a.type.ndim > 1:
        raise ValueError(f"choice: a must be a scalar or a vector, got {a.type}")
    replace = constant(bool(replace), dtype="int8") if isinstance(replace, bool) else as_tensor_variable(replace)
    # p=None travels as an empty vector
    p = as_tensor_variable(np.zeros(0, dtype="float64") if p is None else p)
    if p.type.ndim != 1:
        raise ValueError(f"choice: p must be a vector, got {p.type}")
    ndim, size, bcast = _infer_ndim_bcast(ndim, size)
    op = RandomFunction(_choice, TensorType(dtype, bcast))
    return op(random_state, size, a, replace, p)


def poisson(random_state: Variable, size: Any = None, lam: Any = 1.0, ndim: int | None = None,
            dtype: str = "int64") -> list[Variable]:
    """Counts drawn from a Poisson distribution of mean ``lam``."""
    lam = as_tensor_variable(lam)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, lam)
    op = RandomFunction(_poisson, TensorType(dtype, bcast))
    return op(random_state, size, lam)


def permutation(random_state: Variable, size: Any = None, n: Any = 1, ndim: int | None = None,
                dtype: str = "int64") -> list[Variable]:
    """Permutations of ``range(n)``, one per entry of ``size``: the output has shape ``size + (n,)``
    (a single permutation, a vector, when ``size`` is None or empty). As in Theano, ``ndim`` is
    the length of ``size`` when a size is given, and must be None or 1 when none is."""
    if size is None or (isinstance(size, (tuple, list)) and len(size) == 0):
        if ndim not in (None, 1):
            raise TypeError("one permutation was asked for (no size), but with more than 1 dimension")
        ndim, size, bcast = 0, (), ()
    else:
        ndim, size, bcast = _infer_ndim_bcast(ndim, size)
    n = as_tensor_variable(n)
    op = RandomFunction(_permutation, TensorType(dtype, bcast + (False,)), ndim_added=1)
    return op(random_state, size, n)


def multinomial(random_state: Variable, size: Any = None, n: Any = 1, pvals: Any = (0.5, 0.5),
                ndim: int | None = None, dtype: str = "int64") -> list[Variable]:
    """Counts of ``n`` draws among ``len(pvals)`` outcomes; ``n`` and the rows of ``pvals``
    broadcast against ``size``, and each draw adds a last dimension of ``pvals.shape[-1]``."""
    n = as_tensor_variable(n)
    pvals = as_tensor_variable(pvals)
    if pvals.type.ndim < 1:
        raise ValueError("multinomial: pvals must have at least one dimension")
    rows = pvals[(slice(None),) * (pvals.type.ndim - 1) + (0,)]  # pvals without its last dimension
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, n, rows)
    op = RandomFunction(_multinomial, TensorType(dtype, bcast + (pvals.type.broadcastable[-1],)), ndim_added=1)
    return op(random_state, size, n, pvals)


# ------------------------------------------------------------------------------------------
# The methods of RandomStreams
# ------------------------------------------------------------------------------------------

class RandomStreamsBase:
    """The drawing methods of a random stream; a subclass defines ``gen(draw, *args, **kwargs)``,
    which applies ``draw`` (one of this module's functions) to a new state and returns the sample."""

    def gen(self, op: Callable, *args: Any, **kwargs: Any) -> Variable:
        raise NotImplementedError

    def uniform(self, size: Any = None, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
                dtype: str | None = None) -> Variable:
        """A tensor of floats drawn uniformly from ``[low, high)``.

        ``size`` is a tuple of integers and symbolic scalars, or a symbolic vector (then give
        ``ndim`` if its length is unknown); None means the broadcast shape of the bounds, which
        may be tensors. ``dtype`` defaults to the upcast of floatX and the bounds' dtypes.
        """
        return self.gen(uniform, size, low, high, ndim=ndim, dtype=dtype)

    def normal(self, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
               dtype: str | None = None) -> Variable:
        """A tensor of floats drawn from the normal distribution of mean ``avg`` and deviation ``std``."""
        return self.gen(normal, size, avg, std, ndim=ndim, dtype=dtype)

    def binomial(self, size: Any = None, n: Any = 1, p: Any = 0.5, ndim: int | None = None, dtype: str = "int64",
                 prob: Any = None) -> Variable:
        """The number of successes in ``n`` trials of probability ``p``."""
        return self.gen(binomial, size, n, p, ndim=ndim, dtype=dtype, prob=prob)

    def random_integers(self, size: Any = None, low: Any = 0, high: Any = 1, ndim: int | None = None,
                        dtype: str = "int64") -> Variable:
        """Integers drawn uniformly from ``[low, high]``, both included."""
        return self.gen(random_integers, size, low, high, ndim=ndim, dtype=dtype)

    def choice(self, size: Any = None, a: Any = 2, replace: Any = True, p: Any = None, ndim: int | None = None,
               dtype: str = "int64") -> Variable:
        """Draws from ``range(a)`` or from the entries of vector ``a``, as ``numpy.random.choice``."""
        return self.gen(choice, size, a, replace, p, ndim=ndim, dtype=dtype)

    def poisson(self, size: Any = None, lam: Any = None, ndim: int | None = None, dtype: str = "int64") -> Variable:
        """Counts drawn from a Poisson distribution of mean ``lam``."""
        return self.gen(poisson, size, lam, ndim=ndim, dtype=dtype)

    def permutation(self, size: Any = None, n: Any = 1, ndim: int | None = None, dtype: str = "int64") -> Variable:
        """Permutations of ``range(n)``, one per entry of ``size`` (output shape ``size + (n,)``)."""
        return self.gen(permutation, size, n, ndim=ndim, dtype=dtype)

    def multinomial(self, size: Any = None, n: Any = 1, pvals: Any = (0.5, 0.5), ndim: int | None = None,
                    dtype: str = "int64") -> Variable:
        """Multinomial counts of ``n`` draws with probabilities ``pvals`` (output shape
        ``size + (len(pvals),)``)."""
        return self.gen(multinomial, size, n, pvals, ndim=ndim, dtype=dtype)

    def shuffle_row_elements(self, input: Any) -> Variable:
        """``input`` with the elements of each row (along its last axis) permuted at random."""
        input = as_tensor_variable(input)
        perm = self.permutation(size=input.shape[:-1], n=input.shape[-1], ndim=input.type.ndim - 1)
        from theano.tensor.basic import shape_padright
        from theano.tensor.creation import arange

        index = [shape_padright(arange(input.shape[d]), input.type.ndim - 1 - d)
                 for d in range(input.type.ndim - 1)]
        return input[(*index, perm)]
