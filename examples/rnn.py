"""An Elman recurrent network trained with ``theano.scan``: learn to echo a bit seen two steps ago.

Run: python examples/rnn.py [--epochs 30] [--hidden 32]

Each example is a sequence of random bits; the target at step ``t`` is the input of step
``t - 2`` (a delayed copy), which the network can only produce by remembering its inputs in
its hidden state ``h_t = tanh(x_t W_in + h_{t-1} W_rec + b)``. The recurrence over time is a
``scan``; ``T.grad`` differentiates through it (backpropagation through time), and minibatch
SGD updates the weights. Accuracy counts the steps ``t >= 2`` whose predicted bit is right
(chance is 50%).
"""

import argparse

import numpy as np

import theano
import theano.tensor as T

DELAY = 2


def make_data(n_sequences: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bits of shape (length, n_sequences, 1) and their copy delayed by ``DELAY`` steps (zeros first)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(length, n_sequences, 1)).astype(theano.config.floatX)
    y = np.zeros_like(x)
    y[DELAY:] = x[:-DELAY]
    return x, y


def init_weight(rng: np.random.Generator, n_in: int, n_out: int, name: str) -> theano.compile.SharedVariable:
    bound = np.sqrt(6.0 / (n_in + n_out))
    return theano.shared(rng.uniform(-bound, bound, size=(n_in, n_out)).astype(theano.config.floatX), name=name)


def main(argv=None) -> tuple[list[float], float]:
    """Train; return the mean training cost of each epoch and the final accuracy on fresh sequences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--sequences", type=int, default=256)
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1234)
    floatX = theano.config.floatX

    # Parameters.
    w_in = init_weight(rng, 1, args.hidden, "w_in")
    w_rec = theano.shared((np.eye(args.hidden) * 0.5 + rng.normal(0, 0.1, (args.hidden, args.hidden))).astype(floatX),
                          name="w_rec")
    b = theano.shared(np.zeros(args.hidden, dtype=floatX), name="b")
    w_out = init_weight(rng, args.hidden, 1, "w_out")
    b_out = theano.shared(np.zeros(1, dtype=floatX), name="b_out")
    params = [w_in, w_rec, b, w_out, b_out]

    # The model: x and y are (time, batch, 1); the hidden state is (batch, hidden).
    x = T.tensor3("x")
    y = T.tensor3("y")
    h0 = T.zeros((x.shape[1], args.hidden), dtype=floatX)

    def step(x_t, h_tm1):
        return T.tanh(T.dot(x_t, w_in) + T.dot(h_tm1, w_rec) + b)

    h, _ = theano.scan(step, sequences=x, outputs_info=h0, name="elman")
    p = T.nnet.sigmoid(T.dot(h, w_out) + b_out)          # (time, batch, 1)
    cost = T.nnet.binary_crossentropy(p, y)[DELAY:].mean()
    accuracy = T.eq(p[DELAY:] > 0.5, y[DELAY:]).mean()
    grads = T.grad(cost, params)
    lr = np.asarray(args.learning_rate, dtype=floatX)
    train = theano.function([x, y], cost, updates=[(q, q - lr * g) for q, g in zip(params, grads)], name="train")
    evaluate = theano.function([x, y], [cost, accuracy], name="evaluate")

    train_x, train_y = make_data(args.sequences, args.length, seed=0)
    test_x, test_y = make_data(args.sequences, args.length, seed=1)
    costs = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(args.sequences)
        epoch_costs = []
        for start in range(0, args.sequences, args.batch_size):
            batch = order[start:start + args.batch_size]
            epoch_costs.append(float(train(train_x[:, batch], train_y[:, batch])))
        costs.append(float(np.mean(epoch_costs)))
        print(f"epoch {epoch:3d}  training cost {costs[-1]:.4f}")
    test_cost, test_accuracy = evaluate(test_x, test_y)
    print(f"final: test cost {float(test_cost):.4f}, test accuracy {100 * float(test_accuracy):.1f}% (chance 50%)")
    return costs, float(test_accuracy)


if __name__ == "__main__":
    main()
