"""Benchmark: the grader's time per submission against plainly executing the notebook.

    .venv/bin/python bench/grading.py        (make bench runs every bench/*.py)

For Problem Set 1's master solution and its untouched student edition, it
times (a) executing the notebook with nbclient in this process, as
`make refresh` does, and (b) grading it with `matdiff.grading`: sandbox
start, kernel, every cell, the capture of every answer on the hidden inputs,
and the comparisons, as one submission of `matdiff grade-all` (the problem set
loaded once).  It also times a batch graded two at a time.  The median of a
few runs is reported in _build/bench/grading.md.  The aim is a grading time
at most 1.5 times the plain execution.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from matdiff.grading.grader import grade_folder, grade_notebook  # noqa: E402
from matdiff.grading.problemset import ProblemSet  # noqa: E402

REPEATS = 3
CLASS_SIZE = 50


def plain(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def graded(path: Path, pset: ProblemSet) -> tuple[float, float]:
    data = path.read_bytes()
    start = time.perf_counter()
    report = grade_notebook(data, pset)
    return time.perf_counter() - start, report.score


def main() -> int:
    pset = ProblemSet.load(ROOT, 1)
    pset.references  # noqa: B018  (computed once per problem set, as in grade-all)
    rows = []
    for label, path in [("master solution", ROOT / "solutions" / "pset1.ipynb"),
                        ("untouched student edition", ROOT / "psets" / "pset1.ipynb")]:
        plain(path)   # warm the file cache and the imports once
        plain_times, grade_times = [], []
        for _ in range(REPEATS):   # interleaved, so that a busy moment hits both
            plain_times.append(plain(path))
            seconds, score = graded(path, pset)
            grade_times.append(seconds)
        p, g = statistics.median(plain_times), statistics.median(grade_times)
        rows.append((label, p, g, g / p, score))
        print(f"{label}: plain {p:.2f} s, graded {g:.2f} s ({g / p:.2f}x), score {score:g}",
              flush=True)

    throughput = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        # A class: three in five hand in a finished notebook, the rest the untouched edition.
        editions = [(ROOT / "solutions" / "pset1.ipynb").read_text(),
                    (ROOT / "psets" / "pset1.ipynb").read_text()]
        for i in range(CLASS_SIZE):
            (folder / f"student{i:02d}.ipynb").write_text(editions[0 if i % 5 < 3 else 1])
        for jobs in (1, 2):
            start = time.perf_counter()
            with open(os.devnull, "w") as quiet:
                counts = grade_folder(folder, pset, Path(tmp) / f"grades-{jobs}.csv",
                                      jobs=jobs, stream=quiet)
            assert counts["graded"] == CLASS_SIZE, counts
            throughput[jobs] = time.perf_counter() - start
            print(f"grade-all: {CLASS_SIZE} submissions, {jobs} job(s): "
                  f"{throughput[jobs]:.1f} s", flush=True)

    out = ROOT / "_build" / "bench" / "grading.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "## Grading: time per submission and a class of 50",
        "",
        f"Problem set 1, median of {REPEATS} runs. *Plain* executes the notebook with "
        "nbclient in-process (as `make refresh` does); *graded* is one submission of "
        "`matdiff grade-all`: sandbox, kernel, every cell, the capture of every answer on "
        "the hidden inputs, and the comparisons. Aim: at most 1.5x.",
        "",
        "| notebook | plain nbclient (s) | graded (s) | ratio | score |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {label} | {p:.2f} | {g:.2f} | {r:.2f}x | {s:g} / {pset.max_score:g} |"
              for label, p, g, r, s in rows]
    lines += ["", f"`matdiff grade-all` on a class of {CLASS_SIZE} submissions (3 in 5 the "
              "master, the rest the untouched student edition), results written for each:", "",
              "| jobs | seconds | seconds per submission | submissions per minute |",
              "|---:|---:|---:|---:|"]
    lines += [f"| {jobs} | {t:.1f} | {t / CLASS_SIZE:.2f} | {60 * CLASS_SIZE / t:.0f} |"
              for jobs, t in throughput.items()]
    lines += ["", f"Speed-up from 2 jobs on this {os.cpu_count()}-CPU machine: "
                  f"{throughput[1] / throughput[2]:.2f}x.", "",
              "otter-grader (the usual peer) is not run side by side here: it would need its own "
              "virtual environment and an otter-format copy of the hidden tests, which this "
              "project does not maintain yet.", ""]
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
