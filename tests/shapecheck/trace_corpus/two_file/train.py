"""Style: the training script of a two-file learner project; it imports the network class from
mynet.py in the same folder. The planted bug (broadcast) is in mynet.py, MyNet.backward: the output
error is not sent back through W2 before it meets the hidden layer's derivative.
"""
import numpy as np

from mynet import MyNet

rng = np.random.default_rng(0)
X = rng.normal(size=(7, 5))
Y = rng.normal(size=(7, 2))
net = MyNet(5, 3, 2)
for epoch in range(3):
    out = net.forward(X)
    print("epoch", epoch, "loss", float(np.mean((out - Y) ** 2)))
    net.backward(Y, lr=0.1)
