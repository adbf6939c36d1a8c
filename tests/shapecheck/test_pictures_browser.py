"""The pages rendered by headless Chromium (Debian's ``chromium``, driven by its command line): each seed's
failure and a two-hidden-layer plan, in light and dark themes. The DOM after layout is read back with every
drawn array's rendered size, which must be the size its shape asks for and grow with it; and a screenshot
of each is taken.

``SHAPECHECK_SCREENSHOTS=screenshots pytest tests/shapecheck/test_pictures_browser.py`` also keeps the
screenshots in that folder (the README's are made so).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from shapecheck.pictures.boxes import Scale
from shapecheck.pictures.plan_view import shape_plan, write_plan_page
from shapecheck.pictures.trace_view import write_trace_page
from shapecheck.tracing.runner import trace_script
from tests.shapecheck.chromium import needs_chromium, png_size_and_corner, rendered_dom, screenshot

pytestmark = needs_chromium

SEEDS = Path(__file__).resolve().parent / "picture_seeds"
PAGES = {"seed-broadcast-4x3-2x4": "s000a_first.py", "seed-update-2x3-2x2": "s000b_update.py",
         "seed-ragged-np-array": "s001_xor_class.py", "plan-two-hidden-layers": None, "demo": None}
#: The window each page is photographed in (width, height): the whole page, or the demo's failure and run.
WINDOWS = {"seed-broadcast-4x3-2x4": (1200, 1400), "seed-update-2x3-2x2": (1200, 2000),
           "seed-ragged-np-array": (1200, 1000), "plan-two-hidden-layers": (1200, 1760), "demo": (1200, 1480)}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("pages")
    made = {}
    for name, seed in PAGES.items():
        path = folder / f"{name}.html"
        if name == "demo":
            _demo_page(path)
        elif seed is None:
            write_plan_page(str(path), shape_plan([5, 4, 3, 2], layout="rows", batch_size=7, activation="relu",
                                                  loss="mse"))
        else:
            write_trace_page(str(path), trace_script(str(SEEDS / seed), stderr=io.StringIO()), seed)
        made[name] = path
    return made


def _demo_page(path: Path) -> None:
    """The page ``shapecheck demo`` writes (section 6's trace and section 2's plan), made as the demo makes it."""
    from reference_nets import MLP
    from shapecheck.cli import demo

    script = path.with_name("learner.py")
    script.write_text(demo.LEARNER_SCRIPT)
    traced = trace_script(str(script), stderr=io.StringIO())
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=demo.SEED)
    demo._write_pictures(str(path), traced, net.shape_plan(batch_size=4))


def _drawn(dom: str) -> list:
    """[(svg index, shape tuple, (drawn width, drawn height) as written, (rendered width, height))]."""
    found = []
    for index, svg in enumerate(re.findall(r"<svg.*?</svg>", dom, flags=re.S)):
        for attributes in re.findall(r"<(?:rect|circle) ([^>]*data-rendered=[^>]*)>", svg):
            values = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
            if values.get("data-shape", "?") == "?":
                continue
            shape = tuple(int(s) for s in values["data-shape"].split(",") if s)
            rendered = tuple(float(v) for v in values["data-rendered"].split(","))
            found.append((index, shape, (float(values["data-width"]), float(values["data-height"])), rendered))
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_rendered_boxes_have_the_sizes_their_shapes_ask_for(pages, name):
    """Every drawn array's rendered size is its drawn size (the SVG is not squeezed), and within one drawing a
    larger size is a longer side: columns to widths, rows to heights, a rank-1 bar's length to its width."""
    dom = rendered_dom(pages[name])
    drawn = _drawn(dom)
    assert len(drawn) >= 4, dom[:2000]
    for _, shape, wanted, rendered in drawn:
        assert rendered == pytest.approx(wanted, abs=1.5), (shape, wanted, rendered)
    by_figure = {}
    for index, shape, _, rendered in drawn:
        if len(shape) in (1, 2):
            by_figure.setdefault(index, []).append((shape, rendered))
    for boxes in by_figure.values():
        for (shape_a, (wa, ha)), (shape_b, (wb, hb)) in ((a, b) for a in boxes for b in boxes):
            if shape_a[-1] < shape_b[-1]:
                assert wa < wb, (shape_a, shape_b, wa, wb)
            if len(shape_a) == len(shape_b) == 2 and shape_a[0] < shape_b[0]:
                assert ha < hb, (shape_a, shape_b, ha, hb)


def test_the_plan_is_drawn_to_one_linear_scale(pages):
    """Sizes 2 to 7 are within 8x: a side is its size times one unit, the unit the scale chose."""
    drawn = _drawn(rendered_dom(pages["plan-two-hidden-layers"]))
    unit = Scale.for_sizes([5, 4, 3, 2, 7]).unit
    for _, shape, _, (width, height) in drawn:
        if len(shape) == 2:
            assert (width, height) == pytest.approx((shape[1] * unit, shape[0] * unit), abs=1.5)


@pytest.mark.parametrize("theme, dark", [("light", False), ("dark", True)])
def test_the_page_follows_the_theme(pages, theme, dark):
    dom = rendered_dom(pages["seed-broadcast-4x3-2x4"], theme=theme)
    assert f'data-dark="{str(dark).lower()}"' in dom
    background = re.search(r'data-background="rgb\((\d+), (\d+), (\d+)\)"', dom)
    assert (sum(map(int, background.groups())) < 200) == dark


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot(pages, name, theme, tmp_path):
    """Each page's screenshot is taken, of the window's size, with the theme's background in its corner."""
    png = screenshot(pages[name], tmp_path / f"{name}-{theme}.png", theme=theme, size=WINDOWS[name])
    (width, height), corner = png_size_and_corner(png)
    assert (width, height) == WINDOWS[name]
    assert (sum(corner) < 200) == (theme == "dark"), corner
    keep = os.environ.get("SHAPECHECK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
