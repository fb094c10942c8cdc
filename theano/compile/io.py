"""Describing a function's inputs (``In``) and outputs (``Out``)."""

from __future__ import annotations

from typing import Any

from theano.graph.basic import Variable


class SymbolicInput:
    """An input of a compiled function and how it is fed.

    ``value`` makes the input optional (its default); ``update`` is an expression giving
    the input's next value after each call (the input then keeps state); ``mutable`` lets
    the function overwrite the array passed in; ``strict`` refuses conversion;
    ``allow_downcast`` permits lossy conversion; ``borrow`` lets the function keep the
    caller's array without copying.
    """

    def __init__(self, variable: Variable, name: str | None = None, update: Variable | None = None,
                 mutable: bool | None = None, strict: bool = False, allow_downcast: bool | None = None,
                 autoname: bool = True, implicit: bool = False, borrow: bool | None = None,
                 shared: bool = False):
        if not isinstance(variable, Variable):
            raise TypeError(f"theano.In expects a symbolic Variable, got {variable!r}")
        if implicit is None:
            implicit = False
        self.variable = variable
        if autoname and name is None:
            self.name = variable.name
        else:
            self.name = name
        if self.name is not None and not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {self.name!r}")
        self.update = update
        if update is not None and not variable.type == update.type:
            converted = variable.type.convert_variable(update)
            if converted is None:
                raise TypeError(f"The update of input {self.name or variable} has type {update.type}, expected "
                                f"{variable.type}")
            self.update = converted
        self.mutable = bool(mutable) if mutable is not None else (update is not None)
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = implicit
        self.borrow = bool(borrow) if borrow is not None else self.mutable
        self.shared = shared
        if self.mutable and not self.borrow:
            raise AssertionError(f"Symbolic input for variable {variable} (name={name}) has flags mutable=True, "
                                 "borrow=False. This combination is incompatible since mutable=True implies that "
                                 "the input variable may be both aliased (borrow=True) and overwritten.")

    def __str__(self):
        if self.update is not None:
            return f"In({self.variable} -> {self.update})"
        return f"In({self.variable})"

    __repr__ = __str__


class In(SymbolicInput):
    """An input of ``theano.function`` with options (Theano 1.0's ``theano.In``).

    ``In(x, value=3.0)`` gives ``x`` a default; ``In(s, value=0, update=s + 1)`` keeps a
    counter between calls.
    """

    _NO_VALUE = object()

    def __init__(self, variable: Variable, name: str | None = None, value: Any = _NO_VALUE,
                 update: Variable | None = None, mutable: bool | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, autoname: bool = True, implicit: bool | None = None,
                 borrow: bool | None = None, shared: bool = False):
        if implicit is None:
            from theano.compile.sharedvalue import SharedVariable

            implicit = isinstance(value, SharedVariable)
        super().__init__(variable, name=name, update=update, mutable=mutable, strict=strict,
                         allow_downcast=allow_downcast, autoname=autoname, implicit=implicit, borrow=borrow,
                         shared=shared)
        self.value = None if value is In._NO_VALUE else value
        self.has_default = value is not In._NO_VALUE
        if self.implicit and not self.has_default:
            raise TypeError("An implicit input must be given a default value")


class SymbolicOutput:
    """An output of a compiled function; ``borrow`` lets the function return internal storage."""

    def __init__(self, variable: Variable, borrow: bool = False):
        if not isinstance(variable, Variable):
            raise TypeError(f"theano.Out expects a symbolic Variable, got {variable!r}")
        self.variable = variable
        self.borrow = borrow

    def __str__(self):
        return f"Out({self.variable}, borrow={self.borrow})"

    __repr__ = __str__


Out = SymbolicOutput
