"""Locating across calls, for code built from layer objects (issue 25, habit 5): one ``Layer.backward`` or
``update_params(layer)`` runs once per layer, so a line of it is *shared*. A shared line is named only when
it is wrong for every use of it; otherwise the mistake is where the value leaves the shared code: a later
line that holds it (an activation's ``backward`` that copies the error and never masks it), or the call
that hands it on where another quantity belongs (``dense1.backward(dense2.dinputs)``, the activation's
backward skipped).

A site's ``frames`` are ``((file, line), ...)``, its own first, up to the traced call (values.py).
"""

from __future__ import annotations

import numpy as np

from shapecheck.comparison import learner_source as source


def calls_of(site, sites) -> int:
    """How many times the function around ``site`` ran in the traced call, as its kept sites show: the most
    runs of one operation of it that no loop of the function repeats (1 when that is not known)."""
    function = source.function_at(site.file, site.line)
    if function is None:
        return 1
    counts = {}
    for s in sites:
        if s.file == site.file and function[0] <= s.line <= function[1] \
                and source.function_at(s.file, s.line) == function and not source.in_loop(s.file, s.line):
            counts[s.line, s.op, s.source] = counts.get((s.line, s.op, s.source), 0) + 1
    return max(counts.values(), default=1)


def shared_by_layers(site, sites) -> bool:
    """The operation of ``site`` ran on arrays of more than one shape, and no loop of its own function
    repeats it: its function serves several layers (one ``Layer.backward``), not one layer many times (a
    per-sample helper), and it is no layer loop."""
    return not source.in_loop(site.file, site.line) and len(
        {s.value.shape for s in sites if (s.file, s.line, s.op, s.source)
         == (site.file, site.line, site.op, site.source)}) > 1


def wrong_in_every_call(site, sites, holds) -> bool:
    """The operation of ``site`` holds a value of the mistake (``holds(value)``) in every call of its
    function: unshared code, or shared code wrong for each layer that uses it."""
    runs = [s for s in sites if (s.file, s.line, s.op, s.source) == (site.file, site.line, site.op, site.source)]
    wrong = sum(1 for s in runs if holds(s.value))
    if source.in_branch(site.file, site.line):    # runs in some calls only (the output layer's `dZ = dA`)
        return 0 < wrong == len(runs)
    return wrong >= calls_of(site, sites)


def handover(site, sites) -> bool:
    """``site`` only passes on a value made in a call: a ``return``, or a line that binds what the call on it
    returned (``dout = layer.backward(dout)``), the value the callee made on a line of its own."""
    if site.op == "return":
        return True
    return any(r.op == "return" and r.order < site.order and len(r.frames) > 1 and r.frames[1:] == site.frames
               and np.array_equal(r.value, site.value) for r in sites)


def handed_on(maker, consumer):
    """``(path, line, "argument", called)``: the call, in the function the two have in common, through which
    the value made at ``maker`` reaches ``consumer`` (a site of a later call that uses it), ``called`` the
    function that call enters. None when no such call is seen (the two share their frame, or a frame's
    place is not in a file of the learner's)."""
    made, used = list(reversed(maker.frames)), list(reversed(consumer.frames))
    for i, (m, u) in enumerate(zip(made, used)):
        if m == u:
            continue
        if m[0] != u[0] or source.function_at(*m) != source.function_at(*u) or i + 1 >= len(used):
            return None
        callee = source.function_at(*used[i + 1])
        if callee is None or not any(callee[2] == name.rsplit(".", 1)[-1] for name, _ in source.calls_on(*u)):
            return None
        return u[0], u[1], "argument", callee[2]
    return None
