"""``shapecheck grad --layers D,H,...,T``: check a reference network's gradients, optionally with a planted error."""

from __future__ import annotations

import re
from typing import TextIO

import numpy as np

from shapecheck.cli.colour import painted
from shapecheck.cli.common import (
    add_json_option,
    exit_code,
    layer_list,
    network_options,
    non_negative_int,
    positive_int,
    write_json,
)
from shapecheck.errors import ConfigurationError

NAME = "grad"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        NAME, help="check a reference network's gradients against finite differences",
        description="Build a reference MLP, draw random data, and check its analytic gradients against finite "
                    "differences: a self-test of the checker and a demonstration of its report. "
                    "Example: shapecheck grad --layers 4,5,3 --activation tanh --loss mse --layout columns",
    )
    parser.add_argument("--layers", required=True, type=layer_list, metavar="D,H,...,T",
                        help="layer sizes separated by commas, e.g. 4,5,3")
    network_options(parser, activation="tanh", loss=None,
                    batch_help="number of random samples (default: a size different from every layer width)")
    parser.add_argument("--mode", choices=("full", "sample", "fast"), default="full")
    parser.add_argument("--method", choices=("central", "forward", "richardson", "complex"), default="central")
    parser.add_argument("--samples", type=positive_int, default=None, help="entries per tensor in sample mode")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--plant", metavar="NAME[I,J]", default=None,
                        help="add an error to one analytic entry (e.g. W2[1,0]) to see what a failure looks like")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (one is drawn on a terminal when a full check takes over 2 s)")
    add_json_option(parser, "the report")


def run(args, out: TextIO) -> int:
    """Build the network and data the arguments describe, check, print; EXIT_OK when OK, EXIT_FAILED if not."""
    from reference_nets import MLP, get_layout
    from reference_nets.losses import output_and_loss
    from reference_nets.params import refuse_batch_beyond_memory
    from shapecheck.gradcheck import check_gradients, check_network

    output, loss = output_and_loss(args.output, args.loss, args.layers[-1])
    net = MLP(args.layers, activation=args.activation, output=output, loss=loss, reduction=args.reduction,
              layout=args.layout, bias=not args.no_bias, seed=args.seed)
    n = args.batch_size or _distinct_batch_size(args.layers)
    refuse_batch_beyond_memory(args.layers, n)
    X, Y = _random_data(np.random.default_rng(args.seed), args.layers, n, loss)
    layout = get_layout(args.layout)
    X, Y = layout.from_rows(X), layout.from_rows(Y)
    options = dict(mode=args.mode, method=args.method, samples=args.samples, seed=args.seed,
                   progress=False if args.no_progress else None)
    planted = _parse_plant(args.plant, net.param_shapes) if args.plant else None
    print(f"{net}\nX {X.shape}, Y {Y.shape}: {n} random samples", file=out)
    if planted:
        name, index = planted
        grads = net.gradients(X, Y)
        grads[name][index] += 1e-3 * max(1.0, abs(grads[name][index]))
        print(f"planted: {name}{list(index)} of the analytic gradient moved by "
              f"{1e-3 * max(1.0, abs(grads[name][index])):.3g}", file=out)
        report = check_gradients(lambda _p: net.loss(X, Y), net.params, grads, **options)
    else:
        report = check_network(net, X, Y, **options)
    print(painted(report, out), file=out)
    if args.json:
        write_json(args.json, report.to_dict())
    return exit_code(report.ok)


def _distinct_batch_size(sizes) -> int:
    """7, or the next number that equals no layer width (so no shape coincides by accident)."""
    n = 7
    while n in sizes:
        n += 1
    return n


def _random_data(rng, sizes, n, loss):
    d, t = sizes[0], sizes[-1]
    X = rng.normal(size=(n, d))
    if loss == "softmax-cross-entropy":
        Y = np.eye(t)[rng.integers(0, t, size=n)]
    elif loss == "bce":
        Y = (rng.random((n, t)) > 0.5).astype(float)
    else:
        Y = rng.normal(size=(n, t))
    return X, Y


def _parse_plant(text: str, shapes: dict) -> tuple[str, tuple]:
    match = re.fullmatch(r"\s*([Wb]\d+)\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]\s*", text)
    if not match or match.group(1) not in shapes:
        raise ConfigurationError(f"--plant takes a parameter and an index like W2[1,0]; parameters: "
                                 f"{', '.join(f'{k} {v}' for k, v in shapes.items())}; got {text!r}",
                                 name="plant", expected="NAME[I,J]", got=text)
    name, index = match.group(1), (int(match.group(2)), int(match.group(3)))
    if any(i >= s for i, s in zip(index, shapes[name])):
        raise ConfigurationError(f"--plant index {list(index)} is outside {name}, whose shape is {shapes[name]}",
                                 name="plant", expected=shapes[name], got=index)
    return name, index
