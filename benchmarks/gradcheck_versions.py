"""The gradient checker against an earlier commit, side by side: did the trust work of issue 13 slow it down?

    python benchmarks/gradcheck_versions.py [--against REV] [--repeats N]

The package as it was at REV (default: the commit before issue 13's per-entry error estimates, the
re-measurement of failures and the stated power) is exported to a temporary folder; each repetition runs,
in fresh processes and interleaved, the same checks of CORRECT gradients with REV's checker and with the
working tree's. A correct gradient has no failing entry, so nothing is re-measured: the loss evaluations
must be the same and the time close to it. Each child times only the checks (imports excluded). The table
shows the medians, the evaluations and the round-by-round ratio. Nothing here is asserted by the tests.
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
DEFAULT_AGAINST = "85c6f07"
#: (label, n, d, h, t, mode, method): a tanh layer and a squared error, X (n, d), W1 (d, h), W2 (h, t).
CASES = [("small, full", 7, 5, 3, 2, "full", "central"),
         ("medium, full", 200, 40, 30, 4, "full", "central"),
         ("medium, full, richardson", 200, 40, 30, 4, "full", "richardson"),
         ("large, fast", 100, 300, 300, 5, "fast", "central")]

CHILD = r"""
import sys, time, warnings
import numpy as np
root, n, d, h, t, mode, method, repeats = sys.argv[1:]
sys.path.insert(0, root)
from shapecheck import check_gradients
n, d, h, t, repeats = int(n), int(d), int(h), int(t), int(repeats)
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "W2": rng.normal(size=(h, t)) / np.sqrt(h)}
loss = lambda p: 0.5 * np.sum((np.tanh(X @ p["W1"]) @ p["W2"] - Y) ** 2) / n
A = np.tanh(X @ params["W1"]); E = (A @ params["W2"] - Y) / n
grads = {"W1": X.T @ ((E @ params["W2"].T) * (1 - A ** 2)), "W2": A.T @ E}
start = time.perf_counter()
for _ in range(repeats):
    report = check_gradients(loss, params, grads, mode=mode, method=method)
assert report.ok, str(report).splitlines()[0]
print((time.perf_counter() - start) / repeats, report.evaluations, file=sys.__stderr__)
"""


def timed(root: Path, case, repeats: int) -> tuple[float, int]:
    """(seconds per check, loss evaluations) of one case run in a fresh process against ``root``."""
    _, *sizes, mode, method = case
    done = subprocess.run([sys.executable, "-c", CHILD, str(root), *map(str, sizes), mode, method, str(repeats)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, evaluations = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(evaluations)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=DEFAULT_AGAINST, help="the git revision to compare with")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved rounds (fresh processes)")
    args = parser.parse_args(argv)
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"working tree against {args.against}; median of {args.repeats} interleaved rounds\n")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        old = export(args.against, Path(folder))
        for case in CASES:
            inner = 20 if case[1] < 50 else 3
            times = {"old": [], "new": []}
            evaluations = {}
            for _ in range(args.repeats):
                for name, root in (("old", old), ("new", ROOT)):
                    seconds, evaluations[name] = timed(root, case, inner)
                    times[name].append(seconds)
            ratio = statistics.median(new / old for new, old in zip(times["new"], times["old"]))
            rows.append([case[0], f"W1 ({case[2]}, {case[3]}), n={case[1]}, {case[6]}",
                         f"{statistics.median(times['old']) * 1e3:.1f} ms ({evaluations['old']} evals)",
                         f"{statistics.median(times['new']) * 1e3:.1f} ms ({evaluations['new']} evals)",
                         f"{ratio:.2f}x"])
    print(tabulate(rows, headers=["case", "check", f"at {args.against}", "now", "now / then"],
                   disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
