"""SVG written directly, as strings: an element, text, a figure's outer ``<svg>``; nothing to install.

Every colour is a CSS class of the page's (or the notebook cell's) style sheet, with ``currentColor`` for
lines and text, so a drawing follows the light or dark theme it is shown in. Coordinates are pixels,
rounded to one decimal.
"""

from __future__ import annotations

from html import escape

#: The marks that carry what colour also shows: colour is never the only signal.
AGREE, CONFLICT, WARNED = "\u2713", "\u2717", "\u26a0"      # a check mark, a cross, a warning sign


def number(value: float) -> str:
    """A coordinate as SVG writes it: ``12``, ``12.5`` (one decimal at most)."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def element(tag: str, attributes: dict | None = None, children: str = "") -> str:
    """``<tag a="v" ...>children</tag>`` (self-closing without children); None-valued attributes left out,
    numbers written by :func:`number`, every value escaped."""
    parts = [tag]
    for name, value in (attributes or {}).items():
        if value is None:
            continue
        shown = number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(shown, quote=True)}"')
    opening = " ".join(parts)
    return f"<{opening}>{children}</{tag}>" if children else f"<{opening}/>"


def text(x: float, y: float, words: str, *, css: str = "sc-label", anchor: str = "middle", **attributes) -> str:
    """A line of text centred (``anchor``) at ``x`` with its baseline at ``y``."""
    return element("text", {"x": x, "y": y, "class": css, "text-anchor": anchor, **attributes}, escape(words))


def line(x1: float, y1: float, x2: float, y2: float, *, css: str = "sc-edge") -> str:
    return element("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "class": css})


def figure(width: float, height: float, body: str, *, title: str, css: str = "sc-figure") -> str:
    """The outer ``<svg>`` of one drawing: ``title`` is what a screen reader says (and a tooltip)."""
    return element("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": css, "width": width, "height": height,
                           "viewBox": f"0 0 {number(width)} {number(height)}", "role": "img"},
                   element("title", {}, escape(title)) + body)


def text_width(words: str, *, size: float = 13.0) -> float:
    """About how wide ``words`` is drawn in the page's monospace font of ``size`` px (0.6 em a character)."""
    return 0.6 * size * len(words)
