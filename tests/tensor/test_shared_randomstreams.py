"""RandomStreams: draws equal to NumPy's generators, states advanced by default updates,
reproducible under seed(), moments, shapes and dtypes.

Draws run the op's Python perform on both backends of tests/tensor/conftest.py (there is no
kernel); the C backend still compiles whatever arithmetic the tests put around the draws.
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import NullTypeGradError
from theano.tensor import raw_random
from theano.tensor.shared_randomstreams import RandomStateSharedVariable, RandomStreams


def expected_generator(stream_seed: int, k: int = 0) -> np.random.Generator:
    """The generator of the ``k``-th draw made by ``RandomStreams(stream_seed)``."""
    seeds = np.random.default_rng(stream_seed).integers(2**30, size=k + 1)
    return np.random.Generator(np.random.PCG64(int(seeds[k])))


def test_draws_are_numpys_and_calls_advance_the_state():
    srng = RandomStreams(seed=234)
    f = theano.function([], srng.uniform((2, 2)))
    first, second = f(), f()
    reference = expected_generator(234)
    np.testing.assert_array_equal(first, reference.uniform(0.0, 1.0, (2, 2)))
    np.testing.assert_array_equal(second, reference.uniform(0.0, 1.0, (2, 2)))
    assert not np.allclose(first, second)


def test_each_draw_has_its_own_state():
    srng = RandomStreams(seed=7)
    u, n = srng.uniform((3,)), srng.normal((3,))
    out_u, out_n = theano.function([], [u, n])()
    np.testing.assert_array_equal(out_u, expected_generator(7, 0).uniform(0.0, 1.0, 3))
    np.testing.assert_array_equal(out_n, expected_generator(7, 1).normal(0.0, 1.0, 3))
    assert [old for old, _ in srng.updates()] == [u.rng, n.rng]
    assert isinstance(u.rng, RandomStateSharedVariable)
    assert u.rng.default_update is u.update[1]


def test_seed_reproduces_and_matches_a_new_stream():
    srng = RandomStreams(seed=1)
    f = theano.function([], [srng.uniform((4,)), srng.binomial((4,), n=10, p=0.5)])
    f()
    srng.seed(99)
    a = f()
    srng.seed(99)
    b = f()
    fresh = RandomStreams(seed=99)
    c = theano.function([], [fresh.uniform((4,)), fresh.binomial((4,), n=10, p=0.5)])()
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    srng.seed()  # the creation seed
    np.testing.assert_array_equal(f()[0], theano.function([], RandomStreams(seed=1).uniform((4,)))())


def test_functions_share_a_stream_and_no_default_updates_leaves_it():
    srng = RandomStreams(seed=234)
    rv = srng.uniform((2,))
    f = theano.function([], rv)
    g = theano.function([], rv * 1.0)
    frozen = theano.function([], rv, no_default_updates=True)
    reference = expected_generator(234)
    np.testing.assert_array_equal(f(), reference.uniform(0, 1, 2))
    np.testing.assert_array_equal(g(), reference.uniform(0, 1, 2))
    before = rv.rng.get_value()
    peek = reference.bit_generator.state
    np.testing.assert_array_equal(frozen(), frozen())
    assert rv.rng.type.values_eq(rv.rng.get_value(borrow=True), before)
    reference.bit_generator.state = peek
    np.testing.assert_array_equal(f(), reference.uniform(0, 1, 2))


def test_one_draw_used_twice_in_a_function_is_one_value():
    srng = RandomStreams(seed=3)
    rv = srng.normal((3, 2))
    np.testing.assert_array_equal(theano.function([], rv + rv - 2 * rv)(), np.zeros((3, 2)))


def test_updates_can_be_given_explicitly():
    rng = theano.shared(np.random.default_rng(5))
    new_rng, sample = raw_random.normal(rng, (3,), avg=1.0, std=2.0)
    f = theano.function([], sample, updates=[(rng, new_rng)])
    reference = np.random.default_rng(5)
    np.testing.assert_array_equal(f(), reference.normal(1.0, 2.0, 3))
    np.testing.assert_array_equal(f(), reference.normal(1.0, 2.0, 3))


def test_legacy_random_state_draws_as_numpy_did():
    srng = RandomStreams(seed=0)
    rv = srng.uniform((3,))
    srng[rv.rng] = np.random.RandomState(42)
    np.testing.assert_array_equal(theano.function([], rv)(), np.random.RandomState(42).uniform(0, 1, 3))
    with pytest.raises(TypeError):
        srng[rv.rng] = 42


N = 100_000
MOMENTS = [
    # method, kwargs, mean, variance
    ("uniform", dict(low=-1.0, high=3.0), 1.0, 16.0 / 12),
    ("normal", dict(avg=2.0, std=3.0), 2.0, 9.0),
    ("binomial", dict(n=5, p=0.3), 1.5, 5 * 0.3 * 0.7),
    ("random_integers", dict(low=2, high=6), 4.0, 2.0),
    ("poisson", dict(lam=3.0), 3.0, 3.0),
    ("choice", dict(a=4), 1.5, 1.25),
]


@pytest.mark.parametrize("method, kwargs, mean, var", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_moments(method, kwargs, mean, var):
    srng = RandomStreams(seed=11)
    values = theano.function([], getattr(srng, method)(size=(N,), **kwargs))()
    assert values.shape == (N,)
    assert abs(values.mean() - mean) < 5 * np.sqrt(var / N)
    assert abs(values.var() - var) < 0.05 * var


def test_random_integers_include_both_bounds():
    srng = RandomStreams(seed=2)
    values = theano.function([], srng.random_integers((1000,), low=-1, high=1))()
    assert set(np.unique(values)) == {-1, 0, 1}


def test_shapes_constant_symbolic_and_broadcast():
    srng = RandomStreams(seed=5)
    x = T.matrix("x")
    low = T.vector("low")
    outs = [
        srng.uniform((2, 3)),
        srng.normal((x.shape[0], 4)),  # a tuple with a symbolic entry
        srng.uniform(x.shape, ndim=2),  # a symbolic vector
        srng.uniform(low=low, high=low + 1),  # size None: the parameters' shape
        srng.uniform((2, 3), low=low, high=low + 1),  # parameters broadcast against size
        srng.normal((2, -1), avg=low),  # -1: the parameter's length
    ]
    f = theano.function([x, low], outs)
    xv = np.zeros((5, 7), dtype=theano.config.floatX)
    lowv = np.array([0.0, 10.0, 20.0], dtype=theano.config.floatX)
    values = f(xv, lowv)
    assert [v.shape for v in values] == [(2, 3), (5, 4), (5, 7), (3,), (2, 3), (2, 3)]
    assert [o.type.ndim for o in outs] == [2, 2, 2, 1, 2, 2]
    in_range = (values[4] >= lowv) & (values[4] < lowv + 1)
    assert in_range.all()
    assert outs[0].type.broadcastable == (False, False)
    assert srng.uniform((1, 3)).type.broadcastable == (True, False)


def test_bad_sizes_are_refused():
    srng = RandomStreams(seed=5)
    with pytest.raises(ValueError):
        srng.uniform((3,), ndim=2)
    with pytest.raises(ValueError):
        srng.uniform((3,), low=np.zeros((2, 3)))  # the parameters need more dimensions than size
    with pytest.raises(ValueError):
        srng.uniform(T.lvector("size"))  # unknown length and no ndim


def test_dtypes():
    srng = RandomStreams(seed=5)
    with theano.change_flags(floatX="float32"):
        assert srng.uniform((2,)).dtype == "float32"
        assert srng.normal((2,), avg=np.float64(0)).dtype == "float64"  # upcast with the parameters
    assert srng.uniform((2,), dtype="float32").dtype == "float32"
    out = srng.binomial((3,), n=4, p=0.5, dtype="int32")
    assert out.dtype == "int32"
    assert theano.function([], out)().dtype == np.int32
    assert srng.random_integers((2,), high=5, dtype="int16").dtype == "int16"


def test_choice_permutation_multinomial():
    srng = RandomStreams(seed=8)
    no_replace = srng.choice((6,), a=6, replace=False)
    weighted = srng.choice((200,), a=3, p=[0.0, 0.5, 0.5])
    perms = srng.permutation((2, 3), n=5)
    one_perm = srng.permutation(n=4)
    counts = srng.multinomial((4,), n=7, pvals=[0.2, 0.3, 0.5])
    row_counts = srng.multinomial(n=[3, 9], pvals=[[0.5, 0.5], [0.1, 0.9]])
    f = theano.function([], [no_replace, weighted, perms, one_perm, counts, row_counts])
    nr, w, p, p1, c, rc = f()
    assert sorted(nr) == list(range(6))
    assert set(np.unique(w)) <= {1, 2}
    assert p.shape == (2, 3, 5) and (np.sort(p, axis=-1) == np.arange(5)).all()
    assert sorted(p1) == list(range(4))
    assert c.shape == (4, 3) and (c.sum(axis=1) == 7).all()
    assert rc.shape == (2, 2) and list(rc.sum(axis=1)) == [3, 9]


def test_shuffle_row_elements():
    srng = RandomStreams(seed=8)
    m = T.matrix("m")
    data = np.arange(12, dtype=theano.config.floatX).reshape(3, 4)
    out = theano.function([m], srng.shuffle_row_elements(m))(data)
    np.testing.assert_array_equal(np.sort(out, axis=1), data)


def test_no_gradient_through_draws():
    srng = RandomStreams(seed=8)
    low = T.scalar("low")
    cost = srng.uniform((3,), low=low, high=low + 1).sum()
    with pytest.raises(NullTypeGradError):
        T.grad(cost, low)
    # a draw that does not depend on the variable is just a constant for the gradient
    w = T.scalar("w")
    g = theano.function([w], T.grad((w * srng.normal((3,))).sum(), w))
    assert np.isfinite(g(1.0))


def test_shared_constructor_and_type():
    var = theano.shared(np.random.default_rng(0))
    assert isinstance(var, RandomStateSharedVariable)
    assert var.type == raw_random.random_state_type
    with pytest.raises(TypeError):
        var.set_value(np.zeros(3))
    a, b = np.random.default_rng(1), np.random.default_rng(1)
    assert var.type.values_eq(a, b)
    b.random()
    assert not var.type.values_eq(a, b)


def test_theano_tutorial_seeding_and_state_calls():
    """Theano 1.0's tutorial seeds one stream through its state and restores a saved state."""
    import pickle

    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    f = theano.function([], rv_u)
    rng_val = rv_u.rng.get_value(borrow=True)
    rng_val.seed(89234)
    rv_u.rng.set_value(rng_val, borrow=True)
    first = f()
    rng_val = rv_u.rng.get_value(borrow=True)
    rng_val.seed(89234)
    rv_u.rng.set_value(rng_val, borrow=True)
    np.testing.assert_array_equal(f(), first)
    saved = rv_u.rng.get_value().get_state()
    v0, v1 = f(), f()
    rng = rv_u.rng.get_value(borrow=True)
    rng.set_state(saved)
    rv_u.rng.set_value(rng, borrow=True)
    np.testing.assert_array_equal(f(), v0)
    np.testing.assert_array_equal(f(), v1)
    assert not np.array_equal(v0, v1)
    restored = pickle.loads(pickle.dumps(rv_u.rng.get_value()))
    assert hasattr(restored, "seed") and hasattr(restored, "get_state")
