"""The README is a front page: its two set-up commands are the ones CI runs, and there are exactly two; it says
how long the test command takes, and stays short. Its snippets and transcripts run in tests/test_docs.py."""

import re
from pathlib import Path

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


def test_readme_is_a_front_page_that_says_how_long_the_tests_take():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    assert re.search(r"test suite: about [\d,]+ tests, which take about \d+ minutes", readme)
    assert "(issue" not in readme and "docs/issue-" not in readme
