"""What the gradient checker's own work costs warm, and right after something else ran for a few milliseconds.

A full check of a cheap loss pays its fixed work (reading the structure, planning the moves, judging every
entry, the report) once per check, and that work always runs right after something else: the previous check's
report, the learner's code, or its own 2P + 1 loss calls. On the machines measured so far every line and numpy
call then costs two to three times what it costs when the same code runs back to back, whatever ran in
between (loss calls, other numpy work, or nothing at all: a sleep). This script shows it: ``check_gradients``
on ``[10, 8, 8, 3]`` with a loss that costs nothing (its 375 calls take ~0.05 ms), so that its time is the
checker's own, each timed right after one of several preludes, interleaved, medians over the rounds. (Its own
loss calls warm the loop and the judgement up a little, so the cold share shown is a lower bound.)

    python benchmarks/cold_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from tabulate import tabulate

from gradcheck_bench import make_case, plain_loss
from shapecheck import check_gradients


def cheap_problem():
    """Parameters of [10, 8, 8, 3], a loss that costs nothing (always 0.0) and its gradients (zero)."""
    net, _, _ = make_case([10, 8, 8, 3], 32)
    params = net.params
    return (lambda p: 0.0), params, {name: np.zeros_like(array) for name, array in params.items()}


def preludes():
    """What runs right before each timed check, by name."""
    net, X, Y = make_case([10, 8, 8, 3], 32)
    layers = net.n_layers

    def loss_calls():                   # what a check of the MLP's own loss runs before judging
        for _ in range(375):
            plain_loss(net.params, X, Y, layers)

    def busy_python():
        start = time.perf_counter()
        while time.perf_counter() - start < 0.008:
            pass

    return {"nothing (back to back)": lambda: None,
            "375 loss calls of the MLP (8 ms)": loss_calls,
            "8 ms of a plain Python loop": busy_python,
            "time.sleep(0.008)": lambda: time.sleep(0.008)}


def measure(rounds: int) -> dict:
    loss, params, grads = cheap_problem()
    runs = preludes()
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, prelude in runs.items():
            prelude()
            start = time.perf_counter()
            check_gradients(loss, params, grads)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    medians = measure(args.rounds)
    warm = medians["nothing (back to back)"]
    print(tabulate([[name, f"{value * 1e6:.0f} us", f"{value / warm:.2f}x"] for name, value in medians.items()],
                   headers=["right before the check", "check_gradients (375 free loss calls)", "vs back to back"]))


if __name__ == "__main__":
    main()
