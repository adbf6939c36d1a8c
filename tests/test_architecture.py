"""The structure stays easy to see: dependencies flow one way (shapecheck -> reference_nets -> numpy), no
module imports itself back through others, and no module is too long to read in one sitting.

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import``, at module
level or inside a function (a lazy import is still a dependency), of a module of either package.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shapecheck", "reference_nets")
#: lines; the longest module should still read in one sitting
LONGEST_MODULE = 500


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of both packages (a package is its __init__)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict) -> set[str]:
    """The modules of ``known`` that module ``name`` (in file ``path``) imports."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:          # relative: from the package (or the module's package) upwards
                anchor = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_reference_nets_imports_nothing_from_shapecheck():
    graph = import_graph()
    upward = sorted(f"{a} imports {b}" for a, targets in graph.items() if a.startswith("reference_nets")
                    for b in targets if b.startswith("shapecheck"))
    assert not upward, "reference_nets must stand alone:\n" + "\n".join(upward)


def test_no_module_imports_itself_back_through_others():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    """The test above could not fail if cycles() never found one."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_resolves_relative_and_lazy_imports(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from .sibling import thing\n    import pkg.other\n")
    known = {"pkg": None, "pkg.mod": source, "pkg.sibling": None, "pkg.other": None}
    assert imported("pkg.mod", source, known) == {"pkg.sibling", "pkg.other"}


def test_every_module_reads_in_one_sitting():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE}
    assert not long, f"modules over {LONGEST_MODULE} lines: {long}"
