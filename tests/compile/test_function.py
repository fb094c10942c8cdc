"""theano.function: inputs, outputs, shared variables, updates, givens, defaults and errors."""

from collections import OrderedDict

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import In, Out, function, shared
from theano.compile.function_module import UnusedInputError
from theano.updates import OrderedUpdates


def test_sneak_peek_verbatim():
    import theano
    from theano import tensor

    # declare two symbolic floating-point scalars
    a = tensor.dscalar()
    b = tensor.dscalar()

    # create a simple expression
    c = a + b

    # convert the expression into a callable object that takes (a,b)
    # values as input and computes a value for c
    f = theano.function([a, b], c)

    # bind 1.5 to 'a', 2.5 to 'b', and evaluate 'c'
    assert 4.0 == f(1.5, 2.5)


def test_output_forms():
    x = T.dvector("x")
    single = function([x], x * 2)
    listed = function([x], [x * 2, x + 1])
    as_dict = function([x], {"double": x * 2, "plus": x + 1})
    value = np.arange(3.0)
    np.testing.assert_array_equal(single(value), value * 2)
    out = listed(value)
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_array_equal(out[1], value + 1)
    got = as_dict(value)
    assert set(got) == {"double", "plus"}
    np.testing.assert_array_equal(got["plus"], value + 1)
    assert function([x], [x * 2])(value)[0].shape == (3,)


def test_keyword_and_default_arguments():
    x, y = T.dscalars("x", "y")
    f = function([x, In(y, value=10.0)], x + y)
    assert f(1.0) == 11.0
    assert f(1.0, 2.0) == 3.0
    assert f(y=5.0, x=1.0) == 6.0
    assert f(1.0) == 11.0  # the default is back after a call that overrode it
    with pytest.raises(TypeError, match="Unknown input"):
        f(1.0, z=3.0)
    with pytest.raises(TypeError, match="Missing required input: x"):
        f(y=1.0)
    with pytest.raises(TypeError, match="takes 2 input"):
        f(1.0, 2.0, 3.0)


def test_named_in_and_stateful_input():
    x = T.dscalar("x")
    acc = T.dscalar("acc")
    f = function([x, In(acc, value=0.0, update=acc + x, name="total")], acc + x)
    assert f(1.0) == 1.0
    assert f(2.0) == 3.0
    assert f["total"] == 3.0


def test_shared_updates_applied_after_outputs():
    state = shared(np.float64(0.0), name="state")
    inc = T.dscalar("inc")
    f = function([inc], state, updates=[(state, state + inc)])
    assert f(1.0) == 0.0  # the output sees the old value
    assert f(1.0) == 1.0
    assert state.get_value() == 2.0


@pytest.mark.parametrize("kind", ["list", "tuple", "dict", "ordered", "ordered_updates"])
def test_update_container_kinds(kind):
    a = shared(np.zeros(2), name="a")
    b = shared(np.ones(2), name="b")
    pairs = [(a, a + 1), (b, b * 2)]
    updates = {"list": pairs, "tuple": tuple(pairs), "dict": dict(pairs), "ordered": OrderedDict(pairs),
               "ordered_updates": OrderedUpdates(pairs)}[kind]
    function([], [], updates=updates)()
    np.testing.assert_array_equal(a.get_value(), [1.0, 1.0])
    np.testing.assert_array_equal(b.get_value(), [2.0, 2.0])


def test_swap_updates_use_old_values():
    a = shared(np.float64(1.0))
    b = shared(np.float64(2.0))
    function([], [], updates=[(a, b), (b, a)])()
    assert (a.get_value(), b.get_value()) == (2.0, 1.0)


def test_shared_value_copy_semantics():
    value = np.zeros(3)
    s = shared(value)
    value[0] = 5.0
    assert s.get_value()[0] == 0.0  # copied at creation
    got = s.get_value()
    got[1] = 7.0
    assert s.get_value()[1] == 0.0  # get_value returns a copy
    borrowed = np.ones(3)
    s.set_value(borrowed, borrow=True)
    assert s.get_value(borrow=True) is borrowed
    with pytest.raises(TypeError):
        s.set_value(np.ones((2, 2)))
    assert s.type.broadcastable == (False,)
    assert shared(np.zeros((1, 3))).type.broadcastable == (False, False)
    assert shared(np.zeros((1, 3)), broadcastable=(True, False)).type.broadcastable == (True, False)


def test_shared_scalars_and_strict():
    s = shared(1.5)
    assert s.dtype == "float64" and s.ndim == 0
    i = shared(3)
    assert i.dtype == "int64"
    f32 = shared(np.zeros(2, dtype="float32"), strict=True)
    with pytest.raises(TypeError):
        f32.set_value(np.zeros(2))
    g = shared(np.zeros(2, dtype="float32"), allow_downcast=True)
    g.set_value(np.ones(2))
    assert g.get_value().dtype == np.float32


def test_default_update_and_no_default_updates():
    counter = shared(np.int64(0))
    counter.default_update = counter + 1
    f = function([], counter)
    f()
    f()
    assert counter.get_value() == 2
    g = function([], counter, no_default_updates=True)
    g()
    assert counter.get_value() == 2
    h = function([], counter, no_default_updates=[counter])
    h()
    assert counter.get_value() == 2


def test_givens_replace_variables():
    x = T.dscalar("x")
    y = T.dscalar("y")
    s = shared(np.float64(4.0))
    f = function([y], x * 2, givens={x: y + s})
    assert f(1.0) == 10.0
    f2 = function([y], x * 2, givens=[(x, y)])
    assert f2(3.0) == 6.0
    with pytest.raises(TypeError, match="types must match"):
        function([y], x * 2, givens={x: T.dvector()})


def test_outputs_do_not_alias_inputs_or_shared():
    x = T.dvector("x")
    value = np.arange(3.0)
    f = function([x], x)
    out = f(value)
    out[0] = 100.0
    assert value[0] == 0.0
    g = function([x], x.T)  # a view op
    out = g(value)
    out[1] = 100.0
    assert value[1] == 1.0
    s = shared(np.zeros(2))
    h = function([], s)
    out = h()
    out[0] = 3.0
    assert s.get_value()[0] == 0.0
    twice = function([x], [x * 2, x * 2])(value)
    twice[0][0] = -1.0
    assert twice[1][0] == 0.0


def test_borrowed_output_is_still_correct():
    x = T.dvector("x")
    f = function([x], Out(x * 2, borrow=True))
    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])


def test_trust_input_skips_checks():
    x = T.dvector("x")
    f = function([x], x + 1)
    f.trust_input = True
    np.testing.assert_array_equal(f(np.zeros(2)), [1.0, 1.0])


def test_maker_fgraph_is_exposed():
    x = T.dvector("x")
    f = function([x], T.exp(x))
    fgraph = f.maker.fgraph
    assert len(fgraph.inputs) == 1 and len(fgraph.outputs) == 1
    assert any("exp" in str(node.op) for node in fgraph.toposort())


def test_input_checks_name_the_input():
    x = T.fmatrix("x")
    f = function([x], x * 2, name="train")
    with pytest.raises(TypeError, match=r"input 'x' \(position 0\) of function 'train'.*float32 matrix.*float64"):
        f(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"'x'.*2 dimensions.*shape \(3,\)"):
        f(np.zeros(3, dtype="float32"))
    y = T.dvector()
    g = function([y], y)
    with pytest.raises(TypeError, match="position 0"):
        g(np.zeros((2, 2)))


def test_downcast_rules():
    x = T.fvector("x")
    f = function([x], x)
    assert f([1.0, 2.0]).dtype == np.float32  # exact Python floats are accepted
    with pytest.raises(TypeError, match="allow_input_downcast"):
        f(np.array([0.1, 0.2]))
    g = function([x], x, allow_input_downcast=True)
    assert g(np.array([0.1, 0.2])).dtype == np.float32
    i = T.ivector("i")
    h = function([i], i)
    assert h([1, 2]).dtype == np.int32
    with pytest.raises(TypeError):
        h([1.5])
    d = T.dscalar("d")
    assert function([d], d)(3) == 3.0  # int to float64 is safe


def test_unused_input_policy():
    x, y = T.dscalars("x", "y")
    with pytest.raises(UnusedInputError, match="index 1"):
        function([x, y], x * 2)
    with pytest.warns(UserWarning):
        function([x, y], x * 2, on_unused_input="warn")
    f = function([x, y], x * 2, on_unused_input="ignore")
    assert f(1.0, 5.0) == 2.0


def test_bad_inputs_at_compile_time():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="list"):
        function(x, x)
    with pytest.raises(TypeError, match="Constants"):
        function([T.constant(1.0)], x, on_unused_input="ignore")
    with pytest.raises(TypeError, match="shared variable"):
        function([shared(1.0)], x, on_unused_input="ignore")
    with pytest.raises(ValueError, match="twice"):
        function([x, x], x)
    with pytest.raises(TypeError, match="result of a computation"):
        function([x + 1], x)


def test_update_type_mismatch_is_explained():
    s = shared(np.zeros(3))
    with pytest.raises(TypeError, match="same type as the original shared variable"):
        function([], [], updates=[(s, T.cast(s, "float32"))])
    with pytest.raises(TypeError, match="shared variable"):
        function([], [], updates=[(T.dvector(), s)])


def test_runtime_shape_error_names_op_shapes_and_user_line():
    x = T.dvector("x")
    y = T.dvector("y")
    z = x + y  # the failing variable is created here
    f = function([x, y], z)
    with pytest.raises(ValueError) as info:
        f(np.ones(3), np.ones(4))
    message = str(info.value)
    assert "add" in message and "(3,)" in message and "(4,)" in message
    assert "test_function.py" in message and "z = x + y" in message


def test_profile_collects_node_times():
    x = T.dvector("x")
    from theano.compile.profiling import ProfileStats

    f = function([x], T.exp(x).sum(), profile=ProfileStats(atexit_print=False))
    f(np.ones(4))
    assert f.profile.fct_callcount == 1
    assert f.profile.apply_time


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "Mode", None])
def test_modes_compute_the_same(mode):
    x = T.dvector("x")
    f = function([x], T.tanh(x) * 2, mode=mode)
    np.testing.assert_allclose(f(np.ones(2)), np.tanh(np.ones(2)) * 2)


def test_mode_objects():
    from theano.compile.mode import FAST_RUN, get_default_mode, get_mode

    assert get_mode("FAST_RUN") is FAST_RUN
    assert isinstance(get_default_mode(), theano.Mode)
    derived = FAST_RUN.including("fusion").excluding("inplace")
    assert "fusion" in derived.included and "inplace" in derived.excluded
    with pytest.raises(ValueError, match="Unknown mode"):
        get_mode("NOT_A_MODE")


def test_function_copy_and_shared_listing():
    s = shared(np.float64(1.0), name="s")
    x = T.dscalar("x")
    f = function([x], x + s, updates=[(s, s + 1)])
    assert f.get_shared() == [s]
    assert f(1.0) == 2.0
    g = f.copy()
    assert g(1.0) == 3.0  # the copy reads and updates the same shared variable
    assert s.get_value() == 3.0


def test_module_paths_exist():
    from theano.compile import io, sharedvalue  # noqa: F401
    from theano.compile.io import In as In2
    from theano.compile.sharedvalue import SharedVariable
    from theano.updates import OrderedUpdates as OU  # noqa: F401

    assert In2 is In
    assert isinstance(shared(np.zeros(1)), SharedVariable)


def test_rebuild_strict_false_allows_type_change():
    x = T.dvector("x")
    y = T.fvector("y")
    out = x * 2
    f = function([y], out, givens={x: T.cast(y, "float64")}, rebuild_strict=False)
    np.testing.assert_allclose(f(np.ones(2, dtype="float32")), [2.0, 2.0])


def test_nanguard_mode_raises_on_nan():
    from theano.compile.nanguardmode import NanGuardMode

    x = T.dvector("x")
    f = function([x], T.log(x), mode=NanGuardMode(nan_is_error=True, inf_is_error=True, big_is_error=False))
    np.testing.assert_allclose(f(np.ones(2)), [0.0, 0.0])
    with pytest.raises(AssertionError, match="NaN detected"):
        f(np.array([-1.0, 1.0]))
    with pytest.raises(AssertionError, match="Inf detected"):
        f(np.array([0.0, 1.0]))
    g = function([x], T.log(x), mode="NanGuardMode")
    with pytest.raises(AssertionError):
        g(np.array([-1.0]))


def test_debug_mode_catches_undeclared_view_and_destroy():
    from theano.compile.debugmode import BadDestroyMap, BadViewMap, DebugMode
    from theano.graph.basic import Apply
    from theano.graph.op import Op

    class SneakyView(Op):
        __props__ = ()

        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, output_storage, params=None):
            output_storage[0][0] = inputs[0][:]  # a view, not declared

    class SneakyDestroy(SneakyView):
        def perform(self, node, inputs, output_storage, params=None):
            inputs[0][0] = 42.0
            output_storage[0][0] = inputs[0].copy()

    x = T.dvector("x")
    with pytest.raises(BadViewMap):
        function([x], SneakyView()(x * 1), mode=DebugMode())(np.ones(2))
    with pytest.raises(BadDestroyMap):
        function([x], SneakyDestroy()(x * 1), mode=DebugMode())(np.ones(2))
    f = function([x], T.exp(x).sum(), mode="DebugMode")
    np.testing.assert_allclose(f(np.zeros(3)), 3.0)


def test_compiled_function_pickles_with_its_shared_variables():
    import pickle

    x, s = T.dvector("x"), T.dscalar("s")
    w = theano.shared(np.ones(3), name="w")
    f = theano.function([x, theano.In(s, value=2.0)], (x * w).sum() * s, updates=[(w, w + 1)], name="f")
    f(np.ones(3))
    g, w_copy = pickle.loads(pickle.dumps([f, w]))
    assert g.name == "f" and w_copy is not w
    np.testing.assert_allclose(g(np.ones(3)), 12.0)  # the copy starts from w's value when pickled
    np.testing.assert_allclose(w_copy.get_value(), [3.0, 3.0, 3.0])
    np.testing.assert_allclose(w.get_value(), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(g(np.ones(3), 1.0), 9.0)


def test_debug_mode_complains_about_non_finite_results_by_default():
    """Theano 1.0: DebugMode checks results are finite unless told otherwise (config.DebugMode.check_finite)."""
    from theano.compile.debugmode import DebugMode, InvalidValueError

    x = T.dvector("x")
    f = theano.function([x], T.log(x), mode="DebugMode")
    with pytest.raises(InvalidValueError, match="non-finite"):
        f(np.zeros(2))
    np.testing.assert_allclose(f(np.ones(2)), 0.0)
    g = theano.function([x], T.log(x), mode=DebugMode(check_isfinite=False))
    assert np.all(np.isneginf(g(np.zeros(2))))
    with theano.change_flags(**{"DebugMode.check_finite": False}):
        h = theano.function([x], T.log(x), mode=DebugMode())
    assert np.all(np.isneginf(h(np.zeros(2))))
