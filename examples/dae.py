"""A denoising autoencoder, as in the Deep Learning Tutorials: corrupt the input by zeroing a
random fraction of its pixels, encode it, and learn to reconstruct the clean input.

Run: python examples/dae.py [--epochs 15] [--corruption 0.3] [--hidden 100] [--filters filters.png]
[--data mnist.pkl.gz]

Encoder ``h = sigmoid(x~ W + b)``, decoder ``z = sigmoid(h W' + b')`` with tied weights
``W' = W.T``; the cost is the cross-entropy between ``x`` and ``z``, summed over pixels and
averaged over the minibatch. The corruption mask is drawn with ``RandomStreams`` inside the
compiled function, so every call draws a new one. Data (see ``_data.py``): scikit-learn's
8x8 digits, else generated images, or MNIST with ``--data``. The result to judge: the clean
reconstruction cost of the test images before and after training, and with ``--filters`` a PNG
of the learned filters (the columns of ``W``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
if EXAMPLES_DIR not in sys.path:  # the examples' shared data helper, when this file is loaded by path
    sys.path.insert(0, EXAMPLES_DIR)
from _data import load_data, shared_dataset, tile_images, write_png  # noqa: E402


class DenoisingAutoencoder:
    """A denoising autoencoder with tied weights on the symbolic minibatch ``input``.

    ``W`` and ``bhid`` may be given (shared variables): a stacked autoencoder passes its hidden
    layer's, so that pretraining this autoencoder trains that layer.
    """

    def __init__(self, numpy_rng: np.random.Generator, theano_rng, input, n_visible: int, n_hidden: int,
                 W=None, bhid=None, bvis=None):
        floatX = theano.config.floatX
        if W is None:
            bound = 4 * np.sqrt(6.0 / (n_hidden + n_visible))  # the sigmoid's Glorot bound
            W = theano.shared(numpy_rng.uniform(-bound, bound, (n_visible, n_hidden)).astype(floatX), name="W")
        if bhid is None:
            bhid = theano.shared(np.zeros(n_hidden, dtype=floatX), name="bhid")
        if bvis is None:
            bvis = theano.shared(np.zeros(n_visible, dtype=floatX), name="bvis")
        self.W, self.b, self.b_prime = W, bhid, bvis
        self.theano_rng = theano_rng
        self.x = input
        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level: float):
        """Zero each pixel with probability ``corruption_level``."""
        keep = self.theano_rng.binomial(size=input.shape, n=1, p=1 - corruption_level, dtype=theano.config.floatX)
        return keep * input

    def get_hidden_values(self, input):
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        return T.nnet.sigmoid(T.dot(hidden, self.W.T) + self.b_prime)

    def reconstruction_cost(self, corruption_level: float = 0.0):
        """Mean over the minibatch of the cross-entropy between the input and its reconstruction."""
        x_tilde = self.get_corrupted_input(self.x, corruption_level) if corruption_level > 0 else self.x
        z = self.get_reconstructed_input(self.get_hidden_values(x_tilde))
        return T.mean(-T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1))

    def get_cost_updates(self, corruption_level: float, learning_rate: float):
        """The denoising cost and the SGD updates of the parameters."""
        cost = self.reconstruction_cost(corruption_level)
        grads = T.grad(cost, self.params)
        return cost, [(p, p - learning_rate * g) for p, g in zip(self.params, grads)]


def main(argv=None) -> tuple[list[float], float, float]:
    """Train; return the mean training cost of each epoch, and the clean reconstruction cost of
    the test images before and after training."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--corruption", type=float, default=0.3)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--filters", default=None, help="write the learned filters to this PNG file")
    parser.add_argument("--data", default=None, help="MNIST pickle (mnist.pkl.gz) in the tutorials' format")
    args = parser.parse_args(argv)

    train, _, test, source = load_data(args.data, side=8)
    print(f"data: {source}; {len(train[1])} training, {len(test[1])} test examples")
    train_x, _ = shared_dataset(train, "train")
    n_visible = train[0].shape[1]

    index = T.lscalar("index")
    x = T.matrix("x")
    da = DenoisingAutoencoder(np.random.default_rng(123), RandomStreams(2**30), x, n_visible, args.hidden)
    cost, updates = da.get_cost_updates(args.corruption, args.learning_rate)
    batch = args.batch_size
    train_da = theano.function([index], cost, updates=updates, name="train_da",
                               givens={x: train_x[index * batch:(index + 1) * batch]})
    test_cost = theano.function([x], da.reconstruction_cost(), name="test_cost")

    initial = float(test_cost(test[0]))
    print(f"test reconstruction cost before training {initial:.3f}")
    n_batches = len(train[1]) // batch
    epoch_costs = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        epoch_costs.append(float(np.mean([train_da(i) for i in range(n_batches)])))
        print(f"epoch {epoch:3d}  training cost {epoch_costs[-1]:.4f}  ({time.perf_counter() - start:.2f} s)")
    final = float(test_cost(test[0]))
    print(f"test reconstruction cost {final:.3f} (before training {initial:.3f})")
    if args.filters:
        side = int(round(np.sqrt(n_visible)))
        write_png(args.filters, tile_images(da.W.get_value().T, side, zoom=max(1, 28 // side)))
        print(f"filters written to {args.filters}")
    return epoch_costs, initial, final


if __name__ == "__main__":
    main()
