"""theano.printing: debugprint, pprint, the Print op and short graph descriptions."""

import io
import pickle
from types import SimpleNamespace

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.graph.basic import Apply
from theano.graph.fg import FunctionGraph
from theano.graph.op import Op
from theano.printing import (
    FunctionPrinter,
    LeafPrinter,
    OperatorPrinter,
    PatternPrinter,
    Print,
    char_from_number,
    debugprint,
    min_informative_str,
    pp,
    pprint,
    pydotprint,
    var_descriptor,
)
from theano.tensor.type import TensorType

# The ops' own labels, so that the layout is what these tests pin down.
ADD, MUL, EXP, SUB = str(T.add), str(T.mul), str(T.exp), str(T.sub)
NO_OPT = theano.Mode(linker="py", optimizer=None)


def lines(*rows):
    return "\n".join(rows) + "\n"


class TwoOutputs(Op):
    """A test op with two outputs: x + 1 and x - 1."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type(), x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0] + 1
        output_storage[1][0] = inputs[0] - 1

    def __str__(self):
        return "TwoOutputs"


class Double(Op):
    """A test op: 2 * x."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0] * 2


# ------------------------------------------------------------------------------------------
# debugprint
# ------------------------------------------------------------------------------------------

def test_debugprint_small_graph():
    x, y, z = T.dmatrices("x", "y", "z")
    out = x + y * T.exp(z)
    assert debugprint(out, file="str") == lines(
        f"{ADD} [id A] ''   ",
        " |x [id B]",
        f" |{MUL} [id C] ''   ",
        "   |y [id D]",
        f"   |{EXP} [id E] ''   ",
        "     |z [id F]",
    )


def test_debugprint_named_output_and_unnamed_input():
    x = T.dvector()
    y = T.dvector("y")
    out = x - y
    out.name = "diff"
    assert debugprint(out, file="str") == lines(
        f"{SUB} [id A] 'diff'   ",
        " |<TensorType(float64, vector)> [id B]",
        " |y [id C]",
    )


def test_debugprint_repeated_subgraph_printed_once():
    x, y = T.dvectors("x", "y")
    shared_part = T.exp(x * y)
    out = shared_part + shared_part * x
    assert debugprint(out, file="str") == lines(
        f"{ADD} [id A] ''   ",
        f" |{EXP} [id B] ''   ",
        f" | |{MUL} [id C] ''   ",
        " |   |x [id D]",
        " |   |y [id E]",
        f" |{MUL} [id F] ''   ",
        f"   |{EXP} [id B] ''   ",
        "   |x [id D]",
    )


def test_debugprint_multiple_outputs_share_ids():
    x, y = T.dvectors("x", "y")
    total = x + y
    out = [total * 2.0, total]
    text = debugprint(out, file="str", depth=2)
    assert text.splitlines()[-1] == f"{ADD} [id B] ''   "
    assert text.splitlines()[1] == f" |{ADD} [id B] ''   "


@pytest.mark.parametrize("mode, labels", [
    ("CHAR", ["[id A]", "[id B]", "[id C]"]),
    ("int", ["[id 0]", "[id 1]", "[id 2]"]),
    ("", ["", "", ""]),
])
def test_debugprint_ids_modes(mode, labels):
    x, y = T.dvectors("x", "y")
    text = debugprint(x + y, file="str", ids=mode)
    a, b, c = labels
    assert text == lines(f"{ADD} {a} ''   ", f" |x {b}", f" |y {c}")


def test_debugprint_python_ids():
    x, y = T.dvectors("x", "y")
    out = x + y
    text = debugprint(out, file="str", ids="id")
    assert f"[id {id(out.owner)}]" in text.splitlines()[0]
    assert text.splitlines()[1] == f" |x [id {id(x)}]"


def test_debugprint_rejects_bad_arguments():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="ids must be one of"):
        debugprint(x, ids="letters", file="str")
    with pytest.raises(TypeError, match="depth must be an int"):
        debugprint(x, depth=1.5, file="str")
    with pytest.raises(TypeError, match="cannot print an object of type str"):
        debugprint("x + y", file="str")


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_debugprint_print_type(dtype):
    x = T.matrix("x", dtype=dtype)
    v = T.vector("v", dtype=dtype)
    out = x + v
    ds = out.owner.inputs[1]
    assert debugprint(out, file="str", print_type=True) == lines(
        f"{ADD} [id A] <TensorType({dtype}, matrix)> ''   ",
        f" |x [id B] <TensorType({dtype}, matrix)>",
        f" |{ds.owner.op} [id C] <TensorType({dtype}, row)> ''   ",
        f"   |v [id D] <TensorType({dtype}, vector)>",
    )


def test_debugprint_depth_and_stop_on_name():
    x, y = T.dvectors("x", "y")
    inner = T.exp(x)
    inner.name = "ex"
    out = inner * y
    assert debugprint(out, file="str", depth=1) == lines(f"{MUL} [id A] ''   ")
    assert debugprint(out, file="str", depth=2) == lines(
        f"{MUL} [id A] ''   ", f" |{EXP} [id B] 'ex'   ", " |y [id C]")
    assert debugprint(out, file="str", stop_on_name=True) == lines(
        f"{MUL} [id A] ''   ", f" |{EXP} [id B] 'ex'   ", " |y [id C]")
    assert debugprint(out, file="str") == lines(
        f"{MUL} [id A] ''   ", f" |{EXP} [id B] 'ex'   ", " | |x [id C]", " |y [id D]")


def test_debugprint_multi_output_node():
    x = T.dvector("x")
    first, second = TwoOutputs()(x)
    out = first * second
    assert debugprint(out, file="str") == lines(
        f"{MUL} [id A] ''   ",
        " |TwoOutputs.0 [id B] ''   ",
        " | |x [id C]",
        " |TwoOutputs.1 [id B] ''   ",
    )
    # An Apply node prints each of its outputs.
    assert debugprint(first.owner, file="str") == lines(
        "TwoOutputs.0 [id A] ''   ", " |x [id B]", "TwoOutputs.1 [id A] ''   ")


def test_debugprint_max_and_argmax_index():
    x = T.dmatrix("x")
    maximum, argmax = T.max_and_argmax(x, axis=0)
    op = maximum.owner.op
    assert debugprint([maximum, argmax], file="str") == lines(
        f"{op}.0 [id A] ''   ", " |x [id B]", f"{op}.1 [id A] ''   ")


def test_debugprint_compiled_function_uses_toposort_positions():
    x, y = T.dvectors("x", "y")
    product = x * y
    f = theano.function([x, y], [product + T.exp(product), product], mode=NO_OPT)
    order = f.maker.fgraph.toposort()
    assert [str(node.op) for node in order] == [MUL, EXP, ADD]
    assert debugprint(f, file="str") == lines(
        f"{ADD} [id A] ''   2",
        f" |{MUL} [id B] ''   0",
        " | |x [id C]",
        " | |y [id D]",
        f" |{EXP} [id E] ''   1",
        f"   |{MUL} [id B] ''   0",
        f"{MUL} [id B] ''   0",
    )
    # The FunctionGraph prints the same way.
    assert debugprint(f.maker.fgraph, file="str") == debugprint(f, file="str")


def test_debugprint_compiled_function_clients_and_storage():
    x = T.dvector("x")
    doubled = x * 2.0
    f = theano.function([x], [doubled + 1.0, doubled - 1.0], mode=NO_OPT)
    text = debugprint(f, file="str", print_clients=True)
    first = text.splitlines()[1]
    assert first.startswith(f" |{MUL} [id B] ''   ")
    assert first == f" |{MUL} [id B] ''   1 clients:[('[id A]', 3), ('[id C]', 5)]"
    f(np.array([1.0, 2.0]))
    stored = debugprint(f, file="str", print_storage=True).splitlines()
    # Inputs and constants keep their values; intermediate results were freed after the call.
    assert stored[2] == " | |x [id C] [array([1., 2.])]"
    assert stored[4] == " |   |TensorConstant{2.0} [id E] [array(2.)]"
    assert stored[1] == f" |{MUL} [id B] ''   1 [None]"


def test_debugprint_function_graph_without_compiling():
    x = T.dscalar("x")
    fgraph = FunctionGraph([x], [T.exp(x)], clone=False)
    assert debugprint(fgraph, file="str") == lines(f"{EXP} [id A] ''   0", " |x [id B]")


def test_debugprint_file_targets(capsys):
    x = T.dscalar("x")
    assert debugprint(x) is None
    assert capsys.readouterr().out == "x [id A]\n"
    buffer = io.StringIO()
    assert debugprint(x, file=buffer) is buffer
    assert buffer.getvalue() == "x [id A]\n"


def test_debugprint_shares_used_ids_between_calls():
    x, y = T.dvectors("x", "y")
    used, done = {}, {}
    debugprint(x + y, file="str", used_ids=used, done=done)
    again = debugprint(x * y, file="str", used_ids=used, done=done)
    assert again == lines(f"{MUL} [id D] ''   ", " |x [id B]", " |y [id C]")


def test_debugprint_in_and_out_wrappers():
    x = T.dscalar("x")
    assert debugprint([theano.In(x), theano.Out(x)], file="str") == lines("x [id A]", "x [id A]")


def test_char_ids_past_z():
    assert [char_from_number(n) for n in (0, 1, 25, 26, 27, 26 * 26)] == ["A", "B", "Z", "BA", "BB", "BAA"]


def test_deep_chain_prints_without_recursion():
    x = T.dvector("x")
    out = x
    for i in range(5000):
        out = T.exp(out) if i % 2 else out * 2.0
    text = debugprint(out, file="str", depth=-1)
    rows = text.splitlines()
    # 5,000 nodes, a DimShuffle and a constant under each of the 2,500 products, and x.
    assert len(rows) == 10001
    assert rows[0] == f"{EXP} [id A] ''   "
    assert sum(row.lstrip(" |").startswith(EXP + " ") for row in rows) == 2500
    assert sum(row.lstrip(" |").startswith("x [id ") for row in rows) == 1
    assert max(len(row) for row in rows) > 10000  # indentation grows with depth
    assert pp(out).count("exp(") == 2500
    assert min_informative_str(out).count(EXP) == 2500
    assert var_descriptor(out).count(EXP + "(") == 2500


# ------------------------------------------------------------------------------------------
# pprint
# ------------------------------------------------------------------------------------------

def _variables():
    x, y, z = T.dmatrices("x", "y", "z")
    i, j = T.imatrices("i", "j")
    return SimpleNamespace(x=x, y=y, z=z, i=i, j=j, k=T.iscalar("k"))


# (expected text, expression built from the variables above)
PPRINT_CASES = [
    ("(x + (y * exp(z)))", lambda v: v.x + v.y * T.exp(v.z)),
    ("((x + y) * z)", lambda v: (v.x + v.y) * v.z),
    ("((x - y) - z)", lambda v: v.x - v.y - v.z),
    ("(x / y)", lambda v: v.x / v.y),
    ("(i // j)", lambda v: v.i // v.j),
    ("(i % j)", lambda v: v.i % v.j),
    ("(x ** y)", lambda v: v.x ** v.y),
    ("(-x)", lambda v: -v.x),
    ("(-(x * y))", lambda v: -(v.x * v.y)),
    ("(x < y)", lambda v: T.lt(v.x, v.y)),
    ("(x >= y)", lambda v: T.ge(v.x, v.y)),
    ("(x == y)", lambda v: T.eq(v.x, v.y)),
    ("(x != y)", lambda v: T.neq(v.x, v.y)),
    ("exp(x)", lambda v: T.exp(v.x)),
    ("log((exp(x) + y))", lambda v: T.log(T.exp(v.x) + v.y)),
    ("maximum(x, y)", lambda v: T.maximum(v.x, v.y)),
    ("x.T", lambda v: v.x.T),
    ("(x + y).T", lambda v: (v.x + v.y).T),
    ("DimShuffle{0,x,1}(x)", lambda v: v.x.dimshuffle(0, "x", 1)),
    ("x[1:2]", lambda v: v.x[1:2]),
    ("x[1:, 0]", lambda v: v.x[1:, 0]),
    ("x[::2]", lambda v: v.x[::2]),
    ("x[k]", lambda v: v.x[v.k]),
    ("x[k:(k + k)]", lambda v: v.x[v.k:v.k + v.k]),
    ("x[1::k, k]", lambda v: v.x[1::v.k, v.k]),
    ("(x + c)", lambda v: v.x + T.constant(1.5, name="c")),
    ("(x \u00b7 y)", lambda v: T.dot(v.x, v.y)),
    ("x.shape", lambda v: v.x.shape),
]


@pytest.mark.parametrize("expected, build", PPRINT_CASES, ids=[case[0] for case in PPRINT_CASES])
def test_pprint_expressions(expected, build):
    assert pp(build(_variables())) == expected
    assert theano.pp is pp


def test_pprint_leaves_and_constants():
    v = T.dvector()
    assert pp(v) == "<TensorType(float64, vector)>"
    assert pp(v[1]) == "<TensorType(float64, vector)>[1]"
    x = T.dvector("x")
    out = x * 3.0
    const = out.owner.inputs[1].owner.inputs[0]
    assert pp(out) == f"(x * {const})"


def test_pprint_generic_fallback():
    x = T.dmatrix("x")
    total = x.sum()
    assert pp(total) == f"{total.owner.op}(x)"
    maximum, argmax = T.max_and_argmax(x, axis=0)
    assert pp(argmax) == f"{argmax.owner.op}.1(x)"
    assert pp(Double()(x) + 1.5).startswith("(Double(x) + ")


def test_pprint_assign_op_class_instance_and_predicate():
    x = T.dvector("x")
    printer = pprint.clone_assign(Double, FunctionPrinter("twice"))
    assert printer(Double()(x) * x) == "(twice(x) * x)"
    assert pp(Double()(x)) == "Double(x)"  # the shared printer is unchanged
    printer.assign(T.exp, FunctionPrinter("e^"))
    assert printer(T.exp(x)) == "e^(x)"
    printer.assign(T.add, OperatorPrinter("plus", -2, "either"))
    assert printer(x + x) == "(x plus x)"

    class Hidden(LeafPrinter):
        def process(self, output, pstate):
            return "***"

    def is_secret(pstate, r):
        return r.name == "secret"

    printer.assign(is_secret, Hidden())
    secret = T.dvector("secret")
    assert printer(secret + x) == "(*** plus x)"
    printer.assign(Double, PatternPrinter("%(0)s*2"))
    assert printer(Double()(secret)) == "****2"
    with pytest.raises(TypeError, match="expects an Op"):
        printer.assign(42, LeafPrinter())


def test_pprint_process_graph():
    x, y = T.dvectors("x", "y")
    hidden = x * y
    hidden.name = "h"
    out = hidden + T.exp(hidden)
    assert pprint([x, y], [out]) == "h = (x * y)\nreturn (h + exp(h))"
    out.name = "result"
    assert pprint([x, y], [out, hidden]) == "result = (h + exp(h))\nh = (x * y)"


def test_pprint_rejects_non_variables():
    with pytest.raises(TypeError, match="expects a Variable"):
        pp(3)


# ------------------------------------------------------------------------------------------
# Print
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("shape", [(2,), (2, 3), ()])
def test_print_prints_and_passes_value_through(capsys, dtype, shape):
    x = TensorType(dtype, (False,) * len(shape))("x")
    value = utt.random(*shape, dtype=dtype, low=-5, high=5) if shape else np.asarray(3, dtype=dtype)
    f = theano.function([x], Print("x")(x))
    result = f(value)
    assert capsys.readouterr().out == f"x __str__ = {value}\n"
    assert result.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(result, value)


def test_print_inside_a_graph(capsys):
    x = T.dvector("x")
    value = np.array([1.0, 2.0])
    f = theano.function([x], Print("doubled")(x * 2) + 1)
    np.testing.assert_array_equal(f(value), value * 2 + 1)
    assert capsys.readouterr().out == f"doubled __str__ = {value * 2}\n"


def test_print_attributes_and_global_fn(capsys):
    x = T.dmatrix("x")
    value = np.arange(6.0).reshape(2, 3)
    theano.function([x], Print("m", attrs=("shape", "min"))(x))(value)
    assert capsys.readouterr().out == "m shape = (2, 3)\nm min = 0.0\n"
    seen = []

    def remember(op, data):
        seen.append((op.message, data.sum()))

    theano.function([x], Print("sum", global_fn=remember)(x))(value)
    assert seen == [("sum", 15.0)]
    assert capsys.readouterr().out == ""


def test_print_op_properties():
    op = Print("x")
    assert op.view_map == {0: [0]}
    assert op == Print("x") and hash(op) == hash(Print("x"))
    assert op != Print("y") and op != Print("x", attrs=("shape",))
    assert str(op) == "Print{message='x', attrs=('__str__',)}"
    x = T.dvector("x")
    out = op(x)
    assert out.type == x.type
    assert op.do_constant_folding(out.owner) is False
    restored = pickle.loads(pickle.dumps(op))
    assert restored == op
    constant = Print("c")(np.array([1.0, 2.0]))
    assert constant.type == T.dvector().type


@pytest.mark.parametrize("shape", [(3,), (2, 4), (1, 2, 3)])
def test_print_infer_shape(shape):
    x = TensorType("float64", (False,) * len(shape))("x")
    utt.check_infer_shape([x], [Print("x", global_fn=_silent)(x)], [utt.random(*shape)], op_class=Print)


def _silent(op, value):
    return None


# ------------------------------------------------------------------------------------------
# Descriptions, str(node), pictures
# ------------------------------------------------------------------------------------------

def test_min_informative_str():
    x, y = T.dvectors("x", "y")
    product = x * y
    out = product + product
    assert min_informative_str(out) == "\n".join([
        f"A. {ADD}",
        f" B. {MUL}",
        "  C. x",
        "  D. y",
        " <B>",
    ])
    product.name = "p"
    assert min_informative_str(product + x) == f"A. {ADD}\n B. p\n C. x"


def test_var_descriptor_is_position_independent():
    def build():
        x, y = T.dvectors("x", "y")
        product = x * y
        return product + T.exp(product)

    first, second = build(), build()
    assert var_descriptor(first) == var_descriptor(second)
    assert var_descriptor(first) == f"A={ADD}(B={MUL}(C=x,D=y),E={EXP}(<B>))"
    x, y = T.dvectors("x", "y")
    assert var_descriptor(x * y + T.exp(x)) != var_descriptor(first)
    assert var_descriptor(x + np.float64(1.0)) != var_descriptor(x + np.float64(2.0))


def test_str_of_apply_node():
    x, y = T.dvectors("x", "y")
    assert str((x + y).owner) == f"{ADD}(x, y)"
    assert str(TwoOutputs()(x)[0].owner) == "TwoOutputs(x)"


def test_pydotprint_explains_missing_graphviz(monkeypatch):
    from theano import graph_pictures

    monkeypatch.setattr(graph_pictures, "_pydot", None)  # as if pydot were not installed
    x = T.dvector("x")
    with pytest.raises(ImportError, match="graphviz"):
        pydotprint(x)
