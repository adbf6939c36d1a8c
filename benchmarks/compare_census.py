"""How often compare() names the right bug: the learner zoo, every case, with and without hints.

    python benchmarks/compare_census.py [--quick]

The zoo (tests/shapecheck/learner_zoo.py) is an independent learner implementation: 3 layouts x 2 hidden
activations x 3 losses x (no mistake + every applicable mistake) x 3 seeds, with pairwise-distinct sizes.
Each case is compared three ways: with the learner's activation, output and loss declared (as the zoo's
tests do); with nothing declared (only X, Y, params, step and lr: what a learner has); and with nothing
declared but the learner's own cost function as loss_fn. A case counts as right when the first diagnosis
is the planted bug (or "match" for a correct learner). Without a declaration or a loss_fn some mistakes
cannot be told from a convention (a missing 1/n from a summed loss, a factor 2 from a squared error
without the 1/2, a cross-entropy delta from a declared squared error): those misses are listed. The
table also shows the median time per compare, and (issue 15) how often the planted line is named, a mismatch
gets no line, or a line other than the planted one is named (a false location). Nothing here is asserted by the
tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapecheck import compare  # noqa: E402
from tests.shapecheck import learner_zoo  # noqa: E402
from tests.shapecheck.compare_corpus._state import marked_lines  # noqa: E402

ZOO_LINES = marked_lines(learner_zoo.__file__)

SIZES = [dict(d=5, h=3, t=4, n=7), dict(d=3, h=6, t=2, n=5), dict(d=4, h=7, t=3, n=9)]
MODES = {"activation, output, loss declared": dict(hints=True), "nothing declared": dict(hints=False),
         "nothing declared, loss_fn given": dict(hints=False, loss_fn=True)}


def cases(quick: bool):
    for layout in ("rows", "columns", "columns-wT"):
        for activation in learner_zoo.ACTIVATIONS:
            for loss in learner_zoo.LOSSES:
                for bug in [None, *learner_zoo.BUGS]:
                    if bug is not None and not learner_zoo.applicable(bug, activation, loss):
                        continue
                    for seed, size in enumerate(SIZES[:1] if quick else SIZES):
                        yield layout, activation, loss, bug, seed, size


def run(mode: dict, quick: bool):
    right, wrong, seconds = 0, Counter(), []
    lines = Counter()                  # issue 15: the lines named, against the zoo's `# locate:` comments
    for layout, activation, loss, bug, seed, size in cases(quick):
        arguments = learner_zoo.make(layout, activation, loss, bug, seed=seed, **size, **mode)
        start = time.perf_counter()
        try:
            report = compare(**arguments)
            got = report.diagnoses[0].bug
            named = {(Path(f.path).name, f.line) for f in report.diagnoses[0].locations}
        except Exception as exc:  # noqa: BLE001 - an error is a miss, counted by its type
            got, named = f"error {type(exc).__name__}: {str(exc)[:80]}", set()
        seconds.append(time.perf_counter() - start)
        planted = {("learner_zoo.py", line) for line in ZOO_LINES.get(bug, ())}
        if named - planted:
            lines["a line that is not the planted one named"] += 1
        elif named:
            lines["the planted line named"] += 1
        elif got != "match":
            lines["a mismatch with no line"] += 1
        if got == (bug or "match"):
            right += 1
        else:
            wrong[(bug or "match", got)] += 1
    return right, wrong, seconds, lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one size per case instead of three")
    args = parser.parse_args(argv)
    rows, misses = [], []
    for label, mode in MODES.items():
        right, wrong, seconds, lines = run(mode, args.quick)
        total = right + sum(wrong.values())
        rows.append([label, f"{right}/{total}", f"{statistics.median(seconds) * 1e3:.0f} ms",
                     lines["the planted line named"], lines["a mismatch with no line"],
                     lines["a line that is not the planted one named"]])
        misses += [(label, planted, got, count) for (planted, got), count in wrong.items()]
    print(tabulate(rows, headers=["hints", "first diagnosis right", "median time per compare", "planted line named",
                                  "mismatch, no line", "other line named (false)"], disable_numparse=True))
    if misses:
        print("\nmisses:")
        print(tabulate(misses, headers=["hints", "planted", "diagnosed", "cases"], disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
