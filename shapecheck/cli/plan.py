"""``shapecheck plan SIZE...``: every forward and backward quantity of an MLP with its equation and shape."""

from __future__ import annotations

import sys
from typing import TextIO

from shapecheck.cli.common import EXIT_OK, add_json_option, network_options, positive_int, write_json
from shapecheck.errors import ConfigurationError

NAME = "plan"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        NAME, help="every forward and backward quantity of an MLP with its shape",
        description="Print every forward and backward quantity (Z1, A1, ..., dZ, dW, db) of an MLP with its "
                    "equation, symbolic shape and numeric shape. Example: shapecheck plan 2 3 3 1 --layout rows -n 4",
    )
    parser.add_argument("sizes", nargs="+", type=positive_int, metavar="SIZE",
                        help="layer sizes: d h1 [h2 ...] t")
    network_options(parser, activation=None, loss=None, batch_help="number of samples n")
    add_json_option(parser, "the plan")
    parser.add_argument("--html", metavar="FILE", default=None,
                        help="also write one self-contained HTML page to FILE: every quantity drawn as a box sized by "
                             "its shape, forward in layer order and backward")


def run(args, out: TextIO) -> int:
    """Print the plan the arguments describe (and write its JSON); EXIT_OK."""
    from reference_nets.plan import shape_plan

    if len(args.sizes) < 2:
        raise ConfigurationError(f"plan needs at least two layer sizes (d t), got {args.sizes}", name="sizes",
                                 expected="at least two sizes: d t", got=args.sizes)
    if args.html:
        from shapecheck.pictures.page import check_path

        check_path(args.html)
    plan = shape_plan(args.sizes, layout=args.layout, batch_size=args.batch_size, bias=not args.no_bias,
                      activation=args.activation, output=args.output, loss=args.loss, reduction=args.reduction)
    print(plan, file=out)
    if args.json:
        write_json(args.json, plan.to_dict())
    if args.html:
        from shapecheck.pictures.plan_view import write_plan_page

        write_plan_page(args.html, plan)
        print(f"picture: {args.html}", file=sys.stderr)
    return EXIT_OK
