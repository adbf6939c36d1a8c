"""What a learner waits for when checking a seed-size network once: a fresh ``python -c``, start to end.

    python benchmarks/latency_bench.py [--repeats N] [--quick]

Two one-off commands, each run as a new Python process and timed from launch to exit (interpreter start,
imports, data, the check):

- numpy alone: import numpy, make the XOR data and a [2, 4, 1] sigmoid network (the seeds' size), write its
  backprop, check it with the naive per-entry loop (CS231n's ``eval_numerical_gradient``) and print the
  largest relative error;
- shapecheck: the same, with ``shapecheck.check_gradients`` in place of the loop, and its report printed.

Rounds are interleaved (numpy, shapecheck, numpy, ...); the table gives the medians and the median of the
per-round differences: what importing and running shapecheck adds (target: at most 100 ms). BLAS threads
are set to 1 in both processes. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fresh_bench  # noqa: E402  (imports no numpy)

#: The learner's network and backprop, shared by both commands: X (4, 2), W1 (2, 4), W2 (4, 1), sigmoid.
NETWORK = """
import numpy as np
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); Y = np.array([[0.0], [1.0], [1.0], [0.0]])
rng = np.random.default_rng(0)
p = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros((1, 4)), "W2": rng.normal(size=(4, 1)), "b2": np.zeros((1, 1))}
sig = lambda z: 1 / (1 + np.exp(-z))
def loss(p):
    A2 = sig(sig(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])
    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
A1 = sig(X @ p["W1"] + p["b1"]); A2 = sig(A1 @ p["W2"] + p["b2"]); dZ2 = (A2 - Y) / 4
dZ1 = dZ2 @ p["W2"].T * A1 * (1 - A1)
grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(0, keepdims=True), "W2": A1.T @ dZ2, "b2": dZ2.sum(0, keepdims=True)}
"""

NAIVE_LOOP = """
worst = 0.0
for name, x in p.items():
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index; old = x[i]
        x[i] = old + 1e-6; plus = loss(p)
        x[i] = old - 1e-6; minus = loss(p)
        x[i] = old
        numeric = (plus - minus) / 2e-6
        worst = max(worst, abs(numeric - grads[name][i]) / max(abs(numeric), abs(grads[name][i]), 1e-8))
        it.iternext()
print(f"largest relative error {worst:.1e}:", "ok" if worst < 1e-5 else "WRONG")
"""

SHAPECHECK = """
from shapecheck import check_gradients
print(check_gradients(loss, p, grads))
"""

COMMANDS = {"numpy + naive loop": NETWORK + NAIVE_LOOP, "shapecheck check_gradients": NETWORK + SHAPECHECK}


def run_once(code: str, env: dict) -> float:
    """Seconds from launching ``python -c code`` to its exit."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return seconds


def measure(repeats: int) -> dict:
    """{command name: [seconds per round]}, rounds interleaved, after one unmeasured run of each (the
    first launch reads the files from disk)."""
    env = fresh_bench.environment(1)
    times = {name: [] for name in COMMANDS}
    for code in COMMANDS.values():
        run_once(code, env)
    for _ in range(repeats):
        for name, code in COMMANDS.items():
            times[name].append(run_once(code, env))
    return times


def added(times: dict) -> float:
    """The median over rounds of shapecheck's time minus numpy's: what shapecheck adds, in seconds."""
    numpy_side, ours = times["numpy + naive loop"], times["shapecheck check_gradients"]
    return statistics.median(b - a for a, b in zip(numpy_side, ours))


def rows(times: dict) -> list:
    base = times["numpy + naive loop"]
    return [[name, f"{statistics.median(seconds) * 1e3:.0f} ms",
             "" if seconds is base else f"+{added(times) * 1e3:.0f} ms"] for name, seconds in times.items()]


HEADERS = ["fresh python -c, [2, 4, 1] on XOR", "median, launch to exit", "added (median of rounds)"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    print(f"medians of {repeats} interleaved rounds, 1 BLAS thread")
    print(tabulate(rows(measure(repeats)), headers=HEADERS, disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
