"""How a place in the learner's code is said: ``net.py:12``; in a notebook traced from the command line
``course.ipynb, cell 3, line 2``; in a Jupyter cell traced where it runs ``In[7], line 3``, as IPython's own
traceback says it (``Cell In[7], line 3``)."""

from __future__ import annotations

import re

#: a cell's name in IPython (its execution count; ``#2`` when another source ran under the same name)
_IPYTHON_CELL = r"In\[\d+\](?:#\d+)?"


def location(file, line, cell=None) -> str:
    """``file:line``; ``file, cell N, line M`` for a notebook's cell (cells counted from 1, code cells only);
    ``In[7], line 3`` for a cell IPython ran."""
    if cell is not None:
        return f"{file}, cell {cell}, line {line}"
    if isinstance(file, str) and re.fullmatch(_IPYTHON_CELL, file):
        return f"{file}, line {line}"
    return f"{file}:{line}"


def place_dict(file, line, cell=None) -> dict:
    """The JSON of a place: ``{"file", "line"}``, with ``"cell"`` between them for a notebook's cell."""
    return {"file": file, "line": line} if cell is None else {"file": file, "cell": cell, "line": line}


def ipython_cells_said(text: str) -> str:
    """``In[7]:3`` in a text (an explanation's first line) said as the report says it: ``In[7], line 3``."""
    return re.sub(rf"(?<![\w\]])({_IPYTHON_CELL}):(\d+)", r"\1, line \2", text)


def map_strings(value, change):
    """``value`` (a string, or dicts, lists and tuples of them) with ``change`` applied to every string."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, (list, tuple)):
        return type(value)(map_strings(item, change) for item in value)
    if isinstance(value, dict):
        return {key: map_strings(item, change) for key, item in value.items()}
    return value
