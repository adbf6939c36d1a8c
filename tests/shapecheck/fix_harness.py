"""The fix harness: every fix the tracer offers, applied to a copy of the learner's program and run.

For each failing program of the corpora (the fix corpus, the trace examples and corpus, and the seed
programs when ``../shared`` is beside the project), the program is traced; each rewrite its explanation
offers (a line of its fixes that starts with the rewrite in backquotes) replaces the failing expression in
a copy of the program's folder, and the copy is traced again. A fix is

- ``wrong`` when the fixed line still fails, or when the copy warns of a silent broadcast (or any new
  warning) at or after the fixed line, or, where the line says ``# correct: <expression>``, when the
  program's ``GRADS`` differ from those of the copy with the correct expression;
- ``right`` otherwise.

Run as a script it prints one line per fix and the counts (``python tests/shapecheck/fix_harness.py``);
with ``PYTHONPATH`` pointing at an older checkout it measures that version the same way.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import runpy
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [ROOT / "tests" / "shapecheck" / "fix_corpus", ROOT / "examples" / "trace",
           ROOT / "tests" / "shapecheck" / "trace_corpus", ROOT.parent / "shared" / "seeds" / "programs"]
_CORRECT = re.compile(r"#\s*correct:\s*(?P<expr>.+?)\s*$")


@dataclass(frozen=True)
class Outcome:
    """One offered fix, applied: ``verdict`` is ``right`` or ``wrong``, ``why`` says what was seen."""

    program: str
    line: int
    fix: str
    verdict: str
    why: str

    def __str__(self) -> str:
        return f"{self.verdict:5}  {self.program}:{self.line}  `{self.fix}`  {self.why}"


def programs() -> list[Path]:
    """Every script of the corpora (a folder's scripts, and those of its sub-folders)."""
    found = []
    for corpus in CORPORA:
        if corpus.is_dir():
            found += sorted(p for p in corpus.rglob("*.py") if "__pycache__" not in p.parts)
    return found


def trace_quietly(path: Path):
    """The tracer's report of ``path``, run from its own folder, its output swallowed."""
    from shapecheck import trace_script

    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return trace_script(str(path), stderr=io.StringIO())
    finally:
        os.chdir(cwd)


def offered_fixes(error: dict) -> list[str]:
    """The rewrites of the failing line an explanation offers: each fix line that starts with a rewrite in
    backquotes."""
    out = []
    for line in error.get("fixes", []):
        match = re.match(r"`([^`]+)` gives ", line)
        if match:
            out.append(match.group(1))
    return out


def offered_line_fixes(error: dict) -> list[tuple[int, str, str]]:
    """The fixes of another line (the one that made an operand): (line, new statement, old statement)."""
    out = []
    for line in error.get("fixes", []):
        match = re.match(r"at line (\d+): `([^`]+)` instead of `([^`]+)`", line)
        if match:
            out.append((int(match.group(1)), match.group(2), match.group(3)))
    return out


def failing_span(source: str, error: dict) -> tuple[int, int, str] | None:
    """(line, column, text) of the failing expression: from the report, or (older reports) the smallest
    operation on the failing line whose text holds every operand."""
    if error.get("expr"):
        return error["line"], error.get("col", 0), error["expr"]
    tree = ast.parse(source)
    operands = [o["expr"] for o in error.get("operands", [])]
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.Call, ast.AugAssign)) and node.lineno == error["line"]:
            text = ast.get_source_segment(source, node) or ""
            if all(o in text for o in operands) and (best is None or len(text) < len(best[2])):
                best = (node.lineno, node.col_offset, text)
    return best


def replaced(source: str, span: tuple[int, int, str], new: str) -> str | None:
    """``source`` with the expression at ``span`` replaced by ``new`` (None when it is not found there)."""
    line, col, text = span
    lines = source.splitlines(keepends=True)
    line_start = sum(len(x) for x in lines[:line - 1])
    start = line_start + len(lines[line - 1].encode()[:col].decode(errors="ignore"))   # col counts bytes
    if source[start:start + len(text)] != text:
        start = source.find(text, line_start)
        if start < 0:
            return None
    return source[:start] + new + source[start + len(text):]


def grads_of(script: Path) -> dict | None:
    """The ``GRADS`` the script computes, run plainly from its folder (None when it does not finish)."""
    cwd = os.getcwd()
    os.chdir(script.parent)
    sys.path.insert(0, str(script.parent))
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            found = runpy.run_path(str(script), run_name="__main__")
        return {k: np.array(v, dtype=float) for k, v in found.get("GRADS", {}).items()}
    except Exception:  # noqa: BLE001 - a fixed program that fails computes nothing
        return None
    finally:
        sys.path.remove(str(script.parent))
        os.chdir(cwd)


def audit_program(script: Path) -> list[Outcome]:
    """Every fix offered for ``script``'s failure, applied to a copy and judged."""
    report = trace_quietly(script)
    error = report.error
    if not error or not (offered_fixes(error) or offered_line_fixes(error)):
        return []
    failing_file = (script.parent / error["file"]).resolve()
    source = failing_file.read_text()
    span = failing_span(source, error)
    name = f"{script.parent.name}/{script.name}"
    if span is None:
        return [Outcome(name, error["line"], fix, "wrong", "the failing expression was not found")
                for fix in offered_fixes(error)]
    correct = _CORRECT.search(source.splitlines()[error["line"] - 1])
    before = {(w.file, w.line, w.kind) for w in report.warnings}
    outcomes = []
    for fix in offered_fixes(error):
        outcomes.append(_judge(script, failing_file, source, span, fix, correct, before, error, name))
    lines = source.splitlines(keepends=True)
    for number, new, old in offered_line_fixes(error):
        if old not in lines[number - 1]:
            outcomes.append(Outcome(name, number, new, "wrong", "the statement to replace was not found"))
            continue
        fixed_source = "".join(lines[:number - 1] + [lines[number - 1].replace(old, new, 1)] + lines[number:])
        outcomes.append(_judge(script, failing_file, fixed_source, span, None, correct, before, error, name,
                               shown=new, original=source))
    return outcomes


def _judge(script, failing_file, source, span, fix, correct, before, error, name, shown=None,
           original=None) -> Outcome:
    """``fix`` put in place of the failing expression (or, with ``fix`` None, ``source`` already fixed
    elsewhere, ``shown`` naming the fix, ``original`` the program as it was), the copy run and judged."""
    fix_text = fix if fix is not None else shown
    original = original or source
    with tempfile.TemporaryDirectory() as tmp:
        copy_root = Path(tmp) / "program"
        shutil.copytree(script.parent, copy_root, ignore=shutil.ignore_patterns("__pycache__"))
        copied_script = copy_root / script.name
        copied_file = copy_root / failing_file.relative_to(script.parent)
        fixed = replaced(source, span, fix) if fix is not None else source
        if fixed is None:
            return Outcome(name, span[0], fix_text, "wrong", "the fix could not be put in place")
        copied_file.write_text(fixed)
        after = trace_quietly(copied_script)
        if after.error and after.error["line"] == span[0] and after.error["file"] == error["file"]:
            return Outcome(name, span[0], fix_text, "wrong", f"the line still fails: {after.error['message']}")
        new = [w for w in after.warnings if (w.file, w.line, w.kind) not in before
               and w.file == error["file"] and w.line >= span[0]]
        if new:
            return Outcome(name, span[0], fix_text, "wrong", f"then line {new[0].line} warns: {new[0].kind}")
        if not correct:
            return Outcome(name, span[0], fix_text, "right", "runs on, no new warning after it")
        got = grads_of(copied_script)
        copied_file.write_text(replaced(original, span, correct["expr"]))
        expected = grads_of(copied_script)
    if got is None or expected is None or set(got) != set(expected):
        return Outcome(name, span[0], fix_text, "wrong", "the fixed program did not compute GRADS like the correct one")
    differing = [k for k in expected if got[k].shape != expected[k].shape or not np.allclose(got[k], expected[k])]
    if differing:
        return Outcome(name, span[0], fix_text, "wrong", f"GRADS differ from the correct program's in {differing}")
    return Outcome(name, span[0], fix_text, "right", "GRADS equal the correct program's")


def audit() -> list[Outcome]:
    return [outcome for script in programs() for outcome in audit_program(script)]


if __name__ == "__main__":
    outcomes = audit()
    for outcome in outcomes:
        print(outcome)
    wrong = sum(o.verdict == "wrong" for o in outcomes)
    print(f"{len(outcomes)} fixes offered over {len(programs())} programs; {wrong} wrong")
