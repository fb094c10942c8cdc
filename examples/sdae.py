"""A stacked denoising autoencoder, as in the Deep Learning Tutorials: sigmoid layers pretrained
greedily, one denoising autoencoder at a time, then fine-tuned together with a softmax layer
as a classifier.

Run: python examples/sdae.py [--layers 100 100] [--pretrain-epochs 15] [--finetune-epochs 30]
[--data mnist.pkl.gz]

Layer ``k``'s autoencoder reads the output of layers ``0..k-1`` and shares its weights and
hidden bias with layer ``k`` (``DenoisingAutoencoder`` from ``dae.py``), so pretraining it
trains that layer. Fine-tuning then minimizes the classifier's negative log-likelihood by
minibatch SGD through every layer (``HiddenLayer`` and ``LogisticRegression`` from
``lenet.py``). Data (see ``_data.py``): scikit-learn's 8x8 digits, else generated images, or
MNIST with ``--data``.
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
if EXAMPLES_DIR not in sys.path:  # the sibling examples, when this file is loaded by path
    sys.path.insert(0, EXAMPLES_DIR)
from _data import load_data, shared_dataset  # noqa: E402
from dae import DenoisingAutoencoder  # noqa: E402
from lenet import HiddenLayer, LogisticRegression  # noqa: E402


class StackedDenoisingAutoencoder:
    """Sigmoid layers of sizes ``hidden_sizes`` over ``n_in`` inputs, a denoising autoencoder per
    layer for pretraining, and a softmax layer on top for fine-tuning."""

    def __init__(self, numpy_rng: np.random.Generator, theano_rng, n_in: int, hidden_sizes, n_out: int):
        self.x = T.matrix("x")
        self.y = T.ivector("y")
        self.sigmoid_layers, self.autoencoders, self.params = [], [], []
        layer_input, layer_size = self.x, n_in
        for size in hidden_sizes:
            layer = HiddenLayer(numpy_rng, layer_input, layer_size, size, activation=T.nnet.sigmoid)
            self.sigmoid_layers.append(layer)
            self.params.extend(layer.params)
            self.autoencoders.append(DenoisingAutoencoder(numpy_rng, theano_rng, layer_input, layer_size, size,
                                                          W=layer.W, bhid=layer.b))
            layer_input, layer_size = layer.output, size
        self.log_layer = LogisticRegression(layer_input, layer_size, n_out)
        self.params.extend(self.log_layer.params)
        self.finetune_cost = self.log_layer.negative_log_likelihood(self.y)
        self.errors = self.log_layer.errors(self.y)

    def pretraining_functions(self, train_x, batch_size: int, corruption_levels, learning_rate: float):
        """One compiled function per layer: ``f(index)`` runs an SGD step of that layer's
        autoencoder on minibatch ``index`` and returns its cost."""
        index = T.lscalar("index")
        functions = []
        for autoencoder, corruption in zip(self.autoencoders, corruption_levels):
            cost, updates = autoencoder.get_cost_updates(corruption, learning_rate)
            functions.append(theano.function([index], cost, updates=updates, name="pretrain",
                                             givens={self.x: train_x[index * batch_size:(index + 1) * batch_size]}))
        return functions

    def finetuning_function(self, train_x, train_y, batch_size: int, learning_rate: float):
        """``f(index)``: an SGD step of the whole network on minibatch ``index``; returns the cost."""
        index = T.lscalar("index")
        grads = T.grad(self.finetune_cost, self.params)
        updates = [(p, p - learning_rate * g) for p, g in zip(self.params, grads)]
        batch = slice(index * batch_size, (index + 1) * batch_size)
        return theano.function([index], self.finetune_cost, updates=updates, name="finetune",
                               givens={self.x: train_x[batch], self.y: train_y[batch]})


def main(argv=None) -> tuple[list[list[float]], list[float], float]:
    """Pretrain and fine-tune; return each layer's pretraining cost per epoch, the validation
    error after each fine-tuning epoch, and the final test error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[100, 100], help="hidden layer sizes")
    parser.add_argument("--corruption", type=float, nargs="+", default=[0.1, 0.2], help="per layer")
    parser.add_argument("--pretrain-epochs", type=int, default=15)
    parser.add_argument("--pretrain-lr", type=float, default=0.05)
    parser.add_argument("--finetune-epochs", type=int, default=30)
    parser.add_argument("--finetune-lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--data", default=None, help="MNIST pickle (mnist.pkl.gz) in the tutorials' format")
    args = parser.parse_args(argv)
    corruption = (args.corruption * len(args.layers))[:len(args.layers)]  # one level repeats for every layer

    train, valid, test, source = load_data(args.data, side=8)
    print(f"data: {source}; {len(train[1])} training, {len(valid[1])} validation, {len(test[1])} test examples")
    train_x, train_y = shared_dataset(train, "train")
    sda = StackedDenoisingAutoencoder(np.random.default_rng(89677), RandomStreams(2**30), train[0].shape[1],
                                      args.layers, 10)
    n_batches = len(train[1]) // args.batch_size

    # Greedy layer-wise pretraining.
    pretrain_costs = []
    for layer, pretrain in enumerate(sda.pretraining_functions(train_x, args.batch_size, corruption,
                                                               args.pretrain_lr)):
        pretrain_costs.append([])
        for epoch in range(1, args.pretrain_epochs + 1):
            start = time.perf_counter()
            pretrain_costs[-1].append(float(np.mean([pretrain(i) for i in range(n_batches)])))
            print(f"pretraining layer {layer}  epoch {epoch:3d}  cost {pretrain_costs[-1][-1]:.4f}"
                  f"  ({time.perf_counter() - start:.2f} s)")

    # Fine-tuning as a classifier.
    finetune = sda.finetuning_function(train_x, train_y, args.batch_size, args.finetune_lr)
    errors = theano.function([sda.x, sda.y], sda.errors, name="errors")
    valid_errors = []
    for epoch in range(1, args.finetune_epochs + 1):
        start = time.perf_counter()
        cost = np.mean([finetune(i) for i in range(n_batches)])
        valid_errors.append(float(errors(*valid)))
        print(f"fine-tuning epoch {epoch:3d}  training cost {cost:.4f}  validation error {100 * valid_errors[-1]:5.2f}%"
              f"  ({time.perf_counter() - start:.2f} s)")
    test_error = float(errors(*test))
    print(f"test error {100 * test_error:.2f}%")
    return pretrain_costs, valid_errors, test_error


if __name__ == "__main__":
    main()
