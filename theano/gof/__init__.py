"""Theano 1.0's name for the graph package; re-exports :mod:`theano.graph`."""

from theano.graph import basic as graph  # noqa: F401
from theano.graph import destroyhandler, fg, op, type, utils  # noqa: F401
from theano.graph.basic import (  # noqa: F401
    Apply,
    Constant,
    Node,
    Variable,
    ancestors,
    clone,
    clone_get_equiv,
    graph_inputs,
    io_toposort,
    orphans,
    vars_between,
)
from theano.graph.destroyhandler import DestroyHandler, Supervisor  # noqa: F401
from theano.graph.fg import Feature, FunctionGraph, InconsistencyError, MissingInputError  # noqa: F401
from theano.graph.op import Op, PureOp  # noqa: F401
from theano.graph.type import Generic, Type, generic  # noqa: F401
from theano.graph.utils import MethodNotDefined  # noqa: F401

toolbox = fg
inputs = graph_inputs
