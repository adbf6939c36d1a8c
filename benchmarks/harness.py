"""Shared by the benchmark scripts: interleaved repetitions, pairwise ratios, machine facts, tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np


@dataclass
class Timing:
    """One competitor's seconds per repetition, and what it reported (evaluations, ...)."""

    seconds: list = field(default_factory=list)
    extra: object = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleave(competitors: dict, repeats: int) -> dict:
    """Run every available competitor once per round (A B C A B C ...), ``repeats`` rounds.

    A competitor is a callable returning anything worth reporting (kept from the last round), or None
    when it is not installed. Drift on a shared machine then hits every competitor in the same round.
    """
    timings = {name: Timing() for name, run in competitors.items() if run is not None}
    for _ in range(repeats):
        for name, run in competitors.items():
            if run is None:
                continue
            start = time.perf_counter()
            timings[name].extra = run()
            timings[name].seconds.append(time.perf_counter() - start)
    return timings


def pairwise_ratio(timing: Timing, reference: Timing) -> float:
    """Median over rounds of timing / reference, each round's pair measured back to back."""
    return statistics.median(a / b for a, b in zip(timing.seconds, reference.seconds))


def machine() -> dict:
    """The facts a reader needs to compare runs: processor, cores, Python, numpy, BLAS threads."""
    threads = "unknown (pip install threadpoolctl)"
    try:
        from threadpoolctl import threadpool_info

        threads = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()) or "none"
    except ImportError:
        pass
    build = ""
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        build = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - an older numpy without mode="dicts": the threads line still says it
        pass
    return {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "blas build": build, "blas": threads,
            "blas_env": {k: v for k, v in os.environ.items()
                         if k.startswith(("OPENBLAS", "MKL_", "OMP_", "GOTO", "VECLIB", "BLIS"))}}


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def export(revision: str, folder: Path) -> Path:
    """The shapecheck and reference_nets packages as they were at git ``revision``, in ``folder``."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "archive", "--format=tar", revision, "shapecheck", "reference_nets"],
                             cwd=root, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder)
    return folder
