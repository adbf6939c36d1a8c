"""Every snippet of the README and of the user guide (docs/*.md) runs, and every transcript shows what its
command prints today.

* A ```python block runs as written, with the repository root as working directory. A block whose first
  line is "# continues the snippet above" runs in the namespace of the block before it on the same page (that
  block is run first, in the same test, so each test stands alone); every other block gets a fresh one. A
  block that is a pytest file (it defines test functions) is run by pytest in a subprocess, in a copy of the
  examples folder its docstring names ("pytest examples/ci"), so its imports of the files beside it resolve;
  a failing test there must be the file's own assertion reporting a learner's bug (MISMATCH), and only where
  the page shows a pytest summary with failures after the block. A block whose docstring starts by naming
  `python examples/FILE.py` is that file, verbatim.
* A ```text block whose first line is "$ COMMAND" is a transcript: COMMAND runs from the repository root and
  its output (stdout and stderr as a terminal shows them) must be the lines shown. "..." matches any text,
  also whole lines (doctest's ELLIPSIS); the ^~~~ marks under a traceback's line are left out on both
  sides (their form depends on the Python version), and so are the seconds pytest prints. When the command
  line ends with "(excerpt...)", the lines shown must appear in the output in that order, with others
  between them.
* A ```pycon block is a doctest (">>> "), run by doctest on the whole page.
* Any other ```text block must be preceded by an HTML comment "<!-- not run: WHY -->" saying why it is
  not checked; such blocks are few, and the test lists them so they stay so.
"""

import difflib
import doctest
import linecache
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md"))]
TEXTS = {page: (ROOT / page).read_text() for page in PAGES}
CONTINUES = "# continues the snippet above"
NOT_RUN = re.compile(r"<!-- not run: [^>]+ -->\n\n?$")


def _blocks(page, language):
    """(line, body, start, end) of each ```language block of the page."""
    text = TEXTS[page]
    return [(text.count("\n", 0, match.start()) + 1, match.group(1), match.start(), match.end())
            for match in re.finditer(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)]


PYTHON = [(page, index) for page in PAGES for index in range(len(_blocks(page, "python")))]
TRANSCRIPTS = [(page, line, body) for page in PAGES for line, body, _, _ in _blocks(page, "text")
               if body.startswith("$ ")]


def _python_id(case):
    page, index = case
    line, body, _, _ = _blocks(page, "python")[index]
    first = body.strip().splitlines()[0].strip().strip('"')
    return f"{page}:{line}:{first[:50]}"


# --- ```python blocks ------------------------------------------------------------------------------------

def _shown_outcome(page, index):
    """(failed, passed) of the pytest summary the page shows after the block, in a transcript of pytest run on
    the block's examples folder (`$ pytest examples/grading ...`), if it shows one."""
    blocks = _blocks(page, "python")
    folder = re.search(r"pytest (examples/[\w/.-]+)", blocks[index][1])
    end = blocks[index + 1][2] if index + 1 < len(blocks) else len(TEXTS[page])
    after = TEXTS[page][blocks[index][3]:end]
    if not folder or f"$ pytest {folder.group(1).rstrip('/')}" not in after:
        return None
    shown = re.search(r"^(\d+) failed, (\d+) passed", after, flags=re.M)
    return (int(shown.group(1)), int(shown.group(2))) if shown else None


def _is_pytest_file(block):
    return re.search(r"^def test_\w*\(", block, flags=re.M) is not None


def _chain(page, index):
    """The blocks to run for block `index`: it and, while a block continues the one above, the ones before."""
    blocks = _blocks(page, "python")
    start = index
    while start > 0 and blocks[start][1].startswith(CONTINUES):
        start -= 1
    return range(start, index + 1)


def _exec_block(page, index, namespace):
    block = _blocks(page, "python")[index][1]
    filename = f"{page} python block {index}"
    linecache.cache[filename] = (len(block), None, block.splitlines(True), filename)
    exec(compile(block, filename, "exec"), namespace)  # noqa: S102 - our own documentation


def _run_as_pytest_file(block, tmp_path, shown_outcome):
    folder = re.search(r"pytest (examples/[\w/.-]+)", block)
    assert folder, "a pytest block must say which examples folder it runs in (`pytest examples/...`)"
    work = tmp_path / "examples_copy"
    shutil.copytree(ROOT / folder.group(1).rstrip("/"), work,
                    ignore=shutil.ignore_patterns("test_*.py", "__pycache__", ".hypothesis"))
    (work / "test_docs_block.py").write_text(block)
    # Speed only: with no example database, hypothesis shrinking a failing submission costs ~90 s (each
    # shrink step runs compare's mismatch path); the verdicts are the same without it.
    (tmp_path / "docs_no_shrink.py").write_text(
        "from hypothesis import Phase, settings\n"
        "settings.register_profile('docs', phases=[Phase.explicit, Phase.reuse, Phase.generate])\n"
        "settings.load_profile('docs')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "docs_no_shrink",
               f"--junitxml={tmp_path / 'junit.xml'}", "test_docs_block.py"]
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
    # Failures only where the page shows them (a teacher's run naming the learners' bugs), as many as shown.
    assert (len(failed), passed) == (shown_outcome or (0, passed)), f"failed: {failed}\n{output}"
    assert passed, output


@pytest.mark.parametrize("case", PYTHON, ids=_python_id)
def test_python_block_runs(case, monkeypatch, tmp_path):
    page, index = case
    block = _blocks(page, "python")[index][1]
    monkeypatch.chdir(ROOT)
    shown_file = re.match(r'"""[^\n]*\bpython (examples/\S+\.py)', block)
    if shown_file:                                    # the page shows that file: it must be the file, verbatim
        assert (ROOT / shown_file.group(1)).read_text() == block, f"{page} shows {shown_file.group(1)} otherwise"
    if _is_pytest_file(block):
        _run_as_pytest_file(block, tmp_path, _shown_outcome(page, index))
        return
    namespace = {"__name__": f"docs_block_{index}"}
    for earlier in _chain(page, index):               # a continued block runs after the ones it continues
        _exec_block(page, earlier, namespace)


# --- transcripts -----------------------------------------------------------------------------------------

EXCERPT = re.compile(r"\s{2,}\(excerpt[^)]*\)$")
CARETS = re.compile(r"^\s*[~^]+\s*$")
SECONDS = re.compile(r" in \d+(\.\d+)?s\b")


def _command(line):
    words = shlex.split(line)
    if words[0] == "shapecheck":
        return [sys.executable, "-m", "shapecheck", *words[1:]]
    if words[0] in ("python", "pytest"):
        return [sys.executable, *(["-m", "pytest", "-p", "no:cacheprovider"] if words[0] == "pytest" else []),
                *words[1:]]
    raise AssertionError(f"a transcript runs shapecheck, python or pytest, not {words[0]!r}")


def _normal(text):
    lines = [SECONDS.sub(" in N s", line.rstrip()) for line in text.splitlines() if not CARETS.match(line)]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


#: Variables by which pytest (untruncated summary lines) and hypothesis (its "ci" profile, which prints a
#: reproduce blob) recognise a CI run: a transcript shows what a user's own terminal prints.
CI_MARKERS = ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "GITLAB_CI", "TF_BUILD", "TRAVIS", "CIRCLECI", "JENKINS_URL",
              "BUILDKITE", "CODEBUILD_BUILD_ID")


def _terminal_environ() -> dict:
    return {key: value for key, value in os.environ.items() if key not in CI_MARKERS}


def _matches(shown, got):
    checker = doctest.OutputChecker()
    return checker.check_output("\n".join(shown) + "\n", "\n".join(got) + "\n", doctest.ELLIPSIS)


@pytest.mark.parametrize("page, line, body", TRANSCRIPTS, ids=[f"{page}:{line}" for page, line, _ in TRANSCRIPTS])
def test_transcript_is_what_the_command_prints(page, line, body):
    command_line, _, shown = body.partition("\n")
    command_line = command_line[2:]
    excerpt = EXCERPT.search(command_line)
    command_line = EXCERPT.sub("", command_line)
    env = {**_terminal_environ(), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "80"}
    result = subprocess.run(_command(command_line), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=600, cwd=ROOT, env=env)
    got, shown = _normal(result.stdout), _normal(shown)
    if not excerpt:
        diff = "\n".join(difflib.unified_diff(shown, got, "shown", "printed", lineterm=""))
        assert _matches(shown, got), f"{page}:{line}: `{command_line}` printed otherwise:\n{diff}"
        return
    at = 0
    for wanted in shown:
        while at < len(got) and not _matches([wanted], [got[at]]):
            at += 1
        assert at < len(got), f"{page}:{line}: {wanted!r} is not in the output of `{command_line}`:\n" + "\n".join(got)
        at += 1


# --- the rest ----------------------------------------------------------------------------------------------

def test_every_other_text_block_says_why_it_is_not_run():
    unrun = []
    for page in PAGES:
        for line, body, start, _ in _blocks(page, "text"):
            if body.startswith("$ "):
                continue
            assert NOT_RUN.search(TEXTS[page][:start]), (
                f"{page}:{line}: a ```text block is a transcript (`$ command` first) or says <!-- not run: why -->")
            unrun.append((page, line))
    assert len(unrun) <= 3, unrun                     # rare on purpose: show what a command prints instead


def test_every_block_is_of_a_kind_the_tests_check():
    """Each fenced block is python, pycon or text (checked above), or the README's two set-up commands (bash,
    checked by tests/test_readme.py): no snippet escapes the tests by its language."""
    assert len(PAGES) >= 8 and len(PYTHON) >= 8 and len(TRANSCRIPTS) >= 10
    for page in PAGES:
        for language in re.findall(r"^```(\w*)\n.*?^```$", TEXTS[page], flags=re.M | re.S):
            allowed = ("python", "pycon", "text", "bash") if page == "README.md" else ("python", "pycon", "text")
            assert language in allowed, f"{page}: a ```{language} block is not checked by any test"


@pytest.mark.parametrize("page", PAGES)
def test_doctest_lines_pass(page):
    results = doctest.testfile(str(ROOT / page), module_relative=False, verbose=False,
                               optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert results.failed == 0


def test_every_page_of_the_guide_is_in_its_index_and_links_resolve():
    index = TEXTS["docs/README.md"]
    for page in PAGES:
        if page.startswith("docs/") and page != "docs/README.md":
            assert f"({Path(page).name})" in index, page
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", TEXTS[page]):
            if not re.match(r"https?://", target):
                assert (ROOT / page).parent.joinpath(target).exists(), f"{page}: link to {target}"
