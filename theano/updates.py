"""OrderedUpdates: an ordered mapping from shared variables to their new values."""

from __future__ import annotations

import warnings
from collections import OrderedDict

from theano.compile.sharedvalue import SharedVariable


class OrderedUpdates(OrderedDict):
    """Updates for ``theano.function``; keys must be shared variables, each given once."""

    def __init__(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], dict) and not isinstance(args[0], OrderedDict) and len(args[0]) > 1:
            warnings.warn("Initializing an OrderedUpdates from a plain dict: its order decides the update order.",
                          stacklevel=2)
        super().__init__(*args, **kwargs)
        for key in self:
            if not isinstance(key, SharedVariable):
                raise TypeError("OrderedUpdates keys must be shared variables", key)

    def __setitem__(self, key, value):
        if not isinstance(key, SharedVariable):
            raise TypeError("OrderedUpdates keys must be shared variables", key)
        if key in self and self[key] is not value:
            raise KeyError("Collision", key)
        super().__setitem__(key, value)

    def update(self, other=None, **kwargs):
        if other is None:
            return
        items = other.items() if isinstance(other, dict) else other
        for key, value in items:
            if key in self:
                if self[key] is value:
                    continue
                raise KeyError("Collision", key)
            self[key] = value

    def __add__(self, other):
        result = OrderedUpdates()
        result.update(self)
        result.update(other)
        return result

    def __radd__(self, other):
        result = OrderedUpdates()
        result.update(other)
        result.update(self)
        return result
