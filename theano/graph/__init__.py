"""The expression-graph IR."""

from theano.graph.basic import (
    Apply,
    Constant,
    Node,
    Variable,
    ancestors,
    applys_between,
    clone,
    clone_get_equiv,
    clone_replace,
    graph_inputs,
    io_toposort,
    orphans,
    vars_between,
)
from theano.graph.fg import Feature, FunctionGraph, InconsistencyError, MissingInputError
from theano.graph.op import Op
from theano.graph.type import Generic, NullType, Type, generic
from theano.graph.utils import MethodNotDefined
