"""``map``, ``reduce``, ``foldl`` and ``foldr``: common loops written with :func:`scan`."""

from __future__ import annotations

from collections.abc import Callable

from theano.scan_module.scan import scan

__all__ = ["foldl", "foldr", "map", "reduce", "scan_checkpoints"]


def map(fn: Callable, sequences, non_sequences=None, truncate_gradient: int = -1, go_backwards: bool = False,
        mode=None, name: str | None = None):
    """Apply ``fn`` to each step of ``sequences``; return ``(outputs, updates)`` like :func:`scan`."""
    return scan(fn, sequences=sequences, outputs_info=[], non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode, name=name)


def reduce(fn: Callable, sequences, outputs_info, non_sequences=None, go_backwards: bool = False, mode=None,
           name: str | None = None):
    """Like :func:`scan`, but return only the last value of each output (and the updates)."""
    outputs, updates = scan(fn, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences,
                            go_backwards=go_backwards, mode=mode, name=name)
    if isinstance(outputs, (list, tuple)):
        return [out[-1] for out in outputs], updates
    return outputs[-1], updates


def foldl(fn: Callable, sequences, outputs_info, non_sequences=None, mode=None, name: str | None = None):
    """:func:`reduce` from the first step to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences=non_sequences, go_backwards=False, mode=mode, name=name)


def foldr(fn: Callable, sequences, outputs_info, non_sequences=None, mode=None, name: str | None = None):
    """:func:`reduce` from the last step to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences=non_sequences, go_backwards=True, mode=mode, name=name)


def scan_checkpoints(fn: Callable, sequences=None, outputs_info=None, non_sequences=None,
                     name: str = "checkpointscan_fn", n_steps=None, save_every_N: int = 10, padding: bool = True):
    """Theano 1.0's memory-saving variant of :func:`scan` (same values).

    Theano recomputed the states between checkpoints during backpropagation to save memory;
    here it is an ordinary :func:`scan` (``save_every_N`` and ``padding`` are accepted and
    ignored), so results and gradients are the same and memory use is that of scan.
    """
    return scan(fn, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences, n_steps=n_steps,
                name=name)
