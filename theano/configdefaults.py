"""The flags Theano users set, declared once; ``config`` is ``theano.config``."""

from __future__ import annotations

import os
import platform
import shutil
import sys

from theano.configparser import (
    BoolParam,
    ConfigParam,
    EnumStr,
    FloatParam,
    IntParam,
    StrParam,
    TheanoConfigParser,
    default_rc_files,
    split_flags_env,
)

config = TheanoConfigParser(split_flags_env(), default_rc_files())


def _default_base_compiledir() -> str:
    env = os.environ.get("THEANO_CACHE_DIR")
    if env:
        return env
    cache_home = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
    return os.path.join(cache_home, "theano")


def _compiledir_format() -> str:
    impl = sys.implementation.name
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return f"compiledir_{platform.system()}-{platform.machine()}-{impl}{version}"


def _default_compiledir(cfg: TheanoConfigParser) -> str:
    env = os.environ.get("THEANO_COMPILEDIR")
    if env:
        return env
    return os.path.join(cfg.base_compiledir, cfg.compiledir_format)


def _default_openmp() -> bool:
    """OpenMP on when this process may use more than one CPU, unless ``OMP_NUM_THREADS=1``."""
    if os.environ.get("OMP_NUM_THREADS", "").strip() == "1":
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus > 1


def _default_cxx() -> str:
    """``gcc`` if it is on PATH, else ``cc``, else '' (no compiler: the Python backend)."""
    for name in ("gcc", "cc"):
        if shutil.which(name):
            return name
    return ""


def _device(value: str) -> str:
    value = str(value)
    if value == "cpu" or value.startswith("cuda") or value.startswith("gpu"):
        return value
    raise ValueError("expected 'cpu', 'cuda', 'cudaN', 'gpu' or 'gpuN'")


def _declare(cfg: TheanoConfigParser) -> None:
    add = cfg.add
    add("floatX", "Default dtype of float variables and of Python float literals",
        EnumStr("float64", "float32", "float16"))
    add("cast_policy", "How Python numbers combine with tensors",
        EnumStr("custom", "numpy+floatX", "numpy"))
    add("device", "Where computations run by default", ConfigParam("cpu", _device, mutable=False))
    add("init_gpu_device", "GPU to initialize without using it by default",
        ConfigParam("", str, mutable=False))
    add("force_device", "Raise if the requested device cannot be used", BoolParam(False, mutable=False))
    add("mode", "Default compilation mode",
        EnumStr("Mode", "FAST_RUN", "FAST_COMPILE", "DebugMode", "DEBUG_MODE", "NanGuardMode",
                "ProfileMode", "PROFILE_MODE"))
    add("linker", "Default linker", EnumStr("cvm", "c|py", "py", "c", "vm", "cvm_nogc", "vm_nogc",
                                             "c|py_nogc"))
    add("optimizer", "Default optimizer", EnumStr("fast_run", "merge", "fast_compile", "None", "o4",
                                                   "o3", "o2", "o1", "unsafe"))
    add("optimizer_including", "Extra rewrite tags to include", StrParam(""))
    add("optimizer_excluding", "Rewrite tags to exclude", StrParam(""))
    add("optimizer_requiring", "Rewrite tags to require", StrParam(""))
    add("optimizer_verbose", "Print each rewrite applied", BoolParam(False))
    add("on_opt_error", "What to do when a rewrite fails", EnumStr("warn", "raise", "pdb", "ignore"))
    add("allow_gc", "Free intermediate results as soon as they are dead", BoolParam(True))
    add("base_compiledir", "Root of the compile cache", ConfigParam(_default_base_compiledir, str))
    add("compiledir_format", "Name of the per-platform cache folder",
        ConfigParam(_compiledir_format, str))
    add("compiledir", "The compile cache folder",
        ConfigParam(lambda: _default_compiledir(cfg), str))
    add("compiledir_max_mb", "Size bound of the compile cache in MiB (least recently used entries go first)",
        IntParam(1024, low=1))
    add("cxx", "The C compiler (empty: none, use the Python backend)", ConfigParam(_default_cxx, str))
    add("openmp", "Use OpenMP in generated C (threads: OMP_NUM_THREADS, else every CPU); on by default with "
        "more than one CPU", BoolParam(_default_openmp))
    add("openmp_elemwise_minsize", "Smallest elementwise loop run with OpenMP",
        IntParam(200000, low=0))
    add("on_unused_input", "What to do with an input the outputs do not need",
        EnumStr("raise", "warn", "ignore"))
    add("on_shape_error", "What to do when shape inference fails", EnumStr("warn", "raise"))
    add("exception_verbosity", "How much to say about a failing node", EnumStr("low", "high"))
    add("compute_test_value", "Evaluate test values while building graphs",
        EnumStr("off", "ignore", "warn", "raise", "pdb"))
    add("compute_test_value_opt", "Test values during rewrites",
        EnumStr("off", "ignore", "warn", "raise", "pdb"))
    add("print_test_value", "Show test values in printed graphs", BoolParam(False))
    add("traceback.limit", "How many user frames to record per variable", IntParam(8))
    add("profiling.n_apply", "Rows of the Apply table of a printed profile", IntParam(20, low=0))
    add("profiling.n_ops", "Rows of the Class and Ops tables of a printed profile", IntParam(20, low=0))
    add("profiling.min_memory_size", "Smallest output (bytes) listed in a profile's memory section",
        IntParam(1024, low=0))
    add("profiling.destination", "Where profiles print at exit: stderr, stdout or a file name",
        StrParam("stderr"))
    add("traceback.compile_limit", "Frames recorded while compiling", IntParam(0))
    add("warn_float64", "What to do when a float64 variable is created",
        EnumStr("ignore", "warn", "raise", "pdb"))
    add("deterministic", "Prefer deterministic implementations", EnumStr("default", "more"))
    add("profile", "Profile every compiled function", BoolParam(False))
    add("profile_memory", "Profile memory too", BoolParam(False))
    add("profile_optimizer", "Profile rewrites too", BoolParam(False))
    add("assert_no_cpu_op", "Complain about CPU ops in GPU graphs", EnumStr("ignore", "warn", "raise",
                                                                              "pdb"))
    add("unittests.rseed", "Seed of the random numbers used by tests", ConfigParam("666", str))
    add("numpy.seterr_all", "numpy.seterr(all=...) around calls",
        EnumStr("ignore", "warn", "raise", "call", "print", "log", "None"))
    add("DebugMode.check_py", "DebugMode: check the Python implementation", BoolParam(True))
    add("DebugMode.check_c", "DebugMode: check the C implementation", BoolParam(True))
    add("DebugMode.check_finite", "DebugMode: complain about NaN/Inf results (when DebugMode is not told "
        "check_isfinite)", BoolParam(True))
    add("DebugMode.patience", "DebugMode: repetitions", IntParam(10, low=1))
    add("NanGuardMode.nan_is_error", "Raise on NaN", BoolParam(True))
    add("NanGuardMode.inf_is_error", "Raise on Inf", BoolParam(True))
    add("NanGuardMode.big_is_error", "Raise on big values", BoolParam(True))
    add("nvcc.fastmath", "Fast math in CUDA code", BoolParam(False))
    add("gpuarray.preallocate", "Fraction of GPU memory to reserve", FloatParam(0.0))
    add("blas.ldflags", "Ignored: BLAS comes from SciPy", StrParam(""))
    add("gcc.cxxflags", "Extra flags for the C compiler", StrParam(""))
    add("cmodule.warn_no_version", "Warn about ops without a C cache version", BoolParam(False))
    add("cmodule.compilation_warning", "Print compiler warnings", BoolParam(False))
    add("reoptimize_unpickled_function", "Re-run rewrites on unpickled functions", BoolParam(False))
    add("check_input", "Generated C checks its inputs", BoolParam(True))
    add("scan.allow_gc", "Free scan's inner buffers between steps", BoolParam(False))
    add("scan.allow_output_prealloc", "Preallocate scan outputs", BoolParam(True))
    add("tensor.cmp_sloppy", "Sloppy float comparisons in tests", IntParam(0, low=0))
    add("pycuda.init", "Unused, kept for old programs", BoolParam(False))
    add("experimental.local_alloc_elemwise", "Unused, kept for old programs", BoolParam(True))


_declare(config)
config.check_unknown_flags()
