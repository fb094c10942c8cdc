"""Logistic regression trained by gradient descent: the case study of the 2010 Theano paper.

Run: python examples/logistic_regression.py [--steps 1000]

The four steps: declare symbolic variables, build the expression graph (with an l2 penalty),
compile functions (``train`` updates the parameters by gradient descent; ``T.grad`` derives
the gradient), and call them. The data are generated (400 examples, 784 features) so the
script needs no download.
"""

import argparse

import numpy as np

import theano
import theano.tensor as T


def make_data(n_examples: int, n_features: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    true_w = rng.normal(size=n_features)
    x = rng.normal(size=(n_examples, n_features))
    y = (x @ true_w + 0.5 * rng.normal(size=n_examples) > 0).astype("int32")
    return x, y


def main(argv=None) -> tuple[list[float], float]:
    """Train; return the cost after each step and the final training accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=400)
    parser.add_argument("--features", type=int, default=784)
    args = parser.parse_args(argv)
    data_x, data_y = make_data(args.examples, args.features)

    # 1. Declare symbolic variables: inputs, and parameters as shared variables.
    x = T.dmatrix("x")
    y = T.ivector("y")
    w = theano.shared(np.zeros(args.features), name="w")
    b = theano.shared(0.0, name="b")

    # 2. Build the expression graph.
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))            # probability that the target is 1
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)   # cross-entropy of each example
    cost = xent.mean() + 0.01 * (w ** 2).sum()          # the cost to minimize
    gw, gb = T.grad(cost, [w, b])                       # symbolic gradients of the cost
    prediction = p_1 > 0.5

    # 3. Compile.
    train = theano.function([x, y], [prediction, cost], updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)],
                            name="train")
    predict = theano.function([x], prediction, name="predict")

    # 4. Call.
    costs = []
    for step in range(args.steps):
        _, err = train(data_x, data_y)
        costs.append(float(err))
        if step % max(args.steps // 10, 1) == 0:
            print(f"step {step:5d}  cost {err:.4f}")
    accuracy = float(np.mean(predict(data_x) == data_y))
    print(f"final cost {costs[-1]:.4f}, training accuracy {accuracy:.3f}")
    return costs, accuracy


if __name__ == "__main__":
    main()
