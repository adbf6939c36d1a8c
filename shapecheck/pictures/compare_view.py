"""compare's located lines beside the equation of ``shapecheck plan`` each should match.

A location names the plan's quantity its line computes (``dZ1``; ``prime1``, the hidden derivative, is part
of ``dZ1``'s equation); the plan for the report's sizes and layout gives that quantity's equation and
shapes, in the learner's activation's names when the report says which it inferred.
"""

from __future__ import annotations

import re
from html import escape

from reference_nets.plan import shape_plan


def located_html(report) -> str:
    """A table, one row per located line of the best diagnosis: the learner's line | the plan's equation |
    its symbolic and numeric shape ('' when no line was located or the plan has no such quantity)."""
    locations = report.diagnoses[0].locations if report.diagnoses else ()
    if not locations:
        return ""
    plan = _plan(report)
    rows = []
    for location in locations:
        step = _step(plan, location.quantity, len(report.sizes) - 1)
        if step is None:
            continue
        symbolic = "(" + ", ".join(map(str, step.symbolic)) + ")"
        numeric = "(" + ", ".join(map(str, step.shape)) + ")"
        place = f"{location.path.replace(chr(92), '/').rsplit('/', 1)[-1]}:{location.line}"
        rows.append(f"<tr><td><code>{escape(place)}</code><br>"
                    f"<code class='sc-your-line'>{escape(location.source)}</code></td>"
                    f"<td><code>{escape(step.line())}</code></td><td>{escape(symbolic)} = {escape(numeric)}</td></tr>")
    if not rows:
        return ""
    return ("<table class='sc-beside' style='margin: 0.6em 0 1em 0'><thead><tr><th>your line</th>"
            "<th>the plan's equation it should match "
            f"(shapecheck plan {' '.join(map(str, report.sizes))} --layout {escape(report.layout)})</th>"
            f"<th>shape</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _plan(report):
    """The plan of the report's network, with its inferred hidden and output activations when it names them."""
    said = " ".join(what for aspect, what, _ in report.conventions if aspect == "functions")
    found = re.match(r"(\w+) hidden, (\w+) output", said)
    if found:
        try:
            return shape_plan(list(report.sizes), layout=report.layout, activation=found[1], output=found[2])
        except Exception:  # noqa: BLE001 - a name the plan does not know: the generic f and g then
            pass
    return shape_plan(list(report.sizes), layout=report.layout)


def _step(plan, quantity: str, layers: int):
    """The plan's step for compare's quantity name, or None."""
    named = {"error": f"dZ{layers}", "sent_back": f"dA{layers - 1}"}
    name = named.get(quantity) or re.sub(r"^prime(\d+)$", r"dZ\1", quantity)
    sent = re.match(r"^W(\d+) sent back through$", quantity)
    if sent:
        name = f"dA{int(sent[1]) - 1}"
    try:
        return plan[name]
    except KeyError:
        return None
