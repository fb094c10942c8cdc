"""Elementwise fusion: the graphs it builds, unchanged values, gradients, bounds and scale."""

import itertools
import pickle

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano import scalar as ts
from theano.graph.fg import FunctionGraph
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise
from theano.tensor.rewriting.elemwise import MAX_FUSED_INPUTS, FusionOptimizer, is_fusable

NO_FUSION = theano.Mode(optimizer="fast_run").excluding("fusion")
UNOPTIMIZED = theano.Mode(optimizer=None)


def elemwise_nodes(f):
    return [node for node in f.maker.fgraph.toposort() if isinstance(node.op, Elemwise)]


def fused_nodes(f):
    return [node for node in elemwise_nodes(f) if isinstance(node.op.scalar_op, Composite)]


def compile_three(inputs, outputs):
    """FAST_RUN, FAST_RUN without fusion, and no rewriting at all."""
    return (theano.function(inputs, outputs), theano.function(inputs, outputs, mode=NO_FUSION),
            theano.function(inputs, outputs, mode=UNOPTIMIZED))


def assert_same_values(fns, values):
    """Fusion changes no bit; the unoptimized graph agrees to rounding."""
    fused, unfused, reference = (f(*values) for f in fns)
    if not isinstance(fused, list):
        fused, unfused, reference = [fused], [unfused], [reference]
    for got, exact, expected in zip(fused, unfused, reference):
        assert got.dtype == exact.dtype == expected.dtype
        np.testing.assert_array_equal(got, exact)
        utt.assert_allclose(got, expected)


def is_acyclic(fgraph) -> bool:
    """Kahn's algorithm: terminates even on a cyclic graph (toposort would not)."""
    waiting = {node: sum(inp.owner in fgraph.apply_nodes for inp in node.inputs) for node in fgraph.apply_nodes}
    ready = [node for node, count in waiting.items() if count == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for out in node.outputs:
            for client, _ in fgraph.clients[out]:
                if client != "output":
                    waiting[client] -= 1
                    if waiting[client] == 0:
                        ready.append(client)
    return seen == len(waiting)


a, b, c = T.dmatrices("a", "b", "c")
A, B, C = utt.random(3, 4), utt.random(3, 4, offset=1), utt.random(3, 4, offset=2)


# ------------------------------------------------------------------------------------------
# Structure
# ------------------------------------------------------------------------------------------

def test_paper_example_becomes_one_composite():
    fns = compile_three([a, b, c], a * b + c)
    f = fns[0]
    (node,) = f.maker.fgraph.toposort()
    assert str(node.op) == "Elemwise{Composite{(i0 * i1) + i2}}"
    assert node.inputs == list(f.maker.fgraph.inputs)
    assert_same_values(fns, [A, B, C])
    text = theano.printing.debugprint(f, file="str")
    assert "Elemwise{Composite{(i0 * i1) + i2}}" in text
    assert "Composite{(i0 * i1) + i2}(a, b, c)" in theano.printing.pprint(f.maker.fgraph.outputs[0])


def test_chain_of_ten_becomes_one_node():
    out = a
    for op in [T.sin, T.cos, T.tanh, T.exp, T.sin, T.cos, T.tanh, T.exp, T.sin, T.cos]:
        out = op(out)
    fns = compile_three([a], out)
    (node,) = fns[0].maker.fgraph.toposort()
    assert str(node.op) == "Elemwise{Composite{cos(sin(exp(tanh(cos(sin(exp(tanh(cos(sin(i0))))))))))}}"
    assert len(node.op.scalar_op.nodes) == 10
    assert_same_values(fns, [A])


def test_diamond_becomes_one_node():
    t = T.exp(a)
    out = T.sin(t) * T.cos(t) + t
    fns = compile_three([a], out)
    (node,) = fns[0].maker.fgraph.toposort()
    assert str(node.op.scalar_op) == "Composite{t0 = exp(i0); (sin(t0) * cos(t0)) + t0}"
    assert_same_values(fns, [A])


def test_intermediate_output_becomes_an_extra_output():
    t = T.tanh(a * b)
    fns = compile_three([a, b, c], [t, t + c])
    (node,) = fns[0].maker.fgraph.toposort()
    assert len(node.outputs) == 2
    assert str(node.op.scalar_op) == "Composite{t0 = tanh((i0 * i1)); t0, t0 + i2}"
    assert_same_values(fns, [A, B, C])


def test_intermediate_used_by_dot_is_an_output_of_the_fused_node():
    w = T.dmatrix("w")
    t = T.tanh(a * 2.0)
    fns = compile_three([a, w], [T.dot(t, w), T.sqr(t) + 1.0])
    fused = fused_nodes(fns[0])
    assert len(fused) == 1 and len(fused[0].outputs) == 2
    assert len(elemwise_nodes(fns[0])) == 1
    assert_same_values(fns, [A, utt.random(4, 2, offset=5)])


def test_a_path_through_a_reduction_is_not_fused_into_a_cycle():
    t = T.exp(a)
    total = T.sum(t, axis=1, keepdims=True)
    out = T.sin(t) / total
    fns = compile_three([a], out)
    f = fns[0]
    assert is_acyclic(f.maker.fgraph)
    # exp and sin fuse; the division needs the sum of exp, so it stays out of that node
    (fused,) = fused_nodes(f)
    assert str(fused.op.scalar_op) == "Composite{t0 = exp(i0); t0, sin(t0)}"
    division = f.maker.fgraph.outputs[0].owner
    assert division.op.scalar_op == ts.true_div
    assert_same_values(fns, [A])


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_two_groups_that_would_depend_on_each_other_stay_apart(order):
    # Two groups, a vector one {exp, mul} and a scalar one {cast, 1/n, sum/n}: each is convex,
    # but the scalar group needs sum(exp(v)) while the vector group needs 1/n. Fused together
    # they would depend on each other, whatever order the nodes are visited in.
    v = T.dvector("v")
    n = T.cast(v.shape[0], "float64")
    u = T.exp(v)
    total = T.sum(u)
    outputs = [total, u * (1.0 / n), total / n]
    outputs = [outputs[k] for k in order]
    fgraph = FunctionGraph([v], outputs)
    FusionOptimizer().apply(fgraph)
    assert is_acyclic(fgraph)
    value = utt.random(6)
    got = theano.function(fgraph.inputs, fgraph.outputs, mode=UNOPTIMIZED)(value)
    for result, expected in zip(got, theano.function([v], outputs, mode=UNOPTIMIZED)(value)):
        np.testing.assert_array_equal(result, expected)
    assert_same_values(compile_three([v], outputs), [value])


def test_different_broadcast_patterns_fuse_separately():
    r = T.drow("r")
    row_part = T.exp(r) * 2.0
    fns = compile_three([a, r], T.sin(a) + row_part)
    fused = fused_nodes(fns[0])
    patterns = sorted(node.outputs[0].type.broadcastable for node in fused)
    assert patterns == [(False, False), (True, False)]
    assert len(elemwise_nodes(fns[0])) == 2
    assert_same_values(fns, [A, utt.random(1, 4)])


def test_input_bound():
    vectors = T.dvectors(*[f"x{i}" for i in range(40)])
    total = vectors[0]
    for k, x in enumerate(vectors[1:]):
        total = T.maximum(total, x) if k % 2 else total * T.tanh(x)
    fns = compile_three(list(vectors), total)
    fused = fused_nodes(fns[0])
    assert len(fused) >= 2
    assert all(len(node.inputs) <= MAX_FUSED_INPUTS for node in fused)
    assert_same_values(fns, [utt.random(3, offset=k) for k in range(40)])


def test_smaller_bound_given_to_the_optimizer():
    x, y, z, w = T.dvectors("x", "y", "z", "w")
    fgraph = FunctionGraph([x, y, z, w], [((x + y) * z) - w], clone=False)
    assert FusionOptimizer(max_inputs=3).apply(fgraph) == 1
    nodes = fgraph.toposort()
    assert [len(node.inputs) for node in nodes] == [2, 2] or [len(n.inputs) for n in nodes] == [3, 2]
    assert all(len(node.inputs) <= 3 for node in nodes)


def test_inplace_elemwise_is_not_fused():
    x, y = T.dvectors("x", "y")
    inplace_add = Elemwise(ts.add, {0: 0})
    out = T.exp(inplace_add(x, y))
    assert not is_fusable(out.owner.inputs[0].owner)
    fgraph = FunctionGraph([x, y], [out * 2.0], clone=False)
    FusionOptimizer().apply(fgraph)
    ops = [node.op for node in fgraph.toposort() if isinstance(node.op, Elemwise)]
    assert len(ops) == 2 and ops[0] == inplace_add and isinstance(ops[1].scalar_op, Composite)


def test_scalar_op_without_array_impl_is_not_fused():
    class NoImpl(ts.UnaryScalarOp):
        output_types_preference = ts.basic.upgrade_to_float
        name = "no_impl"

    x = T.dvector("x")
    out = T.exp(Elemwise(NoImpl())(T.sin(x)))
    assert not is_fusable(out.owner.inputs[0].owner)
    fgraph = FunctionGraph([x], [out], clone=False)
    assert FusionOptimizer().apply(fgraph) == 0


def test_composites_flatten_when_fused_again():
    x, y, z = ts.float64("x"), ts.float64("y"), ts.float64("z")
    user_fused = Elemwise(Composite([x, y, z], [x * y + z]))
    fns = compile_three([a, b, c], T.exp(user_fused(a, b, c)) - a)
    (node,) = fns[0].maker.fgraph.toposort()
    composite = node.op.scalar_op
    assert not any(isinstance(inner.op, Composite) for inner in composite.nodes)
    assert str(composite) == "Composite{exp(((i0 * i1) + i2)) - i0}"
    assert_same_values(fns, [A, B, C])


def test_useless_composites_are_unwrapped():
    x, y = ts.float64("x"), ts.float64("y")
    single = Elemwise(Composite([x], [ts.exp(x)]))
    f = theano.function([a], single(a))
    assert [str(node.op) for node in f.maker.fgraph.toposort()] == ["Elemwise{exp}"]
    two = Elemwise(Composite([x, y], [ts.exp(x) + y, ts.sin(x)]))
    g = theano.function([a, b], two(a, b)[0])
    (node,) = g.maker.fgraph.toposort()
    assert len(node.outputs) == 1 and str(node.op.scalar_op) == "Composite{exp(i0) + i1}"
    np.testing.assert_allclose(g(A, B), np.exp(A) + B)


def test_fused_op_pickles():
    f = theano.function([a, b, c], T.tanh(a * b + c))
    (node,) = f.maker.fgraph.toposort()
    op = pickle.loads(pickle.dumps(node.op))
    assert op == node.op and hash(op) == hash(node.op)
    out = op(a, b, c)
    np.testing.assert_array_equal(theano.function([a, b, c], out, mode=UNOPTIMIZED)(A, B, C), f(A, B, C))


def test_merge_joins_equal_fused_nodes():
    f = theano.function([a, b, c], [T.exp(a * b) + c, T.exp(a * b) + c + 0 * a])
    fused = fused_nodes(f)
    assert len({node.op for node in fused}) <= len(fused)
    g = theano.function([a, b], [T.sin(a) * b, T.sin(a) * b])
    assert len(fused_nodes(g)) == 1


def test_infer_shape_of_fused_node():
    r = T.drow("r")
    x, y = ts.float64("x"), ts.float64("y")
    out = Elemwise(Composite([x, y], [ts.exp(x) * y, x - y]))(a, r)
    utt.check_infer_shape([a, r], out, [A, utt.random(1, 4)])


# ------------------------------------------------------------------------------------------
# Values across dtypes and broadcasting
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int8"])
def test_values_equal_unfused(dtype):
    x = T.matrix("x", dtype=dtype)
    y = T.matrix("y", dtype=dtype)
    r = T.row("r", dtype=dtype)
    outputs = [x * y + r, (x - r) * 3 + y, T.maximum(x, y) - T.minimum(r, 2), T.sqr(x) + abs(y) * r]
    if dtype.startswith("float"):
        outputs += [T.tanh(x * y + r) / (1 + T.exp(-r)), T.switch(T.lt(x, y), T.log1p(abs(x)), y ** 2)]
    else:
        outputs += [(x + y) / (abs(r) + 1), T.switch(T.lt(x, y), x * 2, y // 3)]
    low, high = (-1, 1) if dtype.startswith("float") else (-20, 20)
    values = [utt.random(3, 4, dtype=dtype, low=low, high=high, offset=1),
              utt.random(3, 4, dtype=dtype, low=low, high=high, offset=2),
              utt.random(1, 4, dtype=dtype, low=low, high=high, offset=3)]
    fns = compile_three([x, y, r], outputs)
    assert len(fused_nodes(fns[0])) >= 1
    assert_same_values(fns, values)


def test_mixed_dtypes_and_constants():
    i = T.imatrix("i")
    f32 = T.fmatrix("f")
    b8 = T.bmatrix("b")
    out = [(i * 2 + b8) * f32, T.exp(f32) + i, (b8 > 0) * f32 + T.cast(i, "float32") / 7]
    fns = compile_three([i, f32, b8], out)
    assert fused_nodes(fns[0])
    values = [utt.random(2, 5, dtype="int32", low=-5, high=5), utt.random(2, 5, dtype="float32", offset=1),
              utt.random(2, 5, dtype="int8", low=-3, high=3, offset=2)]
    assert_same_values(fns, values)


def test_zero_dimensional_graphs_fuse():
    x, y = T.dscalars("x", "y")
    fns = compile_three([x, y], T.exp(x) * y + T.sin(y))
    assert len(fns[0].maker.fgraph.toposort()) == 1
    assert_same_values(fns, [np.float64(0.3), np.float64(-1.2)])


# ------------------------------------------------------------------------------------------
# Gradients
# ------------------------------------------------------------------------------------------

def test_gradient_of_a_fused_graph():
    w = T.dmatrix("w")
    hidden = T.tanh(T.dot(a, w) + b[:, :2])
    cost = T.sum(T.sqr(hidden - 0.5) * T.exp(-abs(hidden)))
    grads = T.grad(cost, [a, w, b])
    fns = compile_three([a, w, b], grads)
    assert fused_nodes(fns[0])
    assert is_acyclic(fns[0].maker.fgraph)
    assert_same_values(fns, [A, utt.random(4, 2, offset=7), B])


def test_gradient_through_a_compiled_fused_node():
    f = theano.function([a, b, c], T.tanh(a * b + c))
    (node,) = f.maker.fgraph.toposort()
    fused_op = node.op
    out = fused_op(a, b, c)
    grads = T.grad(T.sum(out * out), [a, b, c])
    fast, plain = theano.function([a, b, c], grads), theano.function([a, b, c], grads, mode=UNOPTIMIZED)
    t = np.tanh(A * B + C)
    expected = 2 * t * (1 - t * t)
    for got, ref, factor in zip(fast(A, B, C), plain(A, B, C), [B, A, 1.0]):
        utt.assert_allclose(got, ref)
        utt.assert_allclose(got, expected * factor)


# ------------------------------------------------------------------------------------------
# Random graphs: no cycles, same values
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_fuse_without_cycles(seed):
    gen = np.random.default_rng(seed)
    inputs = list(T.dmatrices("p", "q", "s"))
    pool = list(inputs)
    unary = [T.exp, T.sin, T.tanh, T.neg, T.sqr]
    binary = [T.add, T.mul, T.sub, T.maximum]
    for _ in range(25):
        choice = gen.integers(4)
        pick = [pool[k] for k in gen.integers(len(pool), size=2)]
        if choice == 0:
            new = unary[gen.integers(len(unary))](pick[0])
        elif choice == 1:
            new = binary[gen.integers(len(binary))](pick[0], pick[1])
        elif choice == 2:  # a reduction broadcast back: a path that leaves the elementwise world
            new = pick[0] * T.tanh(T.sum(pick[1], axis=1, keepdims=True))
        else:
            new = T.dot(T.tanh(pick[0]), T.sin(pick[1])) * 0.1 + pick[1]
        pool.append(new)
    outputs = [pool[-1], pool[len(pool) // 2], pool[-3]]
    fgraph = FunctionGraph(inputs, outputs)
    FusionOptimizer().apply(fgraph)
    assert is_acyclic(fgraph)
    values = [utt.random(3, 3, offset=seed + k, low=-0.5, high=0.5) for k in range(3)]
    fused = theano.function(fgraph.inputs, fgraph.outputs, mode=UNOPTIMIZED, on_unused_input="ignore")
    reference = theano.function(inputs, outputs, mode=UNOPTIMIZED, on_unused_input="ignore")
    for got, expected in zip(fused(*values), reference(*values)):
        np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------------------------------------
# Scale
# ------------------------------------------------------------------------------------------

def test_chain_of_a_thousand_ops_fuses_without_recursion():
    x = T.dvector("x")
    out = x
    for k in range(1000):
        out = [T.sin, T.cos, T.tanh][k % 3](out)
    fgraph = FunctionGraph([x], [out])
    assert FusionOptimizer().apply(fgraph) == 1
    (node,) = fgraph.toposort()
    assert len(node.op.scalar_op.nodes) == 1000
    value = utt.random(5)
    got = theano.function(fgraph.inputs, fgraph.outputs, mode=UNOPTIMIZED)(value)[0]
    expected = theano.function([x], out, mode=UNOPTIMIZED)(value)
    np.testing.assert_array_equal(got, expected)


def test_compiling_a_long_chain_gives_one_node():
    x = T.dvector("x")
    out = x
    for k in range(300):
        out = [T.sin, T.exp, T.tanh][k % 3](out) if k % 2 else out * 0.5 + x
    f = theano.function([x], out)
    assert len(f.maker.fgraph.toposort()) == 1
    value = utt.random(4)
    utt.assert_allclose(f(value), theano.function([x], out, mode=UNOPTIMIZED)(value))
