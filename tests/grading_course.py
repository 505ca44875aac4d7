"""A tiny course for the grading tests: a two-question problem set 9, fast to execute.

``make_course(tmp)`` writes ``solutions/pset9.ipynb`` (the master) and
``tests/hidden/pset9.py`` (its hidden tests) under ``tmp``.  Question q1 asks
for the derivative of X -> X^2 as an operator, q2 for a small array (the
Kronecker product of a vector with itself); q3 is graded by hand.
``submission(answers)`` builds a student notebook from code snippets, so each
test states exactly what the student wrote.  Also helpers shared by the
problem sets' grading tests: ``with_cells`` (a real notebook with a student's
extra cells), ``recorded`` (the answers the sandbox would record),
``hidden_module`` and ``hidden_cases`` (a problem set's hidden tests),
``judge`` (a question's points and named mistakes, without a sandbox),
``assert_wide_finite_difference_margins``, ``grade_submissions`` (a folder of
submissions graded as `matdiff grade-all` does), ``scores`` and ``output`` (read
a graded result), ``assert_no_hidden_inputs`` and
``assert_no_sandbox_process_is_left``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
from pathlib import Path

import nbformat
from matdiff.grading import sandbox
from matdiff.grading.compare import AnswerError, DerivativeCheck, GradientCheck, live_answer
from matdiff.grading.grader import grade_folder
from matdiff.grading.problemset import Replay, args_key

from tests.conftest import ROOT

# Limits for grading the problem sets' submissions in the tests.
LIMITS = sandbox.Limits(cell_timeout=10, total_timeout=300)

SETUP = "import numpy as np"

Q1_SOLUTION = """\
def d_square(X, dX):
    # BEGIN SOLUTION
    return dX @ X + X @ dX
    # END SOLUTION"""

Q2_SOLUTION = """\
def outer_vec(v):
    # BEGIN SOLUTION
    return np.kron(v, v)
    # END SOLUTION"""

HIDDEN = '''\
import numpy as np

from matdiff.grading.compare import ArrayCheck, Case, DerivativeCheck
from matdiff.grading.problemset import Group

CHECKS = {
    "d_square": DerivativeCheck(lambda X: X @ X),
    "outer_vec": ArrayCheck(rtol=1e-12),
}

rng = np.random.default_rng(9)
GROUPS = {
    "q1": [
        Group("square matrices", 1, [("d_square", Case((rng.standard_normal((n, n)),),
                                                        f"a {n}x{n} X", seed=n))
                                     for n in (2, 4)]),
        Group("a 1x1 matrix", 1, [("d_square", Case((rng.standard_normal((1, 1)),), "1x1"))],
              hint="A 1x1 matrix is a number."),
    ],
    "q2": [Group("vectors", 2, [("outer_vec", Case((rng.standard_normal(n),), f"n = {n}"))
                                for n in (1, 3)])],
}
'''


def _question(qid, title, points, autograded, names, text):
    cell = nbformat.v4.new_markdown_cell(f"## {title}\n\n{text}")
    cell.metadata["matdiff"] = {"question": {"id": qid, "title": title, "points": points,
                                             "autograded": autograded, "names": names}}
    return cell


def master_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["matdiff"] = {"pset": 9}
    written = _question("q3", "Problem 3", 1, False, [], "Explain.")
    written.source += ("\n\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"
                       "\n\n<!-- BEGIN RUBRIC -->\n1 point: says why.\n<!-- END RUBRIC -->")
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Problem set 9"),
        nbformat.v4.new_code_cell(SETUP),
        _question("q1", "Problem 1", 2, True, ["d_square"], "Differentiate X^2."),
        nbformat.v4.new_code_cell(Q1_SOLUTION),
        _question("q2", "Problem 2", 2, True, ["outer_vec"], "Return kron(v, v)."),
        nbformat.v4.new_code_cell(Q2_SOLUTION),
        written,
    ]
    return nb


def make_course(root) -> Path:
    root = Path(root)
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    (root / "tests" / "hidden").mkdir(parents=True, exist_ok=True)
    nbformat.write(master_notebook(), root / "solutions" / "pset9.ipynb")
    (root / "tests" / "hidden" / "pset9.py").write_text(HIDDEN)
    return root


def submission(q1: str | None = None, q2: str | None = None, *, setup: str = SETUP,
               extra: dict | None = None, pset: int = 9) -> bytes:
    """A submission's bytes: the student edition with answers replaced by the given code.

    `extra` maps a question id (or "preamble") to one more code cell appended
    to that question's cells.
    """
    from matdiff.grading.notebook import student_edition

    nb = student_edition(master_notebook())
    nb.metadata["matdiff"]["pset"] = pset
    codes = [c for c in nb.cells if c.cell_type == "code"]
    codes[0].source = setup
    if q1 is not None:
        codes[1].source = q1
    if q2 is not None:
        codes[2].source = q2
    # Insert from the bottom up, so that earlier positions stay put.
    positions = {"preamble": 2, "q1": 4, "q2": 6, "q3": 7}
    for region, source in sorted((extra or {}).items(), key=lambda kv: -positions[kv[0]]):
        nb.cells.insert(positions[region], nbformat.v4.new_code_cell(source))
    return nbformat.writes(nb).encode()


RIGHT_Q1 = "def d_square(X, dX):\n    return dX @ X + X @ dX"
RIGHT_Q2 = "def outer_vec(v):\n    return np.kron(v, v)"


@contextlib.contextmanager
def idle_sandbox_uids(slots=2):
    """The sandbox uids of the first `slots` gradings that no grader holds now.

    A process left under such a uid is a leak.  Another grading running on the
    same machine at the same time (a second test run, say) holds its uid's lock,
    and its processes and files are not ours: those uids are left out.  The
    locks are held while the caller looks, so no grading can start under them.
    """
    held = []
    try:
        for slot in range(slots):
            uid = sandbox.sandbox_uid(slot)
            if uid is None:
                continue
            try:
                claimed, lock = sandbox.claim_uid(uid)
            except RuntimeError:
                continue
            if claimed != uid:
                lock.close()
                continue
            held.append((uid, lock))
        yield [uid for uid, _ in held]
    finally:
        for _, lock in held:
            lock.close()


def marker(cell):
    """The id of the question a cell starts, or None."""
    return cell.get("metadata", {}).get("matdiff", {}).get("question", {}).get("id")


def with_cells(source_path, added=None, edit=None) -> str:
    """A notebook's text with extra code cells at the end of some questions' cells.

    `added` maps a question id to the sources of the cells to append to its
    region; `edit(nb)` may change the notebook further.
    """
    nb = nbformat.read(source_path, as_version=4)
    for qid, codes in (added or {}).items():
        ids = [marker(c) for c in nb.cells]
        start = ids.index(qid)
        end = next((i for i in range(start + 1, len(ids)) if ids[i] is not None),
                   len(nb.cells))
        for code in reversed(codes):
            nb.cells.insert(end, nbformat.v4.new_code_cell(code))
    if edit is not None:
        edit(nb)
    return nbformat.writes(nb)


def recorded(check, case, fn, name):
    """What the sandbox would record: the live answer at every planned call, as a Replay."""
    index, answers = {}, {}
    for i, args in enumerate(check.calls(case)):
        index[args_key(args)] = str(i)
        try:
            answers[str(i)] = live_answer(fn, name)(*args)
        except AnswerError as err:
            answers[str(i)] = f"{err.kind}\n{err}"
    return Replay(name, index, answers, "missing")


# ---------------------------------------------------------------- the problem sets' grading tests


def hidden_module(number: int):
    """The hidden tests of Problem Set `number`, imported as a module of their own."""
    spec = importlib.util.spec_from_file_location(f"hidden_pset{number}_for_tests",
                                                  ROOT / "tests" / "hidden" / f"pset{number}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hidden_cases(hidden):
    """Every (question id, answer name, Case) of a hidden-tests module."""
    for qid, groups in hidden.GROUPS.items():
        for group in groups:
            for name, case in group.cases:
                yield qid, name, case


def judge(pset, qid, answers, replay=False):
    """(points, {answer name: set of mistakes}) of question qid for these functions.

    `pset` is a loaded :class:`~matdiff.grading.problemset.ProblemSet`; with
    `replay`, each answer is judged from the numbers the sandbox would record.
    """
    points, mistakes = 0, {}
    for gi, group in enumerate(pset.groups[qid]):
        ok = True
        for ci, (name, case) in enumerate(group.cases):
            check = pset.checks[name]
            answer = (recorded(check, case, answers[name], name) if replay
                      else live_answer(answers[name], name))
            verdict = check.verdict(case, answer, name, pset.references[qid, gi, ci])
            if not verdict.ok:
                ok = False
                mistakes.setdefault(name, set()).add(verdict.mistake)
        points += group.points if ok else 0
    return points, mistakes


def assert_wide_finite_difference_margins(hidden, right):
    """Every right answer passes each derivative and gradient case 100x below its rtol.

    A right answer computed differently from the master differs from it by
    roundoff; the margin keeps it passing.  A gradient for another inner
    product is checked through its check's metric.
    """
    from matdiff import check_derivative, check_gradient

    for _, name, case in hidden_cases(hidden):
        check, fn = hidden.CHECKS[name], right[name]
        x, *params = case.args
        if isinstance(check, DerivativeCheck):
            result = check_derivative(lambda y, p=params, f=check.f: f(y, *p),
                                      lambda y, d, p=params, fn=fn: fn(y, d, *p), x,
                                      rng=case.seed, trials=check.trials, rtol=check.rtol)
        elif isinstance(check, GradientCheck):
            metric = check.metric or (lambda g, *a: g)
            result = check_gradient(lambda y, p=params, f=check.f: f(y, *p),
                                    lambda y, p=params, fn=fn, m=metric: m(fn(y, *p), y, *p),
                                    x, rng=case.seed, trials=3, rtol=check.rtol)
        else:
            continue
        assert result.ok and result.rel_error < check.rtol / 100, (name, case.label, result)


def grade_submissions(tmp_path_factory, problem_set, submissions, limits=LIMITS) -> dict:
    """Grade {name: make() -> notebook text} in parallel (two at a time); name -> results.json."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, make in submissions.items():
        (folder / f"{name}.ipynb").write_text(make())
    out = tmp_path_factory.mktemp("grades")
    counts = grade_folder(folder, problem_set, out / "grades.csv", jobs=2, limits=limits)
    assert counts["graded"] == len(submissions)
    return {name: json.loads((out / "grades-results" / f"{name}.json").read_text())
            for name in submissions}


def scores(result):
    """{question id: score} of a graded result."""
    return {t["name"].split("(")[-1].rstrip(")"): t["score"] for t in result["tests"]}


def output(result, qid):
    """The feedback a graded result gives for question `qid`."""
    return next(t["output"] for t in result["tests"] if t["name"].endswith(f"({qid})"))


def assert_no_hidden_inputs(results):
    """Feedback describes inputs ("a 30x4 A, lam = 0.1"), never shows their values.

    Values would show as arrays or as numbers with many digits.
    """
    for result in results:
        text = json.dumps(result)
        assert "array(" not in text and not re.search(r"\d\.\d{4,}", text), text[:2000]


def assert_no_sandbox_process_is_left():
    with idle_sandbox_uids() as uids:
        for uid in uids:
            assert [p for p in sandbox.user_processes(uid) if p[2] != "Z"] == []


def assert_student_edition_hides_solutions(master_path, edition_path, written: int):
    """No solution line, rubric or explanation of the master leaks into its student edition.

    The edition has no outputs, the same questions, and `written` placeholders
    for hand-graded answers.
    """
    from matdiff.grading.notebook import questions_of

    master = nbformat.read(master_path, as_version=4)
    text = Path(edition_path).read_text()
    for cell in master.cells:
        for block in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", cell.source, re.S):
            for line in block.strip().splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    assert line.strip() not in text, f"solution line leaked: {line.strip()!r}"
        for kind in ("SOLUTION", "RUBRIC", "EXPLANATION"):
            for block in re.findall(rf"<!-- BEGIN {kind} -->(.*?)<!-- END {kind} -->",
                                    cell.source, re.S):
                assert block.strip()[:60] not in text
    edition = json.loads(text)
    assert not re.search(r"BEGIN|Rubric", text)
    assert all(c["outputs"] == [] for c in edition["cells"] if c["cell_type"] == "code")
    assert sum("**Your answer.**" in "".join(c["source"]) for c in edition["cells"]) == written
    assert [q.id for q in questions_of(edition)] == [q.id for q in questions_of(master)]


def assert_every_answer_is_a_friendly_stub(edition_path, questions, setup: str):
    """Each answer of the edition raises NotImplementedError saying which problem it is.

    `setup` is the code (imports) the stubs' cells need; `questions` maps a
    question id to (title, answer names), as a problem set's ``QUESTIONS``.
    """
    edition = nbformat.read(edition_path, as_version=4)
    namespace = {}
    exec(setup, namespace)
    for cell in edition.cells:
        if cell.cell_type == "code" and "NotImplementedError" in cell.source:
            exec(cell.source, namespace)
    for title, names in questions.values():
        for name in names:
            fn = namespace[name]
            try:
                fn(*[None] * fn.__code__.co_argcount)
            except NotImplementedError as err:
                assert str(err).startswith(f"{title}: write the body of {name}("), str(err)
            else:
                raise AssertionError(f"{name} does not raise NotImplementedError")
