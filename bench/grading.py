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

REPEATS = 5
BATCH = 6


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

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        master = (ROOT / "solutions" / "pset1.ipynb").read_text()
        for i in range(BATCH):
            (folder / f"student{i}.ipynb").write_text(master)
        start = time.perf_counter()
        grade_folder(folder, pset, Path(tmp) / "grades.csv", jobs=2, stream=open("/dev/null",
                                                                                  "w"))
        batch = time.perf_counter() - start
    print(f"grade-all: {BATCH} submissions, 2 jobs: {batch:.1f} s", flush=True)

    out = ROOT / "_build" / "bench" / "grading.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Grading time per submission",
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
    lines += ["", f"`grade-all` of {BATCH} copies of the master with 2 jobs: {batch:.1f} s "
                  f"({batch / BATCH:.2f} s per submission).", ""]
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
