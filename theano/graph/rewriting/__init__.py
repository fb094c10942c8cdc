"""Graph rewriting: node rewriters, graph rewriters and rewrite databases."""

from theano.graph.rewriting.basic import (
    EquilibriumGraphRewriter,
    FunctionNodeRewriter,
    GraphRewriter,
    MergeOptimizer,
    NodeRewriter,
    PatternNodeRewriter,
    SequentialGraphRewriter,
    WalkingGraphRewriter,
    node_rewriter,
    replace_validate,
)
from theano.graph.rewriting.db import EquilibriumDB, RewriteDatabase, SequenceDB
