"""Problem Set 2: its master, student edition, checks and hidden tests, and grading end to end.

Fast tests first (no sandbox): the master declares what the visible checks
and the grader use, the student edition hides every solution, the master's
answers pass every hidden case with a margin, replayed answers get the
verdicts of live ones, and each plausible wrong answer loses its points with
feedback that names the mistake.  Then one module fixture grades a handful of
submissions in the sandbox, as `matdiff grade-all` does (the engine's own
behaviour on crashes, timeouts and malformed notebooks is tested with
Problem Set 1 and the small course of tests/grading_course.py).
"""

import numpy as np
import pytest
from matdiff.grading.compare import ArrayCheck
from matdiff.grading.problemset import ProblemSet
from matdiff.psets import pset2
from scipy.special import softmax

from tests.conftest import ROOT
from tests.grading_course import (
    assert_every_answer_is_a_friendly_stub,
    assert_no_hidden_inputs,
    assert_no_sandbox_process_is_left,
    assert_student_edition_hides_solutions,
    assert_wide_finite_difference_margins,
    grade_submissions,
    hidden_module,
    judge,
    output,
    scores,
    with_cells,
)

MASTER = ROOT / "solutions" / "pset2.ipynb"
EDITION = ROOT / "psets" / "pset2.ipynb"
FULL = {"q1": 4, "q2": 3, "q3": 3, "q4": 3, "q5": 4, "q6": 3}


@pytest.fixture(scope="module")
def pset():
    # The master runs in this process (for the references), and its setup cell sets
    # NumPy's print options: keep them from leaking into other tests (doctests).
    options = np.get_printoptions()
    try:
        loaded = ProblemSet.load(ROOT, 2)
        loaded.references  # noqa: B018
    finally:
        np.set_printoptions(**options)
    return loaded


@pytest.fixture(scope="module")
def master_answers(pset):
    return {name: pset.solution[name] for q in pset.autograded for name in q.names}


# ---------------------------------------------------------------------------- the notebooks


def test_master_declares_what_the_visible_checks_and_grader_use(pset):
    autograded = {q.id: (q.title, q.names) for q in pset.autograded}
    assert autograded == pset2.QUESTIONS
    assert {q.id: q.points for q in pset.autograded} == FULL and pset.max_score == 20
    hand = [q for q in pset.questions if not q.autograded]
    assert [(q.id, q.points) for q in hand] == [("q4-written", 3), ("q5-written", 2)]
    assert 5 <= len({q.title.split("(")[0] for q in pset.questions}) <= 7
    assert MASTER.read_text().count("BEGIN RUBRIC") == len(hand)
    assert sum(len(v) for v in pset.calls().values()) < 400


def test_student_edition_hides_solutions_rubrics_and_outputs():
    assert_student_edition_hides_solutions(MASTER, EDITION, written=2)


def test_every_answer_is_a_friendly_stub():
    assert_every_answer_is_a_friendly_stub(
        EDITION, pset2.QUESTIONS,
        "import numpy as np\nimport math\nfrom fractions import Fraction\nimport scipy.special")


# ---------------------------------------------------------------------------- checks, in process


def test_the_master_passes_every_hidden_case_with_a_margin(pset, master_answers):
    for qid in FULL:
        assert judge(pset, qid, master_answers) == (FULL[qid], {})
    assert_wide_finite_difference_margins(hidden_module(2), master_answers)


def test_the_public_group_is_the_visible_check_and_agrees_with_the_master(pset,
                                                                         master_answers):
    for qid, (_, names) in pset2.QUESTIONS.items():
        public = pset.groups[qid][0]
        assert public.cases == pset2.CASES[qid]
        visible = pset2.verdicts(qid, *(master_answers[n] for n in names))
        assert all(v.ok for _, _, v in visible)
        for ci, (name, case) in enumerate(public.cases):
            check = pset.checks[name]
            if isinstance(check, ArrayCheck):
                assert np.allclose(check.public_reference(case), pset.references[qid, 0, ci],
                                   rtol=1e-12, atol=0)


def _float_weights(offsets, order):
    s = np.asarray(offsets, dtype=float)
    rows = np.array([s**j / np.prod(np.arange(1.0, j + 1)) for j in range(len(s))])
    return np.linalg.solve(rows, np.eye(len(s))[order])


def _ordinary_kronecker(X, A, B, P, Q):
    return 2 * A.T @ (A @ X - B)


# Plausible wrong answers: (question, answer name, code, the mistake the checks name).
# Each is the master with one function replaced.
WRONG = [
    ("q1", "fd_weights", lambda o, k: np.linalg.solve(
        np.array([np.asarray(o, float) ** j / np.prod(np.arange(1.0, j + 1))
                  for j in range(len(o))]).T, np.eye(len(o))[k]), "rows-per-offset"),
    ("q1", "fd_weights", lambda o, k: np.linalg.solve(
        np.array([np.asarray(o, float) ** j for j in range(len(o))]), np.eye(len(o))[k]),
     "no-factorial"),
    ("q1", "fd_accuracy", lambda o, k: len(o) - k, "points-minus-order"),
    ("q1", "fd_error_constant", lambda o, k: -pset2.CHECKS["fd_error_constant"].public(o, k),
     "sign"),
    ("q2", "d_trace_axbx", lambda X, dX, A, B: 2 * np.trace(A @ X @ B @ dX), "A = B"),
    ("q2", "grad_trace_axbx", lambda X, A, B: A @ X @ B + B @ X @ A, "transpose"),
    ("q3", "grad_norm_residual", lambda X, A, B, C: 2 * A.T @ (A @ X @ B - C) @ B.T, "squared"),
    ("q3", "grad_orthogonality", lambda X: 2 * X @ (X.T @ X - np.eye(X.shape[1])), "factor"),
    ("q4", "grad_ridge", lambda x, A, b, lam: 2 * A.T @ (A @ x - b) + lam * x, "penalty-half"),
    ("q4", "ridge_solve", lambda A, b, lam: np.linalg.lstsq(A, b, rcond=None)[0], "no-penalty"),
    ("q4", "ridge_solve", lambda A, b, lam: np.linalg.solve(
        A.T @ A + lam / 2 * np.eye(A.shape[1]), A.T @ b), "half-penalty"),
    ("q5", "weighted_gradient", lambda x, A, M: A.T @ softmax(A @ x), "ordinary"),
    ("q5", "weighted_gradient", lambda x, A, M: M @ A.T @ softmax(A @ x), "multiplied"),
    ("q5", "kronecker_gradient", lambda *a: a[3] @ _ordinary_kronecker(*a) @ a[4], "multiplied"),
    ("q5", "kronecker_gradient", lambda *a: np.linalg.solve(a[3], _ordinary_kronecker(*a)),
     "left-only"),
    ("q6", "grad_nmf_W", lambda W, H, X, lam, mu: H @ (W @ H - X).T + lam * W.T, "transpose"),
    ("q6", "grad_nmf_W", lambda W, H, X, lam, mu: (W @ H - X) @ H.T, "no-ridge"),
    ("q6", "grad_nmf_H", lambda H, W, X, lam, mu: W.T @ (W @ H - X) + mu * H, "mu-H"),
]


@pytest.mark.parametrize("qid, name, wrong, mistake", WRONG,
                         ids=[f"{w[1]}-{w[3]}" for w in WRONG])
def test_a_plausible_wrong_answer_loses_points_and_is_named(pset, master_answers, qid, name,
                                                             wrong, mistake):
    answers = {**master_answers, name: wrong}
    points, mistakes = judge(pset, qid, answers)
    assert points <= FULL[qid] - 1
    assert mistake in mistakes[name], mistakes
    # The sandbox's recorded numbers get the same verdicts as the live function.
    assert judge(pset, qid, answers, replay=True) == (points, mistakes)


def test_floating_point_weights_pass_but_an_exact_zero_test_on_them_can_fail(pset,
                                                                           master_answers):
    answers = {**master_answers, "fd_weights": _float_weights}
    assert judge(pset, "q1", answers) == (4, {})

    def accuracy(offsets, order):   # `== 0` on float moments
        w, s, j = _float_weights(offsets, order), np.asarray(offsets, float), len(offsets)
        while np.sum(w * s**j) == 0:
            j += 1
        return j - order

    points, mistakes = judge(pset, "q1", {**answers, "fd_accuracy": accuracy})
    assert points < 4 and mistakes["fd_accuracy"] == {"points-minus-order"}


# ---------------------------------------------------------------------------- in the sandbox


MISTAKES_A = {
    "q1": ["def fd_weights(offsets, order):\n"
           "    s = np.asarray(offsets, dtype=float)\n"
           "    V = np.array([s**j / math.factorial(j) for j in range(len(s))])\n"
           "    return np.linalg.solve(V.T, np.eye(len(s))[order])"],
    "q2": ["def grad_trace_axbx(X, A, B):\n    return A @ X @ B + B @ X @ A"],
    "q3": ["def grad_norm_residual(X, A, B, C):\n    return 2 * A.T @ (A @ X @ B - C) @ B.T"],
    "q4": ["def grad_ridge(x, A, b, lam):\n    return 2 * A.T @ (A @ x - b) + lam * x"],
    "q5": ["def weighted_gradient(x, A, M):\n"
           "    return A.T @ scipy.special.softmax(A @ x)"],
    "q6": ["def grad_nmf_H(H, W, X, lam, mu):\n    return W.T @ (W @ H - X) + mu * H"],
}
MISTAKES_B = {
    "q1": ["def fd_accuracy(offsets, order):\n    return len(offsets) - order"],
    "q2": ["def d_trace_axbx(X, dX, A, B):\n    return 2 * np.trace(A @ X @ B @ dX)"],
    "q3": ["def grad_orthogonality(X):\n    return 2 * X @ (X.T @ X - np.eye(X.shape[1]))"],
    "q4": ["def ridge_solve(A, b, lam):\n    return np.linalg.lstsq(A, b, rcond=None)[0]"],
    "q5": ["def kronecker_gradient(X, A, B, P, Q):\n    return P @ (2 * A.T @ (A @ X - B)) @ Q"],
    "q6": ["def grad_nmf_W(W, H, X, lam, mu):\n    return H @ (W @ H - X).T + lam * W.T"],
}

SUBMISSIONS = {
    "master": lambda: MASTER.read_text(),
    "student": lambda: EDITION.read_text(),
    "one_wrong": lambda: with_cells(MASTER, {"q1": MISTAKES_A["q1"]}),
    "mistakes_a": lambda: with_cells(MASTER, MISTAKES_A),
    "mistakes_b": lambda: with_cells(MASTER, MISTAKES_B),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, pset):
    return grade_submissions(tmp_path_factory, pset, SUBMISSIONS)


def test_the_master_solution_scores_full_marks(graded):
    result = graded["master"]
    assert result["score"] == 20 and scores(result) == FULL
    assert all(t["status"] == "passed" for t in result["tests"])
    assert "Graded by hand, not included above: Problem 4(c) (3), Problem 5(c) (2)." in (
        result["output"])


def test_the_untouched_student_edition_scores_zero_with_one_message_per_question(graded):
    result = graded["student"]
    assert result["score"] == 0 and len(result["tests"]) == len(FULL)
    for test in result["tests"]:
        assert test["output"].count("\n") == 0, test["output"]
        assert test["output"].startswith("Not answered yet: ")
    assert output(result, "q1") == ("Not answered yet: fd_weights, fd_accuracy and "
                                    "fd_error_constant still raise NotImplementedError; "
                                    "replace the stubs with your code.")


def test_one_wrong_answer_loses_exactly_its_question(graded):
    result = graded["one_wrong"]
    assert scores(result) == {**FULL, "q1": 0} and result["score"] == 16
    assert "solves the transposed system" in output(result, "q1")


def test_wrong_answers_lose_points_and_the_mistake_is_named(graded):
    a, b = graded["mistakes_a"], graded["mistakes_b"]
    # A wrong fd_weights also spoils fd_accuracy and fd_error_constant, which use it.
    assert scores(a) == {"q1": 0, "q2": 1, "q3": 1, "q4": 1, "q5": 2, "q6": 1}
    assert "solves the transposed system" in output(a, "q1")
    assert "is the transpose of the gradient" in output(a, "q2")
    assert "gradient of the squared norm" in output(a, "q3")
    assert "where the penalty contributes 2 lam x" in output(a, "q4")
    assert "is the ordinary (dot-product) gradient" in output(a, "q5")
    assert "like a squared norm" in output(a, "q6")
    assert scores(b) == {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 1}
    assert "only a lower bound" in output(b, "q1")
    assert "right only when A = B" in output(b, "q2")
    assert "1/2 times the derivative" in output(b, "q3")
    assert "without the penalty" in output(b, "q4")
    assert "must be undone (solved with), not applied" in output(b, "q5")
    assert "its transpose is the gradient" in output(b, "q6")


def test_feedback_never_shows_hidden_inputs(graded):
    assert_no_hidden_inputs(graded.values())


def test_no_sandbox_process_or_folder_is_left_behind(graded):
    assert_no_sandbox_process_is_left()
