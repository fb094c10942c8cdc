"""A restricted Boltzmann machine trained with contrastive divergence (CD-k), or persistent CD,
as in the Deep Learning Tutorials; the Gibbs chain is a ``theano.scan`` over random draws.

Run: python examples/rbm.py [--epochs 15] [--hidden 100] [--k 1] [--persistent] [--rng mrg|numpy]
[--filters filters.png] [--samples samples.png] [--data mnist.pkl.gz]

Binary visible units ``v`` and hidden units ``h``, energy ``E(v, h) = -v.bv - h.bh - v.W.h``,
free energy ``F(v) = -v.bv - sum_j log(1 + exp(v.W_j + bh_j))``. The gradient of the mean
``F(data) - F(chain end)``, the chain end held constant (``consider_constant``), estimates
the log-likelihood gradient. The chain starts at the data's hidden sample (CD-k) or where the
previous minibatch's chain stopped (persistent CD, the chain state kept in a shared variable).
Progress: the reconstruction cross-entropy of the minibatch (CD) or its log pseudo-likelihood
(PCD). The result to judge: the mean-field reconstruction cross-entropy of the test images,
before and after training; with ``--filters`` a PNG of the learned filters, and with
``--samples`` a PNG of the model's samples: chains started at test images, each row
``--plot-every`` Gibbs steps (a ``scan``) after the one above. Data (see ``_data.py``):
scikit-learn's 8x8 digits (grey levels read as probabilities), else generated images, or MNIST
with ``--data``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.shared_randomstreams import RandomStreams

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
if EXAMPLES_DIR not in sys.path:  # the examples' shared data helper, when this file is loaded by path
    sys.path.insert(0, EXAMPLES_DIR)
from _data import load_data, shared_dataset, tile_images, write_png  # noqa: E402


class RBM:
    """A restricted Boltzmann machine with binary units on the symbolic minibatch ``input``."""

    def __init__(self, input, n_visible: int, n_hidden: int, numpy_rng: np.random.Generator, theano_rng):
        floatX = theano.config.floatX
        bound = 4 * np.sqrt(6.0 / (n_hidden + n_visible))
        self.W = theano.shared(numpy_rng.uniform(-bound, bound, (n_visible, n_hidden)).astype(floatX), name="W")
        self.hbias = theano.shared(np.zeros(n_hidden, dtype=floatX), name="hbias")
        self.vbias = theano.shared(np.zeros(n_visible, dtype=floatX), name="vbias")
        self.input = input
        self.n_visible = n_visible
        self.theano_rng = theano_rng
        self.params = [self.W, self.hbias, self.vbias]

    def free_energy(self, v):
        wx_b = T.dot(v, self.W) + self.hbias
        return -T.dot(v, self.vbias) - T.sum(T.nnet.softplus(wx_b), axis=1)

    def propup(self, v):
        """The hidden units' input and activation probability given ``v``."""
        pre_sigmoid = T.dot(v, self.W) + self.hbias
        return pre_sigmoid, T.nnet.sigmoid(pre_sigmoid)

    def propdown(self, h):
        pre_sigmoid = T.dot(h, self.W.T) + self.vbias
        return pre_sigmoid, T.nnet.sigmoid(pre_sigmoid)

    def sample_h_given_v(self, v):
        pre_sigmoid, mean = self.propup(v)
        return pre_sigmoid, mean, self.theano_rng.binomial(size=mean.shape, n=1, p=mean, dtype=theano.config.floatX)

    def sample_v_given_h(self, h):
        pre_sigmoid, mean = self.propdown(h)
        return pre_sigmoid, mean, self.theano_rng.binomial(size=mean.shape, n=1, p=mean, dtype=theano.config.floatX)

    def gibbs_hvh(self, h):
        """One Gibbs step from a hidden sample: ``h -> v -> h``."""
        pre_sigmoid_v, v_mean, v_sample = self.sample_v_given_h(h)
        pre_sigmoid_h, h_mean, h_sample = self.sample_h_given_v(v_sample)
        return [pre_sigmoid_v, v_mean, v_sample, pre_sigmoid_h, h_mean, h_sample]

    def gibbs_vhv(self, v):
        """One Gibbs step from a visible sample: ``v -> h -> v``."""
        pre_sigmoid_h, h_mean, h_sample = self.sample_h_given_v(v)
        pre_sigmoid_v, v_mean, v_sample = self.sample_v_given_h(h_sample)
        return [pre_sigmoid_h, h_mean, h_sample, pre_sigmoid_v, v_mean, v_sample]

    def get_cost_updates(self, learning_rate: float, persistent=None, k: int = 1):
        """The monitoring cost and the updates of one CD-k (or PCD-k, when ``persistent`` is a shared
        variable holding the chains' hidden states) step."""
        _, _, h_sample = self.sample_h_given_v(self.input)
        chain_start = h_sample if persistent is None else persistent
        (pre_sigmoid_vs, v_means, v_samples, pre_sigmoid_hs, h_means, h_samples), updates = theano.scan(
            self.gibbs_hvh, outputs_info=[None, None, None, None, None, chain_start], n_steps=k, name="gibbs_hvh")
        chain_end = v_samples[-1]
        cost = T.mean(self.free_energy(self.input)) - T.mean(self.free_energy(chain_end))
        grads = T.grad(cost, self.params, consider_constant=[chain_end])
        for param, grad in zip(self.params, grads):
            updates[param] = param - T.cast(learning_rate, dtype=theano.config.floatX) * grad
        if persistent is None:
            monitor = self.reconstruction_cross_entropy(pre_sigmoid_vs[-1])
        else:
            updates[persistent] = h_samples[-1]
            monitor = self.pseudo_likelihood(updates)
        return monitor, updates

    def pseudo_likelihood(self, updates):
        """Stochastic log pseudo-likelihood: flip one visible bit (a different one at each call) and
        compare free energies, times the number of visible units."""
        bit = theano.shared(0, name="bit_i_idx")
        xi = T.round(self.input)
        xi_flip = T.set_subtensor(xi[:, bit], 1 - xi[:, bit])
        cost = T.mean(self.n_visible * T.log(T.nnet.sigmoid(self.free_energy(xi_flip) - self.free_energy(xi))))
        updates[bit] = (bit + 1) % self.n_visible
        return cost

    def reconstruction_cross_entropy(self, pre_sigmoid_v):
        """Cross-entropy between the input and the reconstruction ``sigmoid(pre_sigmoid_v)``,
        summed over pixels and averaged over the minibatch."""
        v = T.nnet.sigmoid(pre_sigmoid_v)
        return T.mean(-T.sum(self.input * T.log(v) + (1 - self.input) * T.log(1 - v), axis=1))


def sample_model(rbm: RBM, start: np.ndarray, plot_every: int, n_rows: int = 10) -> np.ndarray:
    """Run one Gibbs chain from each row of ``start``; return ``n_rows`` rows of the chains' visible
    means, ``plot_every`` steps apart, as images (``n_rows * len(start)`` rows of pixels)."""
    chain = theano.shared(start, name="persistent_vis_chain")
    (_, _, _, _, v_means, v_samples), updates = theano.scan(
        rbm.gibbs_vhv, outputs_info=[None, None, None, None, None, chain], n_steps=plot_every, name="gibbs_vhv")
    updates[chain] = v_samples[-1]
    sample = theano.function([], v_means[-1], updates=updates, name="sample")
    return np.concatenate([sample() for _ in range(n_rows)])


def main(argv=None) -> tuple[list[float], float, float]:
    """Train; return the monitoring cost of each epoch, and the test images' mean-field
    reconstruction cross-entropy before and after training."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--k", type=int, default=1, help="Gibbs steps per update (CD-k)")
    parser.add_argument("--persistent", action="store_true", help="persistent CD (chains carried across updates)")
    parser.add_argument("--rng", choices=("mrg", "numpy"), default="numpy", help="MRG_RandomStreams or RandomStreams")
    parser.add_argument("--filters", default=None, help="write the learned filters to this PNG file")
    parser.add_argument("--samples", default=None, help="write samples of the trained model to this PNG file")
    parser.add_argument("--chains", type=int, default=10, help="Gibbs chains drawn for --samples")
    parser.add_argument("--plot-every", type=int, default=200, help="Gibbs steps between rows of --samples")
    parser.add_argument("--data", default=None, help="MNIST pickle (mnist.pkl.gz) in the tutorials' format")
    args = parser.parse_args(argv)

    train, _, test, source = load_data(args.data, side=8)
    print(f"data: {source}; {len(train[1])} training, {len(test[1])} test examples")
    train_x, _ = shared_dataset(train, "train")
    numpy_rng = np.random.default_rng(123)
    theano_rng = MRG_RandomStreams(1234) if args.rng == "mrg" else RandomStreams(1234)

    index = T.lscalar("index")
    x = T.matrix("x")
    batch = args.batch_size
    rbm = RBM(x, train[0].shape[1], args.hidden, numpy_rng, theano_rng)
    persistent = None
    if args.persistent:
        persistent = theano.shared(np.zeros((batch, args.hidden), dtype=theano.config.floatX), name="persistent")
    monitor, updates = rbm.get_cost_updates(args.learning_rate, persistent=persistent, k=args.k)
    train_rbm = theano.function([index], monitor, updates=updates, name="train_rbm",
                                givens={x: train_x[index * batch:(index + 1) * batch]})
    test_cost = theano.function([x], rbm.reconstruction_cross_entropy(rbm.propdown(rbm.propup(x)[1])[0]),
                                name="test_cost")

    initial = float(test_cost(test[0]))
    print(f"test reconstruction cross-entropy before training {initial:.3f}")
    name = "log pseudo-likelihood" if args.persistent else "reconstruction cross-entropy"
    n_batches = len(train[1]) // batch
    epoch_costs = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        epoch_costs.append(float(np.mean([train_rbm(i) for i in range(n_batches)])))
        print(f"epoch {epoch:3d}  {name} {epoch_costs[-1]:.4f}  ({time.perf_counter() - start:.2f} s)")
    final = float(test_cost(test[0]))
    print(f"test reconstruction cross-entropy {final:.3f} (before training {initial:.3f})")
    side = int(round(np.sqrt(train[0].shape[1])))
    zoom = max(1, 28 // side)
    if args.filters:
        write_png(args.filters, tile_images(rbm.W.get_value().T, side, zoom=zoom))
        print(f"filters written to {args.filters}")
    if args.samples:
        write_png(args.samples, tile_images(sample_model(rbm, test[0][:args.chains], args.plot_every), side,
                                            columns=args.chains, zoom=zoom))
        print(f"samples written to {args.samples}")
    return epoch_costs, initial, final


if __name__ == "__main__":
    main()
