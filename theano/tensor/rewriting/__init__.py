"""Rewrites of tensor graphs, registered into the pipeline of theano.compile.pipeline."""
