"""Grade submissions: read, run in the sandbox, compare in this process, score.

:func:`grade_notebook` grades one submission and returns a :class:`Report`;
:func:`grade_folder` grades many in parallel, resumably.  Neither trusts
anything that ran beside the student's code: the submission is parsed as
untrusted JSON, executed by :func:`matdiff.grading.sandbox.run`, and its
answers (plain arrays) are judged here by the same checks the visible checks
use, against references computed here from the master solution.
"""

from __future__ import annotations

import concurrent.futures
import csv
import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .compare import NO_ANSWER
from .notebook import MAX_NOTEBOOK_BYTES, Question, SubmissionError, read_submission
from .problemset import ProblemSet

__all__ = ["GraderError", "QuestionResult", "Report", "find_notebook", "grade_folder",
           "grade_notebook"]


class GraderError(RuntimeError):
    """The grader itself could not work (not the submission's fault)."""


@dataclass
class QuestionResult:
    """The grade of one autograded question."""

    question: Question
    score: float
    output: str

    @property
    def status(self) -> str:
        return "passed" if self.score >= self.question.points else "failed"


@dataclass
class Report:
    """The grade of one submission.

    Attributes
    ----------
    pset : int
    score, max_score : float
        Points of the autograded questions.
    questions : list of QuestionResult
    hand_graded : list of Question
        Questions graded by hand, not included in the score.
    seconds : float
        Wall-clock time of the grading.
    message : str
        A message about the whole submission (why it could not be graded, or
        notes), empty when there is nothing to say.
    answers : dict
        Question id -> the raw answers read from the sandbox (for inspection).
    """

    pset: int
    score: float
    max_score: float
    questions: list
    hand_graded: list
    seconds: float
    message: str = ""
    answers: dict = field(default_factory=dict, repr=False)


def _points(x: float) -> str:
    text = f"{x:g}"
    return f"{text} point" + ("" if x == 1 else "s")


def find_notebook(path: Path, number: int) -> Path:
    """The notebook to grade in `path` (a file, or a folder as Gradescope gives it)."""
    if path.is_file():
        return path
    if not path.is_dir():
        raise SubmissionError(f"No submission found at {path}.")
    found = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not found:
        raise SubmissionError(f"The submission contains no notebook (.ipynb file): submit "
                              f"pset{number}.ipynb.")
    if len(found) > 1:
        named = [p for p in found if p.name == f"pset{number}.ipynb"]
        if len(named) == 1:
            return named[0]
        names = ", ".join(str(p.relative_to(path)) for p in found)
        raise SubmissionError(f"The submission contains several notebooks ({names}); submit "
                              f"only pset{number}.ipynb.")
    return found[0]


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(MAX_NOTEBOOK_BYTES + 1)


def _status_message(q: Question, status: str, limits: sandbox.Limits) -> str | None:
    if status == "timeout":
        return (f"A cell of {q.title} (or the evaluation of its answers) ran for more than "
                f"{limits.cell_timeout:g} s, so it was stopped and this problem's answers could "
                "not be read. Look for an infinite loop or a very slow computation. The other "
                "problems were graded in a fresh kernel.")
    if status == "died":
        return (f"The kernel died while running {q.title}'s cells or answers (a crash, an exit "
                f"such as os._exit, or more than the {limits.memory / 2**30:.3g} GiB of memory "
                "a process may use), so this problem's answers could not be read. The other "
                "problems were graded in a fresh kernel.")
    if status == "not-run":
        return (f"{q.title} was not reached: the grading ran out of time "
                f"({limits.total_timeout:g} s in all).")
    return None


def _judge(pset: ProblemSet, q: Question, answers: dict, errors: list) -> QuestionResult:
    replays = pset.replays(q.id, answers, f"no answer was recorded for {q.title}.")
    score, lines, failures = 0.0, [], []
    for gi, group in enumerate(pset.groups[q.id]):
        first = None
        for ci, (name, case) in enumerate(group.cases):
            check = pset.checks[name]
            verdict = check.verdict(case, replays[name], name, pset.references[q.id, gi, ci])
            if not verdict.ok:
                failures.append(verdict)
                first = first or (case, verdict)
        if first is None:
            score += group.points
            lines.append(f"passed: {group.name} ({_points(group.points)})")
        else:
            case, verdict = first
            where = "" if verdict.mistake in NO_ANSWER else f" On {case.label}: "
            lines.append(f"FAILED: {group.name} ({_points(group.points)}).{where or ' '}"
                         f"{verdict.message}" + (f"\n  Hint: {group.hint}" if group.hint else ""))
    if failures and all(v.mistake == "not-written" for v in failures) and score == 0:
        stubs = {v.message.split(" ", 1)[0] for v in failures}
        names = [name for name in q.names if name in stubs]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        output = (f"Not answered yet: {listed} still raise"
                  f"{'s' if len(names) == 1 else ''} NotImplementedError; replace the stub"
                  f"{'' if len(names) == 1 else 's'} with your code.")
    elif failures and score == 0 and len({v.message for v in failures}) == 1 and \
            failures[0].mistake in NO_ANSWER:
        output = failures[0].message
    else:
        output = "\n".join(lines)
    # Errors of the problem's own cells help explain a loss. Stubs are reported above,
    # also when a cell wrapped the stub's error in an error of its own.
    errors = [e for e in errors if "NotImplementedError" not in e]
    if errors and score < q.points:
        output += "\nCells of this problem raised: " + "; ".join(errors[:3])
    return QuestionResult(q, score, output)


def grade_notebook(submission, pset: ProblemSet, limits: sandbox.Limits | None = None, *,
                   slot: int = 0, workdir=None, hide=(), cancel=None) -> Report:
    """Grade one submission of `pset`.

    Parameters
    ----------
    submission : path or bytes
        The notebook (a file, or a folder holding one), or its bytes.
    pset : ProblemSet
    limits : sandbox.Limits, optional
        Time, memory and process limits (default: ``sandbox.Limits()``).
    slot : int
        Which concurrent grading this is (selects the sandbox user).
    workdir : path, optional
        Where the sandbox makes its temporary folder.
    hide : sequence of path
        More files or folders the submission must not see (besides the
        master's and the hidden tests' folders).
    cancel : threading.Event, optional
        Passed to :func:`matdiff.grading.sandbox.run`.

    Returns
    -------
    Report
        Malformed submissions get a zero and a message; they never raise.

    Raises
    ------
    GraderError
        When the sandbox cannot be set up (a problem of the grader's machine).
    """
    start = time.monotonic()
    limits = limits or sandbox.Limits()
    autograded = pset.autograded
    hand = [q for q in pset.questions if not q.autograded]

    def zero(message: str) -> Report:
        results = [QuestionResult(q, 0.0, message) for q in autograded]
        return Report(pset.number, 0.0, pset.max_score, results, hand,
                      time.monotonic() - start, message)

    try:
        data = submission if isinstance(submission, bytes) else _read_bytes(
            find_notebook(Path(submission), pset.number))
        parsed = read_submission(data, pset.number, pset.questions)
    except SubmissionError as err:
        return zero(str(err))
    except OSError as err:
        return zero(f"The submission could not be read ({err.strerror or err}).")

    calls = {q.id: pset.calls()[q.id] for q in autograded if q.id not in parsed.missing}
    pset.references  # noqa: B018  (computed before any student code runs)
    hide = [str(pset.master_path.parent), str(pset.hidden_path.parent), *map(str, hide)]
    execution = sandbox.run(parsed.cells, calls, limits, uid=sandbox.sandbox_uid(slot),
                            hide=hide, workdir=workdir, cancel=cancel)
    if execution.setup_error:
        raise GraderError(f"the sandbox could not start: {execution.setup_error}")

    results, answers = [], {}
    for q in autograded:
        if q.id in parsed.missing:
            results.append(QuestionResult(q, 0.0, (
                f"The Markdown cell that starts {q.title} is missing from the notebook (deleted, "
                "or its metadata lost), so its answers could not be found. Download a fresh "
                "copy of the problem set and paste your answers into it.")))
            continue
        region = execution.regions.get(q.id, sandbox.RegionResult())
        answers[q.id] = region.answers
        message = _status_message(q, region.status, limits)
        if message is not None:
            results.append(QuestionResult(q, 0.0, message))
        else:
            results.append(_judge(pset, q, region.answers, region.errors))
    score = sum(r.score for r in results)
    return Report(pset.number, score, pset.max_score, results, hand, time.monotonic() - start,
                  " ".join(parsed.notes), answers)


# ----------------------------------------------------------------------------- many at once


def _submissions(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts and len(p.relative_to(folder).parts)
                   <= 2)
    return found


def _result_name(folder: Path, path: Path) -> str:
    return "__".join(path.relative_to(folder).with_suffix("").parts) + ".json"


class Progress:
    """A progress bar on a terminal; one line per submission otherwise (logs, CI)."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.lock = threading.Lock()

    def step(self, label: str) -> None:
        with self.lock:
            self.done += 1
            if self.tty:
                width = 30
                filled = int(width * self.done / max(self.total, 1))
                elapsed = time.monotonic() - self.start
                eta = elapsed / self.done * (self.total - self.done)
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                                  f"{self.done}/{self.total}  eta {eta:4.0f} s ")
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"graded {self.done}/{self.total}: {label}\n")
            self.stream.flush()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grade_folder(folder, pset: ProblemSet, csv_path, *, results_dir=None, jobs: int = 2,
                 limits: sandbox.Limits | None = None, workdir=None, stream=None) -> dict:
    """Grade every notebook in `folder` (and its subfolders, one level) in parallel.

    One Gradescope results file per submission goes to `results_dir` (default:
    a folder named after the CSV); finished ones are skipped on a re-run, as
    long as the submission and the problem set are unchanged, so an
    interrupted run (Ctrl-C) loses nothing.  The CSV has one row per
    submission with its total and each question's points.

    Returns a summary: {"graded": n, "skipped": n, "total": n}.
    """
    from .gradescope import results_json, write_private

    folder, csv_path = Path(folder), Path(csv_path)
    if not folder.is_dir():
        raise NotADirectoryError(f"no folder of submissions at {folder}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    results_dir = Path(results_dir) if results_dir else csv_path.with_name(csv_path.stem +
                                                                            "-results")
    results_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(results_dir, 0o700)
    submissions = _submissions(folder)
    todo = []
    for path in submissions:
        target = results_dir / _result_name(folder, path)
        try:
            old = json.loads(target.read_text())["matdiff"]
            if old["sha256"] == _sha256(path) and old["fingerprint"] == pset.fingerprint:
                continue
        except (OSError, ValueError, KeyError, TypeError):
            pass
        todo.append(path)
    pset.calls()
    pset.references  # noqa: B018  (both once, before the threads start)
    progress = Progress(len(todo), stream)
    slots = list(range(jobs))
    slot_lock = threading.Lock()
    stop = threading.Event()

    def grade_one(path: Path) -> None:
        with slot_lock:
            slot = slots.pop()
        try:
            if stop.is_set():
                return
            try:
                report = grade_notebook(path, pset, limits, slot=slot, workdir=workdir,
                                        cancel=stop)
            except sandbox.Cancelled:
                return   # interrupted: nothing is recorded for this submission
            data = results_json(report)
            data["matdiff"] = {"submission": str(path.relative_to(folder)),
                               "sha256": _sha256(path), "fingerprint": pset.fingerprint,
                               "questions": {r.question.id: r.score for r in report.questions}}
            write_private(results_dir / _result_name(folder, path), json.dumps(data, indent=1))
            progress.step(f"{path.relative_to(folder)}: {report.score:g}/{report.max_score:g}")
        finally:
            with slot_lock:
                slots.append(slot)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(grade_one, path) for path in todo]
    try:
        for future in concurrent.futures.as_completed(futures):
            future.result()
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        _write_csv(csv_path, folder, submissions, results_dir, pset)
        raise
    pool.shutdown(wait=True)
    _write_csv(csv_path, folder, submissions, results_dir, pset)
    return {"graded": len(todo), "skipped": len(submissions) - len(todo),
            "total": len(submissions)}


def _write_csv(csv_path: Path, folder: Path, submissions, results_dir: Path,
               pset: ProblemSet) -> None:
    from .gradescope import write_private

    ids = [q.id for q in pset.autograded]
    rows = [["submission", "score", "max_score", *ids]]
    for path in submissions:
        try:
            data = json.loads((results_dir / _result_name(folder, path)).read_text())
            per = data["matdiff"]["questions"]
            rows.append([str(path.relative_to(folder)), f"{data['score']:g}",
                         f"{pset.max_score:g}", *(f"{per.get(i, 0):g}" for i in ids)])
        except (OSError, ValueError, KeyError, TypeError):
            rows.append([str(path.relative_to(folder)), "", f"{pset.max_score:g}",
                         *([""] * len(ids))])
    buffer = _CsvBuffer()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    write_private(csv_path, "".join(buffer.parts))


class _CsvBuffer:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)
