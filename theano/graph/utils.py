"""Small helpers shared by the graph IR: tags, creation traces, errors."""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any

import theano

_THEANO_DIR = os.path.dirname(os.path.abspath(theano.__file__)) + os.sep


class MethodNotDefined(NotImplementedError):
    """An optional method of an Op or Type that this class does not provide."""


class TestValueError(ValueError):
    """A test value does not fit its variable."""


class Scratchpad:
    """A bag of attributes (``var.tag``)."""

    def clear(self) -> None:
        self.__dict__.clear()

    def __update__(self, other: Scratchpad) -> Scratchpad:
        self.__dict__.update(other.__dict__)
        return self

    def __str__(self) -> str:
        return "scratchpad" + str(self.__dict__)

    __repr__ = __str__

    def info(self) -> None:
        print(f"<theano.graph.utils.scratchpad instance at {id(self)}>")
        for key, value in self.__dict__.items():
            print(f"  {key}: {value}")


class ValidatingScratchpad(Scratchpad):
    """A scratchpad whose named attribute is passed through a filter when set."""

    def __init__(self, attr: str, attr_filter):
        object.__setattr__(self, "attr", attr)
        object.__setattr__(self, "attr_filter", attr_filter)

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "attr", None) == name:
            value = self.attr_filter(value)
        object.__setattr__(self, name, value)


def _user_frames(limit: int) -> list[tuple[str, int, str]]:
    """The innermost frames of the caller's stack that are outside the theano package."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < limit:
        filename = frame.f_code.co_filename
        if not filename.startswith(_THEANO_DIR):
            frames.append((filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    return frames


def add_tag_trace(thing: Any, user_line: int | None = None) -> Any:
    """Record where in the user's code ``thing`` (a variable) was created, in ``thing.tag.trace``.

    Only file, line and function are stored; the source line is read when the trace is shown.
    """
    limit = theano.config.traceback.limit if user_line is None else user_line
    if limit:
        thing.tag.trace = [_user_frames(limit)]
    return thing


def format_trace(trace: list) -> str:
    """Format a ``tag.trace`` for an error message, innermost user frame first."""
    if not trace:
        return ""
    lines = []
    for filename, lineno, func in trace[0][:3]:
        source = linecache.getline(filename, lineno).strip()
        lines.append(f'  File "{filename}", line {lineno}, in {func}\n    {source}')
    return "\n".join(lines)


def get_variable_trace_string(var: Any) -> str:
    trace = getattr(var.tag, "trace", None)
    text = format_trace(trace) if trace else ""
    if not text:
        return ""
    return "\nThe variable was created at (innermost first):\n" + text
