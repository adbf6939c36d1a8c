"""Where the generic path's time goes: ``check_gradients`` on a plain numpy loss against its 2P+1 bare loss
calls, beside the same check without its judgement and beside a bare minimum of a checker.

    python benchmarks/generic_parts.py [--processes N] [--rounds N]

Each variant runs in fresh processes that import only numpy and shapecheck (``--processes`` of them, one
after the other, variants interleaved), each timing ``--rounds`` rounds of 5 checks against 5 x 2P+1 bare
calls of the loss of ``gradcheck_bench.make_case([10, 8, 8, 3], 32)``, as ``run.py`` does; the ratio is the
median over rounds of the per-round ratio. The variants:

- ``check_gradients``: the checker as it is;
- ``without the judgement``: the same, with ``entries.judge_many`` replaced by a function returning no rows
  (the loss calls, the bookkeeping and the report are all there; the verdict is not);
- ``a bare minimum``: move each entry up and down in place, call the loss, store it, put the entry back, and
  compare all central differences with the gradients in one vectorised expression (no report, no checks of
  the inputs, no progress): what any checker must at least do.

Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

VARIANTS = ("check_gradients", "without the judgement", "a bare minimum")

_CHILD = r"""
import sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
import fresh_bench; fresh_bench.threads_from_argv(["x"])
import numpy as np
import gradcheck_bench as gb
from harness import interleave, pairwise_ratio
from shapecheck import check_gradients
variant = {variant!r}
if variant == "without the judgement":
    import shapecheck.gradcheck.quick as quick
    quick.judge_many = lambda *args: []
net, X, Y = gb.make_case([10, 8, 8, 3], 32)
layers, params, grads = net.n_layers, net.params, net.gradients(X, Y)
loss_fn = lambda p: gb.plain_loss(p, X, Y, layers)
count = 2 * sum(p.size for p in params.values()) + 1

def bare_minimum(loss_fn, params, grads, h=1e-6):
    arrays = list(params.values())
    original = np.concatenate([a.reshape(-1) for a in arrays])
    analytic = np.concatenate([grads[k].reshape(-1) for k in params])
    loss_fn(params)
    up, down, back = (original + h).tolist(), (original - h).tolist(), original.tolist()
    losses = np.empty((2, original.size))
    plus, minus = memoryview(losses[0]), memoryview(losses[1])
    j = 0
    for array in arrays:
        entries = memoryview(array.reshape(-1))
        for i in range(array.size):
            entries[i] = up[j]; plus[j] = loss_fn(params)
            entries[i] = down[j]; minus[j] = loss_fn(params)
            entries[i] = back[j]; j += 1
    numeric = (losses[0] - losses[1]) / (2 * h)
    return bool((np.abs(numeric - analytic) <= 1e-5 * np.maximum(np.abs(analytic), 1e-8)).all())

check = bare_minimum if variant == "a bare minimum" else check_gradients
competitors = {{"check": lambda: [check(loss_fn, params, grads) for _ in range(5)],
                "bare": lambda: [loss_fn(params) for _ in range(5 * count)]}}
results = interleave(competitors, {rounds})
print(pairwise_ratio(results["check"], results["bare"]))
"""


def ratio_in_a_fresh_process(variant: str, rounds: int) -> float:
    code = _CHILD.format(root=str(HERE.parent), here=str(HERE), variant=variant, rounds=rounds)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    ratios = {variant: [] for variant in VARIANTS}
    for _ in range(args.processes):
        for variant in VARIANTS:
            ratios[variant].append(ratio_in_a_fresh_process(variant, args.rounds))
    print(f"[10, 8, 8, 3], n=32: 5 checks over 5 x 375 bare loss calls, {args.rounds} rounds in each of "
          f"{args.processes} fresh processes (one BLAS thread)")
    for variant in VARIANTS:
        values = ratios[variant]
        print(f"{variant:24s} median {statistics.median(values):.3f}x   each process: "
              + " ".join(f"{v:.3f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
