"""The registry of kernel generators, and the compilation of kernels through the cache.

A generator is a function ``gen(node) -> Kernel | None`` registered for an Op class with
:func:`register_kernel`; it returns None when it does not handle the node's types (the node
then runs its Python ``perform``). A kernel's source is C without the interface header, which
:func:`compile_kernels` prepends (with the libmvec declarations) before compiling.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from theano.configdefaults import config
from theano.graph.basic import Apply
from theano.link.c import compiler
from theano.link.c.cache import get_module
from theano.link.c.runtime import header, mvec_declarations

__all__ = ["Kernel", "compile_kernels", "kernel_for", "register_kernel"]


@dataclasses.dataclass(frozen=True)
class Kernel:
    """Generated C for one node.

    Attributes
    ----------
    name : str
        The C function the source defines (``TH_EXPORT int name(th_ctx *ctx)``).
    source : str
        The C code, without the interface header.
    pyapi : bool
        Whether the code uses the Python and NumPy C APIs (``int name(PyObject **inputs,
        PyObject **outputs)``, see ``run_pyapi_step`` in runtime.c) instead of the kernel ABI.
    params : bytes
        Constant data the runtime hands the kernel as ``ctx->params`` (not part of the compiled
        code: nodes whose kernels differ only in it share one compiled object).
    compile_flags, link_flags : tuple of str
        Extra compiler arguments before and after the source file (``-x c++``, ``-I``, ``-L``,
        ``-l``: a user op's ``c_compile_args``, ``c_libraries``, ...); part of the cache key.
    """

    name: str
    source: str
    pyapi: bool = False
    compile_flags: tuple[str, ...] = ()
    link_flags: tuple[str, ...] = ()
    params: bytes = dataclasses.field(default=b"", compare=False)

    def full_source(self) -> str:
        if self.pyapi:
            return _pyapi_prelude(self.name) + self.source
        return header() + mvec_declarations() + self.source


def _pyapi_prelude(name: str) -> str:
    """What a kernel using the Python and NumPy C APIs starts with: the headers, and ``<name>_init``,
    which fills NumPy's API table and is called once after loading."""
    return (
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n"
        "#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION\n#include <numpy/arrayobject.h>\n"
        "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n"
        '#ifdef __cplusplus\n#define TH_EXPORT extern "C" __attribute__((visibility("default")))\n'
        '#else\n#define TH_EXPORT __attribute__((visibility("default")))\n#endif\n'
        f"TH_EXPORT int {name}_init(void) {{ import_array1(-1); return 0; }}\n\n"
    )


_GENERATORS: dict[type, Callable[[Apply], Kernel | None]] = {}


def register_kernel(*op_classes: type):
    """Decorator: ``gen(node)`` makes the kernels of nodes whose op is one of ``op_classes``
    (or a subclass; the most specific registration wins)."""

    def decorate(gen):
        for cls in op_classes:
            _GENERATORS[cls] = gen
        return gen

    return decorate


def _load_generators() -> None:
    # the modules defining generators register them when imported
    import importlib

    for name in ("elemwise_c", "reduce_c", "blas_c", "nnet_c", "views_c", "indexing_c", "creation_c", "user_ops",
                 "fused_reduce_c", "random_c", "conv_c", "pool_c"):
        try:
            importlib.import_module(f"theano.link.c.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"theano.link.c.{name}":
                raise


_loaded = False


def load_generators() -> None:
    """Import every generator module (once). Some import op modules that register rewrites, so
    FunctionMaker calls this before keying its graph cache on the rewrite databases' state."""
    global _loaded
    if not _loaded:
        _load_generators()
        _loaded = True


def kernel_for(node: Apply) -> Kernel | None:
    """The kernel of ``node``, or None when it has none (it then runs in Python)."""
    load_generators()
    try:
        key = (node.op, tuple(v.type for v in node.inputs), tuple(v.type for v in node.outputs), config.openmp)
        if key in _by_signature:
            return _by_signature[key]
    except TypeError:  # an unhashable op or type
        key = None
    kernel = None
    for cls in type(node.op).__mro__:
        gen = _GENERATORS.get(cls)
        if gen is not None:
            kernel = gen(node)
            break
    if key is not None:
        _by_signature[key] = kernel
    return kernel


# (op, input types, output types) -> Kernel or None: a kernel depends on nothing else
_by_signature: dict[tuple, Kernel | None] = {}


def symbol_name(prefix: str, source: str) -> str:
    """A C identifier unique to ``source`` (kernels with equal sources share one compiled object)."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    return f"{prefix}_{digest}"


_addresses: dict[tuple, int] = {}
_libraries: list = []


def _library(kernel: Kernel):
    return get_module(kernel.full_source(), kernel.name, kind="library", extra_compile_flags=kernel.compile_flags,
                      extra_link_flags=kernel.link_flags)


def _compile_one(kernel: Kernel) -> int:
    library = _library(kernel)
    _libraries.append(library)  # keep it loaded for the life of the process
    return ctypes.cast(getattr(library, kernel.name), ctypes.c_void_p).value


def _compile_or_warn(kernel: Kernel) -> int:
    try:
        return _compile_one(kernel)
    except compiler.MissingCompilerError:
        raise
    except (compiler.CompileError, RuntimeError, OSError, AttributeError) as exc:
        warnings.warn(f"theano: the C kernel {kernel.name} could not be built ({exc}); its node runs in Python",
                      RuntimeWarning, stacklevel=2)
        return 0


def _initialize(kernel: Kernel) -> None:
    """Fill a Python-API kernel's NumPy table (with the GIL held, in this thread)."""
    library = _library(kernel)
    init = ctypes.PYFUNCTYPE(ctypes.c_int)(ctypes.cast(getattr(library, f"{kernel.name}_init"), ctypes.c_void_p).value)
    if init() != 0:
        raise ImportError(f"the C code of kernel {kernel.name} could not import NumPy's C API")


def compile_kernels(kernels: Sequence[Kernel], max_workers: int | None = None) -> list[int]:
    """The address of each kernel's entry point, compiling the new ones in parallel (one gcc each).

    A kernel that does not compile or load gets the address 0 (its node then runs in Python)
    and a warning naming it; a missing compiler raises ``MissingCompilerError``.
    """

    keys = [(config.compiledir, config.cxx, config.openmp, config.gcc.cxxflags, k.name, k.source, k.compile_flags,
             k.link_flags) for k in kernels]
    missing = {}
    for key, kernel in zip(keys, kernels):
        if key not in _addresses and key not in missing:
            missing[key] = kernel
    if len(missing) == 1:
        ((key, kernel),) = missing.items()
        _addresses[key] = _compile_or_warn(kernel)
    elif missing:
        workers = max_workers or max(1, min(len(missing), compiler.parallel_jobs()))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for key, address in zip(missing, pool.map(_compile_or_warn, missing.values())):
                _addresses[key] = address
    for key, kernel in missing.items():
        if kernel.pyapi and _addresses[key]:
            _initialize(kernel)
    return [_addresses[key] for key in keys]
