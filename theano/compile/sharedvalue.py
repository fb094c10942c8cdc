"""Shared variables: graph inputs whose values live between function calls."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from theano.graph.basic import Variable
from theano.graph.type import generic
from theano.graph.utils import add_tag_trace


class Container:
    """A one-element storage cell with a type: the value of a function input or shared variable."""

    __slots__ = ("type", "storage", "name", "readonly", "strict", "allow_downcast")

    def __init__(self, r: Any, storage: list, readonly: bool = False, strict: bool = False,
                 allow_downcast: bool | None = None, name: str | None = None):
        self.type = r.type if hasattr(r, "type") else r
        self.name = name if name is not None else getattr(r, "name", None)
        self.storage = storage
        self.readonly = readonly
        self.strict = strict
        self.allow_downcast = allow_downcast

    @property
    def data(self):
        return self.storage[0]

    @data.setter
    def data(self, value):
        if self.readonly:
            raise Exception(f"Cannot set readonly storage: {self.name}")
        if value is None:
            self.storage[0] = None
            return
        self.storage[0] = self.type.filter(value, strict=self.strict, allow_downcast=self.allow_downcast)

    value = data

    def __str__(self):
        return "<" + str(self.storage[0]) + ">"

    __repr__ = __str__

    def __deepcopy__(self, memo):
        return Container(self.type, [copy.deepcopy(self.storage[0], memo)], self.readonly, self.strict,
                         self.allow_downcast, self.name)


class SharedVariable(Variable):
    """A variable with a value that persists across calls of every function that uses it.

    Functions read it implicitly and may update it (``updates=``); ``get_value`` and
    ``set_value`` read and write it from Python.
    """

    def __init__(self, name: str | None, type, value: Any, strict: bool, allow_downcast: bool | None = None,
                 container: Container | None = None):
        super().__init__(type=type, name=name, owner=None, index=None)
        if container is not None:
            self.container = container
            if value is not None or strict:
                raise TypeError("value and strict are ignored when a container is given")
        else:
            self.container = Container(self, storage=[type.filter(value, strict=strict,
                                                                  allow_downcast=allow_downcast)],
                                       readonly=False, strict=strict, allow_downcast=allow_downcast, name=name)
        self.default_update = None

    def get_value(self, borrow: bool = False, return_internal_type: bool = False):
        """The current value; a copy unless ``borrow`` is True."""
        value = self.container.storage[0]
        return value if borrow else copy.deepcopy(value)

    def set_value(self, new_value: Any, borrow: bool = False) -> None:
        """Replace the value; it is copied unless ``borrow`` is True."""
        if not borrow:
            new_value = copy.deepcopy(new_value)
        try:
            self.container.value = new_value
        except TypeError as exc:
            raise TypeError(f"set_value of shared variable {self.name or ''!r}: {exc}") from None

    def zero(self, borrow: bool = False) -> None:
        """Set the value to zeros of the same shape."""
        if borrow:
            self.container.value[...] = 0
        else:
            self.container.value = 0 * self.container.value

    def clone(self):
        cp = self.__class__(name=self.name, type=self.type, value=None, strict=None, container=self.container)
        cp.tag = copy.copy(self.tag)
        cp.default_update = self.default_update
        return cp

    @property
    def value(self):
        raise AttributeError("shared variables have no .value: use get_value() and set_value()")


shared_constructors: list[Callable] = []


def shared_constructor(ctor: Callable, remove: bool = False) -> Callable:
    """Register ``ctor`` as a way to make a shared variable; later ones are tried first."""
    if remove:
        shared_constructors.remove(ctor)
    else:
        shared_constructors.append(ctor)
    return ctor


def shared(value: Any, name: str | None = None, strict: bool = False, allow_downcast: bool | None = None,
           **kwargs: Any) -> SharedVariable:
    """A shared variable holding ``value`` (copied unless ``borrow=True``).

    NumPy arrays become tensors whose dimensions are not broadcastable (the value may later
    change shape); pass ``broadcastable=`` to choose. Python and NumPy scalars become 0-d
    tensors.
    """
    if isinstance(value, Variable):
        raise TypeError("Shared variable constructor needs numeric values and not symbolic variables.")
    for ctor in reversed(shared_constructors):
        try:
            var = ctor(value, name=name, strict=strict, allow_downcast=allow_downcast, **kwargs)
            add_tag_trace(var)
            return var
        except TypeError:
            continue
    try:
        var = SharedVariable(type=generic, value=value, name=name, strict=strict, allow_downcast=allow_downcast)
    except Exception as exc:
        raise TypeError(f"No suitable SharedVariable constructor could be found for {value!r:.60}: {exc}") from None
    add_tag_trace(var)
    return var


@shared_constructor
def generic_constructor(value, name=None, strict=False, allow_downcast=None):
    return SharedVariable(type=generic, value=value, name=name, strict=strict, allow_downcast=allow_downcast)
