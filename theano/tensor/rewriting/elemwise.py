"""Elementwise fusion: connected Elemwise subgraphs become one Elemwise of a Composite scalar op."""
