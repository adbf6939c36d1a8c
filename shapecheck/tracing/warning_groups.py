"""One cause, one warning: a rank-1 vector that is stretched on several lines is named once, where it is made.

A label vector left 1-d (``y`` (n,) next to ``A2`` (n, 1)) makes an ``outer-broadcast`` and a ``rank-1``
warning on every line that uses it: ten warnings for one missing ``.reshape(-1, 1)``. When the warnings of
two or more lines have the same rank-1 operand (the same name, assigned at the same line of the same
file, or an expression whose only name it is, ``1 - y``), they become one ``rank-1`` warning at the line
that made the vector, listing the lines (JSON: ``lines``, each ``{"file", "line", "kinds"}``). A vector
that is a function's parameter (its origin is in the caller) is not grouped: the tracer does not follow
values from a call to its arguments.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from shapecheck._arrays import format_shape
from shapecheck.tracing import origins

GROUPED = frozenset({"outer-broadcast", "rank-1"})


@dataclass(frozen=True)
class Group:
    """One rank-1 vector and the warned lines it caused."""

    file: str               # where the vector is made (the tracer's file name)
    line: int
    name: str
    shape: tuple            # (k,)
    other: tuple            # the 2-d shape it met first: (k, 1) or (1, k)
    members: tuple          # ((file, line, (kind, ...), expr, result shape), ...) in report order
    sites: frozenset        # the warned sites it replaces


def groups(tracer, by_site) -> list[Group]:
    """The causes shared by the warnings of two or more lines (``by_site``: site id -> records)."""
    causes: dict = {}
    for site_id, kind in tracer.warned:
        if kind not in GROUPED:
            continue
        site = tracer.registry.sites[site_id]
        cause = _cause(tracer, site, by_site.get(site_id, ()))
        if cause is not None:
            causes.setdefault(cause[0], []).append((site_id, kind, site, cause[1]))
    found = []
    for (file, line, name, shape), members in causes.items():
        if len({(site.file, site.line) for _, _, site, _ in members}) < 2:
            continue
        rows, seen = [], {}
        for site_id, kind, site, (other, result) in members:
            key = (site.file, site.line, site.expr)
            if key not in seen:
                seen[key] = len(rows)
                rows.append([site.file, site.line, [kind], site.expr, result, other])
            elif kind not in rows[seen[key]][2]:
                rows[seen[key]][2].append(kind)
        found.append(Group(file, line, name, shape, rows[0][5],
                           tuple((f, ln, tuple(k), e, r) for f, ln, k, e, r, _ in rows),
                           frozenset(site_id for site_id, _, _, _ in members)))
    return found


def message(group: Group, relative) -> str:
    """The group's one warning: the vector, where it is made, each line it was stretched at, the fix."""
    source_of = group.file
    reshape = "reshape(-1, 1)" if group.other[-1] == 1 else "reshape(1, -1)"
    lines = []
    for file, line, kinds, expr, result in group.members:
        where = f"line {line}" if file == source_of else f"{relative(file)}:{line}"
        made = f" gives {format_shape(result)}" if result is not None else ""
        lines.append(f"{where} `{expr}`{made}")
    places = len({(file, line) for file, line, *_ in group.members})
    operations = "" if places == len(group.members) else f"{len(group.members)} operations on "
    return (f"`{group.name}` is a rank-1 vector {format_shape(group.shape)}, made here; it meets "
            f"{format_shape(group.other)}-shaped arrays in {operations}{places} lines, which stretch it "
            f"({'; '.join(lines)}): one cause for these {sum(len(m[2]) for m in group.members)} warnings; keep it "
            f"2-d where it is made (`{group.name}.{reshape}`) so shapes say what they mean")


def _cause(tracer, site, records):
    """((file, origin line, name, (k,)), (the 2-d shape, the result)) of the rank-1 operand at a warned
    site, or None when it has no single name with an origin in its file."""
    source = tracer.registry.sources.get(site.file, "")
    for record in records:
        shapes = record.shapes
        if len(shapes) != 2 or any(s is None for s in shapes):
            continue
        for i in (0, 1):
            vector, other = shapes[i], shapes[1 - i]
            if len(vector) != 1 or vector[0] <= 1 or len(other) != 2 or 1 not in other or vector[0] not in other:
                continue
            name = _only_name(site.operands[i])
            origin = origins.find_origin(source, site.line, name) if name else None
            if origin is None or origin.element:
                continue
            return (site.file, origin.line, name, tuple(vector)), (tuple(other), record.result)
    return None


def _only_name(text: str) -> str | None:
    """``y`` for ``y``, ``1 - y``, ``(1 - y)``, ``self.y``: the one name or attribute chain in the
    expression (calls' callees aside), else None."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    names, callees = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callees.add(id(node.func))
            return None                 # np.log(1 - y): not the vector itself, transformed
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in callees:
            key = origins.operand_key(ast.unparse(node))
            if key is not None and not isinstance(getattr(node, "ctx", None), ast.Del):
                names.add(key[0])
    dotted = {n for n in names if not any(other != n and other.startswith(n + ".") for other in names)}
    return dotted.pop() if len(dotted) == 1 else None


def points_back(found: list, error: dict, source: str, file: str, relative) -> str:
    """The line added to a failure's explanation when an operand has the (k, k) shape a grouped rank-1
    vector of length k made: as a fact when the operand got its shape at one of the group's lines, else
    as a condition. '' when no group fits."""
    for group in found:
        k = group.shape[0]
        for operand in error.get("operands", ()):
            if operand.get("shape") != [k, k]:
                continue
            origin = origins.find_origin(source, error["line"], operand["expr"])
            at = f"{relative(group.file)}:{group.line}"
            member = origin is not None and not origin.element and any(
                f == file and line == origin.line for f, line, *_ in group.members)
            if member:
                return (f"\n  the cause is the warning at {at} [rank-1]: `{operand['expr']}` "
                        f"{format_shape((k, k))} got its shape at line {origin.line}, where the rank-1 "
                        f"`{group.name}` {format_shape(group.shape)} was stretched; make `{group.name}` 2-d "
                        f"where it is made first (a fix of this line alone would keep the wrong values)")
            return (f"\n  and this run was warned before, at {at} [rank-1]: `{operand['expr']}` is "
                    f"{format_shape((k, k))}, the shape the rank-1 `{group.name}` {format_shape(group.shape)} makes "
                    f"when stretched; if it was made from one of the lines listed there, make `{group.name}` 2-d "
                    "first")
    return ""
