"""Every script in examples/ runs as a learner would run it, and says what it promises."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {
    "reference_xor.py": "accuracy: 100%",
    "three_layouts.py": "folded bias gives the same Z1: True",
    "check_my_backprop.py": "W1[3, 2]: a floor",
    "check_my_network.py": "gradients WRONG in W1, b1: W1[2, 0]",
    "compare_my_backprop.py": "at compare_my_backprop.py:13",
}


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs(script):
    result = subprocess.run([sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert EXPECTED[script] in result.stdout
