"""Tracer overhead, side by side: the same script untraced and traced, in one process.

    python benchmarks/trace_bench.py [--quick] [--repeats N]

1. The XOR training loop (tiny arrays, 20,000 iterations) and the same loop with (256, 256) layers:
   median wall time untraced and traced, and their ratio (targets 1.3x and 1.05x).
2. Peak memory of the tracer (tracemalloc) for a script with 10 and with 1,000,000 executions of one
   operation: records are per site and shape signature, so the two should be the same.
Repetitions are interleaved (untraced, traced, untraced, ...). Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import runpy
import sys
import tracemalloc
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import interleave, pairwise_ratio  # noqa: E402

from shapecheck.tracing.runner import trace_script  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"


def untraced(path: Path, argv):
    saved = sys.argv
    sys.argv = [str(path), *argv]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved


def traced(path: Path, argv):
    with redirect_stderr(io.StringIO()):
        report = trace_script(str(path), argv)
    assert report.exit_code == 0, report
    return report


def overhead_cases(quick: bool):
    """(label, argv, competitors) for the XOR loop with tiny arrays and with (256, 256) layers."""
    cases = [("XOR loop, tiny arrays", ["5000" if quick else "20000"]),
             ("same loop, (256, 256) layers", ["100" if quick else "300", "256"])]
    path = PROGRAMS / "xor_loop.py"
    return [(label, argv, {"untraced": lambda argv=argv: untraced(path, argv),
                           "traced": lambda argv=argv: traced(path, argv) and None}) for label, argv in cases]


def overhead_rows(repeats: int, quick: bool):
    rows = []
    for label, argv, competitors in overhead_cases(quick):
        results = interleave(competitors, repeats)
        base, with_tracer = results["untraced"], results["traced"]
        rows.append([label, " ".join(argv), f"{base.median:.3f} s", f"{with_tracer.median:.3f} s",
                     f"{pairwise_ratio(with_tracer, base):.2f}x"])
    return rows


def memory_rows(counts=(10, 1_000_000)):
    rows = []
    for count in counts:
        tracemalloc.start()
        traced(PROGRAMS / "many_ops.py", [str(count)])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append([f"{count:,}", f"{peak / 1024:.0f} KiB"])
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip-memory", action="store_true", help="skip the 1,000,000-operation memory run")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; median of {repeats} interleaved runs\n")
    print(tabulate(overhead_rows(repeats, args.quick),
                   headers=["program", "argv", "untraced", "traced", "traced / untraced"], disable_numparse=True))
    if not args.skip_memory:
        print("\npeak memory while tracing one operation N times (tracemalloc)")
        print(tabulate(memory_rows(), headers=["N", "peak"], disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
