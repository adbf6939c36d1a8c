"""What naming the line costs: compare with locating against compare without it, side by side.

    python benchmarks/locate_cost.py [--repeats N] [--quick]

For every learner of the corpus (tests/shapecheck/compare_corpus/: seven public styles, correct and with
planted bugs), compare runs interleaved, round by round, (a) as shipped, (b) with
locating switched off (``locate`` and ``locate_scale`` replaced by functions that find nothing: compare as
it was before issue 15), and (c) as shipped but with the learner's functions instrumented afresh at every
call (the tracer's cache of instrumented code emptied first: compare as it was before that cache), after one
warm-up round. The table shows the median seconds of each and the median of the per-round ratios.
Targets (issue 15): a correct learner's compare is unchanged (no traced run happens: ratio ~1), and a
mismatch costs at most 3x. Nothing here is asserted by the tests (tests/test_benchmarks.py runs it once).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import shapecheck  # noqa: E402
import shapecheck.comparison.study as study  # noqa: E402
import shapecheck.tracing.function_copy as function_copy  # noqa: E402
from harness import interleave, pairwise_ratio  # noqa: E402
from tests.shapecheck.compare_corpus import STYLES  # noqa: E402

SHIPPED = (study.locate, study.locate_scale)


def _nothing(*args, **kwargs):
    return ()


def compare_with(locating: bool, make, bug, *, fresh_instrumenting: bool = False):
    """A competitor: one compare of a freshly made learner, with or without locating (and with the learner's
    functions instrumented afresh when ``fresh_instrumenting``)."""
    def run():
        if fresh_instrumenting:
            function_copy._INSTRUMENTED.clear()
        study.locate, study.locate_scale = SHIPPED if locating else (_nothing, _nothing)
        try:
            report = shapecheck.compare(**make(bug))
        finally:
            study.locate, study.locate_scale = SHIPPED
        return report.diagnoses[0].bug, len(report.diagnoses[0].locations)
    return run


def cases(quick: bool):
    for style, module in STYLES.items():
        bugs = list(module.BUGS)
        for bug in bugs[:2] if quick else bugs:
            yield style, bug, module.make


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="two cases per style, 3 rounds")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    rows, worst_mismatch, worst_match, cache_gains = [], 0.0, 0.0, []
    for style, bug, make in cases(args.quick):
        competitors = {"located": compare_with(True, make, bug), "off": compare_with(False, make, bug),
                       "fresh": compare_with(True, make, bug, fresh_instrumenting=True)}
        interleave(competitors, 1)                    # a warm-up round (imports, parse caches), not counted
        timings = interleave(competitors, repeats)
        ratio = pairwise_ratio(timings["located"], timings["off"])
        cache_gain = pairwise_ratio(timings["fresh"], timings["located"])
        diagnosis, lines = timings["located"].extra
        if diagnosis == "match":
            worst_match = max(worst_match, ratio)
        else:
            worst_mismatch = max(worst_mismatch, ratio)
            cache_gains.append(cache_gain)
        rows.append([style, bug, diagnosis, lines, f"{timings['off'].median * 1e3:.0f}",
                     f"{timings['located'].median * 1e3:.0f}", f"{ratio:.2f}", f"{cache_gain:.2f}"])
    print(f"compare with and without locating, median of {repeats} interleaved rounds per case")
    print(tabulate(rows, headers=["style", "planted", "diagnosis", "lines named", "off ms", "located ms",
                                  "located / off", "fresh / located"], disable_numparse=True))
    print(f"\nworst ratio on a correct learner: {worst_match:.2f} (target: ~1, no traced run)")
    print(f"worst ratio on a mismatch:        {worst_mismatch:.2f} (target: <= 3)")
    if cache_gains:
        print(f"instrumenting afresh / cached, median over the mismatches: {sorted(cache_gains)[len(cache_gains) // 2]:.2f} "
              "(a repeated compare of the same learner code, as in a hypothesis test)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
