"""The gradient report's own table layout stays tabulate's ``simple`` format, cell for cell."""

from hypothesis import given
from hypothesis import strategies as st
from tabulate import tabulate

from shapecheck._text_table import simple_table

CELL = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


@st.composite
def tables(draw):
    columns = draw(st.integers(1, 8))
    headers = draw(st.lists(CELL.filter(str.strip), min_size=columns, max_size=columns))
    rows = draw(st.lists(st.lists(CELL, min_size=columns, max_size=columns), max_size=6))
    return rows, headers


@given(tables())
def test_the_layout_is_tabulates_simple_format(table):
    rows, headers = table
    assert simple_table(rows, headers) == tabulate(rows, headers=headers, disable_numparse=True)


def test_a_gradient_report_row_is_laid_out_as_before():
    rows = [["W1", "(2, 4)", "ok", "3.1e-11", "2.2e-09", "[1, 3]", "0.0153", "0.0153"],
            ["b2", "(1, 1)", "WRONG", "0.5", "1", "[0, 0]", "-0.302", "0.198"]]
    headers = ["tensor", "shape", "status", "max abs err", "max rel err", "worst index", "analytic", "numeric"]
    assert simple_table(rows, headers) == tabulate(rows, headers=headers, disable_numparse=True)
