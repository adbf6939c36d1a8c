"""Can the checker's verdict be trusted? False alarms on correct gradients, and planted errors caught.

    python benchmarks/false_alarms.py [--runs N] [--seed S] [--quick] [--no-peers]

Each run draws one configuration: a one-hidden-layer network (tanh or ReLU) with a squared-error loss
multiplied by a scale from 1e-6 to 1e8, mean or sum over batch sizes 1 to 1,000, tensors up to 90,000
entries, float64 or float32 parameters, every method (central, forward, richardson, complex) and mode (full
for tensors up to 2,000 entries, sample, fast). The gradients are exact, so every WRONG verdict is a false
alarm (target: 0). Then single-entry errors of relative size 1e-2, 1e-3 and 1e-4 are planted, each in a
random entry of median size or more of a random tensor (the entries the stated power speaks of), in the
runs that check every entry (full and fast modes), and counted as caught or missed where the correct
run's stated power said they would be caught (target: all of them). torch's ``gradcheck`` and jax's
``check_grads`` (benchmarks/peers.py) judge the same correct and planted cases at their own defaults when
installed (torch 2.13 CPU and jax 0.10 in a separate venv; torch's fast mode falls back to its slow mode to
explain a failure, which takes minutes on a 90,000-entry tensor). Nothing here is asserted by the tests.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def plant(grads, size, rng):
    """A copy of ``grads`` with one entry, of median size or more in a random tensor, made ``1 + size``
    times too large (the stated power covers exactly those entries). Returns (copy, tensor name), or
    (None, None) when every gradient is zero (dead ReLU units: no error can be planted)."""
    wrong = {k: v.copy() for k, v in grads.items()}
    alive = [k for k, v in wrong.items() if np.any(v)]
    if not alive:
        return None, None
    name = alive[rng.integers(len(alive))]
    flat = wrong[name].reshape(-1)
    large = np.flatnonzero((np.abs(flat) >= np.median(np.abs(flat))) & (flat != 0))
    flat[large[rng.integers(len(large))]] *= 1 + size
    return wrong, name


def planted(config, loss, params, grads, peers):
    """For each planted size: (size, whether the correct run's power claims it, shapecheck caught it, status of
    the planted tensor, {peer: caught}). Only the modes that check every entry (full and fast)."""
    found = []
    if config["mode"] == "sample":
        return found
    rng = np.random.default_rng(config["seed"] + 1)
    for size in PLANTED:
        wrong, name = plant(grads, size, rng)
        if wrong is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = check_gradients(loss, params, wrong, mode=config["mode"], method=config["method"],
                                     seed=config["seed"])
        found.append((size, not report.ok, report[name].status,
                      {peer: not verdict(loss, params, wrong, config["mode"]) for peer, verdict in peers.items()}))
    return found


def peer_checkers() -> dict:
    """The installed peers' verdict functions (see peers.py), by name."""
    from peers import available, jax_verdict, torch_verdict

    return {name: {"torch": torch_verdict, "jax": jax_verdict}[name] for name in available()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="60 runs")
    parser.add_argument("--no-peers", action="store_true", help="skip torch and jax even when installed")
    args = parser.parse_args(argv)
    runs = 60 if args.quick else args.runs
    peers = {} if args.no_peers else peer_checkers()
    start = time.perf_counter()
    alarms, powers, missed = [], {}, []
    side = Counter()          # (checker, dtype, "runs" | "alarms" | planted size) -> count, full and fast modes
    claimed, claimed_caught = Counter(), Counter()
    for config in configurations(np.random.default_rng(args.seed), runs):
        loss, params, grads, report = run(config)
        kind = (config["method"], config["mode"], np.dtype(config["dtype"]).name)
        powers.setdefault(kind, []).append(report.power)
        if not report.ok:
            alarms.append((config, report.summary))
        dtype = kind[2]
        if config["mode"] != "sample":
            side[("shapecheck", dtype, "runs")] += 1
            side[("shapecheck", dtype, "alarms")] += not report.ok
            for peer, verdict in peers.items():
                side[(peer, dtype, "runs")] += 1
                side[(peer, dtype, "alarms")] += not verdict(loss, params, grads, config["mode"])
        for size, hit, status, peer_hits in planted(config, loss, params, grads, peers):
            side[("planted", dtype, size)] += 1
            side[("shapecheck", dtype, size)] += hit
            for peer, peer_hit in peer_hits.items():
                side[(peer, dtype, size)] += peer_hit
            if report.power <= size:
                claimed[size] += 1
                claimed_caught[size] += hit
                if not hit:
                    missed.append((size, status, report.power, config))
    elapsed = time.perf_counter() - start
    print(f"{runs} runs of correct gradients in {elapsed:.0f} s (planted errors and peers included): "
          f"{len(alarms)} reported WRONG by shapecheck (false alarms)")
    table = [[m, mode, dt, len(p), f"{np.nanmedian(p):.1e}" if np.isfinite(p).any() else "-"]
             for (m, mode, dt), p in sorted(powers.items())]
    print(tabulate(table, headers=["method", "mode", "dtype", "runs", "median stated power"], disable_numparse=True))
    for config, verdict in alarms[:10]:
        print(f"false alarm: {config}\n  {verdict}")
    print("\nplanted single-entry errors (full and fast modes), where shapecheck's stated power says they are "
          "catchable:")
    rows = [[f"{size:g}", claimed_caught[size], claimed[size] - claimed_caught[size]] for size in PLANTED]
    print(tabulate(rows, headers=["relative size", "caught", "missed"], disable_numparse=True))
    for size, status, power, config in missed[:20]:
        print(f"missed {size:g} (reported {status}, stated power {power:.1e}): {config}")
    print("\nside by side on the same full- and fast-mode runs (each checker at its own defaults; torch: "
          "gradcheck, fast_mode for fast; jax: check_grads, one random direction):")
    rows = [[name, dtype, f"{side[(name, dtype, 'alarms')]} of {side[(name, dtype, 'runs')]}",
             *(f"{side[(name, dtype, size)]} of {side[('planted', dtype, size)]}" for size in PLANTED)]
            for dtype in ("float64", "float32") for name in ("shapecheck", *peers)]
    print(tabulate(rows, headers=["checker", "dtype", "false alarms", *(f"caught {size:g}" for size in PLANTED)],
                   disable_numparse=True))
    for name in ("torch", "jax"):
        if name not in peers:
            print(f"{name}: not installed here, no side-by-side run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
