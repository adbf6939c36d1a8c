"""Every benchmark, side by side in one run: ``python benchmarks/run.py [--quick] [--threads N] [--json FILE]``.

0. The performance targets (issue 29), each measured in this run: the value, the limit, whether it holds.
1. Full gradient check of reference MLPs: shapecheck vs the naive loop, scipy and torch; the MNIST-size
   [784, 100, 10] against torch; check_network against the least numpy work of a full check that runs
   each moved copy forward (floor_bench.py); each side in fresh processes as well as warm (fresh_bench.py).
2. Fast mode on [784, 100, 10]: time to a verdict and to localise one wrong entry, against torch's fast_mode.
3. The generic path (``check_gradients`` on any loss_fn) against the bare loss calls it must make; a fresh
   ``python -c`` that checks a seed-size network against one that runs the naive loop (latency_bench.py).
4. Tracer overhead (XOR loop, (256, 256) layers) and its peak memory.
5. Reference training per epoch vs scikit-learn's MLPClassifier.

Every process runs numpy's BLAS and torch on ``--threads`` threads (default 1: the ratios then compare
the work, not how two cores are shared). Repetitions are interleaved and ratios are medians of per-round
ratios (A B A B ..., so drift cancels). Competitors that are not installed are listed as skipped (see
benchmarks/README.md to install them). A full run takes about ten minutes (torch's full check of the
MNIST-size network takes a minute a round) and writes benchmarks/RESULTS.md; ``--quick`` (about a minute)
writes nothing unless asked to, and its targets table is marked as not the targets' measurement.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import fresh_bench  # noqa: E402  (imports no numpy)


THREADS = fresh_bench.threads_from_argv(sys.argv)       # before numpy is imported

from tabulate import tabulate  # noqa: E402

import floor_bench  # noqa: E402
import gradcheck_bench  # noqa: E402
import latency_bench  # noqa: E402
import trace_bench  # noqa: E402
import training_bench  # noqa: E402
from harness import fmt_seconds, interleave, machine, pairwise_ratio  # noqa: E402

CHECK_NETWORK = "shapecheck check_network (batched)"
TORCH_FULL = "torch.autograd.gradcheck (float64)"
FAST_VERDICT = "shapecheck fast: verdict (correct gradients)"
TORCH_FAST = "torch gradcheck fast_mode (pass/fail only)"


def compare_table(title, competitors, repeats, reference_name, extra_header=None):
    """Run ``competitors`` interleaved: the table (rows of name, median, ratio to ``reference_name``, extra)
    and the timings by name."""
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
    return {"title": title, "headers": headers, "rows": rows}, results


def ratio(results, numerator, denominator):
    """Median per-round ratio of two competitors, or None when one of them did not run."""
    if numerator not in results or denominator not in results:
        return None
    return pairwise_ratio(results[numerator], results[denominator])


def gradient_check_tables(repeats, quick, measured):
    nets = gradcheck_bench.FULL_CHECK_NETS[:2] if quick else gradcheck_bench.FULL_CHECK_NETS
    tables = []
    for sizes, n in nets:
        net, X, Y = gradcheck_bench.make_case(sizes, n)
        table, results = compare_table(f"1. Full central-difference check, {sizes}, n={n}",
                                       gradcheck_bench.competitors_full(net, X, Y), repeats, CHECK_NETWORK,
                                       "loss evaluations")
        tables.append(table)
        if sizes == [64, 32, 32, 10]:
            measured["torch full [64, 32, 32, 10]"] = ratio(results, TORCH_FULL, CHECK_NETWORK)
    if not quick:
        table, results = compare_table("1. Full check of the MNIST-size [784, 100, 10], n=64 (79,510 parameters)",
                                       gradcheck_bench.mnist_full_competitors(64), max(2, repeats // 2),
                                       CHECK_NETWORK, "loss evaluations")
        tables.append(table)
        measured["torch full [784, 100, 10]"] = ratio(results, TORCH_FULL, CHECK_NETWORK)
    floor_nets = floor_bench.NETS[:1] if quick else floor_bench.NETS
    floor_repeats = 2 if quick else max(repeats, 7)
    rows, floors = floor_bench.table(floor_repeats, floor_nets)
    tables.append({"title": f"1. The least numpy work of a full check that runs each moved copy forward "
                            f"(floor_bench.py), {floor_repeats} rounds",
                   "headers": floor_bench.HEADERS, "rows": rows})
    if "[64, 32, 32, 10]" in floors:
        measured["floor [64, 32, 32, 10]"] = floors["[64, 32, 32, 10]"]
    rows = fresh_bench.table(2 if quick else repeats, threads=THREADS, nets=nets)
    tables.append({"title": f"1. Full check in fresh processes (first call) and warm (best of the next two), "
                            f"{THREADS} BLAS thread(s) in every process", "headers": fresh_bench.HEADERS, "rows": rows})
    if not quick:
        P, competitors = gradcheck_bench.fast_mode_competitors()
        table, results = compare_table(f"2. Fast mode on [784, 100, 10] ({P} parameters, n=32)", competitors,
                                       max(repeats, 15), FAST_VERDICT, "loss evaluations")
        tables.append(table)
        measured["fast verdict vs torch fast_mode"] = ratio(results, FAST_VERDICT, TORCH_FAST)
    return tables


def generic_and_latency_tables(repeats, quick, measured):
    rounds = 3 if quick else max(3 * repeats, 21)
    table, results = compare_table(f"3. The generic path on [10, 8, 8, 3], n=32: check_gradients against the bare "
                                   f"loss calls it makes, {rounds} rounds of 5 checks",
                                   gradcheck_bench.generic_competitors(batch=5), rounds,
                                   gradcheck_bench.BARE_CALLS, "loss evaluations")
    measured["generic path vs bare calls"] = ratio(results, gradcheck_bench.GENERIC, gradcheck_bench.BARE_CALLS)
    times = latency_bench.measure(3 if quick else max(repeats, 11))
    measured["latency added"] = latency_bench.added(times)
    latency = {"title": "3. A fresh python -c that checks the seeds' [2, 4, 1] network once (latency_bench.py)",
               "headers": latency_bench.HEADERS, "rows": latency_bench.rows(times)}
    return [table, latency]


def tracer_tables(repeats, quick, measured):
    tables = []
    for label, argv, competitors in trace_bench.overhead_cases(quick):
        table, results = compare_table(f"4. Tracer overhead: {label} (argv {' '.join(argv)})", competitors,
                                       repeats, "untraced")
        tables.append(table)
        measured[f"tracer: {label}"] = ratio(results, "traced", "untraced")
    counts = (10, 100_000) if quick else (10, 1_000_000)
    tables.append({"title": "4. Tracer peak memory (tracemalloc) for one operation run N times",
                   "headers": ["N", "peak"], "rows": trace_bench.memory_rows(counts)})
    return tables


def training_tables(repeats, quick, measured):
    samples, epochs = (2_000, 1) if quick else (10_000, 3)
    competitors = training_bench.competitors(samples=samples, epochs=epochs)
    table, _ = compare_table(f"5. Training on {samples:,} x 64 blobs, [64, 32, 10], batch 64, plain SGD, {epochs} "
                             "epochs", competitors, repeats, "scikit-learn MLPClassifier", "per epoch")
    for row in table["rows"]:
        if row[3] != "":
            seconds = float(row[1].split()[0]) / (1e3 if row[1].endswith("ms") else 1)
            row[3] = fmt_seconds(seconds / row[3])
    return [table]


#: (measured key, what, the limit's text, holds(value), value's text)
TARGETS = [
    ("torch full [64, 32, 32, 10]", "full check [64, 32, 32, 10], n=64: torch gradcheck's time / check_network's",
     ">= 20x", lambda v: v >= 20, lambda v: f"{v:.1f}x"),
    ("torch full [784, 100, 10]", "full check [784, 100, 10], n=64: torch gradcheck's time / check_network's",
     ">= 100x", lambda v: v >= 100, lambda v: f"{v:.0f}x"),
    ("floor [64, 32, 32, 10]", "full check [64, 32, 32, 10], n=64: check_network's time / floor_bench's floor",
     "<= 1.5x", lambda v: v <= 1.5, lambda v: f"{v:.2f}x"),
    ("fast verdict vs torch fast_mode", "fast verdict [784, 100, 10], n=32: shapecheck's time / torch fast_mode's",
     "<= 1x", lambda v: v <= 1.0, lambda v: f"{v:.2f}x"),
    ("latency added", "fresh python -c checking [2, 4, 1]: added over numpy and the naive loop",
     "<= 100 ms", lambda v: v <= 0.1, lambda v: f"{v * 1e3:+.0f} ms"),
    ("generic path vs bare calls", "check_gradients on [10, 8, 8, 3], n=32: its time / the 2P+1 bare loss calls",
     "<= 1.05x", lambda v: v <= 1.05, lambda v: f"{v:.3f}x"),
    ("tracer: XOR loop, tiny arrays", "tracer, 20,000-iteration XOR loop of tiny arrays: traced / untraced",
     "<= 1.3x", lambda v: v <= 1.3, lambda v: f"{v:.2f}x"),
    ("tracer: same loop, (256, 256) layers", "tracer, the same loop with (256, 256) layers: traced / untraced",
     "<= 1.05x", lambda v: v <= 1.05, lambda v: f"{v:.3f}x"),
]


def targets_table(measured, quick) -> dict:
    rows = []
    for key, what, limit, holds, shown in TARGETS:
        value = measured.get(key)
        if value is None:
            rows.append([what, "not measured (a competitor is missing, or --quick)", limit, ""])
        else:
            verdict = "yes" if holds(value) else "NO"
            rows.append([what, shown(value), limit, verdict + (" (quick run)" if quick else "")])
    return {"title": "0. Targets (issue 29), each measured in this run",
            "headers": ["target", "measured", "limit", "holds"], "rows": rows}


def render(tables, facts) -> str:
    lines = [f"date: {facts['date']}", f"machine: {facts['machine']}", f"threads: {facts['threads']} (BLAS and torch)"]
    for table in tables:
        lines += ["", table["title"], tabulate(table["rows"], headers=table["headers"], disable_numparse=True)]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs (about a minute)")
    parser.add_argument("--json", metavar="FILE", help="also write every table as JSON")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 5)
    facts = {"date": datetime.date.today().isoformat(), "machine": machine(), "threads": THREADS,
             "repeats": repeats, "quick": args.quick}
    measured, tables = {}, []
    print(f"machine: {facts['machine']}", flush=True)
    for section in (gradient_check_tables, generic_and_latency_tables, tracer_tables, training_tables):
        new = section(repeats, args.quick, measured)
        tables += new
        print(render(new, facts).split("\n", 3)[3], flush=True)
    targets = targets_table(measured, args.quick)
    print(render([targets], facts).split("\n", 3)[3], flush=True)
    text = render([targets] + tables, facts)
    if not args.quick:
        (HERE / "RESULTS.md").write_text("# Benchmark results\n\nWritten by `python benchmarks/run.py`.\n\n"
                                         "```text\n" + text + "\n```\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"facts": facts, "measured": measured, "tables": [targets] + tables},
                                              indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
