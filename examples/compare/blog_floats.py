"""A blog's first network: every weight a Python float (self.w1 ... self.w6, self.b1 ... self.b3), a train that
loops over epochs and samples with hand-written partials and in-place updates. compare reads which float
multiplies which input from feedforward(x), compares the floats as the reference's arrays, names the mistake
in the learner's floats and places it on its line.

Run:  python examples/compare/blog_floats.py
      shapecheck compare examples/compare/blog_floats.py:factory
"""

import numpy as np

import shapecheck


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    fx = sigmoid(x)
    return fx * (1 - fx)


def mse_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


class BlogNet:
    def __init__(self, bug=None, seed=0):
        rng = np.random.default_rng(seed)
        self.w1, self.w2, self.w3, self.w4, self.w5, self.w6 = (float(v) for v in rng.normal(size=6))
        self.b1, self.b2, self.b3 = (float(v) for v in rng.normal(size=3))
        self.learn_rate = 0.1
        self.bug = bug

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        return sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)

    def train(self, data, all_y_trues, epochs=1000):
        lr, bug = self.learn_rate, self.bug
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
                h1 = sigmoid(sum_h1)
                sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
                h2 = sigmoid(sum_h2)
                sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
                y_pred = sigmoid(sum_o1)

                d_L_d_ypred = -2 * (y_true - y_pred) if bug != "sign-flip" else 2 * (y_true - y_pred)

                d_ypred_d_w5 = h1 * deriv_sigmoid(sum_o1)
                d_ypred_d_w6 = h2 * deriv_sigmoid(sum_o1)
                d_ypred_d_b3 = deriv_sigmoid(sum_o1)
                d_ypred_d_h1 = self.w5 * deriv_sigmoid(sum_o1)
                d_ypred_d_h2 = self.w6 * deriv_sigmoid(sum_o1)

                slope_h1 = deriv_sigmoid(sum_h1) if bug != "derivative-at-activation" else deriv_sigmoid(h1)
                slope_h2 = deriv_sigmoid(sum_h2) if bug != "derivative-at-activation" else deriv_sigmoid(h2)
                back_w3 = d_ypred_d_h2 if bug != "wrong-unit" else d_ypred_d_h1

                self.w1 -= lr * d_L_d_ypred * d_ypred_d_h1 * x[0] * slope_h1
                self.w2 -= lr * d_L_d_ypred * d_ypred_d_h1 * x[1] * slope_h1
                self.b1 -= lr * d_L_d_ypred * d_ypred_d_h1 * slope_h1
                self.w3 -= lr * d_L_d_ypred * back_w3 * x[0] * slope_h2
                self.w4 -= lr * d_L_d_ypred * d_ypred_d_h2 * x[1] * slope_h2
                self.b2 -= lr * d_L_d_ypred * d_ypred_d_h2 * slope_h2
                self.w5 -= lr * d_L_d_ypred * d_ypred_d_w5
                self.w6 -= lr * d_L_d_ypred * d_ypred_d_w6
                self.b3 -= lr * d_L_d_ypred * d_ypred_d_b3
            if epoch % 100 == 0:
                print(f"epoch {epoch} loss {mse_loss(all_y_trues, np.apply_along_axis(self.feedforward, 1, data)):.3f}")


BUGS = {None: "match", "sign-flip": "sign-flip", "derivative-at-activation": "derivative-at-activation",
        "wrong-unit": "wrong-unit"}


def make(bug=None):
    data = np.array([[-2.0, -1.0], [2.5, 0.6], [1.7, 0.4], [-1.5, -0.6], [0.3, 0.05]])   # weight, height (centred)
    all_y_trues = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
    net = BlogNet(bug)
    return dict(X=data, Y=all_y_trues, params=net, step=net.train,
                loss_fn=lambda X, Y: mse_loss(Y, np.apply_along_axis(net.feedforward, 1, X)))


def factory():
    return make()


def factory_buggy():
    return make("derivative-at-activation")


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
