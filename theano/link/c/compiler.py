"""The compiler driver: find the C compiler, build a CPython extension module, load it.

The compiler is called directly (``gcc``/``cc`` from ``config.cxx``), with include directories
from ``sysconfig`` and ``numpy.get_include()``; the shared object is loaded with
``importlib.machinery.ExtensionFileLoader``. No setuptools, distutils or cffi is involved.

``compile_module`` goes through the content-addressed cache of ``theano.link.c.cache``; the
functions here that take explicit paths (``build_shared_object``, ``load_module``) are the pieces
the cache assembles.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import types
from collections.abc import Callable, Sequence

import numpy as np

from theano.configdefaults import config

__all__ = [
    "CompileError",
    "MissingCompilerError",
    "build_shared_object",
    "compile_flags",
    "compile_module",
    "compiler_path",
    "compiler_version",
    "cpu_model",
    "have_compiler",
    "have_libmvec",
    "link_flags",
    "load_module",
]

# How many times this process has run the compiler on a module (tests use it to tell a cache
# hit from a build without timing anything).
invocations = 0


class CompileError(RuntimeError):
    """The C compiler rejected a module.

    Attributes
    ----------
    stderr : str
        What the compiler printed.
    source_path : str
        Where the source it was given is kept, for a person to read.
    command : list of str
        The command line that failed.
    """

    def __init__(self, message: str, stderr: str = "", source_path: str = "", command: list[str] | None = None):
        super().__init__(message)
        self.stderr = stderr
        self.source_path = source_path
        self.command = list(command or [])


class MissingCompilerError(RuntimeError):
    """No C compiler is configured (``config.cxx == ''``) or the configured one is not found."""


# -- the compiler --------------------------------------------------------------------------


def compiler_path() -> str:
    """Absolute path of the compiler named by ``config.cxx``.

    Raises
    ------
    MissingCompilerError
        When ``config.cxx`` is empty or names no executable on PATH.
    """
    name = config.cxx
    if not name:
        raise MissingCompilerError("no C compiler: config.cxx is '' (set THEANO_FLAGS=cxx=gcc to use one)")
    path = shutil.which(name)
    if path is None:
        raise MissingCompilerError(f"the C compiler config.cxx={name!r} was not found on PATH")
    return os.path.realpath(path)


def have_compiler() -> bool:
    """True when ``config.cxx`` names a compiler that exists; the linker falls back to Python otherwise."""
    try:
        compiler_path()
    except MissingCompilerError:
        return False
    return True


@functools.cache
def compiler_version(path: str) -> str:
    """The compiler's ``--version`` first line and target triple (part of the cache key)."""
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    target = subprocess.run([path, "-dumpmachine"], capture_output=True, text=True, check=False)
    first_line = (version.stdout or version.stderr).strip().splitlines()[:1]
    return " ".join([*first_line, target.stdout.strip()])


@functools.cache
def cpu_model() -> str:
    """The CPU model name (``-march=native`` makes the code depend on it)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return f"{platform.machine()} {line.partition(':')[2].strip()}"
    except OSError:
        pass
    return f"{platform.machine()} {platform.processor()}"


def parallel_jobs() -> int:
    """How many compilers may run at once: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- flags -------------------------------------------------------------------------------


def _include_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    dirs = [paths["include"], paths.get("platinclude", paths["include"]), np.get_include()]
    unique: list[str] = []
    for directory in dirs:
        if directory not in unique:
            unique.append(directory)
    return unique


def compile_flags() -> list[str]:
    """Flags for compiling one extension module (without the input and output files).

    ``-O3 -march=native`` and nothing that changes floating-point results (no ``-ffast-math``:
    it breaks NaN checks). ``-fno-math-errno`` only tells the compiler that math functions need
    not set ``errno``, which lets it call glibc's vector versions (libmvec) in loops, and
    ``-fno-trapping-math`` that nothing reads the floating-point exception flags, which lets it
    vectorize ``floor``/``ceil`` and selects between computed values; neither changes a result.
    ``-ffp-contract=off`` keeps ``a * b + c`` two roundings, as NumPy computes it (gcc would
    otherwise fuse it into one FMA instruction and results would differ in the last bit).
    ``-fopenmp`` when ``config.openmp``; then ``config.gcc.cxxflags``.
    """
    flags = ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fPIC",
             "-shared", "-fvisibility=hidden"]
    flags += [f"-I{directory}" for directory in _include_dirs()]
    if config.openmp:
        flags.append("-fopenmp")
    flags += config.gcc.cxxflags.split()
    return flags


def link_flags(compiler: str) -> list[str]:
    """Libraries to link: ``-lm``, and glibc's vector math ``-lmvec`` when the compiler finds it."""
    flags = ["-lm"]
    if have_libmvec(compiler):
        flags.append("-lmvec")
    return flags


_MVEC_PROBE = r"""
#include <math.h>
double probe(const double *x, double *y, int n) {
    for (int i = 0; i < n; i++) y[i] = exp(x[i]);
    return y[0];
}
"""


def _remembered(probe: str, compiler: str, compute: Callable[[], bool]) -> bool:
    """``compute()``, kept in the compile directory's ``probes.json`` under the compiler binary's
    path, size and modification time, so that each new process does not run the probe again."""
    try:
        info = os.stat(compiler)
        key = f"{probe} {compiler} {info.st_size} {info.st_mtime_ns}"
        path = os.path.join(os.path.abspath(os.path.expanduser(config.compiledir)), "probes.json")
    except (OSError, TypeError):
        return compute()
    try:
        with open(path, encoding="utf-8") as handle:
            known = json.load(handle)
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    if isinstance(known.get(key), bool):
        return known[key]
    value = compute()
    known[key] = value
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix="probes-", suffix=".json", dir=os.path.dirname(path))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(known, handle)
        os.replace(temporary, path)
    return value


@functools.cache
def have_libmvec(compiler: str) -> bool:
    """Whether ``compiler`` can link a shared object against ``-lmvec`` (probed once per machine:
    the answer is remembered in the compile directory)."""
    return _remembered("libmvec", compiler, lambda: _probe_libmvec(compiler))


def _probe_libmvec(compiler: str) -> bool:
    with tempfile.TemporaryDirectory(prefix="theano-mvec-") as workdir:
        source = os.path.join(workdir, "probe.c")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write(_MVEC_PROBE)
        command = [compiler, "-O2", "-fPIC", "-shared", source, "-o", os.path.join(workdir, "probe.so"),
                   "-lmvec", "-lm"]
        result = subprocess.run(command, capture_output=True, check=False)
    return result.returncode == 0


# -- build and load ------------------------------------------------------------------------


def build_shared_object(source_path: str, output_path: str, compiler: str | None = None,
                        extra_compile_flags: Sequence[str] = (), extra_link_flags: Sequence[str] = ()) -> list[str]:
    """Compile the C file ``source_path`` into the shared object ``output_path``.

    ``extra_compile_flags`` go before the source file (``-x c++``, ``-I<dir>``, ...), and
    ``extra_link_flags`` after it (``-L<dir>``, ``-l<lib>``, ...).

    Returns
    -------
    list of str
        The command line that was run.

    Raises
    ------
    MissingCompilerError
        When no compiler is configured.
    CompileError
        When the compiler fails; it carries the compiler's stderr and ``source_path``.
    """
    global invocations
    if compiler is None:
        compiler = compiler_path()
    command = [compiler, *compile_flags(), *extra_compile_flags, source_path, "-o", output_path,
               *link_flags(compiler), *extra_link_flags]
    invocations += 1
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        stderr = result.stderr.strip()
        raise CompileError(
            f"the C compiler failed (exit status {result.returncode}) on {source_path}:\n{stderr}",
            stderr=stderr,
            source_path=source_path,
            command=command,
        )
    if result.stderr.strip() and config.cmodule.compilation_warning:
        print(result.stderr, file=sys.stderr)
    return command


def load_module(so_path: str, module_name: str) -> types.ModuleType:
    """Load the extension module ``module_name`` (its ``PyInit_<module_name>``) from ``so_path``.

    The module is not put in ``sys.modules``: the cache keeps it.
    """
    loader = importlib.machinery.ExtensionFileLoader(module_name, so_path)
    spec = importlib.util.spec_from_file_location(module_name, so_path, loader=loader)
    if spec is None:
        raise ImportError(f"cannot make an import spec for {so_path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def compile_module(source: str, module_name: str) -> types.ModuleType:
    """Compile C source of a CPython extension module and load it, through the compile cache.

    Parameters
    ----------
    source
        C source defining ``PyInit_<module_name>``.
    module_name
        The module's name, a C identifier.

    Returns
    -------
    types.ModuleType
        The loaded module; a second request for the same source costs a dict lookup.

    Raises
    ------
    MissingCompilerError
        When ``config.cxx`` is '' or the compiler is not found.
    CompileError
        When the compiler rejects the source (the source file is kept, its path is in the error).
    """
    from theano.link.c.cache import get_module

    if not module_name.isidentifier():
        raise ValueError(f"module name {module_name!r} is not a C identifier")
    return get_module(source, module_name)
