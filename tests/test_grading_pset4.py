"""Problem Set 4 end to end: its checks, its master, its student edition and wrong answers.

The first tests need no sandbox: the master declares what the visible checks
and the grader use, every hidden case is judged the same from live answers (a
visible check) and from recorded numbers (the grader), the master's answers
pass with a wide margin, and each usual mistake is recognised by name.

Then one module fixture grades a folder of submissions in parallel (two at a
time), each a realistic edit of the master or of the student edition, as
`matdiff grade-all` does.  What must hold: the master scores full marks, the
untouched student edition scores 0 with one clear message per question, a
wrong answer costs exactly its question, and two usual wrong answers per
autograded question lose points with feedback that names the mistake.
"""

import json

import nbformat
import numpy as np
import pytest
from matdiff.grading.compare import ArrayCheck, live_answer
from matdiff.grading.notebook import questions_of
from matdiff.grading.problemset import ProblemSet
from matdiff.psets import pset4

from tests.conftest import ROOT
from tests.grading_course import (
    assert_no_hidden_inputs,
    assert_no_sandbox_process_is_left,
    assert_wide_finite_difference_margins,
    grade_submissions,
    hidden_cases,
    hidden_module,
    output,
    recorded,
    scores,
    with_cells,
)

MASTER = ROOT / "solutions" / "pset4.ipynb"
EDITION = ROOT / "psets" / "pset4.ipynb"
FULL = {"q1": 4, "q2": 5, "q3": 3, "q4": 4, "q5": 4}


@pytest.fixture(scope="module")
def problem_set():
    return ProblemSet.load(ROOT, 4)


@pytest.fixture(scope="module")
def right(problem_set):
    """The master's answers, as the grader's process defines them."""
    before = np.get_printoptions()
    answers = {name: problem_set.solution[name] for name in problem_set.checks}
    # The master sets NumPy's print options; the grader's process keeps its own.
    assert np.get_printoptions() == before
    return answers


# ---------------------------------------------------------------------------- the usual mistakes
#
# Each is a plain function of the answer's arguments, written as a student
# would; `wrong_answers(right)` gives, for each answer name, (function, the
# mistake the check must name on at least one hidden case).


def _sym(M):
    return (M + M.T) / 2


def _top(M, k=-1):
    return np.linalg.eigh(M)[1][:, k]


def wrong_answers(right):
    import scipy.linalg as sla

    P = lambda Q, K: pset4.softmax_rows(Q @ K.T / np.sqrt(Q.shape[1]))   # noqa: E731
    r = lambda Q: np.sqrt(Q.shape[1])                                    # noqa: E731

    def own_eigenvector(g, v, A):
        return right["top_eigvec_vjp"](g, _top(A), A)

    def unsymmetrized(g, v, A):
        w = np.linalg.pinv((v @ A @ v) * np.eye(len(v)) - A) @ g
        return np.outer(w, v)

    def unprojected(g, v, A):
        n = len(v)
        w = np.linalg.solve((v @ A @ v) * np.eye(n) - A + np.outer(v, v), g)
        return _sym(np.outer(w, v))

    return {
        "sqrtm_vjp": [(lambda g, S, A: sla.solve_sylvester(S, S, g), "pushforward"),
                      (lambda g, S, A: 0.5 * np.linalg.solve(S, g), "scalar-rule"),
                      (lambda g, S, A: right["sqrtm_vjp"](g, S, A).T, "transposed")],
        "grad_sqrtm_loss": [(lambda A, B: right["grad_sqrtm_loss"](A, B) / 2, "factor")],
        "softmax_rows_vjp": [
            (lambda S, Pb: pset4.softmax_rows(S) * Pb, "no-outer-term"),
            (lambda S, Pb: pset4.softmax_rows(S) * (Pb - np.sum(pset4.softmax_rows(S) * Pb,
                                                                 axis=0)), "columns")],
        "attention_grad_V": [(lambda Q, K, V, G: P(Q, K) @ G, "transposed"),
                             (lambda Q, K, V, G: (Q @ K.T / r(Q)).T @ G, "scores")],
        "attention_grad_Q": [
            (lambda Q, K, V, G: right["attention_grad_Q"](Q, K, V, G) * r(Q), "no-scale"),
            (lambda Q, K, V, G: (P(Q, K) * (G @ V.T)) @ K / r(Q), "no-outer-term")],
        "attention_grad_K": [
            (lambda Q, K, V, G: right["attention_grad_K"](Q, K, V, G) * r(Q), "no-scale"),
            (lambda Q, K, V, G: right["softmax_rows_vjp"](Q @ K.T / r(Q), G @ V.T) @ Q / r(Q),
             "transposed")],
        "grad_lambda_max": [(lambda A: np.outer(_top(A, 0), _top(A, 0)), "smallest"),
                            (lambda A: np.outer(3 * _top(A), 3 * _top(A)), "factor")],
        "grad_spectral_norm_squared": [
            (lambda X: np.outer(_top(X.T @ X), _top(X.T @ X)), "no-chain-rule"),
            (lambda X: X @ np.outer(_top(X.T @ X), _top(X.T @ X)), "factor"),
            (lambda X: 2 * np.outer(_top(X.T @ X), _top(X.T @ X)) @ X.T, "transpose")],
        "d_expm": [(lambda A, dA: sla.expm(A) @ dA, "commuting"),
                   (lambda A, dA: dA @ sla.expm(A), "commuting"),
                   (lambda A, dA: np.zeros_like(A), "zero")],
        "grad_trace_expm": [(lambda A, C: right["d_expm"](A, C), "symmetric-only"),
                            (lambda A, C: sla.expm(A).T @ C, "scalar-rule")],
        "top_eigvec_vjp": [(own_eigenvector, "sign"),
                           (lambda g, v, A: -right["top_eigvec_vjp"](g, v, A), "sign"),
                           (unsymmetrized, "unsymmetrized"),
                           (unprojected, "no-projection")],
        "grad_top_eigvec_ipr": [
            (lambda A: unsymmetrized(4 * _top(A) ** 3, _top(A), A), "unsymmetrized"),
            (lambda A: right["top_eigvec_vjp"](4 * _top(A, 0) ** 3, _top(A, 0), A),
             "smallest")],
    }


# ---------------------------------------------------------------------------- without a sandbox


def test_the_master_declares_what_the_visible_checks_and_grader_use(problem_set):
    questions = questions_of(nbformat.read(MASTER, as_version=4))
    autograded = {q.id: (q.title, q.names) for q in questions if q.autograded}
    assert autograded == pset4.QUESTIONS
    assert {q.id: q.points for q in questions if q.autograded} == FULL
    assert 5 <= len({q.title.split("(")[0] for q in questions}) <= 7
    hand = [q.id for q in questions if not q.autograded]
    assert hand == ["q2-derivation", "q5-written"]
    assert MASTER.read_text().count("BEGIN RUBRIC") == len(hand)
    assert problem_set.max_score == 20


def test_the_public_group_is_the_visible_check_and_agrees_with_the_master(right):
    hidden = hidden_module(4)
    for qid, (_, names) in pset4.QUESTIONS.items():
        public = hidden.GROUPS[qid][0]
        assert public.cases == pset4.CASES[qid]
        visible = pset4.verdicts(qid, *(right[n] for n in names))
        assert all(v.ok for _, _, v in visible), [v.message for _, _, v in visible]
    for _, name, case in hidden_cases(hidden):
        check = hidden.CHECKS[name]
        if isinstance(check, ArrayCheck):   # public references exist for every case
            assert np.allclose(check.public_reference(case), check.reference(case, right[name]),
                               rtol=1e-9, atol=1e-12), (name, case.label)


def test_recorded_answers_get_the_verdict_of_live_answers_on_every_case(right):
    hidden = hidden_module(4)
    wrong = wrong_answers(right)
    for _, name, case in hidden_cases(hidden):
        check = hidden.CHECKS[name]
        ref = check.reference(case, right[name]) if isinstance(check, ArrayCheck) else None
        for fn in [right[name]] + [f for f, _ in wrong[name]]:
            live = check.verdict(case, live_answer(fn, name), name, ref)
            replay = check.verdict(case, recorded(check, case, fn, name), name, ref)
            assert live == replay, (name, case.label, live, replay)
            if fn is right[name]:
                assert live.ok, (name, case.label, live.message)


def test_hidden_cases_leave_finite_differences_a_wide_margin(right):
    # A correct answer computed differently from the master differs from it by
    # roundoff; a margin of 100x below the tolerance keeps it passing, also at
    # the nearly repeated eigenvalues.
    assert_wide_finite_difference_margins(hidden_module(4), right)


def test_each_usual_mistake_fails_and_is_named(right):
    hidden = hidden_module(4)
    for name, mistakes in wrong_answers(right).items():
        check = hidden.CHECKS[name]
        cases = [case for _, n, case in hidden_cases(hidden) if n == name]
        for fn, kind in mistakes:
            verdicts = [check.verdict(case, live_answer(fn, name), name,
                                      check.reference(case, right[name])
                                      if isinstance(check, ArrayCheck) else None)
                        for case in cases]
            assert not all(verdicts), (name, kind)
            assert kind in {v.mistake for v in verdicts}, (name, kind,
                                                           {v.message for v in verdicts})


def test_an_eigenvector_rule_must_use_the_sign_it_is_given(right):
    # The same A and g with v and -v: the pullback flips with v, a rule that
    # computes its own eigenvector passes one of the two and fails the other.
    cases = [case for name, case in pset4.CASES["q5"] if name == "top_eigvec_vjp"]
    (g1, v1, A1), (g2, v2, A2) = (c.args for c in cases)
    assert np.array_equal(A1, A2) and np.array_equal(g1, g2) and np.allclose(v1, -v2)
    own = wrong_answers(right)["top_eigvec_vjp"][0][0]
    verdicts = [v for _, _, v in pset4.verdicts("q5", own, right["grad_top_eigvec_ipr"])]
    assert sum(v.ok for v in verdicts) == 2 and not all(verdicts)
    assert "instead of using the v it is given" in next(v.message for v in verdicts if not v)


# ---------------------------------------------------------------------------- graded in the sandbox


# Each replaces one answer the way a student's wrong cell would (re-registering a
# rule where the engine uses it); later answers of the problem call it.
MISTAKES_A = {
    "q1": ["def sqrtm_vjp(g, S, A):\n    return sla.solve_sylvester(S, S, g)\n\n"
           "ad.defvjp(sqrtm, sqrtm_vjp)"],
    "q2": ["def softmax_rows_vjp(S, Pbar):\n    return softmax_rows(S) * Pbar"],
    "q3": ["def grad_lambda_max(A):\n    v = np.linalg.eigh(A)[1][:, 0]\n"
           "    return np.outer(v, v)"],
    "q4": ["def d_expm(A, dA):\n    return sla.expm(A) @ dA"],
    "q5": ["_rule = top_eigvec_vjp\n\ndef top_eigvec_vjp(g, v, A):\n"
           "    return _rule(g, np.linalg.eigh(A)[1][:, -1], A)\n\n"
           "ad.defvjp(eigvec, top_eigvec_vjp)"],
}
MISTAKES_B = {
    "q1": ["def sqrtm_vjp(g, S, A):\n    return 0.5 * np.linalg.solve(S, g)\n\n"
           "ad.defvjp(sqrtm, sqrtm_vjp)"],
    "q2": ["def attention_grad_Q(Q, K, V, G):\n"
           "    return softmax_rows_vjp(Q @ K.T / np.sqrt(Q.shape[1]), G @ V.T) @ K"],
    "q3": ["def grad_spectral_norm_squared(X):\n    v = np.linalg.eigh(X.T @ X)[1][:, -1]\n"
           "    return np.outer(v, v)"],
    "q4": ["def grad_trace_expm(A, C):\n    return d_expm(A, C)"],
    "q5": ["def top_eigvec_vjp(g, v, A):\n"
           "    w = np.linalg.pinv((v @ A @ v) * np.eye(len(v)) - A) @ g\n"
           "    return np.outer(w, v)\n\nad.defvjp(eigvec, top_eigvec_vjp)"],
}

SUBMISSIONS = {
    "master": lambda: MASTER.read_text(),
    "student": lambda: EDITION.read_text(),
    "one_wrong": lambda: with_cells(MASTER, {"q4": ["def d_expm(A, dA):\n"
                                                    "    return dA @ sla.expm(A)"]}),
    "mistakes_a": lambda: with_cells(MASTER, MISTAKES_A),
    "mistakes_b": lambda: with_cells(MASTER, MISTAKES_B),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, problem_set):
    return grade_submissions(tmp_path_factory, problem_set, SUBMISSIONS)


def test_the_master_solution_scores_full_marks(graded):
    result = graded["master"]
    assert result["score"] == 20 and scores(result) == FULL
    assert all(t["status"] == "passed" for t in result["tests"])
    assert "Graded by hand, not included above: Problem 2(d) (3), Problem 5(c) (2)." in (
        result["output"])


def test_the_untouched_student_edition_scores_zero_with_one_message_per_question(graded):
    result = graded["student"]
    assert result["score"] == 0 and len(result["tests"]) == len(FULL)
    for test in result["tests"]:
        assert test["output"].count("\n") == 0, test["output"]
        assert test["output"].startswith("Not answered yet: ")
        assert test["output"].endswith("still raise NotImplementedError; replace the stubs "
                                       "with your code.")
    assert output(result, "q2") == (
        "Not answered yet: softmax_rows_vjp, attention_grad_V, attention_grad_Q and "
        "attention_grad_K still raise NotImplementedError; replace the stubs with your code.")


def test_one_wrong_answer_loses_exactly_its_question(graded):
    result = graded["one_wrong"]
    assert scores(result) == {**FULL, "q4": 0} and result["score"] == 16
    assert "right only when dA commutes with A" in output(result, "q4")


def test_usual_wrong_answers_lose_points_and_the_mistake_is_named(graded):
    a, b = graded["mistakes_a"], graded["mistakes_b"]
    # A wrong rule also spoils the gradient the engine computes with it; groups
    # that test only right answers keep their points.
    assert scores(a) == {"q1": 0, "q2": 1, "q3": 1, "q4": 0, "q5": 0}
    assert "that is the pushforward" in output(a, "q1")
    assert "the - s s^T term is missing" in output(a, "q2")
    assert "v v^T for the smallest eigenvalue" in output(a, "q3")
    assert "right only when dA commutes with A" in output(a, "q4")
    assert "e^(A^T) C, the scalar rule" in output(a, "q4")
    assert "instead of using the v it is given" in output(a, "q5")
    assert scores(b) == {"q1": 0, "q2": 2, "q3": 1, "q4": 2, "q5": 0}
    assert "the scalar rule d sqrt(a)" in output(b, "q1")
    assert "the factor 1/sqrt(d)" in output(b, "q2")
    assert "the gradient of lambda_max with respect to M = X^T X" in output(b, "q3")
    assert "right when x is symmetric but wrong in general" in output(b, "q4")
    assert "w v^T, not symmetrized" in output(b, "q5")
    assert "is not symmetric" in output(b, "q5")


def test_feedback_never_shows_hidden_inputs(graded):
    assert_no_hidden_inputs(graded.values())
    # nor numbers in scientific notation (a tolerance like 1e-08 is not an input)
    for result in graded.values():
        assert "e-0" not in json.dumps(result).replace("1e-0", "")


def test_no_sandbox_process_is_left_behind(graded):
    assert_no_sandbox_process_is_left()
