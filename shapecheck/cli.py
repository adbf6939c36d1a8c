"""The ``shapecheck`` command: ``demo`` and ``plan`` (more subcommands arrive with each capability).

Errors in the user's input end with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from shapecheck.errors import ShapecheckError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shapecheck",
        description="Shape plans, gradient checks and verified reference MLPs for hand-written numpy backprop.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.add_parser("demo", help="a tour of what shapecheck does, on the XOR network")

    plan = commands.add_parser(
        "plan", help="every forward and backward quantity of an MLP with its shape",
        description="Print every forward and backward quantity (Z1, A1, ..., dZ, dW, db) of an MLP with its "
                    "equation, symbolic shape and numeric shape. Example: shapecheck plan 2 3 3 1 --layout rows -n 4",
    )
    plan.add_argument("sizes", nargs="+", type=_positive_int, metavar="SIZE",
                      help="layer sizes: d h1 [h2 ...] t")
    _network_options(plan, activation=None, loss=None, batch_help="number of samples n")
    plan.add_argument("--json", metavar="FILE", default=None, help="also write the plan as JSON to FILE")

    grad = commands.add_parser(
        "grad", help="check a reference network's gradients against finite differences",
        description="Build a reference MLP, draw random data, and check its analytic gradients against finite "
                    "differences: a self-test of the checker and a demonstration of its report. "
                    "Example: shapecheck grad --layers 4,5,3 --activation tanh --loss mse --layout columns",
    )
    grad.add_argument("--layers", required=True, type=_layer_list, metavar="D,H,...,T",
                      help="layer sizes separated by commas, e.g. 4,5,3")
    _network_options(grad, activation="tanh", loss="mse",
                     batch_help="number of random samples (default: a size different from every layer width)")
    grad.add_argument("--mode", choices=("full", "sample", "fast"), default="full")
    grad.add_argument("--method", choices=("central", "forward", "richardson", "complex"), default="central")
    grad.add_argument("--samples", type=_positive_int, default=None, help="entries per tensor in sample mode")
    grad.add_argument("--seed", type=_non_negative_int, default=0)
    grad.add_argument("--plant", metavar="NAME[I,J]", default=None,
                      help="add an error to one analytic entry (e.g. W2[1,0]) to see what a failure looks like")
    grad.add_argument("--json", metavar="FILE", default=None, help="also write the report as JSON to FILE")

    compare = commands.add_parser(
        "compare", help="compare a learner's backprop with the reference and name the bug",
        description="FILE.py:FACTORY names a function returning the keyword arguments of shapecheck.compare "
                    "as a dict (X, Y, params, gradients or step, activation, output, loss, ...). Exit code 0 "
                    "when the gradients match the reference, 1 when they do not, 2 for usage errors.",
    )
    compare.add_argument("target", metavar="FILE.py:FACTORY")
    compare.add_argument("--json", metavar="FILE", default=None, help="also write the report as JSON to FILE")

    trace = commands.add_parser(
        "trace", help="run a script and report every matrix product, broadcast and shape error",
        description="Run an unmodified script (or MODULE:FUNCTION, FILE.py:FUNCTION) with every array "
                    "operation recorded. The script's own output appears as usual; the report follows on "
                    "stderr. The exit code is the script's (1 if it raised); with --strict, 2 when there are "
                    "warnings. Everything after SCRIPT goes to the script's sys.argv, as with python, so "
                    "shapecheck's own options go before SCRIPT. For a FUNCTION, each ARG that is a Python "
                    "literal (3, 0.5, True, None, [7, 5, 3], 'text') is passed as that value, any other as a "
                    "string, and NAME=VALUE (NAME a parameter of the function) by keyword.",
    )
    for flags, options in _TRACE_OPTIONS:
        trace.add_argument(*flags, **options)
    trace.add_argument("script", metavar="SCRIPT", help="a .py file, or MODULE:FUNCTION, or FILE.py:FUNCTION")
    trace.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                       help="arguments for the script (its sys.argv) or the function")
    return parser


#: ``shapecheck trace``'s own options (after the script they go to the script: the report says so).
_TRACE_OPTIONS = (
    (("--all",), dict(action="store_true", help="list every elementwise operation too")),
    (("--json",), dict(metavar="FILE", default=None, help="also write the report as JSON to FILE")),
    (("--strict",), dict(action="store_true", help="exit 2 when there are warnings (for CI)")),
)


def _network_options(parser, *, activation, loss, batch_help) -> None:
    """The options that describe a network, shared by ``plan`` and ``grad`` (with their own defaults)."""
    from reference_nets.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
    from reference_nets.layouts import LAYOUTS
    from reference_nets.losses import LOSSES, REDUCTIONS

    parser.add_argument("--layout", choices=LAYOUTS, default="rows")
    parser.add_argument("-n", "--batch-size", type=_positive_int, default=None, help=batch_help)
    parser.add_argument("--no-bias", action="store_true", help="layers without bias")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default=activation, help="hidden activation (f)")
    parser.add_argument("--output", choices=OUTPUT_ACTIVATIONS, default=None,
                        help="output activation (g; default: the one the loss needs, else identity)")
    parser.add_argument("--loss", choices=LOSSES, default=loss)
    parser.add_argument("--reduction", choices=REDUCTIONS, default=None)


def _layer_list(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 4,5,3, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes like 4,5,3, got {text!r}")
    return sizes


def _int_at_least(low: int, words: str):
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


_positive_int = _int_at_least(1, "positive")
_non_negative_int = _int_at_least(0, "non-negative")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a failed check, 2 a usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from shapecheck.demo import run_demo

            return run_demo(sys.stdout)
        if args.command == "plan":
            return _plan(args)
        if args.command == "grad":
            from shapecheck.grad_command import run_grad

            return run_grad(args, sys.stdout)
        if args.command == "trace":
            return _trace(args)
        if args.command == "compare":
            return _compare(args)
    except ShapecheckError as exc:
        return _report_error(args.command, exc)
    except BrokenPipeError:  # `shapecheck demo | head`: the reader left; stop quietly like other tools
        _silence_stdout()
        return 0
    except OSError as exc:
        print(f"shapecheck {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2
    parser.error(f"unknown command {args.command!r}")
    return 2


def _report_error(command: str, exc: ShapecheckError) -> int:
    """One line for a usage error; the learner's traceback first when their own code failed (exit 1)."""
    from shapecheck.comparison.factory import LearnerCodeError

    if isinstance(exc, LearnerCodeError) and exc.__cause__ is not None:
        from shapecheck.tracing.runner import format_learner_traceback

        sys.stderr.write(format_learner_traceback(exc.__cause__))
        print(f"shapecheck {command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"shapecheck {command}: error: {exc}", file=sys.stderr)
    return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _trace(args) -> int:
    import os

    from shapecheck.tracing.runner import trace_function_target, trace_script

    target = args.script
    is_function = ":" in target and not os.path.isfile(target)
    misplaced = _options_after_script(args, is_function)
    try:
        if is_function:
            report = trace_function_target(target, args.args, show_all=args.all)
        else:
            report = trace_script(target, args.args, show_all=args.all)
    except ShapecheckError as exc:
        code = _report_error(args.command, exc)
        if misplaced:
            print(f"note: {misplaced['message']}", file=sys.stderr)
        return code
    if misplaced:
        report = report.with_note(misplaced)
    sys.stdout.flush()
    print(report.render(show_all=args.all), file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report.to_dict(), handle, indent=2)
    if report.exit_code == 0 and report.internal_errors:
        from shapecheck.tracing.faults import EXIT_INTERNAL

        return EXIT_INTERNAL            # the program ran, but shapecheck could not trace all of it
    if args.strict and report.warnings and report.exit_code == 0:
        return 2
    return report.exit_code


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
    return words + (["--strict"] if args.strict else [])


def _compare(args) -> int:
    from shapecheck.comparison.api import compare
    from shapecheck.comparison.factory import load_factory

    report = compare(**load_factory(args.target))
    print(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report.to_dict(), handle, indent=2)
    return 0 if report.ok else 1


def _plan(args) -> int:
    from reference_nets.plan import shape_plan

    if len(args.sizes) < 2:
        raise ShapecheckError(f"plan needs at least two layer sizes (d t), got {args.sizes}")
    plan = shape_plan(args.sizes, layout=args.layout, batch_size=args.batch_size, bias=not args.no_bias,
                      activation=args.activation, output=args.output, loss=args.loss, reduction=args.reduction)
    print(plan)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(plan.to_dict(), handle, indent=2)
    return 0
