"""``theano.printing.pydotprint``: pictures of graphs through pydot and graphviz."""

import shutil

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import graph_pictures
from theano.printing import pydotprint

pydot = pytest.importorskip("pydot")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


def _function():
    x = T.dvector("x")
    w = theano.shared(np.ones(3), name="w")
    out = T.exp(x * w) * 2 + 1  # fused into one Composite
    return theano.function([x], out, updates=[(w, w * 0.5)], mode=theano.Mode(linker="py"))


def _source(obj, **kwargs) -> str:
    return pydotprint(obj, format="dot", return_image=True, **kwargs).decode()


def test_source_colours_inputs_outputs_shared_and_labels_composites():
    text = _source(_function())
    assert graph_pictures.INPUT_COLOR in text and graph_pictures.SHARED_COLOR in text
    assert graph_pictures.OUTPUT_COLOR in text
    assert "shape=box" in text
    assert "exp(" in text and "Composite" in text  # the fused expression is shown
    assert "float64 (3,)" in text  # the shared variable's real shape
    assert "float64 (?,)" in text  # the input's shape is known only at run time
    assert "update" in text


def test_variables_and_options():
    x, y = T.dmatrices("x", "y")
    z = T.dot(x, y) + T.constant(2.0)
    compact = _source(z)
    full = _source(z, compact=False)
    assert full.count("shape=ellipse") > compact.count("shape=ellipse")
    assert "val=2.0" in compact
    ids = _source(z, with_ids=True)
    assert '"1 ' in ids
    simple = _source(z, var_with_name_simple=True)
    assert 'label="x"' in simple or "label=x" in simple
    plain = _source(z, high_contrast=False)
    assert "fillcolor" not in plain
    assert _source(z, colorCodes={"Elemwise": "orchid"}).count("orchid") >= 1
    with pytest.raises(TypeError, match="pydotprint draws"):
        pydotprint(3, format="dot", return_image=True)


def test_cond_highlight_colours_the_branches():
    from theano.ifelse import ifelse

    a, b = T.dscalars("a", "b")
    out = ifelse(T.lt(a, b), T.exp(a), T.log(b))
    text = _source(out, cond_highlight=True)
    for color in (graph_pictures.TRUE_BRANCH_COLOR, graph_pictures.FALSE_BRANCH_COLOR,
                  graph_pictures.CONDITION_COLOR):
        assert color in text


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_writes_png_and_svg(tmp_path, fmt, magic, capsys):
    path = tmp_path / f"graph.{fmt}"
    pydotprint(_function(), outfile=str(path), format=fmt)
    data = path.read_bytes()
    assert len(data) > 100 and magic in data[:400]
    assert str(path) in capsys.readouterr().out


@needs_dot
def test_inner_graphs_drawn_with_scan_graphs(tmp_path):
    x = T.dvector("x")
    op = theano.OpFromGraph([x], [T.tanh(x) * 2])
    f = theano.function([x], op(x) + 1, mode=theano.Mode(linker="py"))
    path = tmp_path / "outer.svg"
    pydotprint(f, outfile=str(path), format="svg", scan_graphs=True, print_output_file=False)
    inner = list(tmp_path.glob("outer_OpFromGraph_*.svg"))
    assert path.stat().st_size > 0 and len(inner) == 1 and b"tanh" in inner[0].read_bytes()


def test_missing_pydot_is_explained(monkeypatch):
    monkeypatch.setattr(graph_pictures, "_pydot", None)
    monkeypatch.setattr(graph_pictures, "pydot_imported", False)
    with pytest.raises(ImportError, match="pip install pydot.*graphviz"):
        pydotprint(T.dvector("x"))


def test_missing_dot_program_is_explained(monkeypatch, tmp_path):
    def no_dot(*args, **kwargs):
        raise FileNotFoundError('"dot" not found in path.')

    monkeypatch.setattr(pydot.Dot, "write", no_dot)
    monkeypatch.setattr(pydot.Dot, "create", no_dot)
    with pytest.raises(ImportError, match="Install graphviz"):
        pydotprint(T.dvector("x") * 2, outfile=str(tmp_path / "g.png"))
    with pytest.raises(ImportError, match="format='dot'"):
        pydotprint(T.dvector("x") * 2, return_image=True)
