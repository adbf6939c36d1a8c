"""Arrays kept between checks for the checker's large temporaries.

A fresh array the size of a large tensor costs its page faults every time it is made (~0.1 ms for 600 KB
here), so fast mode and whole-tensor moves reuse buffers. They are kept per thread, and only by the
outermost check: a check started from inside another (a loss function that itself runs a check) gets
fresh arrays, so neither can overwrite what the other still reads.
"""

from __future__ import annotations

import threading

import numpy as np

_local = threading.local()
#: At most this many buffers are kept per thread (the oldest are dropped first).
KEPT = 64


class checking:
    """Marks a check in progress on this thread (checks nest); a ``with`` block. (A class, not a
    contextlib.contextmanager: no generator to make and run per check, ~1.5 us warm and ~8 us right after the
    loss calls of the check before.)"""

    def __enter__(self):
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc_info):
        _local.depth -= 1


def buffer(shape, slot, dtype=np.float64) -> np.ndarray:
    """An uninitialised array of ``shape`` for temporaries that do not outlive their function: kept between
    calls by the outermost check on this thread (``slot`` tells two live ones apart), fresh otherwise."""
    if getattr(_local, "depth", 0) != 1:
        return np.empty(shape, dtype=dtype)
    kept = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = {}
    key = (shape if isinstance(shape, tuple) else (shape,), slot, np.dtype(dtype))
    found = kept.get(key)
    if found is None:
        if len(kept) >= KEPT:
            kept.pop(next(iter(kept)))
        found = kept[key] = np.empty(shape, dtype=dtype)
    return found
