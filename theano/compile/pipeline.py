"""THE rewrite pipeline: every stage, in order, in one table.

``PIPELINE`` lists the stages a mode runs over a function's graph, in this order, each with
the tags that select it (``fast_run``, ``fast_compile``, ...). The databases of node
rewriters filled by ``@register_canonicalize`` and friends live here too; the rewrite
modules register into them when imported (the bottom of this file imports them).

A mode's optimizer name picks the stages carrying that tag: ``'fast_run'`` runs them all,
``'fast_compile'`` only the cheap ones, ``'merge'`` only merging, ``None`` nothing.
``Mode.including/excluding/requiring`` and ``config.optimizer_including/excluding`` add
tags (or rewriter names) to the query, at every level.
"""

from __future__ import annotations

from collections.abc import Callable

from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import GraphRewriter, MergeOptimizer, NodeRewriter, node_rewriter
from theano.graph.rewriting.db import EquilibriumDB, RewriteDatabase, SequenceDB, WalkingDB

canonicalize_db = EquilibriumDB("canonicalize")
stabilize_db = EquilibriumDB("stabilize")
specialize_db = EquilibriumDB("specialize")
fusion_db = WalkingDB("fusion")
inplace_db = WalkingDB("inplace")

# position, stage name, rewriter or database, tags
PIPELINE: list[tuple[float, str, GraphRewriter | RewriteDatabase, tuple[str, ...]]] = [
    (0, "merge1", MergeOptimizer(), ("fast_run", "fast_compile", "merge")),
    (1, "canonicalize", canonicalize_db, ("fast_run", "fast_compile")),
    (2, "merge1.2", MergeOptimizer(), ("fast_run", "fast_compile", "merge")),
    (3, "stabilize", stabilize_db, ("fast_run",)),
    (4, "specialize", specialize_db, ("fast_run",)),
    (5, "fusion", fusion_db, ("fast_run",)),
    (6, "inplace", inplace_db, ("fast_run",)),
    (7, "merge2", MergeOptimizer(), ("fast_run", "fast_compile", "merge")),
]

pipeline_db = SequenceDB("pipeline")
for _position, _name, _rewriter, _tags in PIPELINE:
    pipeline_db.register(_name, _rewriter, *_tags, position=_position)
del _position, _name, _rewriter, _tags

# The tags each optimizer name queries.
OPTIMIZER_TAGS = {"fast_run": ("fast_run",), "fast_compile": ("fast_compile",), "merge": ("merge",),
                  "o4": ("fast_run",), "o3": ("fast_run",), "o2": ("fast_run",), "o1": ("fast_compile",),
                  "unsafe": ("fast_run", "unsafe")}


def build(name: str, include=(), exclude=(), require=()) -> Callable[[FunctionGraph], object] | None:
    """The callable that rewrites a FunctionGraph for optimizer ``name`` and the extra tags."""
    if name in (None, "None"):
        return None
    tags = OPTIMIZER_TAGS.get(name)
    if tags is None:
        raise ValueError(f"Unknown optimizer {name!r}: expected one of {', '.join(OPTIMIZER_TAGS)} or None")
    return pipeline_db.query(set(tags) | set(include), exclude, require)


def _register(db: RewriteDatabase, default_tags: tuple[str, ...]):
    def register(rewriter=None, *tags: str, name: str | None = None):
        """Register a node rewriter (or use as ``@register_x`` / ``@register_x('tag')``)."""
        if rewriter is None or isinstance(rewriter, str):
            extra = ((rewriter,) if isinstance(rewriter, str) else ()) + tags

            def decorate(inner):
                return register(inner, *extra, name=name)

            return decorate
        if not isinstance(rewriter, (NodeRewriter, GraphRewriter)):
            raise TypeError(f"register a NodeRewriter or GraphRewriter, got {rewriter!r}")
        db.register(name or str(rewriter), rewriter, *default_tags, *tags)
        return rewriter

    return register


register_canonicalize = _register(canonicalize_db, ("fast_run", "fast_compile", "canonicalize"))
register_stabilize = _register(stabilize_db, ("fast_run", "stabilize"))
register_specialize = _register(specialize_db, ("fast_run", "specialize"))
register_fusion = _register(fusion_db, ("fast_run", "fusion"))
register_inplace = _register(inplace_db, ("fast_run", "inplace"))

__all__ = [
    "PIPELINE", "build", "canonicalize_db", "inplace_db", "node_rewriter", "register_canonicalize",
    "register_fusion", "register_inplace", "register_specialize", "register_stabilize", "specialize_db",
    "stabilize_db",
]

# The rewrite modules register themselves into the databases above.
from theano.scan_module import scan_rewrites as _scan_rewrites  # noqa: E402,F401
from theano.tensor import reduce_fusion as _reduce_fusion  # noqa: E402,F401  (a node rewriter: walks after FusionOptimizer)
from theano.tensor.rewriting import basic as _tensor_basic_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import blas as _blas_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import elemwise as _fusion_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import fractions as _fraction_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import inplace as _inplace_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import nnet as _nnet_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import shape as _shape_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import sigmoid as _sigmoid_rewrites  # noqa: E402,F401
from theano.tensor.rewriting import sums as _sum_rewrites  # noqa: E402,F401
