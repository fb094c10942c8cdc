"""Batch normalization (Theano 1.0's ``theano.tensor.nnet.bn``).

Built from ordinary tensor ops (mean, variance, square root, elementwise arithmetic), so the
gradients, the rewrites (fusion) and every backend apply unchanged.
"""

from __future__ import annotations

import numpy as np

import theano.tensor as T
from theano.configdefaults import config
from theano.graph.basic import Variable
from theano.tensor.basic import as_tensor_variable

__all__ = ["batch_normalization", "batch_normalization_test", "batch_normalization_train"]


def batch_normalization(inputs, gamma, beta, mean, std, mode: str = "low_mem") -> Variable:
    """``(inputs - mean) * (gamma / std) + beta``, elementwise with broadcasting.

    Parameters
    ----------
    inputs, gamma, beta, mean, std : tensors
        Broadcastable against each other (usually ``gamma``, ``beta``, ``mean`` and ``std`` are
        vectors over the last axis of a matrix ``inputs``).
    mode : {'low_mem', 'high_mem'}
        Theano's choice of implementation; both give the same values here (the elementwise graph
        is fused into one loop).
    """
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"batch_normalization: mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs, gamma, beta, mean, std = (as_tensor_variable(v) for v in (inputs, gamma, beta, mean, std))
    return (inputs - mean) * (gamma / std) + beta


def _axes(axes, ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The normalization axes and the others, from Theano's ``axes`` argument."""
    if axes == "per-activation":
        axes = (0,)
    elif axes == "spatial":
        axes = (0,) + tuple(range(2, ndim))
    elif isinstance(axes, (tuple, list, np.ndarray)):
        axes = tuple(int(a) for a in axes)
    else:
        raise ValueError(f"batch_normalization: invalid axes {axes!r} ('per-activation', 'spatial' or a tuple)")
    axes = tuple(sorted(set(a % ndim if a < 0 else a for a in axes)))
    if not axes or axes[-1] >= ndim:
        raise ValueError(f"batch_normalization: axes {axes} out of range for a {ndim}-d input")
    return axes, tuple(d for d in range(ndim) if d not in axes)


def _as_full_ndim(params: list, ndim: int, axes: tuple[int, ...], kept: tuple[int, ...], function: str):
    """Parameters of ``inputs.ndim`` dimensions (broadcastable on ``axes``), and whether they had to be expanded
    (they were given with the normalization axes left out)."""
    params = [as_tensor_variable(p) for p in params]
    given = {p.type.ndim for p in params}
    if given == {ndim}:
        return [T.addbroadcast(p, *axes) for p in params], False
    if given == {len(kept)}:
        pattern = ["x"] * ndim
        for i, axis in enumerate(kept):
            pattern[axis] = i
        return [p.dimshuffle(pattern) for p in params], True
    raise ValueError(f"{function}: the parameters must have {ndim} dimensions (length 1 on the normalization axes "
                     f"{axes}) or {len(kept)} (those axes left out), got {[p.type.ndim for p in params]}")


def _check_epsilon(epsilon: float, function: str) -> None:
    if np.asarray(epsilon, dtype=config.floatX) < 1e-5:
        raise ValueError(f"{function}: epsilon must be at least 1e-5, got {epsilon}")


def batch_normalization_train(inputs, gamma, beta, axes="per-activation", epsilon: float = 1e-4,
                              running_average_factor: float = 0.1, running_mean=None, running_var=None) -> tuple:
    """Batch normalization with the statistics of the batch itself.

    Parameters
    ----------
    inputs : tensor
    gamma, beta : tensors
        Scale and shift: of the input's shape with length 1 along ``axes``, or with those axes left out.
    axes : 'per-activation', 'spatial' or tuple of ints
        The axes the statistics are taken over: ``(0,)``, ``(0, 2, 3, ...)``, or the given ones.
    epsilon : float
        Added to the variance before the square root (at least 1e-5).
    running_average_factor : float
        Weight of this batch in the updated running averages.
    running_mean, running_var : tensors, optional
        The running averages to update (both or neither), shaped like ``gamma``.

    Returns
    -------
    out : tensor
        ``(inputs - mean) * invstd * gamma + beta``.
    mean, invstd : tensors
        The batch mean and ``1 / sqrt(var + epsilon)`` (biased variance), shaped like ``gamma``.
    new_running_mean, new_running_var : tensors
        Only with running averages: ``running * (1 - f) + batch * f``, the variance term unbiased
        (multiplied by ``m / (m - 1)`` for ``m`` elements per statistic).
    """
    function = "batch_normalization_train"
    inputs = as_tensor_variable(inputs)
    ndim = inputs.type.ndim
    axes, kept = _axes(axes, ndim)
    _check_epsilon(epsilon, function)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{function}: running_mean and running_var must be given together")
    (gamma, beta), expanded = _as_full_ndim([gamma, beta], ndim, axes, kept, function)
    mean = T.mean(inputs, axis=axes, keepdims=True)
    var = T.var(inputs, axis=axes, keepdims=True)
    eps = np.asarray(epsilon, dtype=inputs.type.dtype if inputs.type.dtype in ("float32", "float64") else "float64")
    invstd = T.inv(T.sqrt(var + eps))
    out = (inputs - mean) * invstd * gamma + beta
    results = [out, mean, invstd]
    if running_mean is not None:
        (running_mean, running_var), _ = _as_full_ndim([running_mean, running_var], ndim, axes, kept, function)
        count = inputs.shape[axes[0]]
        for axis in axes[1:]:
            count = count * inputs.shape[axis]
        count = T.cast(count, var.dtype)
        factor = np.asarray(running_average_factor, dtype=var.dtype)
        unbiased = var * count / T.maximum(count - 1, 1)
        results.append(running_mean * (1 - factor) + mean * factor)
        results.append(running_var * (1 - factor) + unbiased * factor)
    if expanded:
        results = [results[0]] + [r.dimshuffle(kept) for r in results[1:]]
    return tuple(results)


def batch_normalization_test(inputs, gamma, beta, mean, var, axes="per-activation", epsilon: float = 1e-4) -> Variable:
    """Batch normalization with given statistics: ``(inputs - mean) * gamma / sqrt(var + epsilon) + beta``.

    ``gamma``, ``beta``, ``mean`` and ``var`` are of the input's shape with length 1 along ``axes``
    ('per-activation', 'spatial' or a tuple, as in :func:`batch_normalization_train`), or with those
    axes left out.
    """
    function = "batch_normalization_test"
    inputs = as_tensor_variable(inputs)
    ndim = inputs.type.ndim
    axes, kept = _axes(axes, ndim)
    _check_epsilon(epsilon, function)
    (gamma, beta, mean, var), _ = _as_full_ndim([gamma, beta, mean, var], ndim, axes, kept, function)
    eps = np.asarray(epsilon, dtype=var.dtype if var.dtype in ("float32", "float64") else "float64")
    return (inputs - mean) * gamma / T.sqrt(var + eps) + beta
