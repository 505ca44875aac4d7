"""Helpers shared by the benchmarks in bench/ (`make bench` runs every bench/*.py not
starting with an underscore).

Import this module before NumPy: it pins the BLAS to one thread unless the
environment already says otherwise (OPENBLAS_NUM_THREADS=2 make bench).  On a
small or shared machine, BLAS threads waiting for a busy core add noise of
several times the measured quantity, and what the benchmarks compare (a
gradient against its function, one mode against the other) is work, not
parallel speed-up.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")      # figures go to files only

import platform  # noqa: E402 - after the thread settings, which must precede NumPy
import time  # noqa: E402
import timeit  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "_build" / "bench"


def best_time(fn, repeat=5):
    """CPU seconds per call of fn(): the best of `repeat` runs, each at least 0.2 s long.

    Process CPU time, not wall-clock time: with one BLAS thread it counts the
    work done, and other programs competing for the machine barely change it.
    """
    timer = timeit.Timer(fn, timer=time.process_time)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def best_times(*fns, repeat=5):
    """CPU seconds per call of each fn(), like `best_time`, with their runs interleaved.

    Round k times every fn once, so a change of the machine's load during the
    measurement reaches all of them alike, and a ratio of two stays fair.
    """
    timers = [timeit.Timer(fn, timer=time.process_time) for fn in fns]
    numbers = [timer.autorange()[0] for timer in timers]
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(zip(timers, numbers)):
            best[i] = min(best[i], timer.timeit(number) / number)
    return best


def environment():
    """One line describing where the numbers were measured."""
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"{os.cpu_count()} CPUs{load}, BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}.")


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def figure_path(topic, name):
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / f"{topic}-{name}.png"


def write_report(topic, markdown):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{topic}.md"
    path.write_text(markdown.rstrip() + "\n")
    print(f"wrote {path}")
