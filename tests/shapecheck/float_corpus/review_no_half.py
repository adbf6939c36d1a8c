"""Review 25's a3: 2 inputs, 3 sigmoid hidden units, a sigmoid output, the mean squared error without the 1/2
(``((y - p) ** 2).mean()``, so its derivative is ``-2 * (y - p)``), per-sample SGD with self.learn_rate."""
import numpy as np

def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def deriv_sigmoid(x):
    fx = sigmoid(x)
    return fx * (1 - fx)

class ThreeHidden:
    def __init__(self):
        g = np.random.default_rng(21)
        vals = [float(v) for v in g.normal(size=13)]
        self.w1, self.w2, self.w3, self.w4, self.w5, self.w6 = vals[:6]
        self.o1, self.o2, self.o3 = vals[6:9]
        self.b1, self.b2, self.b3, self.b4 = vals[9:13]
        self.learn_rate = 0.1

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        h3 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.b3)
        return sigmoid(self.o1 * h1 + self.o2 * h2 + self.o3 * h3 + self.b4)

    def train(self, data, all_y_trues):
        lr = self.learn_rate
        for epoch in range(10):
            for x, y_true in zip(data, all_y_trues):
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
                sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
                sum_h3 = self.w5 * x[0] + self.w6 * x[1] + self.b3
                h1, h2, h3 = sigmoid(sum_h1), sigmoid(sum_h2), sigmoid(sum_h3)
                sum_o = self.o1 * h1 + self.o2 * h2 + self.o3 * h3 + self.b4
                y_pred = sigmoid(sum_o)
                d_L_d_ypred = -2 * (y_true - y_pred)
                d_out = d_L_d_ypred * deriv_sigmoid(sum_o)
                d_h1 = d_out * self.o1 * deriv_sigmoid(sum_h1)
                d_h2 = d_out * self.o2 * deriv_sigmoid(sum_h2)
                d_h3 = d_out * self.o3 * deriv_sigmoid(sum_h3)
                self.o1 -= lr * d_out * h1
                self.o2 -= lr * d_out * h2
                self.o3 -= lr * d_out * h3
                self.b4 -= lr * d_out
                self.w1 -= lr * d_h1 * x[0]
                self.w2 -= lr * d_h1 * x[1]
                self.b1 -= lr * d_h1
                self.w3 -= lr * d_h2 * x[0]
                self.w4 -= lr * d_h2 * x[1]
                self.b2 -= lr * d_h2
                self.w5 -= lr * d_h3 * x[0]
                self.w6 -= lr * d_h3 * x[1]
                self.b3 -= lr * d_h3

def mse_no_half(y_true, y_pred):
    return float(((y_true - y_pred) ** 2).mean())
