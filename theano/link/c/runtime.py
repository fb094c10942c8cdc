"""The C runtime module: compiled once per machine from ``runtime.c``, kept in the compile cache.

It provides :class:`Program` (a compiled function's steps and its C call path) and holds the
BLAS routines that kernels call: those of the OpenBLAS that NumPy's wheels bundle (so kernels and
``numpy.dot`` share one library and one thread pool), else SciPy's ``cython_blas`` capsules.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import hashlib
import os
import platform
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from theano.link.c import compiler
from theano.link.c.cache import get_module

_HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_NAME = "theano_runtime"
BLAS_NAMES = ("sgemm", "dgemm", "sgemv", "dgemv", "sger", "dger", "sdot", "ddot")

# glibc's vector math (libmvec) has these since 2.22 (the first five) and 2.35 (the rest).
_MVEC_2_22 = ("exp", "log", "sin", "cos", "pow")
_MVEC_2_35 = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "cbrt", "cosh", "erf", "erfc", "exp10",
              "exp2", "expm1", "hypot", "log10", "log1p", "log2", "sinh", "tan", "tanh")
_BINARY = {"pow", "atan2", "hypot"}


@functools.cache
def header() -> str:
    """The kernel interface (``th_kernel.h``), pasted at the top of every kernel's source."""
    with open(os.path.join(_HERE, "th_kernel.h"), encoding="utf-8") as handle:
        return handle.read()


def _glibc_version() -> tuple[int, int]:
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        return (0, 0)
    major, _, minor = version.partition(".")
    try:
        return int(major), int(minor.split(".")[0])
    except ValueError:
        return (0, 0)


@functools.cache
def mvec_declarations() -> str:
    """Declarations that let gcc call libmvec's vector versions of math functions in loops.

    Empty when libmvec cannot be linked (the loops then call the scalar functions).
    """
    try:
        if not compiler.have_libmvec(compiler.compiler_path()):
            return ""
    except compiler.MissingCompilerError:
        return ""
    version = _glibc_version()
    names = list(_MVEC_2_22) if version >= (2, 22) else []
    if version >= (2, 35):
        names += _MVEC_2_35
    lines = ["/* vector versions from glibc's libmvec */"]
    for name in names:
        args_d = "double, double" if name in _BINARY else "double"
        args_f = "float, float" if name in _BINARY else "float"
        lines.append(f'__attribute__((simd("notinbranch"))) double {name}({args_d});')
        lines.append(f'__attribute__((simd("notinbranch"))) float {name}f({args_f});')
    return "\n".join(lines) + "\n"


@functools.cache
def runtime_module():
    """The runtime module: the one built when the package was installed if it was built from the
    sources as they are now, else compiled on first use into the compile cache."""
    module = _prebuilt_runtime()
    if module is None:
        with open(os.path.join(_HERE, "runtime.c"), encoding="utf-8") as handle:
            body = handle.read()
        source = (f'#define TH_MODULE_NAME_STR "{MODULE_NAME}"\n#define TH_MODULE_INIT PyInit_{MODULE_NAME}\n'
                  + header() + body)
        module = get_module(source, MODULE_NAME)
    routines, int64 = blas_routines()
    module.set_blas(routines, int64)
    return module


def _prebuilt_runtime():
    """``theano.link.c._runtime`` (built by setup.py) when its recorded source hash matches
    th_kernel.h and runtime.c, else None (an editable install whose C changed since, a build
    without a compiler, or ``THEANO_PREBUILT_RUNTIME=0``)."""
    if os.environ.get("THEANO_PREBUILT_RUNTIME", "1") == "0":
        return None
    try:
        from theano.link.c import _runtime
    except ImportError:
        return None
    digest = hashlib.sha256()
    for name in ("th_kernel.h", "runtime.c"):
        with open(os.path.join(_HERE, name), "rb") as handle:
            digest.update(handle.read())
    return _runtime if getattr(_runtime, "source_sha256", None) == digest.hexdigest() else None


_prefetch: Future | None = None
_prefetch_lock = threading.Lock()


def prefetch_runtime_module() -> None:
    """Start loading the runtime module in a thread, unless it is loaded or on its way.

    On a machine whose cache lacks it, building it takes ~0.7 s of gcc; the first compiled
    function starts this before its rewrites, so the build overlaps them and its kernels' builds.
    """
    global _prefetch
    if runtime_module.cache_info().currsize:
        return
    with _prefetch_lock:
        if _prefetch is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="theano-runtime")
            _prefetch = executor.submit(runtime_module)
            executor.shutdown(wait=False)


def loaded_runtime_module():
    """The runtime module, waiting for a prefetch in progress (its error, if it failed, is raised here)."""
    if runtime_module.cache_info().currsize == 0 and _prefetch is not None:
        return _prefetch.result()
    return runtime_module()


def blas_routines() -> tuple[tuple, bool]:
    """The BLAS routines for the kernels (addresses or capsules, None where missing) and whether
    they take 64-bit integers: NumPy's bundled ILP64 OpenBLAS when found, else SciPy's capsules.

    ``THEANO_BLAS=scipy`` in the environment forces SciPy's.
    """
    if os.environ.get("THEANO_BLAS", "").lower() != "scipy":
        found = _numpy_openblas()
        if found is not None:
            return found, True
    return _scipy_capsules(), False


def _numpy_openblas() -> tuple | None:
    """Addresses of the Fortran BLAS routines of the ILP64 OpenBLAS in NumPy's wheel, or None.

    NumPy's wheels ship ``numpy.libs/libscipy_openblas64_*.so`` with symbols such as
    ``scipy_dgemm_64_``; NumPy has it loaded already, so this opens the same library.
    """
    import numpy

    folder = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "libscipy_openblas64_*.so*"))):
        try:
            library = ctypes.CDLL(path)
            return tuple(ctypes.cast(getattr(library, f"scipy_{name}_64_"), ctypes.c_void_p).value
                         for name in BLAS_NAMES)
        except (OSError, AttributeError):
            continue
    return None


def _scipy_capsules() -> tuple:
    try:
        from scipy.linalg import cython_blas
    except ImportError:
        return (None,) * len(BLAS_NAMES)
    table = cython_blas.__pyx_capi__
    return tuple(table.get(name) for name in BLAS_NAMES)
