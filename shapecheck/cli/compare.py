"""``shapecheck compare FILE.py:FACTORY``: compare a learner's backprop with the reference and name the bug."""

from __future__ import annotations

from typing import TextIO

from shapecheck.cli.colour import painted
from shapecheck.cli.common import add_json_option, exit_code, write_json

NAME = "compare"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        NAME, help="compare a learner's backprop with the reference and name the bug",
        description="FILE.py:FACTORY names a function returning the keyword arguments of shapecheck.compare "
                    "as a dict (X, Y, params, gradients or step, activation, output, loss, ...). Exit code 0 "
                    "when the gradients match the reference, 1 when they do not, 2 for usage errors.",
    )
    parser.add_argument("target", metavar="FILE.py:FACTORY")
    add_json_option(parser, "the report")


def run(args, out: TextIO) -> int:
    """Load the factory's arguments, compare, print the report; EXIT_OK on a match, EXIT_FAILED if not."""
    from shapecheck.comparison.api import compare
    from shapecheck.comparison.factory import load_factory

    report = compare(**load_factory(args.target))
    print(painted(report, out), file=out)
    if args.json:
        write_json(args.json, report.to_dict())
    return exit_code(report.ok)
