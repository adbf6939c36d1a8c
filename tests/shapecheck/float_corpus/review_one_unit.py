"""Review 25's a1: 3 inputs, 3 sigmoid hidden units, a sigmoid output, per-sample SGD with self.eta; the loss
is the squared error without the 1/2, averaged over the samples (so dL = -2 * (y - out))."""
import numpy as np

def sig(z):
    return 1.0 / (1.0 + np.exp(-z))

def dsig(z):
    s = sig(z)
    return s * (1.0 - s)

class Net3:
    def __init__(self):
        r = np.random.default_rng(11)
        (self.w1, self.w2, self.w3, self.w4, self.w5, self.w6, self.w7, self.w8, self.w9,
         self.v1, self.v2, self.v3) = (float(t) for t in r.normal(size=12))
        self.c1, self.c2, self.c3, self.c4 = (float(t) for t in r.normal(size=4))
        self.eta = 0.05

    def feedforward(self, x):
        a = sig(x[0] * self.w1 + x[1] * self.w2 + x[2] * self.w3 + self.c1)
        b = sig(x[0] * self.w4 + x[1] * self.w5 + x[2] * self.w6 + self.c2)
        c = sig(x[0] * self.w7 + x[1] * self.w8 + x[2] * self.w9 + self.c3)
        return sig(a * self.v1 + b * self.v2 + c * self.v3 + self.c4)

    def train(self, data, ys, epochs=50):
        for ep in range(epochs):
            for x, y in zip(data, ys):
                za = x[0] * self.w1 + x[1] * self.w2 + x[2] * self.w3 + self.c1
                zb = x[0] * self.w4 + x[1] * self.w5 + x[2] * self.w6 + self.c2
                zc = x[0] * self.w7 + x[1] * self.w8 + x[2] * self.w9 + self.c3
                a, b, c = sig(za), sig(zb), sig(zc)
                zo = a * self.v1 + b * self.v2 + c * self.v3 + self.c4
                out = sig(zo)
                dL = -2 * (y - out)  # PLANT:dL
                go = dL * dsig(zo)
                ga = go * self.v1 * dsig(za)  # PLANT:ga
                gb = go * self.v2 * dsig(zb)
                gc = go * self.v3 * dsig(zc)
                self.w1 -= self.eta * ga * x[0]
                self.w2 -= self.eta * ga * x[1]
                self.w3 -= self.eta * ga * x[2]
                self.c1 -= self.eta * ga
                self.w4 -= self.eta * gb * x[0]
                self.w5 -= self.eta * gb * x[1]  # PLANT:update-w5
                self.w6 -= self.eta * gb * x[2]
                self.c2 -= self.eta * gb
                self.w7 -= self.eta * gc * x[0]
                self.w8 -= self.eta * gc * x[1]
                self.w9 -= self.eta * gc * x[2]
                self.c3 -= self.eta * gc
                self.v1 -= self.eta * go * a
                self.v2 -= self.eta * go * b
                self.v3 -= self.eta * go * c
                self.c4 -= self.eta * go

def mse_no_half(y_true, y_pred):
    return float(np.mean((y_true - y_pred) ** 2))
