"""The full gradient check against the naive loop, each side timed in a fresh process as well as warm.

    python benchmarks/fresh_bench.py [--repeats N] [--threads N] [--quick]

A warm process has run the code before: numpy's allocator holds the memory it needs and every cache is
filled. A fresh process pays for the first allocation of each large temporary (the pages are mapped from
the system as they are touched), which is what a user who checks once sees. Both sides run here in new
Python processes (the imports and the data are ready before the clock starts; one call is timed), rounds
interleaved (A B A B ...), with the same BLAS threads for both (``--threads`` sets OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS and MKL_NUM_THREADS of every process; default 1). Warm timings come from the same processes:
the same call timed again after the first. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent

#: What each competitor runs, given ``net, X, Y`` and ``gradcheck_bench`` as ``g``.
COMPETITORS = {
    "shapecheck check_network (batched)": "check_network(net, X, Y)",
    "shapecheck check_gradients (any loss_fn)": "check_gradients(lambda p: g.plain_loss(p, X, Y, L), net.params, grads)",
    "naive per-entry loop (CS231n)": "g.naive_loop(lambda: g.plain_loss(net.params, X, Y, L), net.params)",
    "2P+1 bare loss calls (the floor)": "[g.plain_loss(net.params, X, Y, L) for _ in range(P2)]",
}

_CHILD = '''
import json, sys, time
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import gradcheck_bench as g
from shapecheck import check_gradients, check_network
net, X, Y = g.make_case({sizes!r}, {n!r})
L, grads = net.n_layers, net.gradients(X, Y)
P2 = 2 * sum(p.size for p in net.params.values()) + 1
times = []
for _ in range(3):
    start = time.perf_counter()
    {statement}
    times.append(time.perf_counter() - start)
print(json.dumps(times))
'''

NETS = (([2, 2, 1], 4), ([10, 8, 8, 3], 32), ([64, 32, 32, 10], 64))


def threads_from_argv(argv) -> int:
    """Set this process's BLAS threads from ``--threads N`` in ``argv`` (default 1) and return them: a script
    calls it before it imports numpy, which fixes the threads when it loads."""
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 1
    os.environ.update(environment(threads))
    return threads


def environment(threads: int) -> dict:
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def run_once(sizes, n, statement, env) -> list:
    code = _CHILD.format(here=str(HERE), root=str(HERE.parent), sizes=sizes, n=n, statement=statement)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(repeats: int, threads: int, nets=NETS) -> list:
    env = environment(threads)
    rows = []
    for sizes, n in nets:
        fresh = {name: [] for name in COMPETITORS}
        warm = {name: [] for name in COMPETITORS}
        for _ in range(repeats):
            for name, statement in COMPETITORS.items():
                first, *again = run_once(sizes, n, statement, env)
                fresh[name].append(first)
                warm[name].append(min(again))
        reference = "shapecheck check_network (batched)"
        for name in COMPETITORS:
            ratio_fresh = statistics.median(a / b for a, b in zip(fresh[name], fresh[reference]))
            ratio_warm = statistics.median(a / b for a, b in zip(warm[name], warm[reference]))
            rows.append([str(sizes), n, name, f"{statistics.median(fresh[name]) * 1e3:.2f} ms",
                         f"{ratio_fresh:.2f}x", f"{statistics.median(warm[name]) * 1e3:.2f} ms", f"{ratio_warm:.2f}x"])
    return rows


HEADERS = ["net", "n", "checker", "fresh process", "vs check_network", "warm", "vs check_network"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of every process (default 1)")
    parser.add_argument("--quick", action="store_true", help="the two smaller networks, 2 rounds")
    args = parser.parse_args(argv)
    nets = NETS[:2] if args.quick else NETS
    rows = table(2 if args.quick else args.repeats, args.threads, nets)
    print(f"full check, each side in fresh processes (first call) and warm (best of the next two); "
          f"{args.threads} BLAS thread(s) everywhere; medians of {2 if args.quick else args.repeats} rounds")
    print(tabulate(rows, headers=HEADERS, disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
