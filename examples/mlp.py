"""A multi-layer perceptron (784-500-10, tanh hidden layer, softmax output) trained by
minibatch stochastic gradient descent, as in the 2010 Theano paper's benchmark.

Run: python examples/mlp.py [--epochs 20] [--data mnist.pkl.gz]

Data, in order of preference:
- ``--data FILE``: MNIST in the Deep Learning Tutorials' format (a gzipped pickle of
  ``(train_set, valid_set, test_set)``, each ``(images, labels)`` with 784-pixel rows);
- scikit-learn's bundled 8x8 handwritten digits (``pip install -e ".[examples]"``), scaled to
  28x28 pixels so the network keeps the paper's 784 inputs;
- otherwise a generated data set of ten noisy prototype images.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import theano
import theano.tensor as T

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
if EXAMPLES_DIR not in sys.path:  # the examples' shared data helper, when this file is loaded by path
    sys.path.insert(0, EXAMPLES_DIR)
from _data import load_data  # noqa: E402


def init_layer(rng: np.random.Generator, n_in: int, n_out: int, name: str):
    """Glorot-uniform weights (as in the Deep Learning Tutorials) and zero biases, as shared variables."""
    bound = np.sqrt(6.0 / (n_in + n_out))
    w = theano.shared(rng.uniform(-bound, bound, (n_in, n_out)).astype(theano.config.floatX), name=f"W_{name}")
    b = theano.shared(np.zeros(n_out, dtype=theano.config.floatX), name=f"b_{name}")
    return w, b


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=60)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--data", default=None, help="MNIST pickle (mnist.pkl.gz) in the tutorials' format")
    args = parser.parse_args(argv)

    (train_x, train_y), (valid_x, valid_y), (test_x, test_y), source = load_data(args.data, side=28)
    print(f"data: {source}; {len(train_y)} training, {len(valid_y)} validation, {len(test_y)} test examples")
    rng = np.random.default_rng(1234)

    # Symbolic inputs and parameters.
    x = T.matrix("x")
    y = T.ivector("y")
    w_hidden, b_hidden = init_layer(rng, 784, args.hidden, "hidden")
    w_out, b_out = init_layer(rng, args.hidden, 10, "out")
    params = [w_hidden, b_hidden, w_out, b_out]

    # The model, its cost and the gradient-descent updates.
    hidden = T.tanh(T.dot(x, w_hidden) + b_hidden)
    p_y = T.nnet.softmax(T.dot(hidden, w_out) + b_out)
    nll = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    cost = nll + args.l2 * ((w_hidden ** 2).sum() + (w_out ** 2).sum())
    errors = T.mean(T.neq(T.argmax(p_y, axis=1), y))
    grads = T.grad(cost, params)
    updates = [(p, p - args.learning_rate * g) for p, g in zip(params, grads)]

    train = theano.function([x, y], cost, updates=updates, name="train")
    error_rate = theano.function([x, y], errors, name="error_rate")

    n_batches = max(len(train_y) // args.batch_size, 1)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        costs = [train(train_x[i * args.batch_size:(i + 1) * args.batch_size],
                       train_y[i * args.batch_size:(i + 1) * args.batch_size]) for i in range(n_batches)]
        valid_error = error_rate(valid_x, valid_y)
        print(f"epoch {epoch:3d}  training cost {np.mean(costs):.4f}  validation error {100 * valid_error:5.2f}%"
              f"  ({time.perf_counter() - start:.2f} s)")
    test_error = float(error_rate(test_x, test_y))
    print(f"test error {100 * test_error:.2f}%")
    return test_error


if __name__ == "__main__":
    main()
