"""Op basics: calling ops, creation traces, test values."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.utils import format_trace


def test_outputs_record_where_they_were_created():
    x = T.dvector("x")
    y = T.exp(x)  # marker line
    trace = y.tag.trace
    text = format_trace(trace)
    assert "test_op.py" in text and "y = T.exp(x)  # marker line" in text


def test_traceback_limit_zero_records_nothing():
    x = T.dvector("x")
    with theano.change_flags({"traceback.limit": 0}):
        y = T.exp(x)
    assert not hasattr(y.tag, "trace")


def test_compute_test_value_evaluates_eagerly():
    x = T.dmatrix("x")
    with theano.change_flags(compute_test_value="raise"):
        x.tag.test_value = np.ones((2, 3))
        y = (x * 2).sum(axis=0)
        np.testing.assert_allclose(y.tag.test_value, [4.0, 4.0, 4.0])
        z = T.dmatrix("z")
        with pytest.raises(ValueError, match="test value"):
            z + 1


def test_test_value_is_validated():
    x = T.dmatrix("x")
    with pytest.raises(TypeError):
        x.tag.test_value = np.ones(3)


def test_ops_are_hashable_and_reusable():
    assert T.add == T.add
    assert {T.exp: 1}[T.exp] == 1
    a = T.dvector()
    assert (a + 1).owner.op == (a + 2).owner.op
