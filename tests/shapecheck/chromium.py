"""Headless Chromium driven by its command line only (no Python package): a page's DOM after it ran, and a
screenshot. Tests that need it skip with the reason when Debian's ``chromium`` is not installed."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SHAPECHECK_CHROMIUM", "/usr/bin/chromium")
#: The flags this machine's closed network needs (without the background ones its connections are refused).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
THEMES = {"light": "--blink-settings=preferredColorScheme=1", "dark": "--force-dark-mode"}

needs_chromium = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                    reason=f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does "
                                           "it when it can): the pages are not rendered in a browser")


def _run(page: Path, *args: str) -> str:
    profile = tempfile.mkdtemp(prefix="shapecheck-chromium-")
    try:
        result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
                                capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


#: Appended to a copy of the page (never to the page itself, which needs no script): it writes each drawn
#: array's rendered size, and the page's background colour, into the DOM that --dump-dom prints.
MEASURE = """<script>
for (const mark of document.querySelectorAll('[data-shape]')) {
  const box = mark.getBoundingClientRect();
  mark.setAttribute('data-rendered', box.width.toFixed(2) + ',' + box.height.toFixed(2));
}
document.body.setAttribute('data-background', getComputedStyle(document.body).backgroundColor);
document.body.setAttribute('data-dark', String(matchMedia('(prefers-color-scheme: dark)').matches));
</script>"""


def rendered_dom(page: Path, *, theme: str = "light") -> str:
    """The DOM of ``page`` after Chromium laid it out, with :data:`MEASURE`'s attributes."""
    measured = page.with_name(page.stem + ".measured.html")
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    return _run(measured, THEMES[theme], "--dump-dom")


def screenshot(page: Path, png: Path, *, theme: str = "light", size: tuple = (1200, 1600)) -> Path:
    """A PNG of ``page`` in ``theme`` at ``size`` (width, height) pixels."""
    _run(page, THEMES[theme], f"--screenshot={png}", f"--window-size={size[0]},{size[1]}")
    return png


def png_size_and_corner(png: Path) -> tuple:
    """((width, height), (r, g, b) of the top-left pixel) of an 8-bit RGB(A) PNG, read with zlib alone: the
    first pixel of the first row is stored as it is whatever the row's filter (every predictor is 0 there)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour = header
    assert depth == 8 and colour in (2, 6), f"PNG of bit depth {depth}, colour type {colour}"
    raw = zlib.decompress(idat)
    return (width, height), tuple(raw[1:4])
