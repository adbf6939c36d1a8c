"""The ``shapecheck`` command: ``main()`` and the parser, assembled from one module per command.

Each command module (demo, plan, grad, compare, trace) offers ``NAME``, ``add_parser(subparsers)`` and
``run(args, out) -> int``; :mod:`shapecheck.cli.common` holds what they share: the exit codes (0 ok, 1 a
check found something wrong, 2 a usage error, 3 trace could not trace all of the program), how an error
is reported, and the argument types. Errors in the user's input end with one line on stderr and exit
code 2, never a traceback; a command with ``--json FILE`` writes the error's facts there too.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Sequence

from shapecheck import __version__
from shapecheck.cli import common, compare, demo, grad, plan, trace
from shapecheck.errors import ShapecheckError

#: the commands, in the order ``shapecheck --help`` lists them
COMMANDS = {module.NAME: module for module in (demo, plan, grad, compare, trace)}

#: one example per command, shown by ``shapecheck --help``
EXAMPLES = {
    "demo": "shapecheck demo",
    "plan": "shapecheck plan 3 4 1 --loss bce --layout columns",
    "grad": "shapecheck grad --layers 4,5,3 --mode fast --plant \"W1[2,3]\"",
    "compare": "shapecheck compare examples/compare/class_style.py:factory_buggy",
    "trace": "shapecheck trace examples/trace/matmul_mismatch.py",
}


def _examples() -> str:
    width = max(map(len, EXAMPLES))
    lines = [f"  {name:<{width}}  {example}" for name, example in EXAMPLES.items()]
    return "examples:\n" + "\n".join(lines) + "\n\n`shapecheck COMMAND --help` tells each command's options."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shapecheck",
        description="Shape plans, gradient checks and verified reference MLPs for hand-written numpy backprop.",
        epilog=_examples(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shapecheck {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in COMMANDS.values():
        module.add_parser(subparsers)
    return parser


def _one_line_warning(command: str):
    """``showwarning`` for a command: ``shapecheck grad: SlowCheckWarning: ...`` (the source line of the
    command's entry script means nothing to its user)."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"shapecheck {command}: {category.__name__}: {message}", file=sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see :mod:`shapecheck.cli.common`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command != "trace":        # trace shows the script's own warnings as Python would
            with warnings.catch_warnings():
                warnings.showwarning = _one_line_warning(args.command)
                return COMMANDS[args.command].run(args, sys.stdout)
        return COMMANDS[args.command].run(args, sys.stdout)
    except ShapecheckError as exc:
        return common.report_error(args.command, exc, json_path=getattr(args, "json", None))
    except KeyboardInterrupt:  # Ctrl-C: every array was put back on the way out; one line, as shells expect
        restored = "" if args.command in ("demo", "plan") else "; parameters restored"
        print(f"\nshapecheck {args.command}: interrupted{restored}", file=sys.stderr)
        return common.EXIT_INTERRUPTED
    except BrokenPipeError:  # `shapecheck demo | head`: the reader left; stop quietly like other tools
        common.silence_stdout()
        return common.EXIT_OK
    except OSError as exc:
        return common.report_os_error(args.command, exc)
