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
try:
    # Figures go to files only.  Not by MPLBACKEND in the environment: the kernels and
    # the make commands that the benchmarks start would inherit it, and a notebook's
    # plt.show() under Agg leaves no figure in its output (a book without figures).
    import matplotlib

    matplotlib.use("Agg")
except ImportError:                             # the peers' environment has no matplotlib
    pass

import platform  # noqa: E402 - after the thread settings, which must precede NumPy
import subprocess  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "_build" / "bench"


# Each timed run lasts at least this many CPU seconds.  A ratio of two best-of-5
# times of 50 ms runs was as steady here as with timeit's 0.2 s, in a quarter of
# the time: the benchmarks time hundreds of (function, size, engine) cases.
RUN_SECONDS = 0.05


def _calls_per_run(timer, seconds):
    """The number of calls that makes one run of `timer` last at least `seconds`."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds:
            return number
        # aim a little past the target from what this run took (at least double)
        number = max(2 * number, int(1.2 * number * seconds / max(elapsed, 1e-9)))


def best_time(fn, repeat=5, seconds=RUN_SECONDS):
    """CPU seconds per call of fn(): the best of `repeat` runs, each at least `seconds` long.

    Process CPU time, not wall-clock time: with one BLAS thread it counts the
    work done, and other programs competing for the machine barely change it.
    """
    return best_times(fn, repeat=repeat, seconds=seconds)[0]


def best_times(*fns, repeat=5, seconds=RUN_SECONDS):
    """CPU seconds per call of each fn(), like `best_time`, with their runs interleaved.

    Round k times every fn once, so a change of the machine's load during the
    measurement reaches all of them alike, and a ratio of two stays fair.
    """
    timers = [timeit.Timer(fn, timer=time.process_time) for fn in fns]
    numbers = [_calls_per_run(timer, seconds) for timer in timers]
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(zip(timers, numbers)):
            best[i] = min(best[i], timer.timeit(number) / number)
    return best


def clone(into):
    """A fresh clone of this repository's committed work at `into` (a Path)."""
    subprocess.run(["git", "clone", "--quiet", str(OUT.parent.parent), str(into)], check=True)
    return into


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
