"""Japanese deep-learning book style: Affine/Relu/SoftmaxWithLoss in an OrderedDict; b1 made as a column."""
from collections import OrderedDict
import numpy as np

class Relu:
    def forward(self, x):
        self.mask = (x <= 0)
        return np.where(self.mask, 0, x)
    def backward(self, dout):
        return np.where(self.mask, 0, dout)

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b  # correct: np.dot(x, self.W) + self.b.T

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)

class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        e = np.exp(x - np.max(x, axis=1, keepdims=True))
        self.y = e / np.sum(e, axis=1, keepdims=True)
        return -np.sum(t * np.log(self.y + 1e-7)) / x.shape[0]
    def backward(self, dout=1):
        return (self.y - self.t) / self.t.shape[0]

class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.1):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros((hidden_size, 1))
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros((output_size, 1))
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.lastLayer = SoftmaxWithLoss()
    def gradient(self, x, t):
        for layer in self.layers.values():
            x = layer.forward(x)
        self.lastLayer.forward(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {'W1': self.layers['Affine1'].dW, 'b1': self.layers['Affine1'].db,
                'W2': self.layers['Affine2'].dW, 'b2': self.layers['Affine2'].db}

np.random.seed(9)
network = TwoLayerNet(input_size=5, hidden_size=4, output_size=3)
x_batch = np.random.randn(6, 5)
t_batch = np.eye(3)[[0, 2, 1, 1, 2, 0]]
GRADS = network.gradient(x_batch, t_batch)
