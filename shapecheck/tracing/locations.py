"""How a place in the learner's code is said: ``net.py:12``, or ``course.ipynb, cell 3, line 2`` in a notebook."""

from __future__ import annotations


def location(file, line, cell=None) -> str:
    """``file:line``; ``file, cell N, line M`` for a notebook's cell (cells counted from 1, code cells only)."""
    if cell is not None:
        return f"{file}, cell {cell}, line {line}"
    return f"{file}:{line}"


def place_dict(file, line, cell=None) -> dict:
    """The JSON of a place: ``{"file", "line"}``, with ``"cell"`` between them for a notebook's cell."""
    return {"file": file, "line": line} if cell is None else {"file": file, "cell": cell, "line": line}
