"""Problem Set 3 end to end: its checks, its master, its student edition and wrong answers.

The first tests need no sandbox: the master declares what the visible checks
and the grader use, the student edition hides every solution, the master's
answers pass every hidden case with a wide margin, replayed answers get the
verdicts of live ones, and each plausible wrong answer loses points with
feedback that names the mistake (at least two per autograded question).

Then one module fixture grades a handful of submissions in parallel (two at a
time), each a realistic edit of the master or of the student edition, as
`matdiff grade-all` does.  What must hold: the master scores full marks, the
untouched student edition scores 0 with one clear message per question, a
wrong answer costs exactly its question, and usual wrong answers lose points
with feedback that names the mistake.
"""

import nbformat
import numpy as np
import pytest
import scipy.linalg as sla
from matdiff.grading.compare import ArrayCheck
from matdiff.grading.notebook import questions_of
from matdiff.grading.problemset import ProblemSet
from matdiff.psets import pset3
from scipy.special import expit

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

MASTER = ROOT / "solutions" / "pset3.ipynb"
EDITION = ROOT / "psets" / "pset3.ipynb"
FULL = {"q1": 3, "q2": 4, "q3": 4, "q4": 4, "q5": 5}


@pytest.fixture(scope="module")
def pset():
    loaded = ProblemSet.load(ROOT, 3)
    loaded.references  # noqa: B018
    return loaded


@pytest.fixture(scope="module")
def right(pset):
    """The master's answers, as the grader's process defines them."""
    return {name: pset.solution[name] for q in pset.autograded for name in q.names}


# ---------------------------------------------------------------------------- the notebooks


def test_the_master_declares_what_the_visible_checks_and_grader_use(pset):
    questions = questions_of(nbformat.read(MASTER, as_version=4))
    assert {q.id: (q.title, q.names) for q in questions if q.autograded} == pset3.QUESTIONS
    assert {q.id: q.points for q in questions if q.autograded} == FULL
    assert pset.max_score == 20
    assert 5 <= len({q.title.split("(")[0] for q in questions}) <= 7
    hand = [(q.id, q.points) for q in questions if not q.autograded]
    assert hand == [("q3-derivation", 3)]
    assert MASTER.read_text().count("BEGIN RUBRIC") == len(hand)
    assert sum(len(v) for v in pset.calls().values()) < 400


def test_the_student_edition_hides_solutions_rubrics_and_outputs():
    assert_student_edition_hides_solutions(MASTER, EDITION, written=1)


def test_every_answer_is_a_friendly_stub():
    assert_every_answer_is_a_friendly_stub(EDITION, pset3.QUESTIONS, "import numpy as np")


# ---------------------------------------------------------------------------- checks, in process


def test_the_public_group_is_the_visible_check_and_agrees_with_the_master(pset, right):
    for qid, (_, names) in pset3.QUESTIONS.items():
        public = pset.groups[qid][0]
        assert public.cases == pset3.CASES[qid]
        visible = pset3.verdicts(qid, *(right[n] for n in names))
        assert all(v.ok for _, _, v in visible), [v.message for _, _, v in visible]
    for gi_qid, groups in pset.groups.items():
        for gi, group in enumerate(groups):
            for ci, (name, case) in enumerate(group.cases):
                check = pset.checks[name]
                if isinstance(check, ArrayCheck):   # public references exist for every case
                    assert np.allclose(check.public_reference(case),
                                       pset.references[gi_qid, gi, ci],
                                       rtol=1e-9, atol=1e-12), (name, case.label)


def test_the_master_scores_full_marks_without_a_sandbox(pset, right):
    for qid in FULL:
        assert judge(pset, qid, right) == (FULL[qid], {})


def test_hidden_cases_leave_finite_differences_a_wide_margin(right):
    assert_wide_finite_difference_margins(hidden_module(3), right)


def test_the_large_adjoint_case_rules_out_dense_matrices(pset):
    (name, case), = pset.groups["q3"][-1].cases
    m = len(case.args[0])
    assert name == "grad_objective" and m * m * 8 > 10 * 2**30   # far over the memory limit


# Plausible wrong answers, as a student would write them: (question, answer name,
# function, the mistake the checks must name).  Each is the master with one
# function replaced.

def _G(S, mu, X):
    R = X - mu
    Si = np.linalg.inv(S)
    return 0.5 * (Si @ R.T @ R @ Si - len(X) * Si)


def _adjoint_gradient(p, b, c, transposed=True):
    ab = pset3.tridiagonal_bands(p)
    x = sla.solve_banded((1, 1), ab, b)
    abT = ab.copy()
    if transposed:
        abT[0, 1:], abT[2, :-1] = ab[2, :-1], ab[0, 1:]
    lam = sla.solve_banded((1, 1), abT, c)
    s = c @ x
    g = -2 * s * lam * 2 * p * x
    g[1:] += 2 * s * lam[1:] * x[:-1]
    return g


def _untransposed_adjoint(p, b, c):
    return _adjoint_gradient(p, b, c, transposed=False)     # A lam = c


def _half_adjoint(p, b, c):
    return _adjoint_gradient(p, b, c) / 2                   # d(s^2) = s ds


def _diagonal_only_state(p, dp, b):
    ab = pset3.tridiagonal_bands(p)
    x = sla.solve_banded((1, 1), ab, b)
    return -sla.solve_banded((1, 1), ab, 2 * p * dp * x)


def _dA_x(p, dp, b):
    x = pset3.state(p, b)
    out = 2 * p * dp * x
    out[1:] -= dp[1:] * x[:-1]
    return out


def _trace(lam, K, B, C, s, dM):
    return np.trace(np.linalg.solve(pset3.loaded_string(lam, K, B, C, s), dM))


def _step(dM, sign=-1.0):
    return lambda lam, K, B, C, s: lam + sign / _trace(lam, K, B, C, s, dM(lam, K, B, C, s))


def _dM(lam, K, B, C, s):
    return -B - s / (lam - s) ** 2 * C


def _linear_pencil(lam0, K, B, C, s):
    ev = sla.eigh(K, B, eigvals_only=True)
    return ev[np.argmin(np.abs(ev - lam0))]


def _empirical_fisher_step(beta, X, y):
    S = (expit(X @ beta) - y)[:, None] * X
    return beta - np.linalg.solve(S.T @ S, X.T @ (expit(X @ beta) - y))


def _fisher(beta, X):
    s = expit(X @ beta)
    return X.T @ ((s * (1 - s))[:, None] * X)


WRONG = [
    ("q1", "grad_det", lambda A: np.linalg.det(A) * np.linalg.inv(A), "transposed"),
    ("q1", "grad_det", lambda A: np.linalg.inv(A).T, "no-det"),
    ("q1", "grad_logabsdet", lambda A: np.linalg.inv(A), "transposed"),
    ("q1", "grad_logdet_gram", lambda X: X @ np.linalg.inv(X.T @ X), "factor"),
    ("q1", "grad_logdet_gram", lambda X: 2 * np.linalg.inv(X.T @ X) @ X.T, "transpose"),
    ("q2", "grad_loglik_mu", lambda mu, S, X: np.linalg.solve(S, np.sum(mu - X, axis=0)),
     "sign"),
    ("q2", "grad_loglik_mu", lambda mu, S, X: S @ np.sum(X - mu, axis=0), "no-inverse"),
    ("q2", "grad_loglik_Sigma", lambda S, mu, X: 2 * _G(S, mu, X), "no-half"),
    ("q2", "grad_loglik_Sigma", lambda S, mu, X: 2 * _G(S, mu, X) - np.diag(np.diag(
        _G(S, mu, X))), "distinct-entries"),
    ("q2", "grad_loglik_Sigma", lambda S, mu, X: 2 * np.tril(_G(S, mu, X)) - np.diag(np.diag(
        _G(S, mu, X))), "lower-triangular"),
    ("q2", "grad_loglik_precision", lambda L, mu, X: _G(np.linalg.inv(L), mu, X),
     "covariance-gradient"),
    ("q2", "grad_loglik_precision", lambda L, mu, X: 0.5 * ((X - mu).T @ (X - mu)
                                                           - len(X) * np.linalg.inv(L)),
     "sign"),
    ("q3", "d_state", _diagonal_only_state, "diagonal-only"),
    ("q3", "grad_objective", _untransposed_adjoint, "untransposed-adjoint"),
    ("q3", "grad_objective", _half_adjoint, "missing-2"),
    ("q3", "d_state", lambda p, dp, b: sla.solve_banded(
        (1, 1), pset3.tridiagonal_bands(p), _dA_x(p, dp, b)), "sign"),      # A dx = +dA x
    ("q4", "dlogdet_M", lambda lam, K, B, C, s: _trace(lam, K, B, C, s, -B),
     "no-rational-term"),
    ("q4", "dlogdet_M", lambda lam, K, B, C, s: _trace(lam, K, B, C, s, -B + C / (lam - s)),
     "quotient-rule"),
    ("q4", "newton_step", _step(_dM, sign=1.0), "sign"),
    ("q4", "newton_step", _step(lambda lam, K, B, C, s: -B + C / (lam - s)), "quotient-rule"),
    ("q4", "nonlinear_eigenvalue", _linear_pencil, "linear-pencil"),
    ("q4", "nonlinear_eigenvalue", _step(_dM), "one-step"),
    ("q5", "nll_grad", lambda beta, X, y: X.T @ (y - expit(X @ beta)), "sign"),
    ("q5", "nll_grad", lambda beta, X, y: X.T @ (expit(-X @ beta) - y), "flipped-sigmoid"),
    ("q5", "fisher_information", lambda beta, X: X.T @ X, "no-weights"),
    ("q5", "fisher_information", lambda beta, X: X.T @ (expit(X @ beta)[:, None] * X),
     "wrong-weights"),
    ("q5", "fisher_scoring_step", lambda beta, X, y: beta + np.linalg.solve(
        _fisher(beta, X), X.T @ (expit(X @ beta) - y)), "sign"),
    ("q5", "fisher_scoring_step", lambda beta, X, y: beta - np.linalg.solve(
        X.T @ X, X.T @ (expit(X @ beta) - y)), "no-weights"),
    ("q5", "fisher_scoring_step", _empirical_fisher_step, "empirical-fisher"),
]


def test_every_autograded_question_has_two_named_wrong_answers():
    for qid in pset3.QUESTIONS:
        assert len({(name, kind) for q, name, _, kind in WRONG if q == qid}) >= 2, qid


@pytest.mark.parametrize("qid, name, wrong, mistake", WRONG,
                         ids=[f"{w[1]}-{w[3]}" for w in WRONG])
def test_a_plausible_wrong_answer_loses_points_and_is_named(pset, right, qid, name, wrong,
                                                             mistake):
    answers = {**right, name: wrong}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        points, mistakes = judge(pset, qid, answers)
        assert points <= FULL[qid] - 1
        assert mistake in mistakes[name], mistakes
        # The sandbox's recorded numbers get the same verdicts as the live function.
        assert judge(pset, qid, answers, replay=True) == (points, mistakes)


# ---------------------------------------------------------------------------- in the sandbox


# Each replaces one answer the way a student's wrong cell would; later answers of
# the problem call it.
MISTAKES_A = {
    "q1": ["def grad_det(A):\n    return np.linalg.det(A) * np.linalg.inv(A)"],
    "q2": ["def grad_loglik_Sigma(Sigma, mu, X):\n    R = X - mu\n"
           "    Si = np.linalg.inv(Sigma)\n    return Si @ R.T @ R @ Si - len(X) * Si"],
    "q3": ["def grad_objective(p, b, c):\n    ab = tridiagonal_bands(p)\n"
           "    x = sla.solve_banded((1, 1), ab, b)\n"
           "    lam = sla.solve_banded((1, 1), ab, c)\n    s = c @ x\n"
           "    dA_x = 2 * p * x\n    dA_x[1:] -= x[:-1]\n    return -2 * s * lam * dA_x"],
    "q4": ["def newton_step(lam, K, B, C, sigma):\n"
           "    return lam + 1 / dlogdet_M(lam, K, B, C, sigma)"],
    "q5": ["def fisher_information(beta, X):\n    return X.T @ X"],
}
MISTAKES_B = {
    "q1": ["def grad_logabsdet(A):\n    return np.linalg.inv(A)"],
    "q2": ["def grad_loglik_precision(Lam, mu, X):\n"
           "    return grad_loglik_Sigma(np.linalg.inv(Lam), mu, X)"],
    "q3": ["def grad_objective(p, b, c):\n    ab = tridiagonal_bands(p)\n"
           "    x = sla.solve_banded((1, 1), ab, b)\n"
           "    A = tridiagonal_matrix(p)\n    lam = np.linalg.solve(A.T, c)\n"
           "    dA_x = 2 * p * x\n    dA_x[1:] -= x[:-1]\n    return -2 * (c @ x) * lam * dA_x"],
    "q4": ["def dlogdet_M(lam, K, B, C, sigma):\n"
           "    dM = -B + C / (lam - sigma)\n"
           "    return np.trace(np.linalg.solve(loaded_string(lam, K, B, C, sigma), dM))"],
    "q5": ["def fisher_scoring_step(beta, X, y):\n"
           "    s = (expit(X @ beta) - y)[:, None] * X\n"
           "    return beta - np.linalg.solve(s.T @ s, nll_grad(beta, X, y))"],
}

SUBMISSIONS = {
    "master": lambda: MASTER.read_text(),
    "student": lambda: EDITION.read_text(),
    "one_wrong": lambda: with_cells(MASTER, {"q2": MISTAKES_A["q2"]}),
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
    assert "Graded by hand, not included above: Problem 3(c) (3)." in result["output"]


def test_the_untouched_student_edition_scores_zero_with_one_message_per_question(graded):
    result = graded["student"]
    assert result["score"] == 0 and len(result["tests"]) == len(FULL)
    for test in result["tests"]:
        assert test["output"].count("\n") == 0, test["output"]
        assert test["output"].startswith("Not answered yet: ")
        assert test["output"].endswith("still raise NotImplementedError; replace the stubs "
                                       "with your code.")
    assert output(result, "q4") == (
        "Not answered yet: dlogdet_M, newton_step and nonlinear_eigenvalue still raise "
        "NotImplementedError; replace the stubs with your code.")


def test_one_wrong_answer_loses_exactly_its_question(graded):
    result = graded["one_wrong"]
    assert scores(result) == {**FULL, "q2": 2} and result["score"] == 18
    assert "is twice the gradient" in output(result, "q2")


def test_usual_wrong_answers_lose_points_and_the_mistake_is_named(graded):
    a, b = graded["mistakes_a"], graded["mistakes_b"]
    # A wrong answer also spoils the answers that call it (q4, q5); groups that
    # test only right answers keep their points.
    assert scores(a) == {"q1": 1, "q2": 2, "q3": 1, "q4": 1, "q5": 1}
    assert "det(A) A^-1, the transpose of the gradient" in output(a, "q1")
    assert "is twice the gradient" in output(a, "q2")
    assert "where the adjoint equation is A^T lam = c" in output(a, "q3")
    assert "newton_step goes the wrong way" in output(a, "q4")
    assert "fisher_information is X^T X" in output(a, "q5")
    assert "fisher_scoring_step uses X^T X" in output(a, "q5")
    # q1, q2, q5: the wrong function fails the public group and its own hidden group;
    # q3: only the large case, where a dense A(p) runs out of memory; q4: dlogdet_M
    # is called by the other two answers, so every group fails.
    assert scores(b) == {"q1": 1, "q2": 2, "q3": 3, "q4": 0, "q5": 2}
    assert "MemoryError" in output(b, "q3")
    assert "grad_logabsdet is A^-1" in output(b, "q1")
    assert "a change of variables needs the chain rule" in output(b, "q2")
    assert "O(m)" in output(b, "q3")
    assert "by the quotient rule" in output(b, "q4")
    assert "the 'empirical Fisher'" in output(b, "q5")


def test_feedback_never_shows_hidden_inputs(graded):
    assert_no_hidden_inputs(graded.values())


def test_no_sandbox_process_is_left_behind(graded):
    assert_no_sandbox_process_is_left()
