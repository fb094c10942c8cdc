"""Theano 1.0's ``theano.tensor.opt`` import path for the rewrite helpers programs used from it.

The rewrites live in :mod:`theano.tensor.rewriting`; this module re-exports the names that
user code reached through ``theano.tensor.opt``.
"""

from theano.compile.pipeline import (
    register_canonicalize,
    register_specialize,
    register_stabilize,
)
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.rewriting.shape import ShapeFeature

# Theano 1.0's name for the node-rewriter decorator.
local_optimizer = node_rewriter

__all__ = ["ShapeFeature", "local_optimizer", "register_canonicalize", "register_specialize", "register_stabilize"]
