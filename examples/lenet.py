"""A LeNet-style convolutional network (two convolution + max-pooling layers, a tanh hidden layer,
a softmax output) trained by minibatch SGD, as in the Deep Learning Tutorials.

Run: python examples/lenet.py [--epochs 20] [--nkerns 20 50] [--data mnist.pkl.gz]

Data (see ``_data.py``): MNIST with ``--data`` (28x28 images: 5x5 filters, as in the
tutorial), else scikit-learn's 8x8 digits at their own size (3x3 then 2x2 filters), else
generated images. Each layer maps ``(batch, channels, rows, cols)`` images through
``conv2d`` and ``pool_2d``; the data live in shared variables and a minibatch is picked by its
index inside the compiled function (``givens``), the tutorials' way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.signal.pool import pool_2d

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
if EXAMPLES_DIR not in sys.path:  # the examples' shared data helper, when this file is loaded by path
    sys.path.insert(0, EXAMPLES_DIR)
from _data import load_data, shared_dataset  # noqa: E402

# Filter sizes of the two convolution layers, by image side: each is followed by 2x2 pooling.
FILTER_SIZES = {8: (3, 2), 28: (5, 5)}


class LeNetConvPoolLayer:
    """``tanh(max_pool(conv2d(input, W)) + b)`` with ``W`` of shape ``filter_shape``
    ``(filters, input channels, rows, cols)``."""

    def __init__(self, rng: np.random.Generator, input, filter_shape, image_shape, poolsize=(2, 2)):
        fan_in = np.prod(filter_shape[1:])
        fan_out = filter_shape[0] * np.prod(filter_shape[2:]) / np.prod(poolsize)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        self.W = theano.shared(rng.uniform(-bound, bound, filter_shape).astype(theano.config.floatX), name="W")
        self.b = theano.shared(np.zeros(filter_shape[0], dtype=theano.config.floatX), name="b")
        conv_out = conv2d(input, self.W, input_shape=image_shape, filter_shape=filter_shape)
        pooled = pool_2d(conv_out, ws=poolsize, ignore_border=True)
        self.output = T.tanh(pooled + self.b.dimshuffle("x", 0, "x", "x"))
        self.params = [self.W, self.b]


class HiddenLayer:
    """A fully connected layer, ``activation(input W + b)``, with Glorot-uniform weights (four
    times wider for the sigmoid, as in the tutorials)."""

    def __init__(self, rng: np.random.Generator, input, n_in: int, n_out: int, activation=T.tanh):
        bound = np.sqrt(6.0 / (n_in + n_out)) * (4 if activation is T.nnet.sigmoid else 1)
        self.W = theano.shared(rng.uniform(-bound, bound, (n_in, n_out)).astype(theano.config.floatX), name="W")
        self.b = theano.shared(np.zeros(n_out, dtype=theano.config.floatX), name="b")
        self.output = activation(T.dot(input, self.W) + self.b)
        self.params = [self.W, self.b]


class LogisticRegression:
    """The softmax output layer, its negative log-likelihood and its error rate."""

    def __init__(self, input, n_in: int, n_out: int):
        self.W = theano.shared(np.zeros((n_in, n_out), dtype=theano.config.floatX), name="W")
        self.b = theano.shared(np.zeros(n_out, dtype=theano.config.floatX), name="b")
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        return T.mean(T.neq(self.y_pred, y))


def main(argv=None) -> tuple[list[float], float]:
    """Train; return the validation error after each epoch and the final test error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--nkerns", type=int, nargs=2, default=[20, 50], help="filters of the two conv layers")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training examples")
    parser.add_argument("--data", default=None, help="MNIST pickle (mnist.pkl.gz) in the tutorials' format")
    args = parser.parse_args(argv)

    train, valid, test, source = load_data(args.data, side=8)
    if args.train_size:
        train = (train[0][:args.train_size], train[1][:args.train_size])
    side = int(round(np.sqrt(train[0].shape[1])))
    print(f"data: {source}; {len(train[1])} training, {len(valid[1])} validation, {len(test[1])} test examples")
    train_x, train_y = shared_dataset(train, "train")
    batch, n1, n2 = args.batch_size, args.nkerns[0], args.nkerns[1]
    f1, f2 = FILTER_SIZES[side]
    rng = np.random.default_rng(23455)

    # The network: rows of pixels reshaped to one-channel images, any number of them.
    index = T.lscalar("index")
    x = T.matrix("x")
    y = T.ivector("y")
    layer0_input = x.reshape((x.shape[0], 1, side, side))
    layer0 = LeNetConvPoolLayer(rng, layer0_input, image_shape=(None, 1, side, side), filter_shape=(n1, 1, f1, f1))
    side0 = (side - f1 + 1) // 2
    layer1 = LeNetConvPoolLayer(rng, layer0.output, image_shape=(None, n1, side0, side0),
                                filter_shape=(n2, n1, f2, f2))
    side1 = (side0 - f2 + 1) // 2
    layer2 = HiddenLayer(rng, layer1.output.flatten(2), n_in=n2 * side1 * side1, n_out=args.hidden)
    layer3 = LogisticRegression(layer2.output, n_in=args.hidden, n_out=10)
    params = layer3.params + layer2.params + layer1.params + layer0.params

    cost = layer3.negative_log_likelihood(y)
    grads = T.grad(cost, params)
    updates = [(p, p - args.learning_rate * g) for p, g in zip(params, grads)]
    train_model = theano.function([index], cost, updates=updates, name="train_model",
                                  givens={x: train_x[index * batch:(index + 1) * batch],
                                          y: train_y[index * batch:(index + 1) * batch]})
    errors = theano.function([x, y], layer3.errors(y), name="errors")

    n_batches = len(train[1]) // batch
    valid_errors = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        costs = [train_model(i) for i in range(n_batches)]
        valid_errors.append(float(errors(*valid)))
        print(f"epoch {epoch:3d}  training cost {np.mean(costs):.4f}  validation error {100 * valid_errors[-1]:5.2f}%"
              f"  ({time.perf_counter() - start:.2f} s)")
    test_error = float(errors(*test))
    print(f"test error {100 * test_error:.2f}%")
    return valid_errors, test_error


if __name__ == "__main__":
    main()
