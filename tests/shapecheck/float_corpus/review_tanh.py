"""Review 25's a2: 2 inputs, 2 tanh hidden units, a sigmoid output, half squared error summed over the
samples; the learning rate a local of train, each hidden derivative on a line of its own (t1, t2)."""
import math
import numpy as np

def sigmoid(t):
    return 1 / (1 + np.exp(-t))

class TinyNet:
    def __init__(self):
        g = np.random.default_rng(3)
        self.wa, self.wb, self.wc, self.wd, self.we, self.wf = (float(v) for v in g.normal(size=6))
        self.ba, self.bb, self.bo = (float(v) for v in g.normal(size=3))

    def predict(self, x):
        h1 = np.tanh(self.wa * x[0] + self.wb * x[1] + self.ba)
        h2 = np.tanh(self.wc * x[0] + self.wd * x[1] + self.bb)
        return sigmoid(self.we * h1 + self.wf * h2 + self.bo)

    def train(self, X, Y):
        learn_rate = 0.2
        for epoch in range(100):
            for x, y in zip(X, Y):
                s1 = self.wa * x[0] + self.wb * x[1] + self.ba
                s2 = self.wc * x[0] + self.wd * x[1] + self.bb
                h1, h2 = np.tanh(s1), np.tanh(s2)
                so = self.we * h1 + self.wf * h2 + self.bo
                p = sigmoid(so)
                d_p = p - y
                d_so = d_p * p * (1 - p)
                t1 = 1 - h1 ** 2  # PLANT:t1
                t2 = 1 - h2 ** 2  # PLANT:t2
                d_s1 = d_so * self.we * t1
                d_s2 = d_so * self.wf * t2
                self.we -= learn_rate * d_so * h1
                self.wf -= learn_rate * d_so * h2
                self.bo -= learn_rate * d_so
                self.wa -= learn_rate * d_s1 * x[0]
                self.wb -= learn_rate * d_s1 * x[1]
                self.ba -= learn_rate * d_s1
                self.wc -= learn_rate * d_s2 * x[0]
                self.wd -= learn_rate * d_s2 * x[1]
                self.bb -= learn_rate * d_s2

def half_sse(y_true, y_pred):
    return float(np.sum((y_true - y_pred) ** 2) / 2)
