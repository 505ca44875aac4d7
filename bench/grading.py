"""Benchmark: the grader's time per submission against plainly executing the notebook,
and against otter-grader's `otter run` on the same problem set.

    .venv/bin/python bench/grading.py        (make bench runs every bench/*.py)

For Problem Set 1's master solution and its untouched student edition, it
times (a) executing the notebook with nbclient in this process, as
`make refresh` does, and (b) grading it with `matdiff.grading`: sandbox
start, kernel, every cell, the capture of every answer on the hidden inputs,
and the comparisons, as one submission of `matdiff grade-all` (the problem set
loaded once).  It also times a batch graded two at a time.  The median of a
few runs is reported in _build/bench/grading.md.  The aim is a grading time
at most 1.5 times the plain execution.

Side by side, (c) otter-grader's `otter run`, from its own environment
.venv-otter (`make bench` creates it from bench/requirements-otter.txt; it is
not a dependency of the project), with an autograder that bench/_otter.py
generates from the same hidden tests, points and references: as the command
(a process per submission, as it is used) and as otter.run.main in a process
that has already imported otter.  Without .venv-otter, or when otter fails,
the report says why and the other figures are still written.

GRADING_BENCH_REPEATS and GRADING_BENCH_CLASS_SIZE (default 3 and 50) make a
quick run smaller.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from matdiff.grading.grader import grade_folder, grade_notebook  # noqa: E402
from matdiff.grading.problemset import ProblemSet  # noqa: E402

REPEATS = int(os.environ.get("GRADING_BENCH_REPEATS", "3"))
CLASS_SIZE = int(os.environ.get("GRADING_BENCH_CLASS_SIZE", "50"))
OTTER_CLASS_SIZE = min(6, CLASS_SIZE)    # `otter run` is one process per submission: fewer
OTTER_VENV = ROOT / ".venv-otter"
OTTER_TIMEOUT = 600   # seconds for any one otter command, so that a hang cannot stall the bench


class OtterError(Exception):
    """otter-grader is missing or failed; the message says how (for the report)."""


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-n:]) if lines else "(no output)"


def _otter_env() -> dict:
    env = dict(os.environ)
    # The submission's kernel must import this checkout's matdiff (the notebooks' first cell).
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib")] + [
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    # otter's kernel is the python3 kernel of .venv-otter, found before any user-level one.
    env["JUPYTER_PATH"] = str(OTTER_VENV / "share" / "jupyter")
    return env


def _otter_helper(*args: str) -> dict:
    """Run bench/_otter.py with the Python of .venv-otter; its last line of output as JSON."""
    command = [str(OTTER_VENV / "bin" / "python"), str(ROOT / "bench" / "_otter.py"), *args]
    try:
        run = subprocess.run(command, capture_output=True, text=True, env=_otter_env(),
                             timeout=OTTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OtterError(f"`bench/_otter.py {args[0]}` ran for more than {OTTER_TIMEOUT} s") \
            from None
    if run.returncode != 0:
        raise OtterError(f"`bench/_otter.py {args[0]}` failed: {_last_lines(run.stderr)}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def otter_run(autograder: str, path: Path, out: Path) -> tuple[float, float]:
    """Wall seconds of one `otter run` command on `path`, and the score it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    command = [str(OTTER_VENV / "bin" / "otter"), "run", "--autograder", autograder,
               "--output-dir", str(out), "--no-logo", str(path)]
    start = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, env=_otter_env(),
                             timeout=OTTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OtterError(f"`otter run` ran for more than {OTTER_TIMEOUT} s") from None
    seconds = time.perf_counter() - start
    results = out / "results.json"
    if run.returncode != 0 or not results.is_file():
        raise OtterError(f"`otter run` failed (exit {run.returncode}): "
                         f"{_last_lines(run.stderr or run.stdout)}")
    tests = json.loads(results.read_text())["tests"]
    return seconds, sum(t.get("score", 0) for t in tests)


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


def one_wrong_answer(tmp: Path) -> Path | None:
    """The master with Problem 2 answered as if A were symmetric (2 A instead of A + A^T)."""
    source = (ROOT / "solutions" / "pset1.ipynb").read_text()
    right = "(x @ (A + A.T) @ dx)"
    if source.count(right) != 1:
        return None
    path = tmp / "one-wrong" / "pset1.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(source.replace(right, "(x @ (2 * A) @ dx)"))
    return path


def otter_throughput(autograder: str, folder: Path, out: Path, jobs: int) -> float:
    """Wall seconds for `otter run` on every notebook of `folder`, `jobs` commands at a time."""
    paths = sorted(folder.glob("*.ipynb"))
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: otter_run(autograder, p, out / f"{jobs}" / p.stem), paths))
    return time.perf_counter() - start


def main() -> int:
    pset = ProblemSet.load(ROOT, 1)
    pset.references  # noqa: B018  (computed once per problem set, as in grade-all)
    tmp_dir = tempfile.TemporaryDirectory()
    tmp = Path(tmp_dir.name)

    otter, otter_missing = None, None
    if not (OTTER_VENV / "bin" / "otter").exists():
        otter_missing = ("its environment `.venv-otter` is missing (`make bench` creates it "
                         "from `bench/requirements-otter.txt`; it did not install)")
    else:
        try:
            otter = _otter_helper("setup", str(tmp / "otter"))
            print(f"otter-grader {otter['otter']}: {otter['zip']} with {otter['tests']} "
                  f"test files, {otter['groups']} test cases", flush=True)
        except OtterError as err:
            otter_missing = str(err)

    def otter_failed(err: OtterError) -> None:
        nonlocal otter, otter_missing
        otter, otter_missing = None, str(err)
        print(f"otter-grader: {err}", flush=True)

    master, student = ROOT / "solutions" / "pset1.ipynb", ROOT / "psets" / "pset1.ipynb"
    rows, otter_rows = [], []
    for label, path in [("master solution", master), ("untouched student edition", student)]:
        plain(path)   # warm the file cache and the imports once
        plain_times, grade_times, otter_times, otter_score = [], [], [], None
        for i in range(REPEATS):   # interleaved, so that a busy moment hits all of them
            plain_times.append(plain(path))
            seconds, score = graded(path, pset)
            grade_times.append(seconds)
            if otter:
                try:
                    seconds, otter_score = otter_run(otter["zip"], path, tmp / "runs" / f"{i}")
                    otter_times.append(seconds)
                except OtterError as err:
                    otter_failed(err)
        p, g = statistics.median(plain_times), statistics.median(grade_times)
        rows.append((label, p, g, g / p, score))
        print(f"{label}: plain {p:.2f} s, graded {g:.2f} s ({g / p:.2f}x), score {score:g}",
              flush=True)
        if otter:
            try:
                inproc = _otter_helper("time", otter["zip"], str(path), str(REPEATS))
            except OtterError as err:
                otter_failed(err)
            else:
                o, c = statistics.median(inproc["times"]), statistics.median(otter_times)
                otter_rows.append((label, p, g, o, c, score, otter_score, inproc["score"]))
                print(f"{label}: otter run {c:.2f} s as a command, {o:.2f} s in-process, "
                      f"score {otter_score:g} (in-process {inproc['score']:g})", flush=True)

    agreement = None
    wrong = one_wrong_answer(tmp)
    if otter and wrong is not None:
        try:
            agreement = (graded(wrong, pset)[1], otter_run(otter["zip"], wrong, tmp / "wrong")[1])
            print(f"one wrong answer: matdiff {agreement[0]:g}, otter {agreement[1]:g}",
                  flush=True)
        except OtterError as err:
            otter_failed(err)

    throughput, otter_throughput_s = {}, {}
    folder = tmp / "submissions"
    folder.mkdir()
    # A class: three in five hand in a finished notebook, the rest the untouched edition.
    editions = [master.read_text(), student.read_text()]
    for i in range(CLASS_SIZE):
        (folder / f"student{i:02d}.ipynb").write_text(editions[0 if i % 5 < 3 else 1])
    for jobs in (1, 2):
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            counts = grade_folder(folder, pset, tmp / f"grades-{jobs}.csv",
                                  jobs=jobs, stream=quiet)
        assert counts["graded"] == CLASS_SIZE, counts
        throughput[jobs] = time.perf_counter() - start
        print(f"grade-all: {CLASS_SIZE} submissions, {jobs} job(s): "
              f"{throughput[jobs]:.1f} s", flush=True)
    if otter:
        few = tmp / "otter-class"
        few.mkdir()
        for i in range(OTTER_CLASS_SIZE):
            (few / f"student{i:02d}.ipynb").write_text(editions[0 if i % 5 < 3 else 1])
        for jobs in (1, 2):
            try:
                otter_throughput_s[jobs] = otter_throughput(otter["zip"], few,
                                                            tmp / "otter-out", jobs)
            except OtterError as err:
                otter_failed(err)
                break
            print(f"otter run: {OTTER_CLASS_SIZE} submissions, {jobs} at a time: "
                  f"{otter_throughput_s[jobs]:.1f} s", flush=True)
    tmp_dir.cleanup()

    out = ROOT / "_build" / "bench" / "grading.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"## Grading: time per submission and a class of {CLASS_SIZE}",
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
                  f"{throughput[1] / throughput[2]:.2f}x.", ""]
    lines += otter_section(otter, otter_missing, otter_rows, agreement, otter_throughput_s,
                           throughput, pset.max_score)
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


def otter_section(otter, missing, rows, agreement, otter_tp, matdiff_tp, max_score):
    lines = ["### Side by side: otter-grader's `otter run`", ""]
    if not rows:
        return [*lines, f"Not measured in this run: {missing}.", ""]
    lines += [
        f"otter-grader {otter['otter']}, from its own environment `.venv-otter` (not a "
        "dependency of the project), with an autograder zip that `bench/_otter.py` builds "
        "with `otter generate` from the same material: one otter test file per question, "
        f"one test case per group of `tests/hidden/pset1.py` ({otter['groups']} test cases, "
        "the same points), each judging the group's cases with the same checks against the "
        "same references (computed from the master solution) as `matdiff grade-all`. So both "
        "graders do the same comparisons on the same notebook; what differs is how they run "
        "it.",
        "",
        "- *`otter run` command*: one `otter run -a autograder.zip submission.ipynb` process, "
        "as otter runs a submission without Docker: Python start and otter's imports, the zip "
        "unpacked into a temporary folder, every cell executed by nbconvert's "
        "ExecutePreprocessor (nbclient) in a kernel of `.venv-otter`, then the tests run "
        "*inside that same kernel*, on the names the notebook left there.",
        "- *otter in-process*: the same, as `otter.run.main` in a process that has already "
        "imported otter (after one warm-up grading), like one submission of `matdiff "
        "grade-all`.",
        "- What `otter run` does not do (`otter run --help`: \"Run non-containerized Otter on "
        "a single submission\"; otter isolates submissions only in `otter grade`'s Docker "
        "containers): no sandbox, no "
        "memory, process or file-size limits, no time limit per cell (nbclient's default "
        "is none), the submission runs as the grader's user in a folder that holds the "
        "hidden tests and references, and it can redefine or patch whatever the tests call "
        "in its kernel. `matdiff grade-all` runs the notebook in a sandbox (another process "
        "and, as root, another user and mount namespace that hides the master and the "
        "hidden tests), under time and resource limits, restarts after a crash or timeout "
        "losing only that question, and only numbers leave the sandbox: the comparisons "
        "run in the grader's process.",
        "",
        "| notebook | plain nbclient (s) | matdiff graded (s) | otter in-process (s) | "
        "`otter run` command (s) | matdiff score | otter score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p, g, o, c, s, os_cmd, os_in in rows:
        otter_score = f"{os_cmd:g}" + ("" if os_in == os_cmd else f" (in-process {os_in:g})")
        lines.append(f"| {label} | {p:.2f} | {g:.2f} | {o:.2f} | {c:.2f} | "
                     f"{s:g} / {max_score:g} | {otter_score} / {max_score:g} |")
    if agreement is not None:
        lines += ["", f"On the master with one wrong answer (Problem 2 answered as if A were "
                  f"symmetric): matdiff {agreement[0]:g}, otter {agreement[1]:g} of "
                  f"{max_score:g}."]
    if otter_tp:
        lines += ["", f"`otter run` commands on {OTTER_CLASS_SIZE} submissions (the same mix), "
                  "one or two at a time (otter's own batch grading, `otter grade`, needs "
                  "Docker), against `matdiff grade-all` above:", "",
                  "| at a time | otter: seconds | otter: s per submission | "
                  "matdiff grade-all: s per submission |", "|---:|---:|---:|---:|"]
        lines += [f"| {jobs} | {t:.1f} | {t / OTTER_CLASS_SIZE:.2f} | "
                  f"{matdiff_tp[jobs] / CLASS_SIZE:.2f} |" for jobs, t in otter_tp.items()]
    if missing:
        lines += ["", f"otter-grader stopped part way: {missing}."]
    return [*lines, ""]


if __name__ == "__main__":
    sys.exit(main())
