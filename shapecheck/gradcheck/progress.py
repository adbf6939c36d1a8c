"""Signs of life during a long full check: an estimate up front, then a progress bar with the time left.

A full check makes one or two loss evaluations per entry: 238,510 parameters at 1 ms an evaluation is
8 minutes. The targets report the evaluations they finish (:meth:`Progress.advance`, a chunk at a time);
once a quarter of a second has passed the pace is known and the whole check's time is projected:

- above :data:`WARN_SECONDS`, a :class:`SlowCheckWarning` says so once and names fast mode, which gives
  a per-tensor verdict in a few evaluations (shown wherever warnings are: a terminal, a notebook, the
  summary of a pytest run);
- above :data:`BAR_SECONDS`, a bar with the evaluations done and the time left is drawn on stderr, and
  wiped when the check ends, but only where a person is watching: stderr is a terminal or a notebook
  (never when piped, so JSON and logs stay clean), and ``progress`` is not False (``--no-progress``).
"""

from __future__ import annotations

import sys
import time
import warnings

#: a check projected to take longer than this many seconds shows a progress bar
BAR_SECONDS = 2.0
#: ... and longer than this, a SlowCheckWarning naming fast mode
WARN_SECONDS = 10.0
#: the pace is judged after this many seconds of evaluations
SETTLE_SECONDS = 0.25
_REDRAW_SECONDS = 0.2
_WIDTH = 24


class SlowCheckWarning(UserWarning):
    """A full gradient check is projected to take long: fast mode is named as the alternative."""


class NoProgress:
    """What a target reports to when no check is counting (fast mode, re-measurements)."""

    def advance(self, evaluations: int) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS = NoProgress()


def chunks(count: int, largest: int = 256):
    """``(start, stop)`` ranges covering ``range(count)``, of sizes 1, 2, 4, ... up to ``largest``: a slow
    loss reports its first evaluations at once, a fast one is not slowed by reporting each."""
    start, size = 0, 1
    while start < count:
        stop = min(start + size, count)
        yield start, stop
        start, size = stop, min(size * 2, largest)


class Progress:
    """Counts the evaluations of one check (``total`` planned) and shows what :mod:`progress` describes."""

    def __init__(self, total: int, *, enabled: bool | None = None, stream=None, clock=time.perf_counter):
        self.total, self.done = max(int(total), 1), 0
        self.stream = stream if stream is not None else sys.stderr
        self._enabled = enabled if enabled is None else bool(enabled)
        self.clock = clock
        self.started = clock()
        self.judged = self.drawing = False
        self.last_draw = 0.0

    @property
    def enabled(self) -> bool:
        """May the bar be drawn: ``enabled`` as given, or (None) whether a person watches the stream, asked
        only when a bar is due (a check that ends within a quarter of a second never asks: a system call)."""
        if self._enabled is None:
            self._enabled = _watched(self.stream)
        return self._enabled

    def advance(self, evaluations: int) -> None:
        """``evaluations`` more are done."""
        self.done += evaluations
        now = self.clock()
        elapsed = now - self.started
        if not self.judged and elapsed >= SETTLE_SECONDS and self.done < self.total:
            self.judged = True
            self._judge(elapsed)
        if self.drawing and now - self.last_draw >= _REDRAW_SECONDS:
            self.last_draw = now
            self._draw(elapsed)

    def finish(self) -> None:
        """The check ended (also by an error or Ctrl-C): the bar is wiped."""
        if self.drawing:
            self.drawing = False
            self._write("\r" + " " * 79 + "\r")

    def projected(self, elapsed: float) -> float:
        """Seconds the whole check takes at the pace so far."""
        return elapsed / max(self.done, 1) * self.total

    def _judge(self, elapsed: float) -> None:
        total_time = self.projected(elapsed)
        if total_time > WARN_SECONDS:
            warnings.warn(slow_check_message(self.total, total_time), SlowCheckWarning,
                          stacklevel=stack_level_outside_shapecheck())
        if total_time > BAR_SECONDS and self.enabled:
            self.drawing = True
            self.last_draw = self.clock()
            self._draw(elapsed)

    def _draw(self, elapsed: float) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * _WIDTH)
        left = max(self.projected(elapsed) - elapsed, 0.0)
        self._write(f"\rchecking gradients [{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} "
                    f"{self.done:,}/{self.total:,} evaluations, {duration(left)} left ")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):       # a closed or broken stderr: the check goes on without a bar
            self.drawing = False


def slow_check_message(evaluations: int, seconds: float) -> str:
    return (f"this full gradient check needs {evaluations:,} loss evaluations, about {duration(seconds)} at this "
            "pace; mode=\"fast\" (--mode fast on the command line) gives a verdict for every tensor in a few "
            "evaluations and then localises the wrong entries; or check a sample: mode=\"sample\"")


def duration(seconds: float) -> str:
    """``4 s``, ``2 min 5 s``, ``1 h 3 min``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _watched(stream) -> bool:
    """Is a person watching ``stream``: a terminal, or a notebook's stderr?"""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        return False
    return type(stream).__module__.startswith("ipykernel")


def stack_level_outside_shapecheck() -> int:
    """The stacklevel of warnings.warn (called by the function that calls this) that names the first caller
    outside shapecheck and reference_nets: the learner's own line, whichever entry point they called
    (check_gradients, check_network, assert_gradients_close). A learner's module merely named like them
    (``shapecheck_homework``) is the learner's."""
    frame, level = sys._getframe(1), 1
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.split(".")[0] not in ("shapecheck", "reference_nets"):
            return level
        frame, level = frame.f_back, level + 1
    return 1
