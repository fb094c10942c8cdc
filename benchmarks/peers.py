"""Which peers are installed, and how each one is set up.

Every accessor returns the peer's module (configured: JAX with float64 enabled, PyTorch with the
thread limit) or raises :class:`~benchmarks.harness.Skip` with the reason, which becomes a
skipped row in the tables. Importing this module imports none of the peers.
"""

from __future__ import annotations

import importlib
import os

from benchmarks.harness import Skip

#: Names of the rows of every workload and what each one measures.
DESCRIPTIONS = {
    "numpy": "hand-written NumPy (the reference every other row must agree with)",
    "numexpr": "numexpr.evaluate on the expression string",
    "theano": "ours: theano.function(mode='FAST_RUN'): generated C kernels run by the C runtime",
    "theano (trust_input)": "ours, with f.trust_input = True (no input checks or conversions)",
    "pytensor-numba": "PyTensor's default mode: mode='FAST_RUN', which PyTensor 3 links with Numba",
    "pytensor-cvm": "PyTensor's C mode: mode='CVM' (= Mode(linker='cvm', optimizer='fast_run'), C thunks + C VM)",
    "pytensor-numba (trust_input)": "PyTensor's default mode with f.trust_input = True",
    "pytensor-cvm (trust_input)": "PyTensor's C mode with f.trust_input = True",
    "jax": "jax.jit on the CPU, results waited for with block_until_ready",
    "torch": "PyTorch eager (autograd for gradients)",
}


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip(f"not installed ({exc.name or name})") from None


def numexpr():
    """The numexpr module, limited to the benchmark's thread count."""
    module = _import("numexpr")
    module.set_num_threads(int(os.environ.get("BENCHMARK_THREADS", "1")))
    return module


def jax():
    """``(jax, jax.numpy, jax.lax)`` with 64-bit floats enabled, on the CPU."""
    module = _import("jax")
    module.config.update("jax_enable_x64", True)
    module.config.update("jax_platforms", "cpu")
    return module, importlib.import_module("jax.numpy"), importlib.import_module("jax.lax")


def torch():
    """The torch module, limited to the benchmark's thread count."""
    module = _import("torch")
    module.set_num_threads(int(os.environ.get("BENCHMARK_THREADS", "1")))
    return module


def pytensor():
    """``(pytensor, pytensor.tensor)``."""
    module = _import("pytensor")
    return module, importlib.import_module("pytensor.tensor")


def pytensor_mode(row: str):
    """The PyTensor mode object for a row named ``pytensor-numba`` or ``pytensor-cvm``."""
    module, _ = pytensor()
    mode_module = importlib.import_module("pytensor.compile.mode")
    if row.startswith("pytensor-numba"):
        _import("numba")
        mode = mode_module.get_mode("FAST_RUN")
        if type(mode.linker).__name__ != "NumbaLinker":
            raise Skip(f"PyTensor's default mode here links with {type(mode.linker).__name__}, not Numba")
        return mode
    if not module.config.cxx:
        raise Skip("no C++ compiler configured for PyTensor (config.cxx is empty)")
    return mode_module.get_mode("CVM")


def pytensor_function(row: str, inputs, outputs, **kwargs):
    """``pytensor.function`` in the row's mode; a failed C compilation becomes a skipped row."""
    module, _ = pytensor()
    mode = pytensor_mode(row)
    try:
        return module.function(inputs, outputs, mode=mode, **kwargs)
    except Exception as exc:  # compilers fail in many ways; the row says how
        if row.startswith("pytensor-cvm"):
            raise Skip(f"C compilation failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}") from None
        raise
