"""How long a failing property test takes: the README's learner test against a network with a planted bug.

    python benchmarks/property_failure.py [--against REV] [--repeats N] [--quick]

The README's `test_gradients_match_the_reference` (`@settings(max_examples=25, deadline=None)`, a spec, a
seed and a batch drawn by shapecheck's strategies) runs with pytest in a fresh folder (no hypothesis
database) against `examples/ci/my_network.py` with the hidden derivative taken at the activation
(`1 - np.tanh(A1) ** 2`). Three ways, interleaved, each in its own process: shapecheck at ``--against``
(default: before issue 27), and the working tree without and with `--hypothesis-profile=shapecheck`.
``--quick`` runs the last way once (a few seconds). Each row gives the median wall time of the whole pytest run, the sizes of the shrunk failing example, and
whether its table shows the bug in W1 and b1 (MISMATCH rows) or an `ok` row for either.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import export, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AGAINST = "3c50920"
TEST = '''
from hypothesis import given, settings
from hypothesis import strategies as st

from my_network import MyNetwork
from shapecheck import strategies as sst
from shapecheck.testing import assert_matches_reference

SPECS = sst.mlp_specs(min_hidden=1, max_hidden=1, activations=["tanh"], output_loss=[("identity", "mse")],
                      layouts=["rows"])


@settings(max_examples=25, deadline=None)
@given(spec=SPECS, seed=st.integers(0, 999), data=st.data())
def test_gradients_match_the_reference(spec, seed, data):
    net = MyNetwork(*spec.sizes, seed=seed)
    X, Y = data.draw(sst.batches(spec))
    print("shrunk sizes", spec.sizes, "n", spec.n, "seed", seed)
    assert_matches_reference(X, Y, params=net.params, gradients=net.gradients, **spec.options())
'''


def project(folder: Path) -> Path:
    """The learner's network with the planted bug and the README's test, in ``folder``."""
    source = (ROOT / "examples" / "ci" / "my_network.py").read_text()
    planted = source.replace("(1 - A1 ** 2)", "(1 - np.tanh(A1) ** 2)")
    assert planted != source
    (folder / "my_network.py").write_text(planted)
    (folder / "test_property.py").write_text(TEST)
    return folder


def run(code_root: Path, options: list) -> tuple[float, str]:
    """Seconds of one pytest run in a fresh folder, and its output."""
    with tempfile.TemporaryDirectory() as folder:
        here = project(Path(folder))
        env = dict(os.environ, PYTHONPATH=str(code_root))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                               "-s", "--tb=short", *options], cwd=here, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if "1 failed" not in done.stdout:
        raise SystemExit(f"the planted bug did not fail the test:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def shrunk(output: str) -> str:
    """The last example the test printed (the shrunk one, re-run last) and the rows of W1 and b1."""
    sizes = re.findall(r"shrunk sizes (.*)", output)[-1]
    rows = {name: re.search(rf"^E?\s*{name}\s.*?\b(MISMATCH|ok)\b", output, flags=re.M) for name in ("W1", "b1")}
    shown = ", ".join(f"{name} {row.group(1) if row else 'absent'}" for name, row in rows.items())
    return f"{sizes}; {shown}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=DEFAULT_AGAINST, help="the git revision of 'before'")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="only the profile's way, once")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    facts = machine()
    print(f"{facts['machine']} {facts['cores']} cores, numpy {facts['numpy']}; median of {repeats} interleaved runs, each a fresh "
          "pytest process in a fresh folder\n")
    with tempfile.TemporaryDirectory() as folder:
        old = export(args.against, Path(folder))
        ways = {f"shapecheck at {args.against}, README settings": (old, []),
                "now, README settings": (ROOT, []),
                "now, README settings + --hypothesis-profile=shapecheck": (ROOT, ["--hypothesis-profile=shapecheck"])}
        if args.quick:
            ways = dict(list(ways.items())[-1:])
        times, outputs = {way: [] for way in ways}, {}
        for _ in range(repeats):
            for way, (code, options) in ways.items():
                seconds, outputs[way] = run(code, options)
                times[way].append(seconds)
    rows = [[way, f"{statistics.median(times[way]):.2f} s", shrunk(outputs[way])] for way in ways]
    print(tabulate(rows, headers=["failing property test", "pytest wall time", "shrunk example"],
                   disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
