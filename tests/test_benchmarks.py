"""Smoke tests of the benchmark suite: its agreement checks run on tiny sizes, nothing is timed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from benchmarks import WORKLOADS, conv_numpy, elemwise, harness, mlp


def test_every_workload_module_imports():
    for module in WORKLOADS.values():
        imported = __import__(module, fromlist=["run"])
        assert callable(imported.run) and callable(imported.plot)


def test_mlp_first_step_theano_agrees_with_numpy():
    x, y = mlp.make_data("float64", n_examples=8)
    params = mlp.initial_params("float64")
    reference = mlp.check_first_step("numpy", mlp.numpy_trainer(params, x, y, 4), params, x, y, 4)
    assert len(reference) == 5 and np.all(np.isfinite(reference[0]))
    assert np.abs(reference[1]).max() > 0  # the first layer's weights really moved
    mlp.check_first_step("theano", mlp.theano_trainer(params, x, y, 4), params, x, y, 4, reference)


def test_disagreement_is_an_error():
    x, y = mlp.make_data("float64", n_examples=4)
    params = mlp.initial_params("float64")
    reference = mlp.check_first_step("numpy", mlp.numpy_trainer(params, x, y, 4), params, x, y, 4)
    wrong = [reference[0] * (1 + 1e-6)] + reference[1:]
    with pytest.raises(AssertionError, match="disagrees with NumPy on cost"):
        harness.assert_same("wrong", reference, wrong, "float64", labels=["cost", "W", "b", "V", "c"])


def test_elemwise_theano_agrees_with_numpy():
    a, b = elemwise.make_inputs(50)
    for expression in elemwise.EXPRESSIONS:
        expected = elemwise.numpy_function(expression)(a, b)
        harness.assert_same("theano", [expected], [elemwise.theano_function(expression)(a, b)], "float64")


@pytest.mark.skipif(importlib.util.find_spec("numexpr") is None, reason="numexpr not installed")
def test_elemwise_numexpr_agrees_with_numpy():
    a, b = elemwise.make_inputs(50)
    expression = "2*a + b**10"
    expected = elemwise.numpy_function(expression)(a, b)
    harness.assert_same("numexpr", [expected], [elemwise.numexpr_function(expression)(a, b)], "float64")


def test_numpy_convolution_and_its_gradients():
    scipy_signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(0)
    x, w = rng.random((2, 3, 9, 9)), rng.random((4, 3, 3, 3))
    out = conv_numpy.conv2d_valid(x, w)
    expected = [[sum(scipy_signal.convolve2d(x[i, c], w[o, c], "valid") for c in range(3)) for o in range(4)]
                for i in range(2)]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    g_out = rng.random(out.shape)
    g_x, g_w = conv_numpy.conv2d_valid_grads(x, w, g_out)
    step = 1e-6
    w_moved = w.copy()
    w_moved[1, 2, 0, 1] += step
    numeric = (np.sum(g_out * conv_numpy.conv2d_valid(x, w_moved)) - np.sum(g_out * out)) / step
    np.testing.assert_allclose(g_w[1, 2, 0, 1], numeric, rtol=1e-5)
    x_moved = x.copy()
    x_moved[1, 0, 4, 5] += step
    numeric = (np.sum(g_out * conv_numpy.conv2d_valid(x_moved, w)) - np.sum(g_out * out)) / step
    np.testing.assert_allclose(g_x[1, 0, 4, 5], numeric, rtol=1e-5)


def test_table_ratios_and_skipped_rows():
    case = harness.Case("demo", "s/call", limit_seconds=1.0, limit_note="a made-up limit")
    case.add(harness.Row("numpy", "reference", seconds=[2.0, 2.0, 2.0]))
    case.add(harness.Row("theano", "ours", seconds=[4.0, 4.0, 5.0]))
    case.add(harness.Row("jax", "peer", seconds=[1.0]))
    case.add(harness.Row("torch", "peer", skipped="not installed (torch)"))
    case.finish()
    ours = case.rows[1]
    assert ours.ratio_numpy == pytest.approx(0.5)
    assert ours.ratio_best_peer == pytest.approx(0.25)
    assert ours.fraction_of_limit == pytest.approx(0.25)
    text = harness.format_case(case)
    assert "skipped: not installed (torch)" in text and "25.0%" in text


def test_scan_theano_agrees_with_numpy_loop():
    from benchmarks import scan as scan_workload

    inputs = scan_workload.make_inputs(units=5, n_steps=7)
    expected = scan_workload.numpy_loop(*inputs)
    harness.assert_same("theano", [expected], [scan_workload.build("theano", *inputs)()], "float64")
