"""Every benchmark, side by side in one run: ``python benchmarks/run.py [--quick] [--json FILE]``.

1. Full gradient check of reference MLPs: shapecheck vs the naive loop, scipy and torch; then shapecheck, the
   naive loop and the bare loss calls again, each in fresh processes as well as warm (fresh_bench.py).
2. Fast mode on [784, 100, 10]: evaluations and time to a verdict and to localise one wrong entry.
3. Tracer overhead (XOR loop, (256, 256) layers) and its peak memory.
4. Reference training per epoch vs scikit-learn's MLPClassifier.

Repetitions are interleaved and ratios are medians of per-round ratios (A B A B ..., so drift cancels).
Competitors that are not installed are listed as skipped (see benchmarks/README.md to install them). A
full run writes benchmarks/RESULTS.md; ``--quick`` (under a minute) writes nothing unless asked to.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import fresh_bench  # noqa: E402
import gradcheck_bench  # noqa: E402
import trace_bench  # noqa: E402
import training_bench  # noqa: E402
from harness import fmt_seconds, interleave, machine, pairwise_ratio  # noqa: E402


def compare_table(title, competitors, repeats, reference_name, extra_header=None):
    """Run ``competitors`` interleaved; rows of name, median, ratio to ``reference_name``, extra."""
    results = interleave(competitors, repeats)
    reference = results.get(reference_name)
    rows = []
    for name, run in competitors.items():
        if run is None:
            rows.append([name, "skipped (not installed)", "", ""])
            continue
        result = results[name]
        ratio = f"{pairwise_ratio(result, reference):.2f}x" if reference is not None else ""
        rows.append([name, fmt_seconds(result.median), ratio, "" if result.extra is None else result.extra])
    headers = ["competitor", "median", f"vs {reference_name}", extra_header or ""]
    return {"title": title, "headers": headers, "rows": rows}


def gradient_check_tables(repeats, quick):
    nets = gradcheck_bench.FULL_CHECK_NETS[:2] if quick else gradcheck_bench.FULL_CHECK_NETS
    tables = []
    for sizes, n in nets:
        net, X, Y = gradcheck_bench.make_case(sizes, n)
        tables.append(compare_table(f"1. Full central-difference check, {sizes}, n={n}",
                                    gradcheck_bench.competitors_full(net, X, Y), repeats,
                                    "shapecheck check_network (batched)", "loss evaluations"))
    rows = fresh_bench.table(2 if quick else repeats, threads=1, nets=nets)
    tables.append({"title": "1. Full check in fresh processes (first call) and warm (best of the next two), "
                            "1 BLAS thread in every process", "headers": fresh_bench.HEADERS, "rows": rows})
    if not quick:
        P, competitors = gradcheck_bench.fast_mode_competitors()
        tables.append(compare_table(f"2. Fast mode on [784, 100, 10] ({P} parameters, n=32)", competitors, repeats,
                                    "shapecheck fast: verdict (correct gradients)", "loss evaluations"))
    return tables


def tracer_tables(repeats, quick):
    tables = []
    for label, argv, competitors in trace_bench.overhead_cases(quick):
        tables.append(compare_table(f"3. Tracer overhead: {label} (argv {' '.join(argv)})", competitors, repeats,
                                    "untraced"))
    counts = (10, 100_000) if quick else (10, 1_000_000)
    tables.append({"title": "3. Tracer peak memory (tracemalloc) for one operation run N times",
                   "headers": ["N", "peak"], "rows": trace_bench.memory_rows(counts)})
    return tables


def training_tables(repeats, quick):
    samples, epochs = (2_000, 1) if quick else (10_000, 3)
    competitors = training_bench.competitors(samples=samples, epochs=epochs)
    table = compare_table(f"4. Training on {samples:,} x 64 blobs, [64, 32, 10], batch 64, plain SGD, {epochs} epochs",
                          competitors, repeats, "scikit-learn MLPClassifier", "per epoch")
    for row in table["rows"]:
        if row[3] != "":
            seconds = float(row[1].split()[0]) / (1e3 if row[1].endswith("ms") else 1)
            row[3] = fmt_seconds(seconds / row[3])
    return [table]


def render(tables, facts) -> str:
    lines = [f"date: {facts['date']}", f"machine: {facts['machine']}"]
    for table in tables:
        lines += ["", table["title"], tabulate(table["rows"], headers=table["headers"], disable_numparse=True)]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs (under a minute)")
    parser.add_argument("--json", metavar="FILE", help="also write every table as JSON")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 5)
    facts = {"date": datetime.date.today().isoformat(), "machine": machine(), "repeats": repeats,
             "quick": args.quick}
    tables = []
    print(f"machine: {facts['machine']}", flush=True)
    for section in (gradient_check_tables, tracer_tables, training_tables):
        new = section(repeats, args.quick)
        tables += new
        print(render(new, facts).split("\n", 2)[2], flush=True)
    text = render(tables, facts)
    if not args.quick:
        (HERE / "RESULTS.md").write_text("# Benchmark results\n\nWritten by `python benchmarks/run.py`.\n\n"
                                         "```text\n" + text + "\n```\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"facts": facts, "tables": tables}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
