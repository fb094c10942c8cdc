"""Theano 1.0's ``theano.sandbox``: the MRG31k3p random streams (:mod:`theano.sandbox.rng_mrg`)
and the multinomial sampling ops they use (:mod:`theano.sandbox.multinomial`)."""
