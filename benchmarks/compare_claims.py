"""How many of compare's reports contradict themselves, or state as fact a cause absent from the learner's code
(issue 24, "never confidently wrong").

    python benchmarks/compare_claims.py [--quick]

The learner zoo (tests/shapecheck/learner_zoo.py) as the census runs it (3 layouts x 2 activations x 3 losses x
every mistake x 3 sizes, three ways: declared, nothing declared, loss_fn given), plus its other styles (a
cross-entropy with ``+ 1e-7`` in its logs, a summed loss, ``np.mean((A - Y) ** 2)``) and a mistake outside the
catalogue (a stray factor on the hidden error: its layer 2, correct, must not be MISMATCH when the loss's
scale is declared or read from the loss_fn), and the compare corpus (tests/shapecheck/compare_corpus). Each
report is read by tests/shapecheck/claims_check.py, which knows nothing of compare's audit: a contradiction is a
verdict or a diagnosis that another part of the same report (the own-loss note, the table, the conventions)
denies; an absent cause is a cause stated as fact naming an operation the learner's code does not make (known
for the zoo only: on the corpus, causes stated as fact are listed). Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapecheck import compare  # noqa: E402
from tests.shapecheck import claims_check, learner_zoo  # noqa: E402

SIZES = [dict(d=5, h=3, t=4, n=7), dict(d=3, h=6, t=2, n=5), dict(d=4, h=7, t=3, n=9), dict(d=2, h=3, t=1, n=4)]
MODES = {"declared": dict(hints=True), "nothing declared": dict(hints=False),
         "loss_fn given": dict(hints=False, loss_fn=True)}


def zoo_cases(quick: bool):
    styles = getattr(learner_zoo, "STYLES", ["textbook"])
    extra = getattr(learner_zoo, "EXTRA_BUGS", [])
    for style in styles:
        for layout in ("rows", "columns", "columns-wT"):
            for activation in learner_zoo.ACTIVATIONS:
                for loss in learner_zoo.LOSSES:
                    for bug in [None, *learner_zoo.BUGS, *extra]:
                        if style == "textbook":
                            ok = bug is None or learner_zoo.applicable(bug, activation, loss)
                        else:
                            ok = learner_zoo.applicable(bug, activation, loss, style)
                        if not ok:
                            continue
                        sizes = SIZES[:3] if style == "textbook" and bug not in extra else SIZES[3:] + SIZES[:1]
                        for seed, size in enumerate(sizes[:1] if quick else sizes):
                            if loss == "softmax-cross-entropy" and size["t"] < 2:
                                continue
                            yield style, layout, activation, loss, bug, seed, size


def zoo(quick: bool):
    counts = Counter()
    examples = {}
    for style, layout, activation, loss, bug, seed, size in zoo_cases(quick):
        for label, mode in MODES.items():
            options = dict(mode, style=style) if style != "textbook" else mode
            arguments = learner_zoo.make(layout, activation, loss, bug, seed=seed, **size, **options)
            try:
                report = compare(**arguments).to_dict()
            except Exception as exc:  # noqa: BLE001 - an error is no report: counted apart
                counts[label, "error"] += 1
                examples.setdefault((label, "error", type(exc).__name__),
                                    (style, layout, activation, loss, bug, size, str(exc)[:100]))
                continue
            counts[label, "reports"] += 1
            if bug is None and report["verdict"] != "match":
                counts[label, "correct flagged"] += 1
                examples.setdefault((label, "correct flagged", style),
                                    (style, layout, activation, loss, bug, size, report["summary"][:100]))
            present = claims_check.zoo_present(bug, style, size["n"], size["t"])
            for kind, found in (("contradiction", claims_check.contradictions(report)),
                                ("absent cause", claims_check.absent_causes(report, present))):
                if found:
                    counts[label, kind] += 1
                    examples.setdefault((label, kind, found[0][:60]),
                                        (style, layout, activation, loss, bug, size, found[0]))
            if bug in learner_zoo.EXTRA_BUGS and label != "nothing declared" and any(
                    row["status"] != "ok" for row in report["rows"] if row["reference"].endswith("2")):
                counts[label, "correct layer"] += 1      # the stray factor is on layer 1's error only
    return counts, examples


def corpus():
    from tests.shapecheck.compare_corpus import STYLES

    counts, stated = Counter(), []
    for style, module in STYLES.items():
        for bug in module.BUGS:
            report = compare(**module.make(bug)).to_dict()
            counts["reports"] += 1
            if claims_check.contradictions(report):
                counts["contradiction"] += 1
            for pattern, _ in claims_check.FACTS:
                if claims_check.re.search(pattern, report["diagnoses"][0]["message"]):
                    stated.append((style, bug, report["diagnoses"][0]["message"][:120]))
    return counts, stated


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one size per case instead of three")
    args = parser.parse_args(argv)
    counts, examples = zoo(args.quick)
    rows = [[label, counts[label, "reports"], counts[label, "contradiction"], counts[label, "absent cause"],
             counts[label, "correct layer"] if label != "nothing declared" else "-", counts[label, "correct flagged"],
             counts[label, "error"]]
            for label in MODES]
    print(tabulate(rows, headers=["zoo, hints", "reports", "contradict themselves", "state an absent cause",
                                  "a correct layer 2 MISMATCH", "a correct learner MISMATCH", "errors"],
                   disable_numparse=True))
    if examples:
        print("\nexamples:")
        for (label, kind, _), case in sorted(examples.items())[:30]:
            print(f"  {label}: {kind}: {case}")
    found, stated = corpus()
    print(f"\ncompare corpus: {found['reports']} reports, {found['contradiction']} contradict themselves, "
          f"{len(stated)} state a cause as fact")
    for one in stated:
        print("  ", one)
    return 0


if __name__ == "__main__":
    sys.exit(main())
