"""A blog's first network, written the way its readers write it: every weight a float, a per-sample train
with hand-written partials and in-place updates (2 inputs, 2 hidden units, 1 output; sigmoid; squared error)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    fx = sigmoid(x)
    return fx * (1 - fx)


def mse_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


class TinyNet:
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.w1, self.w2, self.w3 = rng.normal(), rng.normal(), rng.normal()
        self.w4, self.w5, self.w6 = rng.normal(), rng.normal(), rng.normal()
        self.b1, self.b2, self.b3 = rng.normal(), rng.normal(), rng.normal()

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        return sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)

    def train(self, data, all_y_trues):
        learn_rate = 0.1
        epochs = 1000
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
                h1 = sigmoid(sum_h1)
                sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
                h2 = sigmoid(sum_h2)
                sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
                o1 = sigmoid(sum_o1)
                y_pred = o1

                d_L_d_ypred = -2 * (y_true - y_pred)                    # PLANT:output-error

                d_ypred_d_w5 = h1 * deriv_sigmoid(sum_o1)
                d_ypred_d_w6 = h2 * deriv_sigmoid(sum_o1)
                d_ypred_d_b3 = deriv_sigmoid(sum_o1)
                d_ypred_d_h1 = self.w5 * deriv_sigmoid(sum_o1)          # PLANT:back-h1
                d_ypred_d_h2 = self.w6 * deriv_sigmoid(sum_o1)          # PLANT:back-h2

                d_h1_d_w1 = x[0] * deriv_sigmoid(sum_h1)                # PLANT:h1-w1
                d_h1_d_w2 = x[1] * deriv_sigmoid(sum_h1)                # PLANT:h1-w2
                d_h1_d_b1 = deriv_sigmoid(sum_h1)                       # PLANT:h1-b1

                d_h2_d_w3 = x[0] * deriv_sigmoid(sum_h2)                # PLANT:h2-w3
                d_h2_d_w4 = x[1] * deriv_sigmoid(sum_h2)                # PLANT:h2-w4
                d_h2_d_b2 = deriv_sigmoid(sum_h2)                       # PLANT:h2-b2

                self.w1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1
                self.w2 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2
                self.b1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1
                self.w3 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3   # PLANT:update-w3
                self.w4 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4   # PLANT:update-w4
                self.b2 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2   # PLANT:update-b2
                self.w5 -= learn_rate * d_L_d_ypred * d_ypred_d_w5
                self.w6 -= learn_rate * d_L_d_ypred * d_ypred_d_w6
                self.b3 -= learn_rate * d_L_d_ypred * d_ypred_d_b3

            if epoch % 10 == 0:
                y_preds = np.apply_along_axis(self.feedforward, 1, data)
                print("Epoch %d loss: %.3f" % (epoch, mse_loss(all_y_trues, y_preds)))
