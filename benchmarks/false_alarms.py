"""Can the checker's verdict be trusted? False alarms on correct gradients, and planted errors caught.

    python benchmarks/false_alarms.py [--runs N] [--seed S] [--quick]

Each run draws one configuration: a one-hidden-layer network (tanh or ReLU) with a squared-error loss
multiplied by a scale from 1e-6 to 1e8, mean or sum over batch sizes 1 to 1,000, tensors up to 90,000
entries, float64 or float32 parameters, every method (central, forward, richardson, complex) and mode (full
for tensors up to 2,000 entries, sample, fast). The gradients are exact, so every WRONG verdict is a false
alarm (target: 0). Then single-entry errors of relative size 1e-2, 1e-3 and 1e-4 are planted in an entry of
typical size, in the runs that check every entry (full and fast modes), and counted as caught or missed
where the correct run's stated power said they would be caught (target: all of them). torch's
``gradcheck`` and jax's ``check_grads`` run the same cases when installed. Nothing here is asserted by
the tests.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shapecheck import check_gradients  # noqa: E402

SIZES = [(1, 5, 3, 2), (10, 8, 6, 3), (100, 20, 15, 4), (1000, 30, 20, 5), (50, 300, 300, 2)]
SCALES = [1e-6, 1e-2, 1.0, 1e4, 1e8]
METHODS = ["central", "forward", "richardson", "complex"]
PLANTED = [1e-2, 1e-3, 1e-4]


def problem(rng, size, activation, reduction, scale, dtype):
    """(loss over the parameters dict, the parameters, their exact gradients)."""
    n, d, h, t = size
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
    params = {"W1": (rng.normal(size=(d, h)) / np.sqrt(d)).astype(dtype),
              "W2": (rng.normal(size=(h, t)) / np.sqrt(h)).astype(dtype)}
    divisor = n if reduction == "mean" else 1
    f = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0.0))
    f_prime = (lambda z: 1 - np.tanh(z) ** 2) if activation == "tanh" else (lambda z: (z > 0).astype(float))

    def loss(p):
        Z = X @ p["W1"]
        return scale * 0.5 * np.sum((f(Z) @ p["W2"] - Y) ** 2) / divisor

    Z = X @ params["W1"].astype(float)
    E = (f(Z) @ params["W2"].astype(float) - Y) * scale / divisor
    grads = {"W1": X.T @ ((E @ params["W2"].astype(float).T) * f_prime(Z)), "W2": f(Z).T @ E}
    return loss, params, grads


def configurations(rng, runs):
    for _ in range(runs):
        size = SIZES[rng.integers(len(SIZES))]
        entries = size[1] * size[2]
        modes = ["full", "sample", "fast"] if entries <= 2000 else ["sample", "fast"]
        dtype = [np.float64, np.float32][rng.integers(2)]
        methods = METHODS if dtype == np.float64 else METHODS[:3]
        yield dict(size=size, activation=["tanh", "relu"][rng.integers(2)],
                   reduction=["mean", "sum"][rng.integers(2)], scale=SCALES[rng.integers(len(SCALES))],
                   dtype=dtype, method=methods[rng.integers(len(methods))], mode=modes[rng.integers(len(modes))],
                   seed=int(rng.integers(1 << 30)))


def run(config):
    rng = np.random.default_rng(config["seed"])
    loss, params, grads = problem(rng, config["size"], config["activation"], config["reduction"],
                                  config["scale"], config["dtype"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # float32 precision and complex-step fallback warnings
        report = check_gradients(loss, params, grads, mode=config["mode"], method=config["method"],
                                 samples=30, seed=config["seed"])
    return loss, params, grads, report


def planted(config, loss, params, grads, power):
    """(planted size, caught) for the errors the correct run's power says it would catch."""
    found = []
    if config["mode"] == "sample":
        return found
    for size in PLANTED:
        if not power <= size:
            continue
        wrong = {k: v.copy() for k, v in grads.items()}
        flat = wrong["W1"].reshape(-1)
        alive = np.flatnonzero(flat)                              # (a dead ReLU unit's entries are 0: no error)
        if not len(alive):
            continue
        typical = int(alive[np.argsort(np.abs(flat[alive]))[len(alive) // 2]])   # an entry of median size
        flat[typical] *= 1 + size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = check_gradients(loss, params, wrong, mode=config["mode"], method=config["method"],
                                     seed=config["seed"])
        found.append((size, not report.ok))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="60 runs")
    args = parser.parse_args(argv)
    runs = 60 if args.quick else args.runs
    start = time.perf_counter()
    alarms, by_kind, caught, missed = [], Counter(), Counter(), []
    for config in configurations(np.random.default_rng(args.seed), runs):
        loss, params, grads, report = run(config)
        kind = (config["method"], config["mode"], np.dtype(config["dtype"]).name)
        by_kind[kind] += 1
        if not report.ok:
            alarms.append((config, report.verdict()))
        for size, hit in planted(config, loss, params, grads, report.power):
            caught[(size, hit)] += 1
            if not hit:
                missed.append((size, config))
    elapsed = time.perf_counter() - start
    print(f"{runs} runs of correct gradients in {elapsed:.0f} s: {len(alarms)} reported WRONG (false alarms)")
    table = [[m, mode, dt, count] for (m, mode, dt), count in sorted(by_kind.items())]
    print(tabulate(table, headers=["method", "mode", "dtype", "runs"], disable_numparse=True))
    for config, verdict in alarms[:10]:
        print(f"false alarm: {config}\n  {verdict}")
    print("\nplanted single-entry errors, where the correct run's stated power says they are catchable:")
    rows = [[f"{size:g}", caught[(size, True)], caught[(size, False)]] for size in PLANTED]
    print(tabulate(rows, headers=["relative size", "caught", "missed"], disable_numparse=True))
    for size, config in missed[:10]:
        print(f"missed {size:g}: {config}")
    for name in ("torch", "jax"):
        try:
            __import__(name)
            print(f"\n{name} is installed: its checker is not wired into this benchmark yet")
        except ImportError:
            print(f"\n{name}: not installed, no side-by-side run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
