"""Reading a Jupyter notebook for the tracer: its code cells, in document order, as Python.

A notebook is JSON, read here with the standard library: nbformat 4 keeps its cells in ``"cells"``, each
``{"cell_type": "code", "source": "..." or ["line\\n", ...]}``; nbformat 3 keeps them under
``"worksheets"`` with the code in ``"input"``. Code cells are numbered from 1 in document order (markdown
and raw cells are not counted, and ``execution_count``, the order someone last ran them in, is not used).

IPython's own syntax is not Python, so each such line is replaced by ``pass`` at its indentation (the cell
keeps its line numbers) and listed as skipped: line magics (``%matplotlib inline``, ``%timeit x @ y``),
shell lines (``!pip install numpy``, ``files = !ls``), help (``np.dot?``, ``??x``). ``%time STMT`` runs its
statement, as IPython does (untimed); ``%run [-i] FILE.py ARGS`` runs the file, traced, as IPython does. A cell magic (``%%bash``, ``%%timeit``, ``%%writefile``) skips its
whole cell, except ``%%time``, ``%%capture`` and ``%%shapecheck``, whose body is Python and runs. A line
inside a multi-line string or a bracket (``% 3`` continuing a sum) is Python and stays.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shlex
import tokenize
from dataclasses import dataclass

from shapecheck.errors import ShapecheckError

#: cell magics whose body is Python, run as the cell's code (the magic itself, timing or capturing, is not done)
BODY_RUNS = frozenset({"time", "capture", "shapecheck"})

_SHELL_OR_MAGIC = re.compile(r"^\s*(?:[%!]|\?)")                       # %magic, !shell, ?help
_ASSIGNED = re.compile(r"^\s*[\w.,\s\[\]()]+=\s*[%!]\s*\w")             # files = !ls, out = %who_ls
_HELP_AFTER = re.compile(r"^\s*[\w.*\[\]()]+\?\??\s*$")                  # np.dot?, np.*dot*??
_TIME_LINE = re.compile(r"^(\s*)%time\s+(\S.*)$")                      # %time STMT: the statement runs
_RUN_LINE = re.compile(r"^\s*%run\s+(.*)$")                            # %run [-i] FILE.py ARGS: the file runs
#: the function a ``%run`` line calls instead (put in the notebook's namespace by the runner)
RUN_FILE = "_shapecheck_run_file_"


class NotebookError(ShapecheckError, ValueError):
    """The file given as a notebook cannot be read as one: not JSON, or JSON without notebook cells."""


@dataclass(frozen=True)
class Skipped:
    """A line of IPython syntax: where it is, as written, and what became of it: ``skipped``, ``cell-skipped``
    (a cell magic's whole cell), ``statement-ran`` (``%time STMT`` ran STMT, untimed), ``body-ran`` (a
    ``%%time`` cell's body ran as Python) or ``file-ran`` (``%run FILE.py`` ran the file, traced)."""

    cell: int
    line: int
    text: str
    how: str


@dataclass(frozen=True)
class Cell:
    """One code cell: its number (from 1, code cells only), its text as Python (``source``, as many lines as
    the cell has) and the IPython lines replaced in it."""

    number: int
    source: str
    skipped: tuple = ()

    @property
    def lines(self) -> int:
        return len(python_lines(self.source))


def python_lines(text: str) -> list:
    """``text``'s lines as Python numbers them (a form feed or a U+2028 inside a line does not end it), each
    with its line end."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def read_notebook(path: str) -> list:
    """The notebook's code cells as :class:`Cell` objects; a :class:`NotebookError` when the file is not a
    notebook (the caller has checked that it exists)."""
    name = path.rsplit("/", 1)[-1]
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{name} is not a notebook: it is not UTF-8 text ({exc.reason} at byte {exc.start})",
                            name="notebook", expected="a Jupyter notebook (.ipynb JSON)", got=path) from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{name} is not a notebook: it is not JSON ({exc.msg} at line {exc.lineno}, column "
                            f"{exc.colno}); a notebook saved by Jupyter is", name="notebook",
                            expected="a Jupyter notebook (.ipynb JSON)", got=path) from None
    except RecursionError:
        raise NotebookError(f"{name} is not a notebook: its JSON is nested too deeply to read", name="notebook",
                            expected="a Jupyter notebook (.ipynb JSON)", got=path) from None
    sources = _code_sources(data, name, path)
    return [_as_python(number, source) for number, source in enumerate(sources, start=1)]


def _code_sources(data, name: str, path: str) -> list:
    """The text of each code cell, in document order (nbformat 4, or 3's worksheets)."""
    if isinstance(data, dict) and isinstance(data.get("cells"), list):
        cells, key = data["cells"], "source"
    elif isinstance(data, dict) and isinstance(data.get("worksheets"), list):
        cells = [c for sheet in data["worksheets"] if isinstance(sheet, dict) for c in sheet.get("cells", [])]
        key = "input"
    else:
        raise NotebookError(f"{name} is JSON but not a notebook: it has no \"cells\" list (nbformat 4)",
                            name="notebook", expected="a Jupyter notebook (.ipynb JSON)", got=path)
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get(key, "")
        if isinstance(text, list) and all(isinstance(part, str) for part in text):
            text = "".join(text)
        if not isinstance(text, str):
            raise NotebookError(f"{name} is not a notebook that can be read: code cell {len(sources) + 1}'s {key} is "
                                f"{type(text).__name__}, not a string or a list of strings", name="notebook",
                                expected="a Jupyter notebook (.ipynb JSON)", got=path)
        sources.append(text)
    return sources


def _as_python(number: int, text: str) -> Cell:
    """The cell with its IPython lines replaced (see the module's docstring)."""
    lines = [line.rstrip("\r\n") for line in python_lines(text)]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)[0] if lines[first].strip() != "%%" else ""
        if magic in BODY_RUNS:
            kept = [*([""] * (first + 1)), *lines[first + 1:]]
            cell = _as_python(number, "\n".join(kept) + "\n")
            said = Skipped(number, first + 1, lines[first].strip(), "body-ran")
            return Cell(number, cell.source, (said, *cell.skipped))
        return Cell(number, "\n".join("" for _ in lines) + "\n",
                    (Skipped(number, first + 1, lines[first].strip(), "cell-skipped"),))
    candidates = {i for i, line in enumerate(lines) if _looks_like_ipython(line)}
    if not candidates or _parses(text):
        return Cell(number, text if text.endswith("\n") or not text else text + "\n")
    candidates = _statement_starts(lines, candidates)
    out, skipped = list(lines), []
    for i in sorted(candidates):
        out[i], how = _replacement(lines[i])
        skipped.append(Skipped(number, i + 1, lines[i].strip(), how))
    return Cell(number, "\n".join(out) + "\n", tuple(skipped))


def _replacement(line: str) -> tuple:
    """(the Python that stands for an IPython line, what became of it)."""
    indent = line[:len(line) - len(line.lstrip())]
    timed = _TIME_LINE.match(line)
    if timed:
        return indent + timed.group(2), "statement-ran"
    ran = _RUN_LINE.match(line)
    words = _run_words(ran.group(1)) if ran else None
    if words:
        return f"{indent}{RUN_FILE}({words!r})", "file-ran"
    return indent + "pass", "skipped"


def _run_words(text: str) -> list | None:
    """``%run [-i] FILE.py ARGS``'s words, or None for a %run this does not do (other options, a notebook)."""
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    file = words[1] if words[:1] == ["-i"] and len(words) > 1 else words[0] if words else ""
    return words if file.endswith(".py") and not file.startswith("-") else None


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _looks_like_ipython(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    return bool(_SHELL_OR_MAGIC.match(line) or _ASSIGNED.match(line) or _HELP_AFTER.match(line))


def _statement_starts(lines: list, candidates: set) -> set:
    """The candidate lines that begin a statement: not inside a multi-line string, not continuing a bracket
    or a backslash line (``% 3`` there is Python). Each is tried as ``pass`` and the cell tokenized."""
    for _ in range(4):                       # a line put back can change what the others are inside of
        trial = [line[:len(line) - len(line.lstrip())] + "pass" if i in candidates else line
                 for i, line in enumerate(lines)]
        starts = _logical_line_starts("\n".join(trial) + "\n")
        if starts is None:
            return candidates
        kept = {i for i in candidates if i + 1 in starts}
        if kept == candidates:
            return kept
        candidates = kept
    return candidates


def _logical_line_starts(source: str) -> set | None:
    """The line numbers (from 1) where a statement begins, or None when the text cannot be tokenized."""
    starts, depth, previous = set(), 0, None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if depth == 0 and (previous is None or previous.type == tokenize.NEWLINE):
                starts.add(token.start[0])
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(0, depth - 1)
            previous = token
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return starts
