"""Gibbs sampling from a restricted Boltzmann machine, written with ``theano.scan`` and random streams.

Run: python examples/gibbs_sampler.py [--chains 2000] [--steps 30] [--rng mrg|numpy]

An RBM with binary visible units ``v`` and hidden units ``h`` has energy
``E(v, h) = -v.bv - h.bh - v.W.h``; given one layer, the units of the other are independent
Bernoulli variables (``p(h=1 | v) = sigmoid(v.W + bh)``). One Gibbs step samples ``h`` given
``v``, then ``v`` given ``h``. ``scan`` repeats the step; the random draws inside the step keep
their generator states in shared variables, and ``scan`` returns their updates, which the
compiled function applies, so each call continues the chains' randomness.

The machine is small enough (8 visible units: 256 states) for its exact distribution to be
computed by enumeration, so the sampler can be checked: the visible states of many parallel
chains after a burn-in are compared with it (total variation distance and marginals).
"""

import argparse

import numpy as np

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.shared_randomstreams import RandomStreams


def make_rbm(n_visible: int, n_hidden: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights and biases of a machine with a few strongly correlated units."""
    rng = np.random.default_rng(seed)
    dtype = theano.config.floatX
    weights = rng.normal(scale=1.0, size=(n_visible, n_hidden)).astype(dtype)
    visible_bias = rng.normal(scale=0.5, size=n_visible).astype(dtype)
    hidden_bias = rng.normal(scale=0.5, size=n_hidden).astype(dtype)
    return weights, visible_bias, hidden_bias


def exact_visible_distribution(weights: np.ndarray, visible_bias: np.ndarray,
                               hidden_bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All visible states (rows) and their probabilities, from the free energy
    ``F(v) = -v.bv - sum_j log(1 + exp(v.W_j + bh_j))``."""
    n_visible = weights.shape[0]
    states = ((np.arange(2**n_visible)[:, None] >> np.arange(n_visible)[::-1]) & 1).astype("float64")
    free_energy = -states @ visible_bias - np.logaddexp(0.0, states @ weights + hidden_bias).sum(axis=1)
    logp = -free_energy - np.max(-free_energy)
    p = np.exp(logp)
    return states, p / p.sum()


def build_sampler(weights, visible_bias, hidden_bias, steps: int, srng):
    """``sample(v0) -> v`` after ``steps`` Gibbs steps from the rows of ``v0`` (one chain per row)."""
    W = theano.shared(weights, name="W")
    bv = theano.shared(visible_bias, name="bv")
    bh = theano.shared(hidden_bias, name="bh")
    dtype = theano.config.floatX

    def gibbs_step(v):
        p_h = T.nnet.sigmoid(T.dot(v, W) + bh)
        h = srng.binomial(size=p_h.shape, n=1, p=p_h, dtype=dtype)
        p_v = T.nnet.sigmoid(T.dot(h, W.T) + bv)
        return srng.binomial(size=p_v.shape, n=1, p=p_v, dtype=dtype)

    v0 = T.matrix("v0")
    chain, updates = theano.scan(gibbs_step, outputs_info=[v0], n_steps=steps, name="gibbs")
    return theano.function([v0], chain[-1], updates=updates, name="sample")


def compare(samples: np.ndarray, states: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Total variation distance between the samples' states and ``p``, and the largest error of
    a visible unit's marginal probability."""
    n_visible = states.shape[1]
    codes = samples.astype("int64") @ (1 << np.arange(n_visible)[::-1])
    empirical = np.bincount(codes, minlength=len(p)) / len(codes)
    total_variation = 0.5 * np.abs(empirical - p).sum()
    marginal_error = np.abs(samples.mean(axis=0) - p @ states).max()
    return float(total_variation), float(marginal_error)


def main(argv=None) -> tuple[float, float]:
    """Sample; return the total variation distance and the largest marginal error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=30, help="Gibbs steps per call")
    parser.add_argument("--calls", type=int, default=2, help="calls of the sampler (each continues the chains)")
    parser.add_argument("--visible", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=4)
    parser.add_argument("--rng", choices=("mrg", "numpy"), default="mrg")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    weights, visible_bias, hidden_bias = make_rbm(args.visible, args.hidden)
    states, p = exact_visible_distribution(weights, visible_bias, hidden_bias)
    srng = MRG_RandomStreams(args.seed) if args.rng == "mrg" else RandomStreams(args.seed)
    sample = build_sampler(weights, visible_bias, hidden_bias, args.steps, srng)

    v = np.zeros((args.chains, args.visible), dtype=theano.config.floatX)
    for call in range(args.calls):
        v = sample(v)
        tv, marginal = compare(v, states, p)
        print(f"after {(call + 1) * args.steps:4d} steps: total variation {tv:.4f}, "
              f"largest marginal error {marginal:.4f}")
    print("exact marginals:  ", np.round(p @ states, 3))
    print("sampled marginals:", np.round(v.mean(axis=0), 3))
    return tv, marginal


if __name__ == "__main__":
    main()
