"""Builds theano's C runtime when the package is installed (everything else is in pyproject.toml).

The extension is optional: without a compiler or Python's headers the install still succeeds,
and the runtime is compiled on first use into the compile cache instead.
"""

import hashlib
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
C_DIR = os.path.join("theano", "link", "c")


def source_sha256() -> str:
    """The hash runtime.py computes over the same two files (see ``_prebuilt_runtime``)."""
    digest = hashlib.sha256()
    for name in ("th_kernel.h", "runtime.c"):
        with open(os.path.join(HERE, C_DIR, name), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def extensions() -> list:
    try:
        import numpy
    except ImportError:  # no NumPy in the build environment: compiled on first use instead
        return []
    return [Extension(
        "theano.link.c._runtime",
        sources=[os.path.join(C_DIR, "runtime_ext.c")],
        depends=[os.path.join(C_DIR, "th_kernel.h"), os.path.join(C_DIR, "runtime.c")],
        include_dirs=[numpy.get_include(), C_DIR],
        define_macros=[("TH_SOURCE_SHA256", f'"{source_sha256()}"')],
        extra_compile_args=["-O3"],
        optional=True,
    )]


setup(ext_modules=extensions())
