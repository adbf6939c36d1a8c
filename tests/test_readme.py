"""The README's two set-up commands are the ones CI runs, and there are exactly two; its Python snippets run."""

import doctest
import linecache
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_has_exactly_two_setup_commands_matching_ci():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && shapecheck demo",
        'python3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" && pytest',
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test]"' in ci and "\npytest\n" in ci and "python3 -m venv" in ci


# Every ```python block of the README runs as written, with the repository root as working directory. A
# block whose first line is "# continues the snippet above" runs in the namespace of the block before it
# (that block is run first, in the same test, so each test stands alone); every other block gets a fresh
# one. A block that is a pytest file (it defines test functions) is run by pytest in a subprocess, in a copy
# of the examples folder its docstring names ("pytest examples/ci"), so its imports of the files beside it
# resolve; a failing test there must be the file's own assertion reporting a learner's bug (MISMATCH).

CONTINUES = "# continues the snippet above"
README = (ROOT / "README.md").read_text()
BLOCK_MATCHES = list(re.finditer(r"```python\n(.*?)```", README, flags=re.S))
PYTHON_BLOCKS = [match.group(1) for match in BLOCK_MATCHES]


def _block_id(index):
    line = README.count("\n", 0, BLOCK_MATCHES[index].start()) + 1
    first = PYTHON_BLOCKS[index].strip().splitlines()[0].strip().strip('"')
    return f"README.md:{line}:{first[:60]}"


def _shown_outcome(index):
    """(failed, passed) of the pytest summary the README shows after the block, if it shows one."""
    end = BLOCK_MATCHES[index + 1].start() if index + 1 < len(BLOCK_MATCHES) else len(README)
    shown = re.search(r"^(\d+) failed, (\d+) passed", README[BLOCK_MATCHES[index].end():end], flags=re.M)
    return (int(shown.group(1)), int(shown.group(2))) if shown else None


def _is_pytest_file(block):
    return re.search(r"^def test_\w*\(", block, flags=re.M) is not None


def _chain(index):
    """The blocks to run for block `index`: it and, while a block continues the one above, the ones before."""
    start = index
    while start > 0 and PYTHON_BLOCKS[start].startswith(CONTINUES):
        start -= 1
    return range(start, index + 1)


def _exec_block(index, namespace):
    filename = f"README.md python block {index}"
    linecache.cache[filename] = (len(PYTHON_BLOCKS[index]), None, PYTHON_BLOCKS[index].splitlines(True), filename)
    exec(compile(PYTHON_BLOCKS[index], filename, "exec"), namespace)


def _run_as_pytest_file(block, tmp_path, shown_outcome):
    folder = re.search(r"pytest (examples/[\w/.-]+)", block)
    assert folder, "a pytest block must say which examples folder it runs in (`pytest examples/...`)"
    work = tmp_path / "examples_copy"
    shutil.copytree(ROOT / folder.group(1).rstrip("/"), work,
                    ignore=shutil.ignore_patterns("test_*.py", "__pycache__", ".hypothesis"))
    (work / "test_readme_block.py").write_text(block)
    # Speed only: with no example database, hypothesis shrinking a failing submission costs ~90 s (each
    # shrink step runs compare's mismatch path); the verdicts are the same without it.
    (tmp_path / "readme_no_shrink.py").write_text(
        "from hypothesis import Phase, settings\n"
        "settings.register_profile('readme', phases=[Phase.explicit, Phase.reuse, Phase.generate])\n"
        "settings.load_profile('readme')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "readme_no_shrink",
               f"--junitxml={tmp_path / 'junit.xml'}", "test_readme_block.py"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=work, env=env)
    output = (result.stdout + result.stderr)[-3000:]
    assert result.returncode in (0, 1), output
    cases = list(ElementTree.parse(tmp_path / "junit.xml").getroot().iter("testcase"))
    assert cases, output
    outcomes = {case.get("name"): [(child.tag, child.get("message") or "") for child in case
                                   if child.tag not in ("system-out", "system-err")] for case in cases}
    failed = []
    for name, results in outcomes.items():
        for tag, message in results:
            assert tag == "failure", f"{name}: {tag}: {message}\n{output}"        # an error or a skip
            assert re.match(r"AssertionError:\s*MISMATCH", message), f"{name}: {message}\n{output}"
            failed.append(name)
    passed = len(outcomes) - len(failed)
    # Failures only where the README shows them (a teacher's run naming the learners' bugs), as many as shown.
    assert (len(failed), passed) == (shown_outcome or (0, passed)), f"failed: {failed}\n{output}"
    assert passed, output


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)), ids=_block_id)
def test_readme_python_block_runs(index, monkeypatch, tmp_path):
    block = PYTHON_BLOCKS[index]
    monkeypatch.chdir(ROOT)
    if _is_pytest_file(block):
        _run_as_pytest_file(block, tmp_path, _shown_outcome(index))
        return
    namespace = {"__name__": f"readme_block_{index}"}
    for earlier in _chain(index):                     # a continued block runs after the ones it continues
        _exec_block(earlier, namespace)


def test_readme_python_blocks_are_found():
    assert PYTHON_BLOCKS and all(block.strip() for block in PYTHON_BLOCKS)


def test_readme_doctest_lines_pass():
    results = doctest.testfile(str(ROOT / "README.md"), module_relative=False, verbose=False,
                               optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert results.failed == 0
