"""``shapecheck trace SCRIPT [ARGS...]``: run a script (or one function) with every array operation recorded.

The program's output appears as usual and the report follows on stderr; shapecheck's own options go
before the script (written after it they reach the script, and the report says so).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from shapecheck.cli.colour import painted
from shapecheck.cli.common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, report_error, report_os_error, write_json
from shapecheck.errors import ConfigurationError, ShapecheckError

NAME = "trace"

#: ``shapecheck trace``'s own options (after the script they go to the script: the report says so).
_TRACE_OPTIONS = (
    (("--all",), dict(action="store_true", help="list every elementwise operation too")),
    (("--json",), dict(metavar="FILE", default=None, help="also write the report as JSON to FILE")),
    (("--html",), dict(metavar="FILE", default=None,
                       help="also write one self-contained HTML page to FILE: the failing operation and its fixes "
                            "drawn as boxes sized by their shapes, and the run's matrix products in order")),
    (("--strict",), dict(action="store_true", help="exit 2 when there are warnings (for CI)")),
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        NAME, help="run a script and report every matrix product, broadcast and shape error",
        description="Run an unmodified script (or MODULE:FUNCTION, FILE.py:FUNCTION) with every array "
                    "operation recorded. The script's own output appears as usual; the report follows on "
                    "stderr. The exit code is the script's (1 if it raised); with --strict, 2 when there are "
                    "warnings. Everything after SCRIPT goes to the script's sys.argv, as with python, so "
                    "shapecheck's own options go before SCRIPT. For a FUNCTION, each ARG that is a Python "
                    "literal (3, 0.5, True, None, [7, 5, 3], 'text') is passed as that value, any other as a "
                    "string, and NAME=VALUE (NAME a parameter of the function) by keyword. A notebook (.ipynb) runs its "
                    "code cells in order as Jupyter's Run All does, in its own folder; IPython lines (magics, shell "
                    "lines, help) are skipped and listed in a note, and places read 'course.ipynb, cell 3, line 2' "
                    "(code cells counted from 1).",
    )
    for flags, options in _TRACE_OPTIONS:
        parser.add_argument(*flags, **options)
    parser.add_argument("script", metavar="SCRIPT",
                        help="a .py file, a Jupyter notebook (.ipynb: its code cells in order), or MODULE:FUNCTION, "
                             "or FILE.py:FUNCTION")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="arguments for the script (its sys.argv) or the function")


def run(args, out: TextIO) -> int:
    """Trace the script or function; the report goes to stderr after the program's own output. The exit
    code is the program's, EXIT_INTERNAL when shapecheck could not trace all of a program that succeeded,
    EXIT_USAGE with --strict when there are warnings."""
    from shapecheck.tracing.notebook import is_notebook, trace_notebook
    from shapecheck.tracing.runner import trace_function_target, trace_script

    target = args.script
    is_function = ":" in target and not os.path.isfile(target)
    misplaced = _options_after_script(args, is_function)
    try:
        if args.html:
            from shapecheck.pictures.page import check_path

            check_path(args.html)           # before the script runs: a page that cannot be written is said first
        if is_function and is_notebook(target.rpartition(":")[0]):
            raise ConfigurationError(f"{target}: a notebook's function cannot be traced alone; trace the whole "
                                     f"notebook: shapecheck trace {target.rpartition(':')[0]}", name="target",
                                     expected="a notebook path, or MODULE:FUNCTION", got=target)
        if is_notebook(target) and not is_function:
            report = trace_notebook(target, args.args, show_all=args.all)
        elif is_function:
            report = trace_function_target(target, args.args, show_all=args.all)
        else:
            report = trace_script(target, args.args, show_all=args.all)
    except ShapecheckError as exc:
        code = report_error(NAME, exc, json_path=args.json)
        if misplaced:
            print(f"note: {misplaced['message']}", file=sys.stderr)
        return code
    if misplaced:
        report = report.with_note(misplaced)
    out.flush()
    print(painted(report, sys.stderr, report.render(show_all=args.all)), file=sys.stderr)
    if args.json:
        write_json(args.json, report.to_dict())
    if args.html:
        code = _write_page(args.html, report, target)
        if code != EXIT_OK:
            return code
    if report.exit_code == EXIT_OK and report.internal_errors:
        return EXIT_INTERNAL            # the program ran, but shapecheck could not trace all of it
    if args.strict and report.warnings and report.exit_code == EXIT_OK:
        return EXIT_USAGE
    return report.exit_code


def _write_page(path: str, report, target: str) -> int:
    """``--html FILE``: the page written and its path said on stderr (EXIT_OK), or one line why not (EXIT_USAGE)."""
    from shapecheck.pictures.trace_view import write_trace_page

    try:
        write_trace_page(path, report, target)
    except ShapecheckError as exc:
        return report_error(NAME, exc)
    except OSError as exc:
        return report_os_error(NAME, exc)
    print(f"picture: {path}", file=sys.stderr)
    return EXIT_OK


def _options_after_script(args, is_function: bool) -> dict | None:
    """The note for shapecheck options written after the script (they went to it, as with python), or None."""
    import shlex

    takes_value = {flag for flags, options in _TRACE_OPTIONS if options.get("action") != "store_true"
                   for flag in flags}
    own = {flag for flags, _ in _TRACE_OPTIONS for flag in flags}
    groups, rest, words = [], [], list(args.args)       # groups: [flag] or [flag, value] as written
    while words:
        word = words.pop(0)
        flag = word.split("=", 1)[0]
        if flag in own:
            groups.append([word, words.pop(0)] if flag in takes_value and "=" not in word and words else [word])
        else:
            rest.append(word)
    if not groups:
        return None
    moved = [word for group in groups for word in group]
    it = "it" if len(groups) == 1 else "they"
    went = (f"{it} went to the function as {'an argument' if len(moved) == 1 else 'arguments'}" if is_function
            else f"{it} went to the script's sys.argv, as with python")
    before = _options_before(args)
    given = {word.split("=", 1)[0] for word in before}
    fixed = shlex.join(["shapecheck", "trace", *before,
                        *(w for group in groups if group[0].split("=", 1)[0] not in given for w in group),
                        args.script, *rest])
    written = [" ".join(group) for group in groups]
    listed = written[0] if len(written) == 1 else ", ".join(written[:-1]) + " and " + written[-1]
    message = (f"{listed} came after {args.script}, so {went}; put shapecheck options before "
               f"{'the target' if is_function else 'the script'}: {fixed}")
    return {"kind": "options-after-script", "options": moved, "message": message}


def _options_before(args) -> list:
    """The trace options given before the script, as words (for the corrected command)."""
    words = ["--all"] if args.all else []
    words += ["--json", args.json] if args.json else []
    words += ["--html", args.html] if args.html else []
    return words + (["--strict"] if args.strict else [])
