"""How fast can an exact full check of an MLP be in numpy when each moved copy is run forward? The work such
a check cannot skip, against the naive loop.

    python benchmarks/floor_bench.py [--repeats N] [--threads N] [--quick]

A full central check moves every parameter entry by +h and -h and evaluates the loss of each moved copy.
Moving an entry of W1 changes one unit of Z1, hence one unit of A1, and from there every unit of Z2
(``Z2 + outer(da, W2[j, :])`` is dense). So every one of the ``2 * d * h1`` copies that move W1, run forward
from there, must at least:

- make its own Z2, ``(h2, n)`` numbers (one pass writing them: the cached Z2 plus the change);
- apply the hidden activation to them (tanh over ``(h2, n)``);
- multiply by the next weights to reach the logits ``(t, n)`` (for a network with two hidden layers);
- take the softmax cross-entropy of its logits: ``exp`` over ``(t, n)``, their sum over the classes, and the
  target's logit (one pass each; the shift that keeps ``exp`` finite can be the unmoved logits' maximum,
  shared by every copy, so no pass is counted for it).

The ``2 * h1 * h2`` copies that move W2 each make their own logits and take the same loss over ``(t, n)``.

This script times exactly that and nothing else (no moves of the other tensors, no checker, no reductions,
no Python per copy, blocks of cache-friendly size as ``reference_nets.perturbed`` uses), interleaved with the
naive per-entry loop (``gradcheck_bench.naive_loop``, two loss calls per entry) in the same process. The
ratio ``naive / floor`` bounds what a check that runs each copy forward can reach with numpy on this machine.
``shapecheck check_network`` is shown beside it: on the reference MLP it does not run those copies forward
(each sample's loss is a cubic in the moved unit's change, ``reference_nets.series``), and goes below this
floor. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import fresh_bench  # noqa: E402  (imports no numpy)


fresh_bench.threads_from_argv(sys.argv)       # before numpy is imported

import numpy as np  # noqa: E402
from tabulate import tabulate  # noqa: E402

import gradcheck_bench as g  # noqa: E402
from harness import interleave, pairwise_ratio  # noqa: E402
from reference_nets.perturbed import BLOCK_BYTES  # noqa: E402
from shapecheck import check_network  # noqa: E402

NETS = (([10, 8, 8, 3], 32), ([64, 32, 32, 10], 64))


def floor_of_hidden_layers(net, X, Y):
    """A callable doing only the unavoidable work of the copies that move W1 and W2 (see the module)."""
    d, h1, h2, t = net.sizes
    n = X.shape[0]
    copies = 2 * d * h1
    block = max(1, BLOCK_BYTES // (8 * n * h2))
    rng = np.random.default_rng(0)
    cached_Z2 = rng.normal(size=(h2, 1, n))
    cached_Z3 = rng.normal(size=(t, 1, n))
    Y_units_first = np.ascontiguousarray(Y.T)                 # (t, n)
    change = rng.normal(size=(1, block, n)) * 1e-6           # stands for outer(da, W2[j, :]) of each copy
    W3 = net.params["W3"]                                     # (h2, t)
    Z2 = np.empty((h2, block, n))
    Z3 = np.empty((t, block * n))

    def run():
        for start in range(0, copies, block):
            k = min(block, copies - start)
            z2 = Z2[:, :k]
            np.add(cached_Z2, change[:, :k], out=z2)          # each copy's own Z2, written once
            np.tanh(z2, out=z2)
            z3 = Z3[:, :k * n]
            np.matmul(W3.T, z2.reshape(h2, -1), out=z3)
            cross_entropy_passes(z3.reshape(t, k, n), Y_units_first)
        for start in range(0, 2 * h1 * h2, block):
            k = min(block, 2 * h1 * h2 - start)
            z3 = Z3[:, :k * n].reshape(t, k, n)
            np.add(cached_Z3, change[:, :k], out=z3)          # each copy's own logits, written once
            cross_entropy_passes(z3, Y_units_first)

    return run


def cross_entropy_passes(logits, Y):
    """The passes a softmax cross-entropy of ``logits`` ``(t, K, n)`` cannot skip: exp, the sum over the
    classes, the target's logit."""
    picked = np.einsum("tkn,tn->kn", logits, Y)
    np.exp(logits, out=logits)
    return logits.sum(axis=0) - picked


FLOOR = "floor: W1 and W2 copies run forward"
CHECK = "shapecheck check_network"
HEADERS = ["net", "n", "what", "median", "naive loop / this", "this / floor"]


def table(repeats: int, nets=NETS) -> tuple[list, dict]:
    """The rows, and for each net (``str(sizes)``) check_network's time over the floor's (median per round)."""
    rows, over_floor = [], {}
    for sizes, n in nets:
        net, X, Y = g.make_case(sizes, n)
        L = net.n_layers
        competitors = {
            "naive per-entry loop": lambda: g.naive_loop(lambda: g.plain_loss(net.params, X, Y, L), net.params),
            FLOOR: floor_of_hidden_layers(net, X, Y),
            CHECK: lambda: check_network(net, X, Y),
        }
        for run in competitors.values():          # warm: the allocator holds what each needs
            run()
        results = interleave(competitors, repeats)
        naive, floor = results["naive per-entry loop"], results[FLOOR]
        over_floor[str(sizes)] = pairwise_ratio(results[CHECK], floor)
        for name, timing in results.items():
            ratio = "" if timing is naive else f"{pairwise_ratio(naive, timing):.1f}x"
            rows.append([str(sizes), n, name, f"{timing.median * 1e3:.2f} ms", ratio,
                         f"{pairwise_ratio(timing, floor):.2f}x"])
    return rows, over_floor


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (set before numpy loads; default 1)")
    parser.add_argument("--quick", action="store_true", help="the smaller network, 2 rounds")
    args = parser.parse_args(argv)
    nets = NETS[:1] if args.quick else NETS
    repeats = 2 if args.quick else args.repeats
    rows, _ = table(repeats, nets)
    print(f"the least numpy work of a full check that runs each moved copy forward, against the naive loop; "
          f"{args.threads} BLAS thread(s); "
          f"medians of {repeats} interleaved rounds")
    print(tabulate(rows, headers=HEADERS, disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
