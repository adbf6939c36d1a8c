"""Review 25's a4: 3 inputs, 2 sigmoid hidden units, a sigmoid output, a per-sample train whose updates add
(``self.w7 += lr * delta_o * h1``), so its error is ``y - o``; half squared error summed over the samples."""
import numpy as np

def s(z):
    return 1 / (1 + np.exp(-z))

class Net:
    def __init__(self):
        g = np.random.default_rng(8)
        self.w1, self.w2, self.w3, self.w4, self.w5, self.w6, self.w7, self.w8 = (float(v) for v in g.normal(size=8))
        self.b1, self.b2, self.b3 = 0.1, -0.2, 0.05
        self.learning_rate = 0.3

    def forward(self, x):
        h1 = s(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.b1)
        h2 = s(self.w4 * x[0] + self.w5 * x[1] + self.w6 * x[2] + self.b2)
        return s(self.w7 * h1 + self.w8 * h2 + self.b3)

    def train(self, data, labels):
        for epoch in range(5):
            for x, y in zip(data, labels):
                h1 = s(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.b1)
                h2 = s(self.w4 * x[0] + self.w5 * x[1] + self.w6 * x[2] + self.b2)
                o = s(self.w7 * h1 + self.w8 * h2 + self.b3)
                err = y - o                                # the "error", then += updates
                pass  # PLANT:reassign
                delta_o = err * o * (1 - o)
                delta_1 = delta_o * self.w7 * h1 * (1 - h1)
                delta_2 = delta_o * self.w8 * h2 * (1 - h2)
                self.w7 += self.learning_rate * delta_o * h1
                self.w8 += self.learning_rate * delta_o * h2
                self.b3 += self.learning_rate * delta_o
                self.w1 += self.learning_rate * delta_1 * x[0]
                self.w2 += self.learning_rate * delta_1 * x[1]
                self.w3 += self.learning_rate * delta_1 * x[2]
                self.b1 += self.learning_rate * delta_1
                self.w4 += self.learning_rate * delta_2 * x[0]  # PLANT:update-w4
                self.w5 += self.learning_rate * delta_2 * x[1]
                self.w6 += self.learning_rate * delta_2 * x[2]
                self.b2 += self.learning_rate * delta_2

def half_sse(y_true, y_pred):
    return float(np.sum((y_true - y_pred) ** 2) / 2)
