"""Compilation modes: which rewrites run and which linker executes the graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import theano

# The rewrite pipeline is filled in by theano.compile.pipeline as the optimizer grows.
# A mode's optimizer is a callable that edits a FunctionGraph in place (or None).


class Mode:
    """A linker and an optimizer.

    ``linker`` is ``'py'`` (the Python VM) or another registered linker name; ``optimizer``
    is a name from :data:`OPTIMIZERS`, a callable on FunctionGraphs, or None.
    """

    def __init__(self, linker: Any = None, optimizer: Any = "default", including=(), excluding=(),
                 requiring=()):
        if optimizer == "default":
            optimizer = theano.config.optimizer
        self.linker = linker
        self.optimizer = optimizer
        self.included = tuple(including)
        self.excluded = tuple(excluding)
        self.required = tuple(requiring)
        self.call_time = 0.0
        self.fn_time = 0.0

    @property
    def linker(self) -> Any:
        """The linker's name: ``'cvm'``/``'c|py'``/``'c'`` (the C backend, with Python thunks for ops
        without C code), ``'py'``/``'vm'`` (the Python VM), or ``config.linker`` when none was given."""
        return theano.config.linker if self._linker is None else self._linker

    @linker.setter
    def linker(self, value: Any) -> None:
        self._linker = value

    def _derive(self, including=(), excluding=(), requiring=()) -> Mode:
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.included = self.included + tuple(including)
        new.excluded = self.excluded + tuple(excluding)
        new.required = self.required + tuple(requiring)
        return new

    def including(self, *tags: str) -> Mode:
        return self._derive(including=tags)

    def excluding(self, *tags: str) -> Mode:
        return self._derive(excluding=tags)

    def requiring(self, *tags: str) -> Mode:
        return self._derive(requiring=tags)

    def clone(self, link_kwargs=None, optimizer="", **kwargs) -> Mode:
        new = self._derive()
        if optimizer != "":
            new.optimizer = optimizer
        return new

    def rewriter(self) -> Callable | None:
        """The callable that rewrites a FunctionGraph under this mode, or None."""
        optimizer = self.optimizer
        if optimizer is None or optimizer == "None":
            return None
        if callable(optimizer):
            return optimizer
        include = list(self.included) + [t for t in theano.config.optimizer_including.split(":") if t]
        exclude = list(self.excluded) + [t for t in theano.config.optimizer_excluding.split(":") if t]
        require = list(self.required) + [t for t in theano.config.optimizer_requiring.split(":") if t]
        return _pipeline_for(optimizer, include, exclude, require)

    @property
    def provided_optimizer(self):
        return self.optimizer

    def __str__(self):
        return f"{type(self).__name__}(linker={self.linker}, optimizer={self.optimizer})"

    __repr__ = __str__


def _pipeline_for(name: str, include, exclude, require) -> Callable | None:
    """The rewrite pipeline named ``name``; rewrites arrive with the optimizer (see compile.pipeline)."""
    try:
        from theano.compile import pipeline
    except ImportError:
        return None
    return pipeline.build(name, include, exclude, require)


FAST_COMPILE = Mode("py", "fast_compile")
FAST_RUN = Mode(None, "fast_run")  # config.linker: the C backend unless told otherwise

predefined_modes: dict[str, Mode] = {
    "FAST_COMPILE": FAST_COMPILE,
    "FAST_RUN": FAST_RUN,
}
predefined_linkers = {"py": "py", "vm": "vm", "cvm": "cvm", "c|py": "c|py", "c": "c", "vm_nogc": "vm_nogc",
                      "cvm_nogc": "cvm_nogc", "c|py_nogc": "c|py_nogc"}
predefined_optimizers = {"None": None, "merge": "merge", "fast_run": "fast_run", "fast_compile": "fast_compile",
                         "o1": "fast_compile", "o2": "fast_run", "o3": "fast_run", "o4": "fast_run",
                         "unsafe": "fast_run"}


def register_mode(name: str, mode: Mode) -> None:
    if name in predefined_modes:
        raise ValueError(f"Mode name already taken: {name}")
    predefined_modes[name] = mode


def get_mode(orig_string: Any) -> Mode:
    """The Mode for a name (``'FAST_RUN'``, ``'FAST_COMPILE'``, ``'DebugMode'``, ...) or a Mode itself."""
    if orig_string is None:
        string = theano.config.mode
    else:
        string = orig_string
    if isinstance(string, Mode):
        return string
    if not isinstance(string, str):
        raise TypeError(f"mode must be a Mode or a mode name, got {string!r}")
    if string == "Mode":
        return Mode()
    if string in ("DebugMode", "DEBUG_MODE"):
        from theano.compile.debugmode import DebugMode

        return DebugMode()
    if string == "NanGuardMode":
        from theano.compile.nanguardmode import NanGuardMode

        return NanGuardMode(True, True, True)
    if string in ("ProfileMode", "PROFILE_MODE"):
        raise ValueError("ProfileMode was removed in Theano 0.9: use profile=True or config.profile")
    if string in predefined_modes:
        return predefined_modes[string]
    raise ValueError(f"Unknown mode {string!r}: expected one of 'Mode', 'FAST_RUN', 'FAST_COMPILE', "
                     f"'DebugMode', 'NanGuardMode' or a registered mode ({', '.join(predefined_modes)})")


def get_mode_on_backend(mode: Any, backend: str | None) -> Mode:
    """:func:`get_mode` of ``mode``, its linker switched to ``backend``: ``'py'`` (the Python VM)
    or ``'c'`` (the C backend); None keeps the mode's own. Inner functions (scan, OpFromGraph)
    use it to run on the backend of the function that calls them."""
    from theano.link.c.linker import C_LINKERS

    mode = get_mode(mode)
    if (backend == "py" and mode.linker in C_LINKERS) or (backend == "c" and mode.linker not in C_LINKERS):
        mode = mode._derive()
        mode.linker = "py" if backend == "py" else "cvm"
    return mode


def get_default_mode() -> Mode:
    return get_mode(None)


def get_target_language():
    from theano.link.c.linker import c_backend_available

    return ("c", "py") if c_backend_available() else ("py",)
