"""MRG_RandomStreams against a reference MRG31k3p written here, on the Python and C backends.

The reference follows the definition of the generator (L'Ecuyer and Touzin, MRG31k3p) with
Python integers, one number at a time; streams are spaced by jump matrices computed here by
binary exponentiation, checked against brute-force stepping and against the published
``A1p72``.
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import NullTypeGradError
from theano.link.c import compiler
from theano.sandbox.rng_mrg import MRG_RandomStreams, MRGUniform

M1 = 2**31 - 1
M2 = 2**31 - 21069


# ------------------------------------------------------------------------------------------
# The reference
# ------------------------------------------------------------------------------------------

def ref_step(state):
    """One MRG31k3p step: (new state, z) with z in [1, M1]."""
    x1, x2 = state[:3], state[3:]
    new1 = (2**22 * x1[1] + (2**7 + 1) * x1[2]) % M1
    new2 = (2**15 * x2[0] + (2**15 + 1) * x2[2]) % M2
    z = (new1 - new2) % M1
    return [new1, x1[0], x1[1], new2, x2[0], x2[1]], (z if z else M1)


def ref_uniform(z, dtype):
    if dtype == "float64":
        return z / 2.0**31
    return np.float32(z) * np.float32(4.6566126e-10)


def ref_matpow(a, e, m):
    result = [[int(i == j) for j in range(3)] for i in range(3)]
    while e:
        if e & 1:
            result = [[sum(result[i][k] * a[k][j] for k in range(3)) % m for j in range(3)] for i in range(3)]
        a = [[sum(a[i][k] * a[k][j] for k in range(3)) % m for j in range(3)] for i in range(3)]
        e >>= 1
    return result


STEP1 = [[0, 2**22, 2**7 + 1], [1, 0, 0], [0, 1, 0]]
STEP2 = [[2**15, 0, 2**15 + 1], [1, 0, 0], [0, 1, 0]]


def ref_jump(state, log2_steps):
    j1, j2 = ref_matpow(STEP1, 2**log2_steps, M1), ref_matpow(STEP2, 2**log2_steps, M2)
    part1 = [sum(j1[i][k] * state[k] for k in range(3)) % M1 for i in range(3)]
    part2 = [sum(j2[i][k] * state[3 + k] for k in range(3)) % M2 for i in range(3)]
    return part1 + part2


def ref_streams(first, n_streams):
    rows = [list(first)]
    for _ in range(n_streams - 1):
        rows.append(ref_jump(rows[-1], 72))
    return rows


def ref_draw(rows, n, dtype):
    """n numbers from the stream states ``rows`` (updated in place): number i from stream i % S."""
    out = np.empty(n, dtype=dtype)
    for i in range(n):
        s = i % len(rows)
        rows[s], z = ref_step(rows[s])
        out[i] = ref_uniform(z, dtype)
    return out


def test_reference_jumps_agree_with_stepping_and_the_published_matrix():
    state = [12345] * 6
    stepped = list(state)
    for _ in range(2**10):
        stepped, _ = ref_step(stepped)
    assert ref_jump(state, 10) == stepped
    # A1p72 of L'Ecuyer's MRG31k3p (the first component's jump to the next stream)
    assert ref_matpow(STEP1, 2**72, M1) == [[1516919229, 758510237, 499121365],
                                            [1884998244, 1516919229, 335398200],
                                            [601897748, 1884998244, 358115744]]


# ------------------------------------------------------------------------------------------
# The op and the streams against the reference
# ------------------------------------------------------------------------------------------

def have_c():
    return compiler.have_compiler()


LINKERS = ["py", pytest.param("cvm", marks=pytest.mark.skipif(not have_c(), reason="no C compiler"))]


@pytest.mark.parametrize("linker", LINKERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_draws_equal_the_reference(linker, dtype):
    """Two draws (two state matrices: 2**134 apart), each called twice; 130 streams exercise the C
    kernel's blocks of 64 and a last partial block, 300 numbers a last partial round."""
    seed = 4321
    srng = MRG_RandomStreams(seed)
    a = srng.uniform((3, 100), dtype=dtype, nstreams=130)
    b = srng.uniform((7,), dtype=dtype, nstreams=3)
    f = theano.function([], [a, b], mode=theano.Mode(linker=linker))
    rows_a = ref_streams([seed] * 6, 130)
    rows_b = ref_streams(ref_jump([seed] * 6, 134), 3)
    for _ in range(2):
        out_a, out_b = f()
        assert out_a.dtype == dtype and out_a.shape == (3, 100)
        np.testing.assert_array_equal(out_a.ravel(), ref_draw(rows_a, 300, dtype))
        np.testing.assert_array_equal(out_b, ref_draw(rows_b, 7, dtype))
    # the state after the calls: the streams the draws did not reach have not moved
    state = srng.state_updates[0][0]
    np.testing.assert_array_equal(state.get_value(), np.array(rows_a, dtype="int32"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_python_and_c_agree_on_a_long_draw(dtype):
    if not have_c():
        pytest.skip("no C compiler")
    srng = MRG_RandomStreams(99)
    u = srng.uniform((20011,), dtype=dtype)
    state = srng.state_updates[0][0]
    start = state.get_value()
    py = theano.function([], u, mode=theano.Mode(linker="py"))
    c = theano.function([], u, mode=theano.Mode(linker="cvm"))
    assert c.fn.c_nodes == [True]  # the draw ran as the C kernel
    from_py, after_py = py(), state.get_value()
    state.set_value(start)
    from_c, after_c = c(), state.get_value()
    np.testing.assert_array_equal(from_py, from_c)
    np.testing.assert_array_equal(after_py, after_c)


@pytest.mark.parametrize("linker", LINKERS)
def test_values_stay_inside_zero_one(linker):
    """A state whose next step gives x1 = x2 = 0 outputs z = M1, the largest number: below 1 in float32."""
    srng = MRG_RandomStreams(5)
    u32 = srng.uniform((2,), dtype="float32", nstreams=1)
    u64 = srng.uniform((2,), dtype="float64", nstreams=1)
    for var, _, _, _ in srng.state_updates:
        var.set_value(np.array([[1, 0, 0, 0, 1, 0]], dtype="int32"))
    v32, v64 = theano.function([], [u32, u64], mode=theano.Mode(linker=linker))()
    assert v32[0] == ref_uniform(M1, "float32") and 0 < v32[0] < 1
    assert v64[0] == M1 / 2.0**31 and v64[0] < 1


def test_inplace_op_matches_on_the_c_kernel():
    if not have_c():
        pytest.skip("no C compiler")
    from theano.link.c.testing import run_node

    rstate = T.imatrix("rstate")
    size = T.lvector("size")
    start = np.array(ref_streams([777] * 6, 70), dtype="int32")
    for inplace in (False, True):
        node = MRGUniform(T.TensorType("float64", (False,)), inplace=inplace).make_node(rstate, size)
        given = start.copy()
        new_state, sample = run_node(node, [given, np.array([150])])
        rows = [[int(v) for v in r] for r in start]
        np.testing.assert_array_equal(sample, ref_draw(rows, 150, "float64"))
        np.testing.assert_array_equal(new_state, np.array(rows, dtype="int32"))
        assert np.array_equal(given, new_state) == inplace  # only the inplace op overwrites its input


def test_kernel_source_names_the_op():
    from theano.link.c.kernels import kernel_for

    node = MRGUniform(T.TensorType("float32", (False, False))).make_node(T.imatrix(), T.lvector())
    kernel = kernel_for(node)
    assert kernel is not None
    assert "/* mrg_uniform: MRG31k3p draws, float32 sample of 2 dimensions */" in kernel.source
    assert "4.6566126e-10f" in kernel.source and "%" not in kernel.source.split("mrg_streams")[1]


# ------------------------------------------------------------------------------------------
# Streams: seeds, updates, shapes, distributions
# ------------------------------------------------------------------------------------------

def test_seed_reproduces_a_new_stream_and_calls_differ():
    srng = MRG_RandomStreams(12345)
    f = theano.function([], [srng.uniform((5,)), srng.normal((4,))])
    first, second = f(), f()
    assert not np.allclose(first[0], second[0])
    srng.seed(77)
    again = f()
    fresh = MRG_RandomStreams(77)
    expected = theano.function([], [fresh.uniform((5,)), fresh.normal((4,))])()
    for x, y in zip(again, expected):
        np.testing.assert_array_equal(x, y)
    srng.seed()
    np.testing.assert_array_equal(f()[0], first[0])


def test_seed_checks():
    with pytest.raises(ValueError):
        MRG_RandomStreams(0)
    with pytest.raises(ValueError):
        MRG_RandomStreams([0, 0, 0, 1, 2, 3])
    with pytest.raises(TypeError):
        MRG_RandomStreams([1, 2, 3])
    assert MRG_RandomStreams([1, 2, 3, 4, 5, 6]).rstate.tolist() == [1, 2, 3, 4, 5, 6]


def test_shared_functions_and_no_default_updates():
    srng = MRG_RandomStreams(3)
    u = srng.uniform((4,), dtype="float64", nstreams=2)
    f = theano.function([], u)
    g = theano.function([], u * 2.0)
    frozen = theano.function([], u, no_default_updates=True)
    rows = ref_streams([3] * 6, 2)
    np.testing.assert_array_equal(f(), ref_draw(rows, 4, "float64"))
    np.testing.assert_array_equal(g(), 2.0 * ref_draw(rows, 4, "float64"))
    state = srng.state_updates[0][0].get_value()
    np.testing.assert_array_equal(frozen(), frozen())
    np.testing.assert_array_equal(srng.state_updates[0][0].get_value(), state)
    np.testing.assert_array_equal(f(), ref_draw(rows, 4, "float64"))


def test_shapes_symbolic_sizes_and_broadcast_bounds():
    srng = MRG_RandomStreams(9)
    x = T.matrix("x")
    low = T.vector("low")
    outs = [
        srng.uniform(x.shape),
        srng.uniform((x.shape[1], 2)),
        srng.normal((3, 5)),  # an odd number of values: one Box-Muller value is dropped
        srng.normal(x.shape, avg=1.0),
        srng.uniform((2, 3), low=low, high=low + 1),
        srng.binomial((4, 2), p=0.5),
    ]
    f = theano.function([x, low], outs)
    lowv = np.array([0.0, 10.0, 20.0], dtype=theano.config.floatX)
    values = f(np.zeros((3, 7), dtype=theano.config.floatX), lowv)
    assert [v.shape for v in values] == [(3, 7), (7, 2), (3, 5), (3, 7), (2, 3), (4, 2)]
    assert ((values[4] > lowv) & (values[4] < lowv + 1)).all()
    with pytest.raises(ValueError):
        srng.uniform((3, 0))
    with pytest.raises(TypeError):
        srng.uniform(3)


def test_dtypes():
    srng = MRG_RandomStreams(9)
    with theano.change_flags(floatX="float32"):
        assert srng.uniform((2,)).dtype == "float32"
        assert srng.normal((2,)).dtype == "float32"
    assert srng.uniform((2,), dtype="float64").dtype == "float64"
    assert srng.uniform((2,), low=np.float64(0)).dtype == "float64"
    assert srng.binomial((2,), p=0.3, dtype="int8").dtype == "int8"


N = 100_000


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_moments(dtype):
    srng = MRG_RandomStreams(2024)
    u = srng.uniform((N,), low=-1.0, high=3.0, dtype=dtype)
    n = srng.normal((N,), avg=2.0, std=3.0, dtype=dtype)
    b = srng.binomial((N,), p=0.3)
    uv, nv, bv = theano.function([], [u, n, b])()
    assert uv.dtype == nv.dtype == dtype
    assert -1 < uv.min() and uv.max() < 3
    assert abs(uv.mean() - 1.0) < 0.02 and abs(uv.var() - 16 / 12) < 0.03
    assert abs(nv.mean() - 2.0) < 0.05 and abs(nv.std() - 3.0) < 0.03
    assert abs(bv.mean() - 0.3) < 0.01


def test_multinomial_rows_sum_to_n_and_follow_pvals():
    srng = MRG_RandomStreams(31)
    pvals = T.matrix("pvals")
    n = T.lscalar("n")
    counts = srng.multinomial(pvals=pvals, n=n)
    single = srng.multinomial(pvals=pvals)
    f = theano.function([pvals, n], [counts, single])
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], dtype=theano.config.floatX)
    c, s = f(p, 20000)
    assert c.dtype == np.int64 and c.shape == (3, 3)
    assert list(c.sum(axis=1)) == [20000] * 3 and list(s.sum(axis=1)) == [1, 1, 1]
    np.testing.assert_allclose(c / 20000.0, p, atol=0.015)
    assert c[1, 2] == 0 and c[2, 2] == 20000


def test_choice_without_replacement_never_repeats():
    srng = MRG_RandomStreams(5)
    p = T.matrix("p")
    k = T.lscalar("k")
    f = theano.function([p, k], srng.choice(size=k, p=p))
    probabilities = np.array([[0.05, 0.6, 0.05, 0.1, 0.2], [0.2, 0.2, 0.2, 0.2, 0.2]], dtype=theano.config.floatX)
    for _ in range(20):
        out = f(probabilities, 5)
        assert out.shape == (2, 5)
        assert (np.sort(out, axis=1) == np.arange(5)).all()
    # the most probable outcome comes first most often
    firsts = np.array([f(probabilities, 1)[0, 0] for _ in range(200)])
    assert (firsts == 1).mean() > 0.45
    zero_prob = np.array([[0.5, 0.5, 0.0]], dtype=theano.config.floatX)
    for _ in range(10):
        assert sorted(f(zero_prob, 2)[0]) == [0, 1]
    with pytest.raises(ValueError):
        f(probabilities, 6)
    with pytest.raises(NotImplementedError):
        srng.choice(size=2, p=probabilities, replace=True)


def test_no_gradient_through_draws_or_their_parameters():
    srng = MRG_RandomStreams(5)
    low = T.scalar("low")
    with pytest.raises(NullTypeGradError):
        T.grad(srng.uniform((3,), low=low, high=1.0).sum(), low)
    avg = T.scalar("avg")
    with pytest.raises(NullTypeGradError):
        T.grad(srng.normal((3,), avg=avg).sum(), avg)
    w = T.scalar("w")
    grad = theano.function([w], T.grad((w * srng.uniform((3,))).sum(), w))
    assert 0 < grad(1.0) < 3


def test_inplace_rewrite_only_where_the_state_is_updated():
    srng = MRG_RandomStreams(3)
    u = srng.uniform((4,), dtype="float64", nstreams=2)
    state = srng.state_updates[0][0]

    def draw_ops(f):
        return [str(node.op) for node in f.maker.fgraph.toposort() if isinstance(node.op, MRGUniform)]

    updating = theano.function([], u)
    frozen = theano.function([], u, no_default_updates=True)
    assert draw_ops(updating) == ["mrg_uniform{TensorType(float64, vector),inplace}"]
    assert draw_ops(frozen) == ["mrg_uniform{TensorType(float64, vector),no_inplace}"]
    held = state.get_value(borrow=True)
    before = held.copy()
    frozen()
    np.testing.assert_array_equal(held, before)  # a no_inplace draw leaves the state's buffer alone
    rows = ref_streams([3] * 6, 2)
    np.testing.assert_array_equal(updating(), ref_draw(rows, 4, "float64"))
    np.testing.assert_array_equal(state.get_value(), np.array(rows, dtype="int32"))
