"""``RandomStreams``: symbolic random draws whose generator states are shared variables.

Each draw (``srng.uniform(...)``) makes a new shared variable holding a
``numpy.random.Generator`` (PCG64) seeded from the stream's seed, applies a
:class:`~theano.tensor.raw_random.RandomFunction` to it, and sets the state's
``default_update`` to the op's new state. Every ``theano.function`` that computes the draw
therefore advances that state after each call (unless compiled with
``no_default_updates``), and functions sharing a draw share its state.

Because the states are plain shared variables with a ``default_update``, draws also work inside
``theano.scan``, which turns such updates into outputs of the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from theano.compile.sharedvalue import SharedVariable, shared
from theano.graph.basic import Variable
from theano.tensor import raw_random
from theano.tensor.raw_random import RandomStateSharedVariable, randomstate_constructor  # noqa: F401

__all__ = ["RandomStateSharedVariable", "RandomStreams", "randomstate_constructor"]

_SEED_LIMIT = 2**30


def _generator(seed: int) -> np.random.Generator:
    # a Generator that also has RandomState's seed/get_state/set_state, as Theano 1.0 code expects
    return raw_random.StreamGenerator(np.random.PCG64(seed))


class RandomStreams(raw_random.RandomStreamsBase):
    """A source of symbolic random draws (Theano 1.0's ``theano.tensor.shared_randomstreams``).

    Parameters
    ----------
    seed : int or None
        Seeds the generator of each draw, in the order the draws are made: two streams with the
        same seed making the same draws produce the same numbers. None seeds from the operating
        system.

    Attributes
    ----------
    state_updates : list of (SharedVariable, Variable)
        For each draw, its state and the state after the draw.
    """

    def __init__(self, seed: int | None = None):
        super().__init__()
        self.state_updates: list[tuple[SharedVariable, Variable]] = []
        self.default_instance_seed = seed
        self.gen_seedgen = np.random.default_rng(seed)

    def updates(self) -> list[tuple[SharedVariable, Variable]]:
        """The (state, new state) pairs of every draw made so far."""
        return list(self.state_updates)

    def seed(self, seed: int | None = None) -> None:
        """Reseed every state made so far, as a new ``RandomStreams(seed)`` making the same draws
        would; draws made afterwards continue that sequence of seeds.

        ``seed`` None means the seed this stream was created with.
        """
        if seed is None:
            seed = self.default_instance_seed
        seedgen = np.random.default_rng(seed)
        for old_r, _ in self.state_updates:
            old_r.set_value(_generator(int(seedgen.integers(_SEED_LIMIT))), borrow=True)
        self.gen_seedgen = seedgen

    def __getitem__(self, item: SharedVariable) -> Any:
        """The generator held by the state ``item`` (one of ``state_updates``' variables)."""
        for old_r, _ in self.state_updates:
            if item is old_r:
                return old_r.get_value(borrow=True)
        raise KeyError(item)

    def __setitem__(self, item: SharedVariable, value: Any) -> None:
        """Replace the generator held by the state ``item``."""
        if not isinstance(value, (np.random.Generator, np.random.RandomState)):
            raise TypeError(f"a random state must be a numpy.random.Generator or RandomState, got {value!r:.60}")
        for old_r, _ in self.state_updates:
            if item is old_r:
                old_r.set_value(value, borrow=True)
                return
        raise KeyError(item)

    def gen(self, op: Callable, *args: Any, **kwargs: Any) -> Variable:
        """Apply the draw ``op`` (a function of :mod:`theano.tensor.raw_random`) to a new state.

        The state is registered in ``state_updates`` and its ``default_update`` is the state
        after the draw. The sample gets attributes ``rng`` (the state) and ``update`` (the pair).
        """
        seed = int(self.gen_seedgen.integers(_SEED_LIMIT))
        rng = shared(_generator(seed), borrow=True)
        rng.tag.is_rng = True
        new_r, out = op(rng, *args, **kwargs)
        out.rng = rng
        out.update = (rng, new_r)
        self.state_updates.append(out.update)
        rng.default_update = new_r
        return out
