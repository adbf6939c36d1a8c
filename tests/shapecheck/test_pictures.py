"""The pictures (shapecheck.pictures): boxes sized by their shapes, the failing operation's marks, the pages
of the seeds' failures and of a two-hidden-layer plan, and the surfaces that write or show them. The
rendering in a real browser is tests/shapecheck/test_pictures_browser.py."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from reference_nets.plan import shape_plan as reference_plan
from shapecheck.errors import ConfigurationError
from shapecheck.pictures import agreement
from shapecheck.pictures.boxes import BAR, DOT, LONGEST, SHORTEST, Scale, array_body, body_size
from shapecheck.pictures.known_shapes import normal, shape_of
from shapecheck.pictures.page import check_path
from shapecheck.pictures.plan_view import plan_html, shape_plan
from shapecheck.pictures.trace_view import trace_html
from shapecheck.tracing.runner import trace_script

SEEDS = Path(__file__).resolve().parent / "picture_seeds"

sizes = st.lists(st.integers(1, 5000), min_size=1, max_size=8)


def _attributes(svg: str, tag: str) -> list:
    """The attributes of every ``tag`` element carrying ``data-shape``, as dicts."""
    found = re.findall(rf"<{tag} ([^>]*data-shape=[^>]*?)/?>", svg)
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', attributes)) for attributes in found]


# -- boxes -------------------------------------------------------------------------------------------------

@settings(deadline=None)          # no test depends on time: a loaded machine is not a failure
@given(sizes)
def test_sides_grow_strictly_with_the_size_within_one_drawing(drawn):
    """One scale per drawing: a larger size is always a longer side, and every side is within bounds."""
    scale = Scale.for_sizes(drawn)
    ordered = sorted(set(drawn))
    sides = [scale.side(s) for s in ordered]
    assert all(a < b for a, b in zip(sides, sides[1:]))
    assert all(SHORTEST - 1e-9 <= side <= LONGEST + 1e-9 for side in sides)


@settings(deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=6, unique=True))
def test_sizes_within_a_small_ratio_are_drawn_in_proportion(drawn):
    """Sizes within 8x of each other keep their ratios (a 6 is drawn twice a 3); beyond that, the log scale."""
    scale = Scale.for_sizes(drawn)
    if max(drawn) <= 8 * min(drawn) and not scale.logarithmic:
        low, high = min(drawn), max(drawn)
        assert scale.side(high) / scale.side(low) == pytest.approx(high / low)
    if max(drawn) > 8 * min(drawn):
        assert scale.logarithmic


@settings(deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(1, 300), st.integers(1, 300))
def test_drawn_box_sides_are_monotone_in_the_shape(rows_a, cols_a, rows_b, cols_b):
    """Two matrices drawn to one scale: the one with more columns is wider, more rows taller, equal equal."""
    scale = Scale.for_sizes([rows_a, cols_a, rows_b, cols_b])
    (wa, ha), (wb, hb) = body_size((rows_a, cols_a), scale), body_size((rows_b, cols_b), scale)
    assert (wa < wb) == (cols_a < cols_b) and (wa == wb) == (cols_a == cols_b)
    assert (ha < hb) == (rows_a < rows_b) and (ha == hb) == (rows_a == rows_b)


@settings(deadline=None)
@given(st.integers(1, 500))
def test_rank_one_is_a_bar_and_a_scalar_a_dot(k):
    """A (k,) vector is a bar as long as a k-column box is wide; () is a circle; both say their shape."""
    scale = Scale.for_sizes([k, 3])
    bar = _attributes(array_body(0, 0, (k,), scale), "rect")[0]
    assert "sc-bar" in bar["class"] and float(bar["height"]) == BAR and bar["data-shape"] == str(k)
    assert float(bar["width"]) == pytest.approx(round(body_size((3, k), scale)[0], 1))
    dot = _attributes(array_body(0, 0, (), scale), "circle")[0]
    assert float(dot["r"]) == DOT and dot["data-shape"] == "" and dot["data-rank"] == "0"


def test_a_negative_size_is_refused_with_the_value():
    with pytest.raises(ConfigurationError, match="got -3"):
        Scale.for_sizes([3]).side(-3)


def test_rank_three_is_its_last_two_axes_with_a_stack_behind():
    svg = array_body(0, 0, (5, 7, 3), Scale.for_sizes([5, 7, 3]))
    front = _attributes(svg, "rect")[0]
    assert front["data-shape"] == "5,7,3" and svg.count("sc-stack") == 1


# -- which axes agree --------------------------------------------------------------------------------------

def test_broadcast_marks_each_axis_from_the_right():
    """(4, 3) - (2, 4): both axes conflict; (7, 2) * (7, 3): rows agree, columns conflict; a 1 stretches."""
    assert agreement.marks("broadcast", [(4, 3), (2, 4)]) == [{-1: "conflict", -2: "conflict"}] * 2
    assert agreement.marks("broadcast", [(7, 2), (7, 3)])[0] == {-1: "conflict", -2: "agree"}
    assert agreement.marks("broadcast", [(5, 1), (5, 3)])[1] == {-1: "agree", -2: "agree"}
    assert "axis -1: 3 vs 4" in "\n".join(agreement.rule_lines("broadcast", [(4, 3), (2, 4)]))


def test_matmul_marks_the_inner_sizes():
    assert agreement.marks("matmul", [(7, 2), (3, 5)]) == [{-1: "conflict"}, {-2: "conflict"}]
    assert agreement.marks("matmul", [(7, 3), (3,)]) == [{-1: "agree"}, {-1: "agree"}]


def test_a_fix_is_drawn_with_shapes_worked_out_from_the_run():
    known = {"dZ2": (7, 2), "self.W2": (3, 2)}
    assert shape_of(ast.parse("dZ2 @ self.W2.T", mode="eval").body, known) == (7, 3)
    assert shape_of(ast.parse("dZ2 @ self.W2", mode="eval").body, known) is None       # does not fit: not guessed
    assert normal("np.dot(a , b)") == "np.dot(a, b)"


# -- the seeds' pages --------------------------------------------------------------------------------------

def _traced(name: str):
    return trace_script(str(SEEDS / name), stderr=io.StringIO())


@pytest.mark.parametrize("name, kind, conflicts", [
    ("s000a_first.py", "broadcast", {("A1_sig.T", -1), ("A1_sig.T", -2), ("error1", -1), ("error1", -2)}),
    ("s000b_update.py", "broadcast", {("error1.T", -1), ("A1_sig", -1)}),
    ("s001_xor_class.py", "ragged", {("activations[2]", -2)}),
], ids=["(4,3)-(2,4)", "update (2,3)-(2,2)", "ragged np.array"])
def test_each_seed_failure_is_drawn_with_its_conflicting_axes_marked(name, kind, conflicts):
    """The failing operation's operands, each edge that conflicts marked (and crossed), and the run's strip."""
    report = _traced(name)
    html = trace_html(report)
    failing = html.split("class='sc-failing'", 1)[1].split("</figure>", 1)[0]
    assert f"data-kind='{kind}'" in failing and "\u2717 no result" in failing
    operands = re.findall(r"<g class=\"sc-operand\">(.*?)</g>", failing)
    marked = set()
    for group in operands:
        label = re.search(r'class="sc-expr"[^>]*>([^<]*)<', group)[1]
        marked |= {(label, int(axis)) for axis in re.findall(r'class="sc-mark-conflict" data-axis="(-\d)"', group)}
    assert marked == conflicts
    assert "the operations this run recorded, in the order they first ran" in html
    assert "data-state=\"failed\"" in html


def test_the_strip_follows_the_order_the_run_took(tmp_path):
    """The demo's script: the products at lines 9 and 10, the warned line 20, then the failure at line 14."""
    from shapecheck.cli.demo import LEARNER_SCRIPT

    (tmp_path / "learner.py").write_text(LEARNER_SCRIPT)
    report = trace_script(str(tmp_path / "learner.py"), stderr=io.StringIO())
    names = re.findall(r'class="sc-cell" data-name="([^"]+)"(?: data-state="(\w+)")?', trace_html(report))
    assert [name.split()[0] for name, _ in names] == ["learner.py:9", "learner.py:10", "learner.py:20", "learner.py:14"]
    assert [state for _, state in names] == ["", "", "warned", "failed"]
    assert "(dZ2 @ self.W2.T) * (1 - self.A1 ** 2)</code> gives (7, 3)" in trace_html(report)


def test_a_two_hidden_layer_plan_is_drawn_in_layer_order():
    plan = shape_plan([5, 4, 3, 2], layout="columns", batch_size=7, activation="tanh", loss="mse")
    html = plan_html(plan)
    forward, backward = html.split("data-phase='backward'")
    assert re.findall(r'data-name="(\w+)"', forward) == ["X", "W1", "b1", "Z1", "A1", "W2", "b2", "Z2", "A2",
                                                         "W3", "b3", "Z3", "A3", "Y"]
    assert re.findall(r'data-name="(\w+)"', backward)[:4] == ["dZ3", "dW3", "db3", "dA2"]
    assert "(h1, d) = (4, 5)" in forward and "= dZ1 @ X.T" in backward


def test_a_plan_without_n_is_drawn_with_an_n_unlike_every_size_and_says_so():
    html = plan_html(shape_plan([2, 3, 4]))
    assert "n was not given: drawn with n = 5" in html


# -- surfaces ----------------------------------------------------------------------------------------------

def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "shapecheck", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_trace_html_writes_one_self_contained_page(tmp_path):
    page = tmp_path / "seed.html"
    result = _cli("trace", "--html", str(page), str(SEEDS / "s000a_first.py"), cwd=tmp_path)
    assert result.returncode == 1 and f"picture: {page}" in result.stderr
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "prefers-color-scheme: dark" in text and "<svg" in text


def test_trace_html_into_a_missing_folder_is_one_line_and_the_script_does_not_run(tmp_path):
    page = tmp_path / "missing" / "seed.html"
    result = _cli("trace", "--html", str(page), str(SEEDS / "s000a_first.py"), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""         # the seed prints when it runs: it did not
    assert f"the folder {tmp_path / 'missing'} does not exist" in result.stderr and "Traceback" not in result.stderr


def test_plan_html_into_a_folder_path_is_refused_with_the_value(tmp_path):
    result = _cli("plan", "2", "3", "1", "--html", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "is a folder" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(ConfigurationError, match="does not exist"):
        check_path(str(tmp_path / "a" / "b.html"))


def test_plan_html_writes_the_page_and_says_where(tmp_path):
    page = tmp_path / "plan.html"
    result = _cli("plan", "2", "4", "3", "1", "-n", "5", "--html", str(page), cwd=tmp_path)
    assert result.returncode == 0 and f"picture: {page}" in result.stderr
    assert page.read_text().count('class="sc-cell"') == 14 + 11


def test_jupyter_html_of_a_trace_and_a_plan_carries_the_drawings():
    report = _traced("s000b_update.py")
    assert "<svg" in report._repr_html_() and "sc-pictures" in report._repr_html_()
    plan = shapecheck.shape_plan([2, 4, 3, 1], batch_size=5)
    assert isinstance(plan, shapecheck.PicturedPlan) and "<svg" in plan._repr_html_()
    assert str(plan) == str(reference_plan([2, 4, 3, 1], batch_size=5))          # the same plan, drawn too


def test_compare_html_puts_the_located_line_beside_the_plans_equation(tmp_path):
    import numpy as np

    from reference_nets import MLP
    from shapecheck.cli import demo

    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=0)
    learner = demo._import_file(demo._write(str(tmp_path), "compare", demo.COMPARE_LEARNER))
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 2)), (rng.random(size=(5, 1)) > 0.5).astype(float)
    params = {name: value.copy() for name, value in net.params.items()}
    html = shapecheck.compare(X, Y, params=params, gradients=learner.backprop(params, True))._repr_html_()
    row = html.split("class='sc-beside'", 1)[1]
    assert "dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)" in row and "dZ1 = dA1 * sigmoid_prime(Z1)" in row


def test_a_log_scale_is_said_where_it_is_used():
    """784 inputs beside 10 outputs: the plan says its sides are on a log scale; 2 to 7 are not."""
    assert "sides on a log scale: the sizes differ more than 8 times" in plan_html(shape_plan([784, 100, 10],
                                                                                              batch_size=64))
    assert "log scale" not in plan_html(shape_plan([5, 4, 3, 2], batch_size=7))
