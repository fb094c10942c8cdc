"""Rewrite databases: named, tagged collections of rewriters, queried by mode.

A query names tags to include, tags to exclude, and tags every selected rewriter must have;
a rewriter is also selected or excluded by its own name.
"""

from __future__ import annotations

from collections.abc import Iterable

from theano.graph.rewriting.basic import (
    EquilibriumGraphRewriter,
    GraphRewriter,
    NodeRewriter,
    SequentialGraphRewriter,
    WalkingGraphRewriter,
)

# Bumped by every registration: compiled graphs cached before a new rewriter arrived are stale
# (part of the key of theano.compile.graph_cache).
registrations = [0]


class RewriteDatabase:
    """Rewriters registered under a name with tags."""

    def __init__(self, name: str = ""):
        self.name = name
        self._entries: dict[str, tuple[object, frozenset[str], float]] = {}

    def register(self, name: str, rewriter, *tags: str, position: float | None = None) -> None:
        if name in self._entries:
            raise ValueError(f"a rewriter named {name!r} is already registered in {self.name or 'this database'}")
        if position is None:
            position = float(len(self._entries))
        self._entries[name] = (rewriter, frozenset(tags) | {name}, position)
        registrations[0] += 1

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __getitem__(self, name: str):
        return self._entries[name][0]

    def names(self) -> list[str]:
        return list(self._entries)

    def select(self, include: Iterable[str], exclude: Iterable[str] = (), require: Iterable[str] = ()) -> list:
        """The (position-ordered) rewriters having a tag of ``include`` and all of ``require``,
        and none of ``exclude``."""
        include, exclude, require = set(include), set(exclude), set(require)
        chosen = []
        for rewriter, tags, position in self._entries.values():
            if tags & exclude or not tags & include or not require <= tags:
                continue
            chosen.append((position, rewriter))
        chosen.sort(key=lambda item: item[0])
        return [rewriter for _, rewriter in chosen]

    def query(self, include, exclude=(), require=()):
        raise NotImplementedError


class EquilibriumDB(RewriteDatabase):
    """Its query is one :class:`EquilibriumGraphRewriter` over the selected rewriters."""

    def __init__(self, name: str = "", max_use_ratio: float = 10.0):
        super().__init__(name)
        self.max_use_ratio = max_use_ratio

    def query(self, include, exclude=(), require=()) -> GraphRewriter:
        return EquilibriumGraphRewriter(self.select(include, exclude, require), self.max_use_ratio,
                                        name=self.name)


class WalkingDB(RewriteDatabase):
    """Its query walks the graph once with the selected node rewriters."""

    def query(self, include, exclude=(), require=()) -> GraphRewriter:
        selected = self.select(include, exclude, require)
        node_rewriters = [r for r in selected if isinstance(r, NodeRewriter)]
        graph_rewriters = [r for r in selected if isinstance(r, GraphRewriter)]
        steps = graph_rewriters + ([WalkingGraphRewriter(node_rewriters, name=self.name)] if node_rewriters else [])
        return SequentialGraphRewriter(*steps, name=self.name)


class SequenceDB(RewriteDatabase):
    """Its query runs the selected entries in position order; entries may be databases
    (queried with the same tags) or graph rewriters."""

    def query(self, include, exclude=(), require=()) -> GraphRewriter:
        steps = []
        for entry in self.select(include, exclude, require):
            if isinstance(entry, RewriteDatabase):
                steps.append(entry.query(include, exclude, require))
            else:
                steps.append(entry)
        return SequentialGraphRewriter(*steps, name=self.name)
