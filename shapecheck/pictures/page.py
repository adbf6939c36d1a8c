"""One self-contained HTML page: the drawings inline as SVG, the style sheet inline, no script, no network.

The style sheet reads in light and dark themes (``prefers-color-scheme``): lines and text are
``currentColor``, boxes a translucent fill, and a mark's colour always comes with its sign (a check mark,
a cross, a warning sign) and its line style (solid for agree, dashed for conflict), so it reads without
colour. The same style sheet, scoped to ``.sc-pictures``, goes into a notebook cell's HTML.
"""

from __future__ import annotations

import os
from html import escape

from shapecheck.errors import ConfigurationError

STYLE = """
.sc-pictures { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 13px; line-height: 1.4; }
.sc-pictures svg { display: block; overflow: visible; max-width: none; color: inherit; }
.sc-pictures figure { margin: 0.8em 0 1.2em 0; padding: 0.6em 0.8em; border: 1px solid rgba(127,127,127,0.35);
  border-radius: 6px; overflow-x: auto; }
.sc-pictures figcaption { margin-top: 0.4em; }
.sc-pictures h2 { font-size: 1.15em; margin: 1.2em 0 0.4em 0; }
.sc-pictures h3 { font-size: 1em; margin: 0.8em 0 0.3em 0; }
.sc-pictures .sc-rules { margin: 0.3em 0 0 0; padding-left: 1.2em; }
.sc-pictures text { fill: currentColor; font-family: inherit; }
.sc-pictures .sc-label, .sc-pictures .sc-expr { font-size: 13px; }
.sc-pictures .sc-shape, .sc-pictures .sc-size { font-size: 12px; opacity: 0.85; }
.sc-pictures .sc-symbolic { font-size: 12px; font-style: italic; opacity: 0.85; }
.sc-pictures .sc-op { font-size: 22px; font-weight: bold; }
.sc-pictures .sc-box { fill: rgba(70,130,220,0.22); stroke: currentColor; stroke-width: 1.2; }
.sc-pictures .sc-result { fill: rgba(60,170,110,0.25); }
.sc-pictures .sc-stack { fill: rgba(70,130,220,0.10); }
.sc-pictures .sc-unknown { fill: none; stroke-dasharray: 3 3; }
.sc-pictures .sc-param { fill: rgba(200,140,40,0.28); }
.sc-pictures .sc-grad { fill: rgba(150,90,200,0.25); }
.sc-pictures .sc-mark-agree { stroke: #1a9850; stroke-width: 4; }
.sc-pictures .sc-mark-conflict { stroke: #d7301f; stroke-width: 4; stroke-dasharray: 6 3; }
.sc-pictures .sc-size-agree { fill: #1a9850; font-weight: bold; opacity: 1; }
.sc-pictures .sc-size-conflict, .sc-pictures .sc-failed { fill: #d7301f; font-weight: bold; opacity: 1; }
.sc-pictures .sc-cell-frame { fill: none; stroke: rgba(127,127,127,0.45); }
.sc-pictures .sc-cell-warned { fill: rgba(240,170,0,0.10); stroke: #d08c00; stroke-width: 2; stroke-dasharray: 5 3; }
.sc-pictures .sc-cell-failed { fill: rgba(215,48,31,0.08); stroke: #d7301f; stroke-width: 2; stroke-dasharray: 6 3; }
.sc-pictures .sc-warned-text { fill: #b07800; font-weight: bold; }
.sc-pictures .sc-advice { margin: 0.3em 0; }
@media (prefers-color-scheme: dark) {
  .sc-pictures .sc-mark-agree { stroke: #5ad17f; }
  .sc-pictures .sc-mark-conflict { stroke: #ff6b5b; }
  .sc-pictures .sc-size-agree { fill: #5ad17f; }
  .sc-pictures .sc-size-conflict, .sc-pictures .sc-failed { fill: #ff6b5b; }
  .sc-pictures .sc-warned-text { fill: #ffc247; }
  .sc-pictures .sc-cell-warned { stroke: #ffc247; }
}
"""

_PAGE_STYLE = """
:root { color-scheme: light dark; }
body { margin: 1.5em 2em; background: #ffffff; color: #1b1b1b; }
@media (prefers-color-scheme: dark) { body { background: #16181c; color: #e6e6e6; } }
h1 { font-size: 1.3em; }
.sc-summary { white-space: pre-wrap; }
"""


def fragment(body: str) -> str:
    """Drawings for a notebook cell: ``body`` in a ``.sc-pictures`` block with its style sheet."""
    return f"<div class='sc-pictures'><style>{STYLE}</style>{body}</div>"


def text_block(words: str) -> str:
    """The text report under the drawings, folded: the same facts in words."""
    return f"<details><summary>the text report</summary><pre>{escape(words)}</pre></details>"


def page(title: str, body: str) -> str:
    """The whole HTML document: ``title`` as its heading, ``body`` (sections of figures) below it."""
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{STYLE}{_PAGE_STYLE}</style></head>"
            f"<body class='sc-pictures'><h1>{escape(title)}</h1>{body}</body></html>\n")


def check_path(path: str) -> None:
    """Refuse, before any work, a page path that cannot be written: a folder, or in a folder that does not
    exist (a ConfigurationError naming it and what is expected)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        example = os.path.join(path, "shapes.html")
        raise ConfigurationError(f"--html {path}: is a folder; give a file name such as {example}",
                                 name="html", expected="a file path whose folder exists", got=path)
    if not os.path.isdir(folder):
        raise ConfigurationError(f"--html {path}: the folder {folder} does not exist", name="html",
                                 expected="a file path whose folder exists", got=path)


def write_page(path: str, title: str, body: str) -> str:
    """Write the page to ``path`` after :func:`check_path`; returns the path written. An OSError on writing
    (no permission, a full disk) passes to the caller, which names the file."""
    check_path(path)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page(title, body))
    return path
