"""Gradient checking, side by side: shapecheck against what a user would otherwise run.

    python benchmarks/gradcheck_bench.py [--quick] [--repeats N]

Every competitor checks the SAME function: the loss of a reference MLP (tanh hidden layers, softmax
output, cross-entropy, float64), written once in plain numpy (and once in torch for torch's checker).
Repetitions are interleaved (A B C A B C ...) so that drift on a shared machine hits all alike; the
table shows medians. Competitors that are not installed are listed as skipped.

Nothing here is asserted: the numbers are for people, and for the README and the closing notes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import interleave, machine, pairwise_ratio  # noqa: E402

from reference_nets import MLP  # noqa: E402
from shapecheck import check_gradients, check_network  # noqa: E402

H = 1e-6


def make_case(sizes, n, seed=0):
    rng = np.random.default_rng(seed)
    if sizes[-1] == 1:
        net = MLP(sizes, activation="tanh", output="sigmoid", loss="bce", seed=seed)
        return net, rng.normal(size=(n, sizes[0])), (rng.random((n, 1)) > 0.5).astype(float)
    net = MLP(sizes, activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=seed)
    X = rng.normal(size=(n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return net, X, Y


def plain_loss(params, X, Y, layers):
    """The loss a learner writes: rows layout, tanh hidden layers, softmax + cross-entropy
    (sigmoid + binary cross-entropy for one output)."""
    A = X
    for k in range(1, layers):
        A = np.tanh(A @ params[f"W{k}"] + params[f"b{k}"])
    Z = A @ params[f"W{layers}"] + params[f"b{layers}"]
    if Z.shape[1] == 1:
        return float(np.mean(np.maximum(Z, 0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))))
    top = Z.max(axis=1, keepdims=True)
    logsumexp = np.log(np.exp(Z - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(logsumexp - (Y * Z).sum(axis=1)))


def naive_loop(f, params):
    """CS231n-style eval_numerical_gradient over every entry of every tensor (2P calls of f)."""
    grads = {}
    for name, x in params.items():
        grad = np.zeros_like(x)
        it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
        while not it.finished:
            ix = it.multi_index
            old = x[ix]
            x[ix] = old + H
            plus = f()
            x[ix] = old - H
            minus = f()
            x[ix] = old
            grad[ix] = (plus - minus) / (2 * H)
            it.iternext()
        grads[name] = grad
    return grads


def flat_problem(net, X, Y):
    """The same loss as a function of one flat vector, for scipy.optimize.check_grad."""
    names = list(net.params)
    shapes = [net.params[k].shape for k in names]
    sizes = [int(np.prod(s)) for s in shapes]

    def unflatten(theta):
        out, start = {}, 0
        for name, shape, size in zip(names, shapes, sizes):
            out[name] = theta[start:start + size].reshape(shape)
            start += size
        return out

    theta0 = np.concatenate([net.params[k].ravel() for k in names])
    layers = net.n_layers
    func = lambda theta: plain_loss(unflatten(theta), X, Y, layers)  # noqa: E731
    grad = lambda theta: np.concatenate(  # noqa: E731
        [g.ravel() for g in MLP.from_params(unflatten(theta), activation="tanh", output=net.output.name,
                                            loss=net.loss_fn.name).gradients(X, Y).values()])
    return func, grad, theta0


def torch_case(net, X, Y):
    """torch's version of ``plain_loss`` on float64 tensors, and the parameters, for torch's gradcheck: torch
    runs on 1 thread, as numpy's BLAS does in every benchmark (``run.py``)."""
    import torch

    torch.set_num_threads(1)
    params = [torch.tensor(net.params[k], dtype=torch.float64, requires_grad=True) for k in net.params]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    layers = net.n_layers

    def fn(*ps):
        A = Xt
        for k in range(layers - 1):
            A = torch.tanh(A @ ps[2 * k] + ps[2 * k + 1])
        Z = A @ ps[-2] + ps[-1]
        if Z.shape[1] == 1:
            return torch.nn.functional.binary_cross_entropy_with_logits(Z, Yt)
        return (torch.logsumexp(Z, dim=1) - (Yt * Z).sum(dim=1)).mean()

    return fn, params


class Counted:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


def competitors_full(net, X, Y):
    """name -> callable returning the number of loss evaluations it made."""
    layers = net.n_layers
    params = net.params
    grads = net.gradients(X, Y)
    out = {}

    def shapecheck_batched():
        return check_network(net, X, Y).evaluations

    def shapecheck_loop():
        return check_gradients(lambda p: plain_loss(p, X, Y, layers), params, grads).evaluations

    def naive():
        f = Counted(lambda: plain_loss(params, X, Y, layers))
        naive_loop(f, params)
        return f.calls

    def bare_calls():
        count = 2 * sum(p.size for p in params.values()) + 1
        for _ in range(count):
            plain_loss(params, X, Y, layers)
        return count

    out["shapecheck check_network (batched)"] = shapecheck_batched
    out["shapecheck check_gradients (any loss_fn)"] = shapecheck_loop
    out["naive per-entry loop (CS231n)"] = naive
    out["2P+1 bare loss calls (the floor)"] = bare_calls
    try:
        from scipy.optimize import check_grad

        func, grad, theta0 = flat_problem(net, X, Y)
        counted = Counted(func)
        out["scipy.optimize.check_grad (forward diff.)"] = lambda: (counted.__setattr__("calls", 0),
                                                                    check_grad(counted, grad, theta0),
                                                                    counted.calls)[2]
    except ImportError:
        out["scipy.optimize.check_grad"] = None
    torch_full = torch_checker(net, X, Y, fast=False)
    if torch_full is None:
        out["torch.autograd.gradcheck"] = None
    else:
        out["torch.autograd.gradcheck (float64)"] = torch_full
        out["torch.autograd.gradcheck fast_mode"] = torch_checker(net, X, Y, fast=True)
    return out


def torch_checker(net, X, Y, *, fast: bool):
    """A callable running torch's gradcheck (``fast_mode=fast``) on torch's version of the same loss and
    returning how many loss evaluations it made; None when torch is not installed."""
    try:
        from torch.autograd import gradcheck
    except ImportError:
        return None
    fn, tparams = torch_case(net, X, Y)
    counted = Counted(fn)

    def run():
        counted.calls = 0
        gradcheck(counted, tparams, eps=H, atol=1e-6, fast_mode=fast)
        return counted.calls

    return run


GENERIC = "shapecheck check_gradients (any loss_fn)"
BARE_CALLS = "2P+1 bare loss calls (the floor)"


def generic_competitors(sizes=(10, 8, 8, 3), n=32, batch=5):
    """check_gradients on a plain numpy loss against the 2P+1 bare calls of that loss it must make, each
    callable doing ``batch`` of them (a round long enough for the clock)."""
    net, X, Y = make_case(list(sizes), n)
    layers, params, grads = net.n_layers, net.params, net.gradients(X, Y)
    count = 2 * sum(p.size for p in params.values()) + 1
    loss_fn = lambda p: plain_loss(p, X, Y, layers)  # the one callable both sides call

    def generic():
        for _ in range(batch):
            evaluations = check_gradients(loss_fn, params, grads).evaluations
        return evaluations

    def bare():
        for _ in range(batch):
            for _ in range(count):
                loss_fn(params)
        return count

    return {GENERIC: generic, BARE_CALLS: bare}


FULL_CHECK_NETS = (([2, 2, 1], 4), ([10, 8, 8, 3], 32), ([64, 32, 32, 10], 64))


def full_check_table(repeats, nets=FULL_CHECK_NETS):
    rows = []
    for sizes, n in nets:
        net, X, Y = make_case(sizes, n)
        label = str(sizes)
        competitors = competitors_full(net, X, Y)
        results = interleave(competitors, repeats)
        reference = results["shapecheck check_network (batched)"]
        for name, fn in competitors.items():
            if fn is None:
                rows.append([label, n, name, "not installed", "", ""])
                continue
            result = results[name]
            rows.append([label, n, name, f"{result.median * 1e3:.2f} ms", result.extra,
                         f"{pairwise_ratio(result, reference):.1f}x"])
    return rows


def mnist_full_competitors(n=64):
    """The full check of [784, 100, 10] (79,510 parameters, n samples): check_network against torch's gradcheck
    (two loss calls per entry in torch: about a minute a run)."""
    net, X, Y = make_case([784, 100, 10], n)
    competitors = {"shapecheck check_network (batched)": lambda: check_network(net, X, Y).evaluations}
    torch_full = torch_checker(net, X, Y, fast=False)
    competitors["torch.autograd.gradcheck" + (" (float64)" if torch_full else "")] = torch_full
    return competitors


def fast_mode_competitors():
    """Fast mode on [784, 100, 10] (n=32): verdict, localisation, the full batched check, torch fast_mode."""
    net, X, Y = make_case([784, 100, 10], 32)
    layers = net.n_layers
    grads = net.gradients(X, Y)
    wrong = {k: v.copy() for k, v in grads.items()}
    wrong["W1"][700, 37] += 1e-4
    loss = lambda p: plain_loss(p, X, Y, layers)  # noqa: E731
    competitors = {
        "shapecheck fast: verdict (correct gradients)": lambda: check_gradients(loss, net.params, grads,
                                                                                mode="fast").evaluations,
        "shapecheck fast: localise one wrong entry": lambda: _localised(loss, net.params, wrong),
        "shapecheck full (batched MLP path)": lambda: check_network(net, X, Y).evaluations,
    }
    torch_fast = torch_checker(net, X, Y, fast=True)
    competitors["torch gradcheck fast_mode" + (" (pass/fail only)" if torch_fast else "")] = torch_fast
    return sum(p.size for p in net.params.values()), competitors


def fast_mode_table(repeats):
    P, competitors = fast_mode_competitors()
    results = interleave(competitors, repeats)
    rows = []
    for name, fn in competitors.items():
        if fn is None:
            rows.append([name, "not installed", ""])
            continue
        rows.append([name, f"{results[name].median * 1e3:.1f} ms", results[name].extra])
    return P, rows


def _localised(loss, params, wrong):
    report = check_gradients(loss, params, wrong, mode="fast")
    assert report["W1"].suspects == ((700, 37),), report
    return report.evaluations


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about a minute)")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    print(f"machine: {machine()}\nmedian of {repeats} interleaved repetitions\n")
    print("Full central-difference check (time, loss evaluations, time relative to shapecheck batched)")
    print(tabulate(full_check_table(repeats), headers=["net", "n", "checker", "time", "evals", "vs batched"],
                   disable_numparse=True))
    P, rows = fast_mode_table(repeats)
    print(f"\nFast mode on [784, 100, 10] ({P} parameters, n=32)")
    print(tabulate(rows, headers=["checker", "time", "evals"], disable_numparse=True))
    print("\n[2, 2, 1] uses sigmoid + binary cross-entropy, the others softmax + cross-entropy.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
