"""An outside reader of compare's reports, independent of shapecheck/comparison/audit.py: does a report
contradict itself, and does it state as fact a cause that is not in the learner's code?

It reads only what a learner reads (``report.to_dict()``) and what the test knows of the learner's code
(``present``: the operations the code really makes, as ``("divides", k)`` / ``("multiplies", k)``). Used by
tests/shapecheck/test_compare_claims.py and benchmarks/compare_claims.py (which also runs it on the code
before the audit existed, so its phrases cover the old wording too).
"""

from __future__ import annotations

import re

OWN_LOSS_DISAGREES = "your gradients do not match finite differences of your own loss_fn"
OWN_LOSS_AGREES = "your gradients agree with finite differences of your own loss_fn"
#: An agreement only up to what a stability constant in the loss_fn's logs moves: a smaller mistake is not seen.
LOOSELY = "up to what the small constant in its logs moves"
UNRECOGNISED = "match none of the losses"

#: Causes stated as fact, old and new wording: (pattern, the operation it says the code makes).
FACTS = [
    (r"you divide by d = (\d+)", "divides"),
    (r"line \d+ divides by (\d+)", "divides"),
    (r"\(2: a squared error without the 1/2", "multiplies 2"),
    (r"line \d+ multiplies by (2)\b", "multiplies"),
    (r"\(1/2: a 1/2 too many\)", "multiplies 0.5"),
    (r"line \d+ multiplies by 1/2", "multiplies 0.5"),
    (r"\(1/t = 1/(\d+): a mean over the", "divides"),
]


def contradictions(report: dict) -> list:
    """The ways ``report`` (a ``to_dict()``) contradicts itself, in words (empty: none)."""
    found = []
    notes = report["notes"]
    first = report["diagnoses"][0]
    sources = {c["aspect"]: c["source"] for c in report["conventions"]}
    from_loss_fn = sources.get("functions") == "read from your loss_fn's values"
    if report["verdict"] == "match" and any(n.startswith(OWN_LOSS_DISAGREES) for n in notes):
        found.append("MATCH above a note that the gradients are not those of the learner's own loss_fn")
    if report["verdict"] == "match" and any(r["status"] != "ok" for r in report["rows"]):
        found.append("MATCH above a MISMATCH row")
    if from_loss_fn and any(UNRECOGNISED in n for n in notes):
        found.append("conventions read from the loss_fn above a note that its values match no known loss")
    exactly = [n for n in notes if n.startswith(OWN_LOSS_AGREES) and LOOSELY not in n]
    if (report["verdict"] == "mismatch" and from_loss_fn and exactly
            and first["bug"] != "unknown" and not {"loss-mismatch", "l2-mismatch"} & set(first["bugs"])
            and not first["message"].startswith("possibly")):
        found.append("a mistake stated as fact while the gradients are those of the loss_fn it was read from")
    where = re.search(r"the mismatch starts at layer (\d+)", first["message"])
    if where:
        layer = where.group(1)
        if all(r["status"] == "ok" for r in report["rows"] if r["reference"][1:] == layer):
            found.append(f"the mismatch said to start at layer {layer}, whose rows agree")
    return found


def absent_causes(report: dict, present) -> list:
    """The causes ``report``'s first diagnosis states as fact that are not among ``present`` (the operations the
    learner's code makes: ``("divides", k)``, ``("multiplies", k)``)."""
    message = report["diagnoses"][0]["message"]
    found = []
    for pattern, kind in FACTS:
        for match in re.finditer(pattern, message):
            operation = (kind, float(match.group(1))) if " " not in kind else (kind.split()[0], float(kind.split()[1]))
            if not any(_same_scaling(operation, (op, float(k))) for op, k in present):
                found.append(match.group(0))
    return found


def _same_scaling(stated, made) -> bool:
    """A division by k scales as a product by 1/k: ``dZ2 * (2 / t)`` with t = 4 does divide by 2."""
    def factor(operation):
        kind, k = operation
        return 1.0 / k if kind == "divides" else k
    return abs(factor(stated) - factor(made)) < 1e-9 * max(1.0, abs(factor(made)))


def zoo_present(bug, style, n, t) -> set:
    """The operations of tests/shapecheck/learner_zoo.py's step that a cause may name."""
    present = {("multiplies", 2 / t)} if style == "mean-all" else set()
    if bug != "missing-mean" and style != "sum":
        present.add(("divides", n))
    if bug == "wrong-scale":
        present.add(("multiplies", 2))
    if bug == "stray-hidden-factor":
        present.add(("multiplies", 0.5))
    return present
