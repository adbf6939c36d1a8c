"""What every ``shapecheck`` command shares: the exit codes, how an error is reported, the argument types.

The exit codes mean the same in every command:

    0  EXIT_OK        the command did its job and found nothing wrong (the plan printed, gradients OK, a match)
    1  EXIT_FAILED    it found something wrong: gradients WRONG, a MISMATCH, a learner's backprop that
                      crashed; for ``trace``, the script raised (trace returns the script's own exit code)
    2  EXIT_USAGE     the input could not be used: bad arguments, a missing file, a ShapecheckError
                      (one line on stderr, never a traceback); ``trace --strict`` when there are warnings
    3  EXIT_INTERNAL  ``trace``: the script succeeded but shapecheck could not trace all of it
  130  EXIT_INTERRUPTED  Ctrl-C (one line on stderr; every array the command had moved is restored)
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from shapecheck.errors import ShapecheckError
from shapecheck.tracing.faults import EXIT_INTERNAL as EXIT_INTERNAL  # 3: defined where the tracer decides it

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def exit_code(ok: bool) -> int:
    """EXIT_OK for a report whose check passed, EXIT_FAILED for one that found something wrong."""
    return EXIT_OK if ok else EXIT_FAILED


# -- reporting --------------------------------------------------------------------------------------------

def report_error(command: str, exc: ShapecheckError, *, json_path: str | None = None) -> int:
    """One line for a usage error (EXIT_USAGE); the learner's traceback first when their own code failed
    (then the error's own exit code: 2 when it could not be set up, 1 when their backprop crashed).

    With ``json_path`` (the command's ``--json FILE``) the error's facts go there too, in place of the
    report: ``{"error": "ConfigurationError", "message": ..., "name", "expected", "got", "exit_code"}``.
    """
    from shapecheck.comparison.learner import LearnerCodeError

    code = EXIT_USAGE
    if isinstance(exc, LearnerCodeError):
        code = exc.exit_code
        if exc.__cause__ is not None:
            from shapecheck.tracing.runner import format_learner_traceback

            sys.stderr.write(format_learner_traceback(exc.__cause__))
    print(f"shapecheck {command}: error: {exc}", file=sys.stderr)
    if json_path:
        try:
            write_json(json_path, {**exc.to_dict(), "exit_code": code})
        except OSError as unwritable:
            report_os_error(command, unwritable)
    return code


def report_os_error(command: str, exc: OSError) -> int:
    """A file that could not be read or written: one line naming it, EXIT_USAGE."""
    print(f"shapecheck {command}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
          file=sys.stderr)
    return EXIT_USAGE


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again (after a broken pipe:
    ``shapecheck demo | head``, the reader left)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def write_json(path: str, data: dict) -> None:
    """``--json FILE``: the report's ``to_dict()``, indented."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)


# -- arguments --------------------------------------------------------------------------------------------

def add_json_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--json FILE``: also write ``what`` (the plan, the report) as JSON to FILE."""
    parser.add_argument("--json", metavar="FILE", default=None, help=f"also write {what} as JSON to FILE")


def layer_list(text: str) -> list[int]:
    """An argparse type: layer sizes separated by commas (``4,5,3``), at least two, all positive."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 4,5,3, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes like 4,5,3, got {text!r}")
    return sizes


def int_at_least(low: int, words: str):
    """An argparse type: an int >= ``low``, or 'expected a {words} integer, got ...'."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a {words} integer, got {text!r}")
        return value

    return parse


positive_int = int_at_least(1, "positive")
non_negative_int = int_at_least(0, "non-negative")


def network_options(parser: argparse.ArgumentParser, *, activation, loss, batch_help) -> None:
    """The options that describe a network, shared by ``plan`` and ``grad`` (with their own defaults)."""
    from reference_nets.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
    from reference_nets.layouts import LAYOUTS
    from reference_nets.losses import LOSSES, REDUCTIONS

    parser.add_argument("--layout", choices=LAYOUTS, default="rows")
    parser.add_argument("-n", "--batch-size", type=positive_int, default=None, help=batch_help)
    parser.add_argument("--no-bias", action="store_true", help="layers without bias")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default=activation, help="hidden activation (f)")
    parser.add_argument("--output", choices=OUTPUT_ACTIVATIONS, default=None,
                        help="output activation (g; default: the one the loss needs: bce -> sigmoid, "
                             "softmax-cross-entropy -> softmax, mse -> identity)")
    parser.add_argument("--loss", choices=LOSSES, default=loss,
                        help="default: the one the output needs (sigmoid -> bce, softmax -> softmax-cross-entropy, "
                             "others -> mse); with neither, a classifier (sigmoid + bce for one output, softmax + "
                             "softmax-cross-entropy for more)" if loss is None else None)
    parser.add_argument("--reduction", choices=REDUCTIONS, default=None)
