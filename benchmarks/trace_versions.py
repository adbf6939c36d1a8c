"""Tracer overhead against an earlier commit, side by side: did a change make tracing slower?

    python benchmarks/trace_versions.py [--against REV] [--repeats N] [--quick]

The package as it was at REV (default: the commit before the tracer work of issue 11) is exported to a
temporary folder; each repetition then runs, in fresh processes and interleaved, the XOR training loop
untraced, traced by REV's shapecheck and traced by the working tree's. Each child times only the run
itself (imports excluded). The table shows the medians and the round-by-round ratio of the two traced
times. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import export  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "benchmarks" / "programs" / "xor_loop.py"
DEFAULT_AGAINST = "ebb2e76"

CHILD = r"""
import io, runpy, sys, time
from contextlib import redirect_stderr
root, mode, program, *argv = sys.argv[1:]
if mode == "untraced":
    sys.argv = [program, *argv]
    start = time.perf_counter()
    runpy.run_path(program, run_name="__main__")
else:
    sys.path.insert(0, root)
    from shapecheck.tracing.runner import trace_script
    start = time.perf_counter()
    with redirect_stderr(io.StringIO()):
        report = trace_script(program, argv)
    assert report.exit_code == 0
print(time.perf_counter() - start, file=sys.__stderr__)
"""


def timed(root: Path, mode: str, argv) -> float:
    done = subprocess.run([sys.executable, "-c", CHILD, str(root), mode, str(PROGRAM), *argv],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return float(done.stderr.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=DEFAULT_AGAINST, help="the git revision to compare with")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    cases = [("XOR loop, tiny arrays", ["3000" if args.quick else "20000"]),
             ("same loop, (256, 256) layers", ["30" if args.quick else "150", "256"])]
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"working tree against {args.against}; median of {repeats} interleaved runs in fresh processes\n")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        old = export(args.against, Path(folder))
        for label, case_argv in cases:
            times = {"untraced": [], "old": [], "new": []}
            for _ in range(repeats):
                times["untraced"].append(timed(ROOT, "untraced", case_argv))
                times["old"].append(timed(old, "traced", case_argv))
                times["new"].append(timed(ROOT, "traced", case_argv))
            ratio = statistics.median(new / old for new, old in zip(times["new"], times["old"]))
            base = statistics.median(times["untraced"])
            rows.append([label, " ".join(case_argv), f"{base:.3f} s",
                         f"{statistics.median(times['old']):.3f} s ({statistics.median(times['old']) / base:.2f}x)",
                         f"{statistics.median(times['new']):.3f} s ({statistics.median(times['new']) / base:.2f}x)",
                         f"{ratio:.2f}x"])
    print(tabulate(rows, headers=["program", "argv", "untraced", f"traced at {args.against}", "traced now",
                                  "now / then"], disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
