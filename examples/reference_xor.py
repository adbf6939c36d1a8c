"""Train the reference network on XOR and read its forward pass, layer by layer.

Run:  python examples/reference_xor.py
Compare your own XOR network with this one: same sizes [2, 4, 1], sigmoid everywhere, binary
cross-entropy, full-batch gradient descent with lr=1.0. If yours does not converge, check
`shapecheck plan 2 4 1 --activation sigmoid --loss bce -n 4` for every shape and backward step.
"""

from reference_nets import MLP, datasets

X, Y = datasets.xor()                        # X (4, 2), Y (4, 1): samples as rows
net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=0)
history = net.fit(X, Y, epochs=2000, lr=1.0)
print(f"loss: first epoch {history[0]:.4f}, last epoch {history[-1]:.4f}")

cache = net.forward(X)
for name in ("Z1", "A1", "Z2", "A2"):
    print(f"{name} {cache[name].shape}")
print("predictions:", net.predict(X).ravel().tolist(), "targets:", Y.ravel().astype(int).tolist())
print(f"accuracy: {net.accuracy(X, Y):.0%}")
