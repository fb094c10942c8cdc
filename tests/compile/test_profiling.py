"""Profiles of compiled functions: counts, C/Py types, the printed sections, memory, atexit printing."""

import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile import profiling
from theano.compile.profiling import ProfileStats
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.link.c.linker import CVM, c_backend_available

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_CALLS = 4


class TwiceInPython(Op):
    """An op with no C kernel: the C backend runs it as a Python thunk."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2


@pytest.fixture(autouse=True)
def no_exit_printing():
    """Profiles made by these tests are not printed when pytest exits."""
    before = list(profiling._atexit_print_list)
    yield
    profiling._atexit_print_list[:] = before


def summary_text(profile, **kwargs) -> str:
    out = io.StringIO()
    profile.summary(file=out, **kwargs)
    return out.getvalue()


def section(text: str, title: str, underline: str) -> list[str]:
    """Rows of one table of the summary (between its header line and the '... (remaining' line)."""
    lines = text.splitlines()
    start = lines.index(title)
    assert lines[start + 1] == underline
    rows = []
    for line in lines[start + 3:]:
        if line.startswith("   ... (remaining"):
            return rows
        rows.append(line)
    raise AssertionError(f"section {title} does not end")


def table_row(rows: list[str], name: str) -> list[str]:
    """Columns of the row whose name column is ``name`` (the name may contain spaces)."""
    matches = [row for row in rows if row.endswith(" " + name)]
    assert len(matches) == 1, (name, rows)
    return matches[0][: -len(name)].split()


def mixed_function(mode):
    x = T.dvector("x")
    y = T.dvector("y")
    z = TwiceInPython()(T.exp(x) + y) * 3.0
    return theano.function([x, y], z, mode=mode, profile=True, name="mixed")


@pytest.mark.skipif(not c_backend_available(), reason="needs a C compiler")
def test_c_program_counts_types_and_sections():
    f = mixed_function("FAST_RUN")
    assert isinstance(f.fn, CVM)
    v = np.linspace(0, 1, 1000)
    for _ in range(N_CALLS):
        np.testing.assert_allclose(f(v, v), (np.exp(v) + v) * 2 * 3.0)
    profile = f.profile
    nodes = f.fn.nodes
    assert profile.fct_callcount == N_CALLS
    assert [profile.apply_callcount[node] for node in nodes] == [N_CALLS] * len(nodes)
    assert [profile.apply_cimpl[node] for node in nodes] == list(f.fn.c_nodes)
    twice = [node for node in nodes if isinstance(node.op, TwiceInPython)]
    assert len(twice) == 1 and profile.apply_cimpl[twice[0]] is False
    assert any(profile.apply_cimpl.values())

    text = summary_text(profile)
    assert text.startswith("Function profiling\n==================\n  Message: mixed\n")
    assert f"  Time in {N_CALLS} calls to Function.__call__: " in text
    for label in ("Time in Function.fn.__call__:", "Time in thunks:", "Total compile time:",
                  f"Number of Apply nodes: {len(nodes)}", "Optimizer time", "Linker time"):
        assert label in text, label
    header = "<% time> <sum %> <apply time> <time per call> <type> <#call> <#apply>"
    assert f"{header} <Class name>" in text
    assert f"{header} <Op name>" in text
    assert "<% time> <sum %> <apply time> <time per call> <#call> <id> <Apply name>" in text

    classes = section(text, "Class", "---")
    columns = table_row(classes, f"{__name__}.TwiceInPython")
    assert columns[4:] == ["Py", str(N_CALLS), "1"]
    for node, in_c in zip(nodes, f.fn.c_nodes):
        name = f"{type(node.op).__module__}.{type(node.op).__qualname__}"
        kinds = {c for n, c in zip(nodes, f.fn.c_nodes) if type(n.op) is type(node.op)}
        expected = "C+Py" if len(kinds) == 2 else ("C" if in_c else "Py")
        n_apply = sum(type(n.op) is type(node.op) for n in nodes)
        assert table_row(classes, name)[4:] == [expected, str(N_CALLS * n_apply), str(n_apply)]

    ops = section(text, "Ops", "---")
    assert table_row(ops, str(twice[0].op))[4:] == ["Py", str(N_CALLS), "1"]

    applies = section(text, "Apply", "------")
    node_rows = [row for row in applies if not row.startswith("    ")]
    assert len(node_rows) == len(nodes)
    for k, node in enumerate(nodes):
        columns = table_row(node_rows, str(node))
        assert columns[4:] == [str(N_CALLS), str(k)]
    assert "    input 0: dtype=float64, shape=(1000,), strides=c" in text

    assert "Memory Profile" in text
    assert "Max peak memory with current setting" in text
    assert "<Sum apply outputs (bytes)> <Apply outputs shape> <created/inplace/view> <Apply node>" in text
    assert f"8000B  [(1000,)] c {twice[0]}" in text or f"8000B  [(1000,)] i {twice[0]}" in text


def test_python_vm_counts_and_types():
    f = mixed_function(theano.Mode(linker="py"))
    v = np.arange(5.0)
    for _ in range(N_CALLS):
        f(v, v)
    nodes = f.fn.order
    assert f.profile.fct_callcount == N_CALLS
    assert [f.profile.apply_callcount[node] for node in nodes] == [N_CALLS] * len(nodes)
    assert not any(f.profile.apply_cimpl.values())
    text = summary_text(f.profile)
    for node in nodes:
        columns = table_row(section(text, "Ops", "---"), str(node.op))
        assert columns[4] == "Py"
    # the Python VM frees intermediate results; their shapes were recorded while it ran
    for node in nodes:
        assert f.profile.variable_shape[node.outputs[0]] == (5,)


def test_memory_peaks_with_and_without_gc():
    x = T.dvector("x")
    a = T.exp(x)
    b = T.sin(a)
    c = T.cos(b)
    mode = theano.Mode(linker="py", optimizer=None)
    with theano.change_flags(allow_gc=True):
        f = theano.function([x], c, mode=mode, profile=True)
    f(np.ones(1000))
    assert [type(n.op).__name__ for n in f.fn.order] == ["Elemwise"] * 3
    text = summary_text(f.profile)
    lines = text.splitlines()
    memory = lines[lines.index("Memory Profile"):]
    # a and b, then b and c are alive together (16000 B); without gc all three (24000 B)
    assert memory[3:9] == [
        "    Max peak memory with current setting (allow_gc=True)",
        "        CPU: 16KB",
        "    Max peak memory with current setting and Theano flag optimizer_excluding=inplace",
        "        CPU: 16KB",
        "    Max peak memory if allow_gc=False (linker don't make a difference)",
        "        CPU: 23KB",
    ]
    rows = [line for line in memory if line.strip().startswith("8000B")]
    assert len(rows) == 3 and all("[(1000,)] c " in row for row in rows)
    assert "remaining 0 Apply account for    0B/24000B" in text


def test_inplace_and_view_outputs_share_memory():
    x = T.dvector("x")
    y = x.dimshuffle("x", 0)  # a view
    profile = ProfileStats(atexit_print=False)
    f = theano.function([x], T.exp(y) + 1.0, mode="FAST_RUN", profile=profile)
    f(np.ones(1000))
    view_nodes = [n for n in f.maker.fgraph.toposort() if getattr(n.op, "view_map", None)]
    text = summary_text(profile)
    for node in view_nodes:
        assert f" v {node}" in text


def test_summary_before_any_call_and_shared_profile():
    profile = ProfileStats(atexit_print=False, message="shared")
    x = T.dvector("x")
    f = theano.function([x], T.exp(x), profile=profile)
    g = theano.function([x], TwiceInPython()(x), profile=profile)
    text = summary_text(profile)
    assert "  Message: shared" in text
    assert "  Time in 0 calls to Function.__call__: " in text
    assert "No execution time accumulated" in text
    f(np.ones(3))
    g(np.ones(3))
    g(np.ones(3))
    assert profile.fct_callcount == 3
    assert profile.nb_nodes == len(f.maker.fgraph.apply_nodes) + len(g.maker.fgraph.apply_nodes)
    for node in f.maker.fgraph.apply_nodes:
        assert profile.apply_callcount[node] == 1
    for node in g.maker.fgraph.apply_nodes:
        assert profile.apply_callcount[node] == 2
    text = summary_text(profile, n_ops_to_print=1, n_apply_to_print=1)
    assert "   ... (remaining 1 Classes account for" in text or "   ... (remaining 2 Classes account for" in text
    assert "   ... (remaining 1 Apply instances account for" in text


def test_profile_false_and_config_profile():
    x = T.dvector("x")
    assert theano.function([x], x + 1.0, profile=False).profile is None
    with theano.change_flags(profile=True):
        f = theano.function([x], x + 1.0)
        assert theano.function([x], x + 1.0, profile=False).profile is None
    assert isinstance(f.profile, ProfileStats)
    assert f.profile in profiling._atexit_print_list
    # unnamed functions are named after the line that compiled them
    assert f.profile.message.endswith(f"{os.path.basename(__file__)}:{_line_of_config_profile_call()}")
    assert f.maker.linker_time >= 0.0 and f.profile.linker_time == f.maker.linker_time
    assert f.profile.compile_time >= f.profile.linker_time
    assert ProfileStats(atexit_print=False, name="n").message == "n"
    with pytest.raises(TypeError):
        ProfileStats(atexit_print=False, no_such_field=1)


def _line_of_config_profile_call() -> int:
    """The line of ``f = theano.function(...)`` under ``change_flags(profile=True)`` above."""
    import inspect

    source, start = inspect.getsourcelines(test_profile_false_and_config_profile)
    return start + next(i for i, line in enumerate(source) if "f = theano.function" in line)


def run_python(code: str, flags: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, THEANO_FLAGS=flags)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          cwd=REPO_ROOT, timeout=300)


def test_config_profile_prints_every_function_at_exit():
    result = run_python("""
        import numpy as np
        import theano, theano.tensor as T
        x = T.dvector("x")
        f = theano.function([x], T.exp(x) * 2.0, name="first")
        g = theano.function([x], x + 1.0)
        for _ in range(3):
            f(np.ones(4))
        g(np.ones(4))
        print("done")
    """, "profile=True")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    err = result.stderr
    assert err.count("Function profiling\n==================") == 3
    assert "  Message: first\n  Time in 3 calls to Function.__call__: " in err
    assert "  Message: <string>:6\n  Time in 1 calls to Function.__call__: " in err
    assert "  Message: Sum of all(2) printed profiles at exit\n  Time in 4 calls to Function.__call__: " in err
    for title in ("Class\n---", "Ops\n---", "Apply\n------", "Memory Profile"):
        assert err.count(title) == 3, title
    assert "Time since theano import" in err


def test_profile_true_prints_at_exit_without_the_flag():
    result = run_python("""
        import numpy as np
        import theano, theano.tensor as T
        x = T.dvector("x")
        f = theano.function([x], x * 2.0, profile=True, name="only")
        g = theano.function([x], x * 3.0)
        f(np.ones(2)); f(np.ones(2)); g(np.ones(2))
    """, "profile=False")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Function profiling") == 1
    assert "  Message: only\n  Time in 2 calls to Function.__call__: " in result.stderr
