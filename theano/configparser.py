"""The configuration machinery: typed flags, THEANO_FLAGS and ~/.theanorc.

Flags are declared in :mod:`theano.configdefaults` with :meth:`TheanoConfigParser.add`.
A value is looked up, in order, in ``THEANO_FLAGS`` (``name=value,name=value``), in the
config files named by ``THEANORC`` (default ``~/.theanorc``, sections ``[global]`` and
``[section]`` for dotted names), and finally the flag's default.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any


class ConfigError(ValueError):
    """An unknown flag or a value a flag does not accept."""


class ConfigParam:
    """One flag: a default, a validator/converter, and whether it may change after import."""

    def __init__(self, default: Any, convert: Callable[[Any], Any] | None = None,
                 mutable: bool = True, doc: str = ""):
        self.default = default
        self.convert = convert
        self.mutable = mutable
        self.doc = doc
        self.fullname = ""

    def validate(self, value: Any) -> Any:
        if self.convert is None:
            return value
        try:
            return self.convert(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Bad value {value!r} for config flag '{self.fullname}': {exc}") from None


def EnumStr(default: str, *others: str, mutable: bool = True, doc: str = "") -> ConfigParam:
    allowed = (default, *others)

    def convert(value: Any) -> str:
        value = str(value)
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(map(repr, allowed))}")
        return value

    return ConfigParam(default, convert, mutable, doc)


def StrParam(default: str, mutable: bool = True, doc: str = "") -> ConfigParam:
    return ConfigParam(default, str, mutable, doc)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected a boolean (True/False/1/0)")


def BoolParam(default: bool, mutable: bool = True, doc: str = "") -> ConfigParam:
    return ConfigParam(default, _to_bool, mutable, doc)


def _numeric(kind: type, low: float | None) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        number = kind(value)
        if low is not None and number < low:
            raise ValueError(f"expected a value >= {low}")
        return number

    return convert


def IntParam(default: int, low: int | None = None, mutable: bool = True, doc: str = "") -> ConfigParam:
    return ConfigParam(default, _numeric(int, low), mutable, doc)


def FloatParam(default: float, low: float | None = None, mutable: bool = True, doc: str = "") -> ConfigParam:
    return ConfigParam(default, _numeric(float, low), mutable, doc)


def parse_theano_flags(text: str) -> dict[str, str]:
    """Split ``"floatX=float32,device=cpu"`` into a dict; a bare name means ``True``."""
    flags = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, value = item.split("=", 1)
            flags[name.strip()] = value.strip()
        else:
            flags[item] = "True"
    return flags


class _Section:
    """Attribute access for dotted flag names: ``config.unittests.rseed``."""

    def __init__(self, parser: TheanoConfigParser, prefix: str):
        object.__setattr__(self, "_parser", parser)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        return self._parser._get(f"{self._prefix}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._parser._set(f"{self._prefix}.{name}", value)


class TheanoConfigParser:
    """The ``theano.config`` object."""

    def __init__(self, flags: dict[str, str], rc_files: Sequence[str]):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_sections", {})
        object.__setattr__(self, "_env_flags", dict(flags))
        rc = configparser.ConfigParser(interpolation=None)
        rc.read([os.path.expanduser(p) for p in rc_files])
        object.__setattr__(self, "_rc", rc)

    # -- declaration -------------------------------------------------------------------
    def add(self, name: str, doc: str, param: ConfigParam) -> None:
        param.fullname = name
        param.doc = doc or param.doc
        self._params[name] = param
        prefix = name
        while "." in prefix:
            prefix = prefix.rpartition(".")[0]
            self._sections.setdefault(prefix, _Section(self, prefix))
        raw = self._lookup_raw(name)
        default = param.default() if callable(param.default) else param.default
        value = param.validate(default if raw is None else raw)
        self._values[name] = value

    def _lookup_raw(self, name: str) -> str | None:
        if name in self._env_flags:
            return self._env_flags[name]
        section, _, key = name.rpartition(".")
        section = section or "global"
        if self._rc.has_option(section, key):
            return self._rc.get(section, key)
        return None

    def check_unknown_flags(self) -> None:
        """Raise for a THEANO_FLAGS entry that names no flag (called once, after declaring)."""
        unknown = [name for name in self._env_flags if name not in self._params]
        if unknown:
            known = ", ".join(sorted(self._params))
            raise ConfigError(
                f"THEANO_FLAGS names unknown flag(s) {', '.join(map(repr, unknown))}. "
                f"Known flags: {known}"
            )

    # -- access ------------------------------------------------------------------------
    def _get(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            section = self._sections.get(name)
            if section is not None:
                return section
            raise AttributeError(f"theano.config has no flag named '{name}'") from None

    def _set(self, name: str, value: Any) -> None:
        param = self._params.get(name)
        if param is None:
            raise ConfigError(f"theano.config has no flag named '{name}'")
        if not param.mutable:
            raise ConfigError(f"config flag '{name}' cannot be changed after theano is imported")
        self._values[name] = param.validate(value)

    def __getattr__(self, name: str) -> Any:
        return self._get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._set(name, value)

    def __dir__(self):
        return sorted({name.split(".")[0] for name in self._params})

    def flags(self) -> dict[str, Any]:
        """Every flag and its current value."""
        return dict(self._values)

    def __str__(self) -> str:
        lines = []
        for name in sorted(self._params):
            param = self._params[name]
            lines.append(f"{name} ({param.doc})\n    Value: {self._values[name]!r}\n")
        return "\n".join(lines)

    @contextmanager
    def _changed(self, changes: dict[str, Any]):
        old = {}
        try:
            for name, value in changes.items():
                name = name.replace("__", ".")
                old[name] = self._get(name)
                # bypass the mutability check: change_flags is for tests and scoped use
                param = self._params.get(name)
                if param is None:
                    raise ConfigError(f"theano.config has no flag named '{name}'")
                self._values[name] = param.validate(value)
            yield
        finally:
            for name, value in old.items():
                self._values[name] = value

    def change_flags(self, *args: dict[str, Any], **kwargs: Any) -> change_flags:
        return change_flags(*args, config=self, **kwargs)


class change_flags:
    """Change config flags for a block or a function, then restore them.

    Use as ``with change_flags(floatX='float32'):`` or as a decorator. Dotted names are
    written with ``__`` as keyword arguments, or passed in a dict positionally.
    """

    def __init__(self, *args: dict[str, Any], config: TheanoConfigParser | None = None, **kwargs: Any):
        changes: dict[str, Any] = {}
        for arg in args:
            changes.update(arg)
        changes.update(kwargs)
        self.changes = changes
        if config is None:
            from theano.configdefaults import config as default_config

            config = default_config
        self.config = config
        self._contexts: list = []

    def __enter__(self):
        context = self.config._changed(self.changes)
        self._contexts.append(context)
        context.__enter__()
        return self

    def __exit__(self, *exc):
        return self._contexts.pop().__exit__(*exc)

    def __call__(self, func: Callable) -> Callable:
        @wraps(func)
        def wrapped(*args, **kwargs):
            with self.config._changed(self.changes):
                return func(*args, **kwargs)

        return wrapped


def default_rc_files() -> list[str]:
    env = os.environ.get("THEANORC")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return ["~/.theanorc", "~/.theanorc.txt"]


def split_flags_env() -> dict[str, str]:
    return parse_theano_flags(os.environ.get("THEANO_FLAGS", ""))


__all__ = [
    "BoolParam", "ConfigError", "ConfigParam", "EnumStr", "FloatParam", "IntParam",
    "StrParam", "TheanoConfigParser", "change_flags",
]
