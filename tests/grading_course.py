"""A tiny course for the grading tests: a two-question problem set 9, fast to execute.

``make_course(tmp)`` writes ``solutions/pset9.ipynb`` (the master) and
``tests/hidden/pset9.py`` (its hidden tests) under ``tmp``.  Question q1 asks
for the derivative of X -> X^2 as an operator, q2 for a small array (the
Kronecker product of a vector with itself); q3 is graded by hand.
``submission(answers)`` builds a student notebook from code snippets, so each
test states exactly what the student wrote.  Also helpers shared by the
problem sets' grading tests: ``with_cells`` (a real notebook with a student's
extra cells) and ``recorded`` (the answers the sandbox would record).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import nbformat
from matdiff.grading import sandbox
from matdiff.grading.compare import AnswerError, live_answer
from matdiff.grading.problemset import Replay, args_key

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
