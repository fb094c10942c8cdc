import os

import numpy as np
import pytest

import theano
from tests.link.c.sources import add_module_source, sum_module_source
from theano.link.c import CompileError, MissingCompilerError, cache, compile_module, compiler, have_compiler

pytestmark = pytest.mark.usefixtures("needs_compiler")


def test_add_module_compiles_loads_and_adds(cache_dir):
    module = compile_module(add_module_source("add_two"), "add_two")
    assert module.__name__ == "add_two"
    assert module.add(1.25, 2.5) == 3.75
    assert module.add(-1e300, 1e300) == 0.0
    with pytest.raises(TypeError):
        module.add("a", 1.0)


@pytest.mark.parametrize("shape", [(0,), (7,), (3, 4), (2, 3, 5)])
def test_numpy_module_sums_float64_arrays(cache_dir, shape):
    module = compile_module(sum_module_source("sum_array"), "sum_array")
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape)
    assert np.isclose(module.total(data), data.sum())
    if data.ndim > 1:
        strided = data[..., ::2]
        assert np.isclose(module.total(strided), strided.sum())
    # integers are converted to float64 by the NumPy C API
    assert module.total(np.arange(10)) == 45.0


def test_compile_error_carries_compiler_message_and_kept_source(cache_dir):
    source = add_module_source("broken").replace("return PyFloat_FromDouble", "return PyFloat_FromDoubel")
    source = source.replace("double a, b;", "double a, b")
    with pytest.raises(CompileError) as info:
        compile_module(source, "broken")
    error = info.value
    assert "error" in error.stderr
    assert "expected" in error.stderr or "PyFloat_FromDoubel" in error.stderr
    assert error.stderr in str(error)
    assert os.path.isfile(error.source_path)
    with open(error.source_path) as handle:
        assert handle.read() == source
    assert error.source_path in str(error)
    assert error.command[0] == compiler.compiler_path()
    # nothing half-built is published or left in the cache
    assert cache.entries(str(cache_dir)) == []
    assert [name for name in os.listdir(cache_dir) if name.startswith(cache.TMP_PREFIX)] == []


@pytest.mark.parametrize("cxx", ["", "no-such-compiler-for-theano-tests"])
def test_missing_compiler(cache_dir, cxx):
    with theano.change_flags(cxx=cxx):
        assert not have_compiler()
        with pytest.raises(MissingCompilerError):
            compile_module(add_module_source("no_compiler"), "no_compiler")
    assert have_compiler()


def test_missing_compiler_even_with_a_cached_entry(cache_dir):
    compile_module(add_module_source("cached_then_gone"), "cached_then_gone")
    cache.forget_loaded_modules()
    with theano.change_flags(cxx=""), pytest.raises(MissingCompilerError, match="cxx"):
        compile_module(add_module_source("cached_then_gone"), "cached_then_gone")


def test_flags_follow_design_and_config():
    flags = compiler.compile_flags()
    assert "-O3" in flags and "-march=native" in flags and "-fPIC" in flags
    # nothing that changes results: no -ffast-math, no FMA contraction (-fno-math-errno only
    # lets the compiler call vector math functions)
    assert not any("fast-math" in flag for flag in flags)
    assert "-ffp-contract=off" in flags
    assert f"-I{np.get_include()}" in flags
    with theano.change_flags(openmp=False):
        assert "-fopenmp" not in compiler.compile_flags()
    with theano.change_flags(openmp=True, gcc__cxxflags="-DTHEANO_TEST_FLAG=1"):
        flags = compiler.compile_flags()
        assert "-fopenmp" in flags
        assert flags[-1] == "-DTHEANO_TEST_FLAG=1"
    link = compiler.link_flags(compiler.compiler_path())
    assert link[0] == "-lm"
    assert ("-lmvec" in link) == compiler.have_libmvec(compiler.compiler_path())


def test_module_name_must_be_an_identifier(cache_dir):
    with pytest.raises(ValueError, match="identifier"):
        compile_module(add_module_source("x"), "not-a-name")


def test_openmp_module_compiles(cache_dir):
    with theano.change_flags(openmp=True):
        module = compile_module(add_module_source("add_openmp"), "add_openmp")
    assert module.add(1.0, 2.0) == 3.0


@pytest.mark.parametrize("on_path, expected", [({"gcc", "cc"}, "gcc"), ({"cc"}, "cc"), (set(), "")])
def test_default_cxx_prefers_gcc_then_cc_then_none(monkeypatch, on_path, expected):
    from theano import configdefaults

    monkeypatch.setattr(configdefaults.shutil, "which", lambda name: f"/usr/bin/{name}" if name in on_path else None)
    assert configdefaults._default_cxx() == expected
