"""``MRG_RandomStreams``: random draws from L'Ecuyer and Touzin's MRG31k3p generator, in many
independent streams, defined so that any device can draw exactly the same numbers.

The generator
-------------
MRG31k3p combines two multiple recursive generators of order 3::

    x1[n] = (2**22 * x1[n-2] + (2**7 + 1)  * x1[n-3]) mod m1,   m1 = 2**31 - 1
    x2[n] = (2**15 * x2[n-1] + (2**15 + 1) * x2[n-3]) mod m2,   m2 = 2**31 - 21069

A state is six int32 ``(x1[n-1], x1[n-2], x1[n-3], x2[n-1], x2[n-2], x2[n-3])``. Each step
outputs ``z = (x1[n] - x2[n]) mod m1``, with 0 replaced by ``m1``, as the uniform ``z * NORM``:
for float64 ``NORM = 2**-31``; for float32 ``z`` is first rounded to float32 and multiplied in
float32 by ``NORM = 4.6566126e-10``, the largest float32 for which ``m1 * NORM`` rounds below 1.
Draws therefore lie in the open interval ``(0, 1)``.

Streams
-------
A draw of ``N`` numbers from a state matrix of ``S`` rows (streams) takes number ``i`` from
stream ``i % S``; each stream advances once per number it gives, and streams ``>= N`` do not
move. The rows made for one draw start ``2**72`` steps apart, and each new draw of a
``MRG_RandomStreams`` starts ``2**134`` steps after the previous draw's first row (the jumps
are matrix powers of the recurrences, computed exactly at import).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.compile.pipeline import register_inplace
from theano.compile.sharedvalue import SharedVariable, shared
from theano.configdefaults import config
from theano.gradient import grad_undefined
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.sandbox import multinomial
from theano.scalar.type import upcast
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, cast, get_vector_length
from theano.tensor.join import join, stack
from theano.tensor.raw_random import UndefinedGrad
from theano.tensor.rewriting.inplace import InplaceGraphRewriter, _destroyable, _with_op
from theano.tensor.shape import reshape
from theano.tensor.type import TensorType

__all__ = ["MRGUniform", "MRG_RandomStreams", "guess_n_streams", "mrg_uniform", "mrg_uniform_base"]

M1 = 2147483647  # 2**31 - 1
M2 = 2147462579  # 2**31 - 21069
NORM_FLOAT64 = 4.656612873077392578125e-10  # 2**-31
NORM_FLOAT32 = np.float32(4.6566126e-10)
MAX_STREAMS = 60 * 256  # the default number of streams when the size is symbolic


# ------------------------------------------------------------------------------------------
# Exact arithmetic on states: transition matrices and jumps
# ------------------------------------------------------------------------------------------

# one step of each component, acting on the column (x[n-1], x[n-2], x[n-3])
_A1 = ((0, 2**22, 2**7 + 1), (1, 0, 0), (0, 1, 0))
_A2 = ((2**15, 0, 2**15 + 1), (1, 0, 0), (0, 1, 0))


def _matmul_mod(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]], m: int) -> tuple:
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) % m for j in range(3)) for i in range(3))


def _jump_matrix(a: Sequence[Sequence[int]], log2_steps: int, m: int) -> np.ndarray:
    """``a ** (2 ** log2_steps) mod m`` by repeated squaring (Python integers: exact)."""
    for _ in range(log2_steps):
        a = _matmul_mod(a, a, m)
    return np.array(a, dtype="int64")


A1p72 = _jump_matrix(_A1, 72, M1)
A2p72 = _jump_matrix(_A2, 72, M2)
A1p134 = _jump_matrix(_A1, 134, M1)
A2p134 = _jump_matrix(_A2, 134, M2)


def _apply_mod(a: np.ndarray, v: np.ndarray, m: int) -> np.ndarray:
    """``a @ v mod m`` for rows ``v`` of shape (..., 3), without int64 overflow (each product is
    below 2**62 and reduced before the sum)."""
    return np.sum((a * v[..., None, :]) % m, axis=-1) % m


def multMatVect(v: np.ndarray, A: np.ndarray, m1: int, B: np.ndarray, m2: int) -> np.ndarray:
    """The state(s) ``v`` (..., 6) with the first component multiplied by ``A`` modulo ``m1`` and
    the second by ``B`` modulo ``m2``, as int32."""
    v = np.asarray(v, dtype="int64")
    out = np.concatenate([_apply_mod(A, v[..., :3], m1), _apply_mod(B, v[..., 3:], m2)], axis=-1)
    return out.astype("int32")


def ff_2p72(rstate: np.ndarray) -> np.ndarray:
    """The state ``2**72`` steps after ``rstate`` (the start of the next stream)."""
    return multMatVect(rstate, A1p72, M1, A2p72, M2)


def ff_2p134(rstate: np.ndarray) -> np.ndarray:
    """The state ``2**134`` steps after ``rstate`` (the start of the next set of streams)."""
    return multMatVect(rstate, A1p134, M1, A2p134, M2)


def _substreams(first: np.ndarray, n_streams: int) -> np.ndarray:
    """``n_streams`` states, ``2**72`` steps apart from ``first`` on; filled by doubling (rows
    ``k..2k`` are rows ``0..k`` jumped by ``k * 2**72``), so only ``log2(n)`` NumPy steps run."""
    rows = np.empty((n_streams, 6), dtype="int64")
    rows[0] = first
    a1, a2 = A1p72.tolist(), A2p72.tolist()
    filled = 1
    while filled < n_streams:
        k = min(filled, n_streams - filled)
        rows[filled:filled + k, :3] = _apply_mod(np.array(a1, dtype="int64"), rows[:k, :3], M1)
        rows[filled:filled + k, 3:] = _apply_mod(np.array(a2, dtype="int64"), rows[:k, 3:], M2)
        filled += k
        a1, a2 = _matmul_mod(a1, a1, M1), _matmul_mod(a2, a2, M2)
    return rows.astype("int32")


# ------------------------------------------------------------------------------------------
# The op
# ------------------------------------------------------------------------------------------

def mrg_draw(rstate: np.ndarray, n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The new states and ``n`` uniform numbers of ``dtype`` drawn from ``rstate`` (S, 6).

    Vectorised over streams: each round advances every stream still in use by one step.
    """
    n_streams = rstate.shape[0]
    new_rstate = np.array(rstate, dtype="int32", copy=True, order="C")
    z = np.empty(n, dtype="int64")
    if n == 0:
        return new_rstate, z.astype(dtype)
    if n_streams == 0:
        raise ValueError("mrg_uniform: the state has no streams")
    used = min(n_streams, n)
    state = new_rstate[:used].astype("int64")
    for start in range(0, n, used):
        k = min(used, n - start)
        s = state[:k]
        y1 = (4194304 * s[:, 1] + 129 * s[:, 2]) % M1
        y2 = (32768 * s[:, 3] + 32769 * s[:, 5]) % M2
        s[:, 2] = s[:, 1]
        s[:, 1] = s[:, 0]
        s[:, 0] = y1
        s[:, 5] = s[:, 4]
        s[:, 4] = s[:, 3]
        s[:, 3] = y2
        diff = y1 - y2
        z[start:start + k] = np.where(diff <= 0, diff + M1, diff)
    new_rstate[:used] = state
    if dtype == "float64":
        sample = z.astype("float64") * NORM_FLOAT64
    elif dtype == "float32":
        sample = z.astype("float32") * NORM_FLOAT32
    else:
        raise TypeError(f"mrg_uniform draws float32 or float64, not {dtype}")
    return new_rstate, sample


class MRGUniform(Op):
    """``(rstate, size) -> (new_rstate, sample)``: uniform numbers in (0, 1) from MRG31k3p.

    ``rstate`` is an int32 matrix of states (one row per stream), ``size`` an integer vector;
    the sample has ``output_type``. The input state is never changed: ``new_rstate`` is a new
    array (or, with ``inplace``, the input itself, declared in ``destroy_map``).
    """

    __props__ = ("output_type", "inplace")

    def __init__(self, output_type: TensorType, inplace: bool = False):
        if output_type.dtype not in ("float32", "float64"):
            raise TypeError(f"mrg_uniform draws float32 or float64, not {output_type.dtype}")
        self.output_type = output_type
        self.inplace = bool(inplace)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        return f"mrg_uniform{{{self.output_type},{'inplace' if self.inplace else 'no_inplace'}}}"

    @classmethod
    def new(cls, rstate: Variable, ndim: int | None, dtype: str, size: Any) -> list[Variable]:
        """``[new_rstate, sample]`` drawn from ``rstate`` with ``size`` (a tuple or a vector)."""
        v_size = _size_vector(size)
        if ndim is None:
            ndim = get_vector_length(v_size)
        return cls(TensorType(dtype, (False,) * ndim))(rstate, v_size)

    def make_node(self, rstate: Any, size: Any) -> Apply:
        rstate = as_tensor_variable(rstate)
        size = as_tensor_variable(size)
        if rstate.type.dtype != "int32" or rstate.type.ndim != 2:
            raise TypeError(f"rstate must be an int32 matrix (one MRG31k3p state per row), got {rstate.type}")
        if size.type.ndim != 1 or size.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"size must be an integer vector, got {size.type}")
        if size.type.dtype != "int64":
            size = cast(size, "int64")
        return Apply(self, [rstate, size], [rstate.type(), self.output_type()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list, params: Any = None) -> None:
        rstate, size = inputs
        if rstate.ndim != 2 or rstate.shape[1] != 6:
            raise ValueError(f"rstate must have 6 columns, got shape {rstate.shape}")
        if len(size) != self.output_type.ndim:
            raise ValueError(f"size must have length {self.output_type.ndim}, not {len(size)}")
        shape = tuple(int(s) for s in size)
        if any(s < 0 for s in shape):
            raise ValueError(f"mrg_uniform: negative size {shape}")
        new_rstate, sample = mrg_draw(rstate, int(np.prod(shape, dtype="int64")), self.output_type.dtype)
        if self.inplace:
            rstate[...] = new_rstate
            new_rstate = rstate
        output_storage[0][0] = new_rstate
        output_storage[1][0] = sample.reshape(shape)

    def infer_shape(self, node: Apply, shapes: list) -> list:
        size = node.inputs[1]
        return [shapes[0], tuple(size[k] for k in range(self.output_type.ndim))]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        return [grad_undefined(self, k, inp, "No gradient defined through random sampling op")
                for k, inp in enumerate(inputs)]

    def R_op(self, inputs, eval_points):
        return [None for _ in eval_points]

    def do_constant_folding(self, node: Apply) -> bool:
        return False


mrg_uniform = MRGUniform  # Theano 1.0's names
mrg_uniform_base = MRGUniform


def _size_vector(size: Any) -> Variable:
    """``size`` (a tuple of integers and symbolic scalars, or a vector) as an int64 vector."""
    if isinstance(size, (tuple, list)):
        if len(size) == 0:
            return as_tensor_variable(np.zeros(0, dtype="int64"))
        if any(isinstance(s, Variable) for s in size):
            return stack([cast(as_tensor_variable(s), "int64") for s in size])
        return as_tensor_variable(np.asarray(size, dtype="int64"))
    size = as_tensor_variable(size)
    return cast(size, "int64") if size.type.dtype != "int64" else size


def _check_size(size: Any) -> Any:
    """Theano's checks: a tuple of integers or symbolic scalars (positive when known), or a
    symbolic integer vector."""
    if isinstance(size, (tuple, list)):
        for s in size:
            if not isinstance(s, (int, np.integer, Variable)):
                raise TypeError(f"size must be a tuple of integers or Theano variables, got {size}")
            if isinstance(s, (int, np.integer)) and s <= 0:
                raise ValueError(f"The specified size contains a dimension with value <= 0: {size}")
        return tuple(size)
    if isinstance(size, Variable) and size.type.ndim == 1:
        return size
    if isinstance(size, np.ndarray) and size.ndim == 1:
        return _check_size(tuple(int(s) for s in size))
    raise TypeError(f"size must be a tuple of int or a Theano variable with 1 dimension, got {size!r} of type "
                    f"{type(size).__name__}")


def guess_n_streams(size: Any, warn: bool = False) -> int:
    """A number of streams for a draw of ``size``: a sixth of the numbers drawn (all of them when
    6 or fewer), at most ``60 * 256``; ``60 * 256`` when the size is symbolic."""
    if isinstance(size, (tuple, list)) and all(isinstance(s, (int, np.integer)) for s in size):
        total = int(np.prod(size, dtype="int64")) if size else 1
        if total > 6:
            total //= 6
        return max(1, min(total, MAX_STREAMS))
    if isinstance(size, Constant) and size.type.ndim == 1:
        return guess_n_streams(tuple(int(s) for s in size.data), warn)
    if warn:
        warnings.warn(f"MRG_RandomStreams can't determine the number of streams from size ({size}), guessing "
                      f"{MAX_STREAMS}", stacklevel=3)
    return MAX_STREAMS


# ------------------------------------------------------------------------------------------
# The streams
# ------------------------------------------------------------------------------------------

class MRG_RandomStreams:
    """Symbolic random draws from MRG31k3p (Theano 1.0's ``theano.sandbox.rng_mrg``).

    Each draw makes a shared int32 state matrix (one row per stream) whose ``default_update``
    is the state after the draw, so every function computing the draw advances it.

    Parameters
    ----------
    seed : int or sequence of 6 ints
        The first state: one integer is repeated six times. The first three values must be
        below ``M1 = 2147483647`` and not all 0, the last three below ``M2 = 2147462579`` and
        not all 0.
    """

    def __init__(self, seed: int | Sequence[int] = 12345):
        self.state_updates: list[tuple[SharedVariable, Variable, Any, int]] = []
        self.default_instance_seed = seed
        self.set_rstate(seed)

    def updates(self) -> list[tuple[SharedVariable, Variable]]:
        """The (state, new state) pairs of every draw made so far."""
        return [(old, new) for old, new, _, _ in self.state_updates]

    def set_rstate(self, seed: int | Sequence[int]) -> None:
        """Make ``seed`` the state the next draw's first stream starts from."""
        if isinstance(seed, (int, np.integer)):
            if seed == 0:
                raise ValueError("seed should not be 0", seed)
            if seed < 0 or seed >= M2:
                raise ValueError(f"seed should be positive and less than {M2}", seed)
            self.rstate = np.array([seed] * 6, dtype="int32")
            return
        seed = [int(s) for s in seed]
        if len(seed) != 6:
            raise TypeError("seed should be 1 integer or 6 integers")
        if not any(seed[:3]) or not any(seed[3:]):
            raise ValueError("The first 3 and the last 3 values of seed should not be all 0", seed)
        if any(not 0 <= s < M1 for s in seed[:3]) or any(not 0 <= s < M2 for s in seed[3:]):
            raise ValueError(f"The first 3 values of seed should be in [0, {M1}) and the last 3 in [0, {M2})", seed)
        self.rstate = np.array(seed, dtype="int32")

    def seed(self, seed: int | Sequence[int] | None = None) -> None:
        """Reset every state made so far as a new ``MRG_RandomStreams(seed)`` making the same draws
        would (None: the seed this object was created with)."""
        if seed is None:
            seed = self.default_instance_seed
        self.set_rstate(seed)
        for old_r, _, _, nstreams in self.state_updates:
            old_r.set_value(self.get_substream_rstates(nstreams, "float64"), borrow=True)

    def inc_rstate(self) -> None:
        """Move the first state ``2**134`` steps on, to the start of the next set of streams."""
        self.rstate = ff_2p134(self.rstate)

    def get_substream_rstates(self, n_streams: int, dtype: str, inc_rstate: bool = True) -> np.ndarray:
        """An ``(n_streams, 6)`` int32 matrix of states ``2**72`` steps apart, from the current first
        state on (which then moves on by ``2**134`` unless ``inc_rstate`` is False)."""
        n_streams = int(n_streams)
        if not 0 < n_streams < 2**72:
            raise ValueError(f"the number of streams must be positive, got {n_streams}")
        rval = _substreams(self.rstate, n_streams)
        if inc_rstate:
            self.inc_rstate()
        return rval

    def n_streams(self, size: Any) -> int:
        return guess_n_streams(size)

    def pretty_return(self, node_rstate: SharedVariable, new_rstate: Variable, sample: Variable, size: Any,
                      nstreams: int) -> Variable:
        sample.rstate = node_rstate
        sample.update = (node_rstate, new_rstate)
        self.state_updates.append((node_rstate, new_rstate, size, nstreams))
        node_rstate.default_update = new_rstate
        return sample

    def _uniform01(self, size: Any, ndim: int | None, dtype: str, nstreams: int | None) -> Variable:
        if nstreams is None:
            nstreams = self.n_streams(size)
        rstates = self.get_substream_rstates(nstreams, dtype)
        node_rstate = shared(rstates, borrow=True)
        node_rstate.tag.is_rng = True
        new_rstate, u = MRGUniform.new(node_rstate, ndim, dtype, size)
        return self.pretty_return(node_rstate, new_rstate, u, size=size, nstreams=int(nstreams))

    def uniform(self, size: Any, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None, dtype: str | None = None,
                nstreams: int | None = None) -> Variable:
        """A tensor of ``size`` with numbers drawn uniformly from ``(low, high)``.

        Parameters
        ----------
        size : tuple of ints and symbolic scalars, or a symbolic integer vector
        low, high : scalars or tensors broadcasting with the sample (their gradient is undefined)
        ndim : int, optional
            The length of ``size`` when it cannot be known from the graph.
        dtype : str, optional
            float32 or float64; by default the upcast of floatX and the bounds' dtypes.
        nstreams : int, optional
            How many streams to draw from (by default :func:`guess_n_streams`).
        """
        low = as_tensor_variable(low)
        high = as_tensor_variable(high)
        if dtype is None:
            dtype = upcast(config.floatX, low.type.dtype, high.type.dtype)
        low = UndefinedGrad()(cast(low, dtype))
        high = UndefinedGrad()(cast(high, dtype))
        size = _check_size(size)
        u = self._uniform01(size, ndim, dtype, nstreams)
        r = u * (high - low) + low
        if u.type.broadcastable != r.type.broadcastable:
            raise NotImplementedError("Increase the size to match the broadcasting pattern of `low` and `high`")
        return r

    def binomial(self, size: Any = None, n: int = 1, p: Any = 0.5, ndim: int | None = None, dtype: str = "int64",
                 nstreams: int | None = None) -> Variable:
        """Draws of 1 with probability ``p``, else 0 (``n`` must be 1); ``size`` None means ``p``'s shape."""
        if n != 1:
            raise NotImplementedError("MRG_RandomStreams.binomial with n > 1")
        p = UndefinedGrad()(as_tensor_variable(p))
        if size is None:
            size = p.shape
        x = self.uniform(size=size, ndim=ndim, nstreams=nstreams)
        return cast(tm.lt(x, p), dtype)

    def normal(self, size: Any, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None, dtype: str | None = None,
               nstreams: int | None = None) -> Variable:
        """A tensor of ``size`` drawn from the normal distribution of mean ``avg`` and deviation
        ``std``, by the Box-Muller transform of an even number of uniform draws (the first half
        gives the radii, the second the angles; the cosines come before the sines)."""
        avg = as_tensor_variable(avg)
        std = as_tensor_variable(std)
        if dtype is None:
            dtype = upcast(config.floatX, avg.type.dtype, std.type.dtype)
        avg = UndefinedGrad()(cast(avg, dtype))
        std = UndefinedGrad()(cast(std, dtype))
        size = _check_size(size)
        v_size = _size_vector(size)
        if ndim is None:
            ndim = get_vector_length(v_size)
        if isinstance(size, tuple) and all(isinstance(s, (int, np.integer)) for s in size):
            n_odd = int(np.prod(size, dtype="int64")) if size else 1
            n_even = n_odd + n_odd % 2
            half = n_even // 2
            if nstreams is None:
                nstreams = self.n_streams((n_even,))
        else:
            n_odd = tm.prod(v_size, dtype="int64")
            n_even = n_odd + n_odd % 2
            half = n_even // 2
        u = self._uniform01((n_even,), 1, dtype, nstreams)
        radius = tm.sqrt(-2.0 * tm.log(u[:half]))
        theta = np.array(2.0 * np.pi, dtype=dtype) * u[half:]
        samples = join(0, radius * tm.cos(theta), radius * tm.sin(theta))[:n_odd]
        samples = reshape(samples, v_size, ndim=ndim)
        return samples * std + avg

    def multinomial(self, size: Any = None, n: Any = 1, pvals: Any = None, ndim: int | None = None,
                    dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """For each row of the matrix ``pvals``, the counts of ``n`` draws among its outcomes
        (``size`` and ``ndim`` must be None: the shape is that of ``pvals``)."""
        if pvals is None:
            raise TypeError("You have to specify pvals")
        pvals = UndefinedGrad()(as_tensor_variable(pvals))
        if size is not None:
            raise ValueError("Provided a size argument to MRG_RandomStreams.multinomial, which does not use it")
        if ndim is not None:
            raise ValueError("Provided an ndim argument to MRG_RandomStreams.multinomial, which does not use it")
        if pvals.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial only implemented for pvals.ndim = 2")
        n = as_tensor_variable(n)
        unis = self.uniform(size=stack([pvals.shape[0] * n]), ndim=1, nstreams=nstreams)
        return multinomial.MultinomialFromUniform(dtype)(pvals, unis, n)

    def choice(self, size: Any = 1, a: Any = None, replace: bool = False, p: Any = None, ndim: int | None = None,
               dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """For each row of the matrix ``p``, ``size`` indices drawn without replacement with those
        probabilities (an ``(p.shape[0], size)`` matrix of values in ``[0, p.shape[1])``).

        Only drawing without replacement, with ``a`` None, is implemented (as in Theano 1.0).
        """
        if replace:
            raise NotImplementedError("MRG_RandomStreams.choice only works without replacement for now.")
        if a is not None:
            raise TypeError("For now, a has to be None in MRG_RandomStreams.choice. Sampled values are between 0 "
                            "and p.shape[1]-1")
        if p is None:
            raise TypeError("For now, p has to be specified in MRG_RandomStreams.choice.")
        if ndim is not None:
            raise ValueError("ndim argument to MRG_RandomStreams.choice is not used.")
        p = UndefinedGrad()(as_tensor_variable(p))
        if p.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice is only implemented for p.ndim = 2")
        n_samples = as_tensor_variable(size)
        unis = self.uniform(size=stack([p.shape[0] * n_samples]), ndim=1, nstreams=nstreams)
        return multinomial.ChoiceFromUniform(odtype=dtype)(p, unis, n_samples)

    def multinomial_wo_replacement(self, size: Any = None, n: Any = 1, pvals: Any = None, ndim: int | None = None,
                                   dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Theano 1.0's deprecated name of :meth:`choice` (``n`` draws per row of ``pvals``)."""
        warnings.warn("MRG_RandomStreams.multinomial_wo_replacement is deprecated: use MRG_RandomStreams.choice",
                      DeprecationWarning, stacklevel=2)
        return self.choice(size=n, a=None, replace=False, p=pvals, dtype=dtype, nstreams=nstreams)


# ------------------------------------------------------------------------------------------
# Inplace: a draw whose state is updated anyway advances it in its own buffer
# ------------------------------------------------------------------------------------------

def _inplace_mrg_candidates(fgraph, handler, node: Apply):
    """``mrg_uniform`` writing the new states over its input (when the destroy handler allows it:
    the state is a shared variable the function updates, and nothing else reads it later)."""
    if node.op.inplace or not _destroyable(fgraph, handler, node, 0):
        return
    yield _with_op(node, MRGUniform(node.op.output_type, inplace=True))


inplace_mrg_uniform = InplaceGraphRewriter("inplace_mrg_uniform", lambda: (MRGUniform,), _inplace_mrg_candidates)
register_inplace(inplace_mrg_uniform, name="inplace_mrg_uniform")
