"""The C linker and the runtime's call path: results, updates, errors, buffer reuse, fallbacks."""

import os
import resource
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link.c import compiler
from theano.link.c.linker import CVM

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

C_MODE = theano.Mode(linker="cvm")
PY_MODE = theano.Mode(linker="py")


def test_function_runs_in_c_and_matches_python():
    x, y = T.dmatrices("x", "y")
    out = T.tanh(x * y + 2.0) - T.exp(-x)
    f = theano.function([x, y], out, mode=C_MODE)
    g = theano.function([x, y], out, mode=PY_MODE)
    assert isinstance(f.fn, CVM) and any(f.fn.c_nodes)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 6)), rng.normal(size=(14, 6))
    np.testing.assert_allclose(f(a, b[:7]), g(a, b[:7]), rtol=1e-12)
    # strided, reversed and transposed views
    for u, v in [(a[::-1, ::2], b[::2, ::-2]), (a.T, b[:7].T), (a[:, ::-1], b[1::2])]:
        np.testing.assert_allclose(f(u, v), g(u, v), rtol=1e-12)


def test_held_outputs_are_never_overwritten():
    x = T.dvector("x")
    f = theano.function([x], x * 2.0, mode=C_MODE)
    first = f(np.ones(4))
    second = f(np.full(4, 3.0))
    assert first is not second
    np.testing.assert_array_equal(first, 2.0)
    np.testing.assert_array_equal(second, 6.0)


def test_dropped_output_buffer_is_reused():
    x = T.dvector("x")
    f = theano.function([x], x + 1.0, mode=C_MODE)
    address = f(np.zeros(1000)).__array_interface__["data"][0]
    again = f(np.ones(1000))
    assert again.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(again, 2.0)


def test_conversion_and_error_messages_name_the_input():
    x = T.dvector("x")
    y = T.dvector("y")
    f = theano.function([x, y], x + y, mode=C_MODE)
    np.testing.assert_array_equal(f([1, 2], [3, 4]), [4.0, 6.0])
    with pytest.raises(TypeError, match="'x'"):
        f(np.ones((2, 2)), np.ones(2))
    with pytest.raises(TypeError, match="'y'.*float64"):
        f(np.ones(2), np.ones(2, dtype=np.complex128))
    with pytest.raises(ValueError, match="Input dimension mismatch"):
        f(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="Missing required input: y"):
        f(np.ones(3))


def test_shared_updates_defaults_and_keywords():
    w = theano.shared(np.zeros(3), name="w")
    x = T.dvector("x")
    lr = T.dscalar("lr")
    f = theano.function([x, theano.In(lr, value=0.5)], w.sum(), updates=[(w, w + lr * x)], mode=C_MODE)
    f(np.ones(3))
    np.testing.assert_array_equal(w.get_value(), 0.5)
    f(np.ones(3), 2.0)
    np.testing.assert_array_equal(w.get_value(), 2.5)
    f(x=np.ones(3), lr=1.0)
    np.testing.assert_array_equal(w.get_value(), 3.5)


def test_trust_input_skips_checks():
    x = T.dvector("x")
    f = theano.function([x], x * 3.0, mode=C_MODE)
    f.trust_input = True
    assert f.fn.program.trust_input == 1
    np.testing.assert_array_equal(f(np.ones(2)), 3.0)


def test_python_nodes_run_between_kernels():
    x = T.dvector("x")
    # sort has no kernel: it runs its perform between two C nodes
    out = T.sort(T.exp(x)) * 2.0
    f = theano.function([x], out, mode=C_MODE)
    assert not all(f.fn.c_nodes) and any(f.fn.c_nodes)
    v = np.array([3.0, -1.0, 2.0])
    np.testing.assert_allclose(f(v), np.sort(np.exp(v)) * 2.0)


def test_inplace_update_of_input_aliasing_another():
    w = theano.shared(np.arange(4.0), name="w")
    x = T.dvector("x")
    f = theano.function([x], [], updates=[(w, w * 2.0 + x)], mode=C_MODE)
    # x is w's own memory: the update must read the old x
    f(w.get_value(borrow=True))
    np.testing.assert_array_equal(w.get_value(), np.arange(4.0) * 3.0)


def test_no_compiler_falls_back_with_one_warning():
    code = textwrap.dedent("""
        import warnings
        import numpy as np
        import theano, theano.tensor as T
        from theano.link.vm import VM
        x = T.dvector()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = theano.function([x], x + 1)
            g = theano.function([x], x * 2)
        assert isinstance(f.fn, VM) and isinstance(g.fn, VM)
        assert (f(np.ones(2)) == 2).all() and (g(np.ones(2)) == 2).all()
        messages = [str(w.message) for w in caught if "no C compiler" in str(w.message)]
        assert len(messages) == 1, messages
        print("ok")
    """)
    env = {"THEANO_FLAGS": "cxx=", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_many_calls_do_not_leak():
    x = T.dvector("x")
    s = T.dscalar("s")
    f = theano.function([x, theano.In(s, value=1.0)], [x + s, x * 2.0], mode=C_MODE)
    v = np.ones(10)
    for _ in range(2000):
        f(v)
        f(v, 2.0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(50_000):
        f(v)  # the Python path (a default value)
        f(v, 2.0)  # the C path
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a leak of one 10-element array per call would be > 10 MB (ru_maxrss is in KiB)
    assert after - before < 4096


def test_debugmode_compares_c_with_python():
    from theano.compile.debugmode import BadThunkOutput, DebugMode, _DebugChecks

    x = T.dvector("x")
    f = theano.function([x], T.exp(x) + 1.0, mode=DebugMode())
    np.testing.assert_allclose(f(np.zeros(3)), 2.0)
    node = (T.exp(x) + 1.0).owner
    checks = _DebugChecks(check_isfinite=False)
    value = np.zeros(3)
    with pytest.raises(BadThunkOutput, match="disagree"):
        checks._compare_with_c(node, [value, None], [value, np.array([1.0])], [np.full(3, 5.0)], set())


def test_warnings_free_compile():
    x = T.fvector("x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = theano.function([x], T.sqr(x) + 1, mode=C_MODE)
    np.testing.assert_allclose(f(np.ones(3, dtype="float32")), 2.0)


def test_read_only_mutable_input_is_not_written():
    x = T.dvector("x")
    f = theano.function([theano.In(x, mutable=True)], T.exp(x) * 2.0, mode=C_MODE)
    value = np.zeros(5)
    value.flags.writeable = False
    np.testing.assert_allclose(f(value), 2.0)
    np.testing.assert_array_equal(value, 0.0)
    writable = np.zeros(5)
    np.testing.assert_allclose(f(writable), 2.0)


def test_composites_differing_only_in_constants_share_one_kernel():
    from theano.link.c.kernels import kernel_for

    x, y = T.dvectors("x", "y")
    names = []
    for c in (2.0, 3.0):
        f = theano.function([x, y], T.exp(x) * c + y)
        (node,) = [n for n in f.maker.fgraph.toposort() if "Composite" in str(n.op)]
        kernel = kernel_for(node)
        names.append(kernel.name)
        assert "Composite{(k * exp(i0)) + i1}" in kernel.source  # the comment names the op, constants as k
        np.testing.assert_allclose(f(np.zeros(2), np.ones(2)), c + 1)
    assert names[0] == names[1]


def test_runtime_compiled_on_first_use_when_no_prebuilt_one():
    """Without the runtime built at install time (THEANO_PREBUILT_RUNTIME=0 stands for an install
    without a compiler, or C sources edited since), the runtime compiles into the cache."""
    script = textwrap.dedent("""
        import numpy as np, theano, theano.tensor as T
        from theano.link.c import runtime
        x = T.dvector("x")
        f = theano.function([x], T.exp(x) + 1)
        assert runtime.runtime_module().__name__ == "theano_runtime", runtime.runtime_module().__name__
        print(f(np.zeros(3)).tolist())
    """)
    env = dict(os.environ, THEANO_PREBUILT_RUNTIME="0")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[2.0, 2.0, 2.0]"


def test_prebuilt_runtime_is_used_only_for_its_own_sources():
    from theano.link.c import runtime

    prebuilt = runtime._prebuilt_runtime()
    if prebuilt is None:
        pytest.skip("the runtime was not built at install time here")
    assert runtime.runtime_module() is prebuilt
    assert len(prebuilt.source_sha256) == 64
