"""Colour for a person at a terminal: the verdict line green or red, failing rows red, doubtful ones yellow.

Only when the stream is a terminal, ``NO_COLOR`` is not set (https://no-color.org) and ``TERM`` is not
``dumb``; piped output, files and JSON never carry escape codes.
"""

from __future__ import annotations

import os
import re

GREEN, RED, YELLOW, RESET = "\033[32m", "\033[31m", "\033[33m", "\033[0m"

#: a table row or line whose status is one of these words is painted (whole words, as the reports print them)
_FAILING = re.compile(r"(?<![\w-])(FAIL|MISMATCH|nan|shape|FAILED|WRONG)(?![\w-])")
_DOUBTFUL = re.compile(r"(?<![\w-])(kink|noisy)(?![\w-])|^\s+\S+:\d+ \[[\w-]+\]")


def _is_table_header(lines, number) -> bool:
    """Is ``lines[number]`` a table's column names (the next line is its rule of dashes)? A header has a
    ``shape`` column, which is also a failing status."""
    following = lines[number + 1] if number + 1 < len(lines) else ""
    return bool(following.strip()) and set(following) <= {"-", " "}


def wanted(stream) -> bool:
    """Does ``stream`` get colour?"""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def painted(report, stream, text: str | None = None) -> str:
    """``text`` (default ``str(report)``) coloured for ``stream`` when it wants colour, else unchanged."""
    text = str(report) if text is None else text
    if not wanted(stream):
        return text
    first, *rest = text.split("\n")
    lines = [f"{GREEN if report.ok else RED}{first}{RESET}"]
    for number, line in enumerate(rest):
        if line.startswith("note:") or _is_table_header(rest, number):   # facts and column names, not findings
            pass
        elif _FAILING.search(line):
            line = f"{RED}{line}{RESET}"
        elif _DOUBTFUL.search(line):
            line = f"{YELLOW}{line}{RESET}"
        lines.append(line)
    return "\n".join(lines)
