"""TensorVariable and TensorConstant: symbolic arrays with NumPy's operators and methods."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant, Variable


def _T():
    import theano.tensor as T

    return T


class _tensor_py_operators:
    """Operators and NumPy-like methods of symbolic tensors; each builds graph nodes."""

    # NumPy must defer to us in ``ndarray + variable``.
    __array_ufunc__ = None
    __array_priority__ = 1000

    # -- arithmetic ----------------------------------------------------------------------
    def __abs__(self):
        return _T().abs(self)

    def __neg__(self):
        return _T().neg(self)

    def __pos__(self):
        return self

    def __invert__(self):
        return _T().invert(self)

    def __add__(self, other):
        return _T().add(self, other)

    def __radd__(self, other):
        return _T().add(other, self)

    def __sub__(self, other):
        return _T().sub(self, other)

    def __rsub__(self, other):
        return _T().sub(other, self)

    def __mul__(self, other):
        return _T().mul(self, other)

    def __rmul__(self, other):
        return _T().mul(other, self)

    def __truediv__(self, other):
        return _T().true_div(self, other)

    def __rtruediv__(self, other):
        return _T().true_div(other, self)

    def __floordiv__(self, other):
        return _T().int_div(self, other)

    def __rfloordiv__(self, other):
        return _T().int_div(other, self)

    def __mod__(self, other):
        return _T().mod_check(self, other)

    def __rmod__(self, other):
        return _T().mod_check(other, self)

    def __divmod__(self, other):
        return _T().divmod(self, other)

    def __rdivmod__(self, other):
        return _T().divmod(other, self)

    def __pow__(self, other):
        return _T().pow(self, other)

    def __rpow__(self, other):
        return _T().pow(other, self)

    def __matmul__(self, other):
        return _T().dot(self, other)

    def __rmatmul__(self, other):
        return _T().dot(other, self)

    def __and__(self, other):
        return _T().and_(self, other)

    def __rand__(self, other):
        return _T().and_(other, self)

    def __or__(self, other):
        return _T().or_(self, other)

    def __ror__(self, other):
        return _T().or_(other, self)

    def __xor__(self, other):
        return _T().xor(self, other)

    def __rxor__(self, other):
        return _T().xor(other, self)

    # -- comparisons (== stays identity, as in Theano: use T.eq) -------------------------
    def __lt__(self, other):
        return _T().lt(self, other)

    def __le__(self, other):
        return _T().le(self, other)

    def __gt__(self, other):
        return _T().gt(self, other)

    def __ge__(self, other):
        return _T().ge(self, other)

    def __bool__(self):
        raise TypeError(
            "Variables do not support boolean operations: use T.and_, T.or_, T.switch or "
            "theano.ifelse instead of 'and', 'or', 'if' and 'not'."
        )

    def __len__(self):
        raise TypeError("objects of type TensorVariable have no len(); use x.shape[0]")

    def __iter__(self):
        try:
            length = _T().get_vector_length(self)
        except (TypeError, ValueError):
            raise TypeError(f"{self.type} does not support iteration unless it is a vector of known length, "
                            "as x.shape; use theano.scan or T.sum/T.max instead of Python's sum/max") from None
        for i in range(length):
            yield self[i]

    # -- attributes ----------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return self.type.ndim

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def broadcastable(self) -> tuple:
        return self.type.broadcastable

    @property
    def shape(self):
        return _T().shape(self)

    @property
    def size(self):
        if self.ndim == 1:
            return self.shape[0]
        return _T().prod(self.shape)

    @property
    def T(self):
        return _T().transpose(self)

    @property
    def real(self):
        return _T().real(self)

    @property
    def imag(self):
        return _T().imag(self)

    def __getitem__(self, args):
        from theano.tensor.subtensor import getitem

        return getitem(self, args)

    def __setitem__(self, key, value):
        raise TypeError("Symbolic tensors are immutable: use T.set_subtensor(x[key], value) or "
                        "T.inc_subtensor(x[key], value)")

    # -- shape methods -------------------------------------------------------------------
    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _T().transpose(self, axes or None)

    def reshape(self, shape, *extra, ndim=None):
        if extra:
            shape = (shape, *extra)
        return _T().reshape(self, shape, ndim=ndim)

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = pattern[0]
        from theano.tensor.elemwise import DimShuffle

        return DimShuffle(self.broadcastable, pattern)(self)

    def flatten(self, ndim=1, outdim=None):
        return _T().flatten(self, outdim if outdim is not None else ndim)

    def ravel(self):
        return _T().flatten(self)

    def swapaxes(self, axis1, axis2):
        return _T().swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _T().squeeze(self, axis)

    def repeat(self, repeats, axis=None):
        return _T().repeat(self, repeats, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _T().diagonal(self, offset, axis1, axis2)

    def trace(self):
        return _T().trace(self)

    def fill(self, value):
        return _T().fill(self, value)

    def copy(self, name=None):
        out = _T().tensor_copy(self)
        out.name = name
        return out

    def astype(self, dtype):
        return _T().cast(self, dtype)

    def take(self, indices, axis=None, mode="raise"):
        return _T().take(self, indices, axis, mode)

    def nonzero(self, return_matrix=False):
        return _T().nonzero(self, return_matrix=return_matrix)

    def nonzero_values(self):
        return _T().nonzero_values(self)

    def sort(self, axis=-1, kind="quicksort", order=None):
        return _T().sort(self, axis, kind, order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        return _T().argsort(self, axis, kind, order)

    def cumsum(self, axis=None):
        return _T().cumsum(self, axis)

    def cumprod(self, axis=None):
        return _T().cumprod(self, axis)

    def clip(self, a_min, a_max):
        return _T().clip(self, a_min, a_max)

    def round(self, mode=None):
        return _T().round(self, mode)

    def conj(self):
        return _T().conj(self)

    conjugate = conj

    def dot(self, other):
        return _T().dot(self, other)

    def __dot__(self, other):
        return _T().dot(self, other)

    def __rdot__(self, other):
        return _T().dot(other, self)

    def zeros_like(self, dtype=None):
        return _T().zeros_like(self, dtype=dtype)

    def ones_like(self, dtype=None):
        return _T().ones_like(self, dtype=dtype)

    # -- reductions ----------------------------------------------------------------------
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def max(self, axis=None, keepdims=False):
        return _T().max(self, axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _T().min(self, axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _T().argmax(self, axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _T().argmin(self, axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _T().all(self, axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _T().any(self, axis, keepdims=keepdims)

    def norm(self, L, axis=None, keepdims=False):
        if L == 0:
            raise NotImplementedError("the 0-norm is not differentiable")
        if np.isinf(L):
            return _T().max(abs(self), axis=axis, keepdims=keepdims)
        return _T().pow(_T().sum(_T().pow(abs(self), L), axis=axis, keepdims=keepdims), 1.0 / L)

    def ptp(self, axis=None):
        return _T().ptp(self, axis)

    def choose(self, choices, mode="raise"):
        return _T().choose(self, choices, mode)

    def compress(self, a, axis=None):
        return _T().compress(self, a, axis=axis)

    def get_scalar_constant_value(self):
        return _T().get_scalar_constant_value(self)


class TensorVariable(_tensor_py_operators, Variable):
    """A symbolic array: the variables of tensor graphs."""


class TensorConstant(_tensor_py_operators, Constant):
    """A constant array in a graph; equal constants (same dtype, shape and values) merge."""

    def __init__(self, type, data, name=None):
        super().__init__(type, data, name)
        self.data.setflags(write=False)

    def signature(self):
        return TensorConstantSignature((self.type, self.data))

    def equals(self, other) -> bool:
        return isinstance(other, TensorConstant) and self.signature() == other.signature()

    def __str__(self):
        if self.name is not None:
            return self.name
        data = self.data
        if data.size <= 8:
            text = np.array2string(data, separator=", ") if data.ndim else repr(data.item())
        else:
            text = f"{data.dtype}{list(data.shape)}"
        return f"TensorConstant{{{text}}}"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


class TensorConstantSignature(tuple):
    """Hashable, comparable identity of a constant's type and value."""

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        (t0, d0), (t1, d1) = self, other
        if t0 != t1 or d0.shape != d1.shape:
            return False
        return bool(np.array_equal(d0, d1, equal_nan=d0.dtype.kind in "fc"))

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        t, d = self
        sample = d.ravel()[:64].tobytes()
        return hash((type(self), t, d.shape, sample))

    def theano_hash(self):
        t, d = self
        return hash((t, d.shape, d.tobytes()))
