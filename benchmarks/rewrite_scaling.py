"""How the rewrite pipeline's time grows with the size of the graph.

Run ``python benchmarks/rewrite_scaling.py [N ...]``: for each N it builds two graphs and runs
the FAST_RUN rewrite pipeline over them, printing N, the number of Apply nodes before
rewriting, the rewrite time and the time per node:

- ``elemwise``: a chain of N elementwise steps, alternating ``tanh(y) * 1.0001 + 0.5`` and
  ``exp(y) - y``;
- ``dot``: a chain of N/4 matrix products with elementwise ops between
  (``tanh(dot(y, w) + b)``).

Times are CPU seconds of this process (time.process_time), so other jobs on the machine
skew them less. Rewrite time should grow about linearly in the number of nodes.
"""

from __future__ import annotations

import gc
import sys
import time

import theano
import theano.tensor as T
from theano.graph.fg import FunctionGraph


def elemwise_chain(n: int):
    x = T.dvector("x")
    y = x
    for i in range(n):
        y = T.tanh(y) * 1.0001 + 0.5 if i % 2 == 0 else T.exp(y) - y
    return [x], [y]


def dot_chain(n: int):
    x = T.dmatrix("x")
    w = T.dmatrix("w")
    b = T.dvector("b")
    y = x
    for _ in range(max(n // 4, 1)):
        y = T.tanh(T.dot(y, w) + b)
    return [x, w, b], [y]


def time_rewrites(inputs, outputs) -> tuple[int, float]:
    """Nodes in the graph and seconds the FAST_RUN pipeline takes to rewrite it."""
    fgraph = FunctionGraph(inputs, outputs, clone=True)
    nodes = len(fgraph.apply_nodes)
    rewriter = theano.compile.mode.get_mode("FAST_RUN").rewriter()
    # theano.function pauses the cyclic garbage collector while it rewrites: do the same.
    gc.disable()
    try:
        start = time.process_time()
        rewriter(fgraph)
        return nodes, time.process_time() - start
    finally:
        gc.enable()


def main(sizes: list[int]) -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    print(f"{'graph':<10}{'N':>8}{'nodes':>10}{'rewrite s':>12}{'us/node':>10}")
    for name, build in (("elemwise", elemwise_chain), ("dot", dot_chain)):
        for n in sizes:
            nodes, seconds = time_rewrites(*build(n))
            print(f"{name:<10}{n:>8}{nodes:>10}{seconds:>12.3f}{1e6 * seconds / nodes:>10.1f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 1_000, 10_000])
