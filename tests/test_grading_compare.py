"""The checks shared by visible checks and the grader (matdiff.grading.compare).

Fast tests, no sandbox: answers are validated and judged in this process.
The key property is at the end: judging recorded numbers (what the grader
does with the sandbox's output) gives exactly the verdict of judging the
live function (what a visible check does), on every case of Problem Set 1,
for right answers and for each usual mistake.
"""

import importlib.util
import io
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matdiff.grading import sandbox
from matdiff.grading.compare import (
    AnswerError,
    ArrayCheck,
    Case,
    DerivativeCheck,
    GradientCheck,
    Mistake,
    Variant,
    as_answer,
    live_answer,
)
from matdiff.psets import pset1

from tests.conftest import ROOT
from tests.grading_course import assert_wide_finite_difference_margins, recorded

# ---------------------------------------------------------------------------- as_answer


@pytest.mark.parametrize("value, shape", [(3, ()), (2.5, ()), ([1, 2], (2,)),
                                          (np.eye(2), (2, 2)), (np.float32(1), ()),
                                          ((1.0, 2.0), (2,)), (1 + 2j, ())])
def test_numbers_and_arrays_are_answers(value, shape):
    arr = as_answer(value, "f")
    assert arr.shape == shape and arr.dtype.kind in "iufc"


def test_booleans_become_integers():
    assert as_answer(np.array([True, False])).dtype == np.int64


class Liar:
    """Says it equals anything, and offers no numbers."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class LyingArray:
    """Claims to be an array but hands back a non-array."""

    def __array__(self, dtype=None, copy=None):
        return "surely an array"


class RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no")


@pytest.mark.parametrize("value, words", [
    (None, "returned None instead of a number or an array (is a `return` missing?)"),
    ("1.0", "returned a str, not a number or an array of numbers"),
    ({"a": 1}, "returned a dict, not a number"),
    (Liar(), "returned a Liar, not a number or an array of numbers"),
    (LyingArray(), "returned a LyingArray"),
    (RaisingArray(), "returned a RaisingArray that is not an array of numbers"),
    ([[1, 2], [3]], "returned a list"),
    (np.array([object()]), "returned a ndarray, not a number"),
])
def test_anything_else_is_refused_with_a_message_naming_the_function(value, words):
    with pytest.raises(AnswerError, match=r"^my_answer ") as err:
        as_answer(value, "my_answer")
    assert words in str(err.value)


def test_exact_rationals_are_answers_as_the_nearest_floats():
    assert as_answer([Fraction(1, 3), Fraction(-1, 2)]).tolist() == [1 / 3, -0.5]
    one = as_answer(Fraction(1, 6))
    assert one.shape == () and one.dtype == np.float64 and one == 1 / 6
    assert as_answer((2, Fraction(1, 2))).tolist() == [2.0, 0.5]
    assert as_answer(np.array([Fraction(1, 12), -2, 0.5], dtype=object)).tolist() == [
        1 / 12, -2.0, 0.5]
    for mixed in ([Fraction(1, 2), "a"], [Fraction(1, 2), None], [[Fraction(1)], [1, 2]]):
        with pytest.raises(AnswerError, match=r"^w returned a"):
            as_answer(mixed, "w")

    class Unconvertible(Fraction):
        def __float__(self):
            raise RuntimeError("no")

    with pytest.raises(AnswerError, match="numbers that do not convert to floats"):
        as_answer([Unconvertible(1, 2)], "w")


def test_far_too_large_answers_are_refused():
    with pytest.raises(AnswerError, match="far larger than the answer"):
        as_answer(np.zeros(5_000_000), "f")


def test_live_answer_reports_stubs_errors_and_copies_its_arguments():
    def stub(x):
        raise NotImplementedError("Problem 1: write it")

    with pytest.raises(AnswerError) as err:
        live_answer(stub, "d_quartic")(np.ones(2))
    assert err.value.kind == "not-written"
    assert str(err.value) == "d_quartic is not written yet: it raises NotImplementedError."

    def broken(x):
        return x @ np.ones(5)

    with pytest.raises(AnswerError, match=r"^f raised ValueError: matmul") as err:
        live_answer(broken, "f")(np.ones(2))
    assert err.value.kind == "error"

    x = np.ones(3)

    def mutating(y):
        y += 1
        return y

    assert live_answer(mutating, "f")(x).tolist() == [2, 2, 2] and x.tolist() == [1, 1, 1]
    with pytest.raises(AnswerError, match="is a int, not a function"):
        live_answer(3, "f")(x)


# ---------------------------------------------------------------------------- derivatives

mp = np.linalg.matrix_power


def judge(check, case, fn, name="f"):
    return check.verdict(case, live_answer(fn, name), name, check.public_reference(case))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6))
def test_derivative_mistakes_are_named(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    d1 = pset1.CHECKS["d_quartic"]
    case = Case((x,), "x", seed=seed)
    assert judge(d1, case, lambda x, dx: 8 * (x @ x) ** 3 * (x @ dx))
    assert judge(d1, case, lambda x, dx: 4 * (x @ x) ** 3 * (x @ dx)).mistake == "factor"
    assert judge(d1, case, lambda x, dx: -8 * (x @ x) ** 3 * (x @ dx)).mistake == "sign"

    # (Near x^T A x = 0 the derivative of cos is tiny and finite differences cannot
    # resolve it to the check's tolerance; the hidden cases avoid that, see below.)
    assume(abs(x @ A @ x) > 0.1)
    d2, case2 = pset1.CHECKS["d_cos_quadratic"], Case((x, A / 2), "A", seed=seed)
    assert judge(d2, case2, lambda x, dx, A: -np.sin(x @ A @ x) * (x @ (A + A.T) @ dx))
    verdict = judge(d2, case2, lambda x, dx, A: -np.sin(x @ A @ x) * 2 * (x @ A @ dx))
    assert verdict.mistake == "symmetric-only" and "only when A is symmetric" in verdict.message

    d3, g3, case3 = (pset1.CHECKS["d_trace_fourth_power"],
                     pset1.CHECKS["grad_trace_fourth_power"], Case((A,), "A", seed=seed))
    assert judge(d3, case3, lambda A, dA: 4 * np.trace(mp(A, 3) @ dA))
    assert judge(d3, case3, lambda A, dA: 4 * np.trace(mp(A, 3) @ dA.T)).mistake == "transpose"
    assert judge(g3, case3, lambda A: 4 * mp(A, 3).T)
    verdict = judge(g3, case3, lambda A: 4 * mp(A, 3), "grad_trace_fourth_power")
    assert verdict.mistake == "transpose" and "transpose of the gradient" in verdict.message

    d4, case4 = pset1.CHECKS["d_fourth_power"], Case((A,), "A", seed=seed)

    def right(A, dA):
        return dA @ mp(A, 3) + A @ dA @ A @ A + A @ A @ dA @ A + mp(A, 3) @ dA

    assert judge(d4, case4, right)
    assert judge(d4, case4, lambda A, dA: right(A, dA).T).mistake == "transpose"
    assert judge(d4, case4, lambda A, dA: 2 * right(A, dA)).mistake == "factor"
    verdict = judge(d4, case4, lambda A, dA: 4 * mp(A, 3) @ dA)
    assert verdict.mistake == "commuting" and "commutes with A" in verdict.message


def test_a_formula_right_only_for_symmetric_inputs_is_named():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(X):
        return np.trace(X.T @ X @ X)

    verdict = judge(GradientCheck(f), Case((X,), "X", seed=1), lambda X: 3 * X @ X)
    assert verdict.mistake == "symmetric-only"
    verdict = judge(DerivativeCheck(f), Case((X,), "X", seed=1),
                    lambda X, dX: 3 * np.trace(X @ X @ dX))
    assert verdict.mistake == "symmetric-only"


def test_gradient_mistakes_are_named_before_the_general_diagnosis():
    # The eigenvector of the wrong eigenvalue fits none of the general mistakes;
    # a Mistake names it.  A right answer never meets the mistakes, and a wrong
    # answer that is not the mistake gets the general diagnosis.
    A = np.diag([3.0, 1.0, -2.0]) + 0.1 * np.ones((3, 3))

    def top(A, k):
        v = np.linalg.eigh(A)[1][:, k]
        return np.outer(v, v)

    def smallest(A):
        return top(A, 0)

    check = GradientCheck(lambda A: np.linalg.eigvalsh((A + A.T) / 2)[-1], mistakes=(
        Mistake("smallest", smallest, "the smallest eigenvalue's gradient"),))
    case = Case((A,), "A", seed=2)
    assert judge(check, case, lambda A: top(A, -1))
    verdict = judge(check, case, smallest)
    assert verdict.mistake == "smallest" and verdict.message == "the smallest eigenvalue's gradient"
    assert judge(check, case, lambda A: 2 * top(A, -1)).mistake == "factor"
    assert judge(check, case, lambda A: top(A, 1)).mistake == "unknown"
    assert judge(GradientCheck(check.f), case, smallest).mistake == "unknown"


def test_a_mistake_that_cannot_be_made_on_a_case_does_not_match():
    # A wrong formula whose shapes fit only square inputs raises on this case:
    # it is skipped, and the answer is judged by the next mistake or in general.
    A, B = np.ones((2, 3)), np.ones((3, 4))
    check = ArrayCheck(mistakes=(
        Mistake("square-only", lambda A, B: A @ A, "needs square A"),
        Mistake("double", lambda A, B: 2 * A @ B, "twice the answer"),))
    case = Case((A, B), "A, B", expected=A @ B)
    assert judge(check, case, lambda A, B: 2 * A @ B).mistake == "double"
    assert judge(check, case, lambda A, B: 3 * A @ B).mistake == "unknown"
    grad = GradientCheck(lambda x, B: np.sum(B @ x), mistakes=(
        Mistake("square-only", lambda x, B: B @ B @ x, "needs square B"),))
    case = Case((np.ones(3), np.arange(6.0).reshape(2, 3)), "x", seed=1)
    assert judge(grad, case, lambda x, B: B.T @ np.ones(2))
    assert judge(grad, case, lambda x, B: 2 * B.T @ np.ones(2)).mistake == "factor"


def test_a_derivative_of_the_wrong_shape_says_so():
    verdict = judge(pset1.CHECKS["d_quartic"], Case((np.ones(3),), "x", seed=1),
                    lambda x, dx: 8 * (x @ x) ** 3 * x, "d_quartic")
    assert verdict.mistake == "shape"
    assert "d_quartic returned shape (3,), but f(x) has shape ()" in verdict.message


def test_gradient_check_uses_the_case_seed_for_its_directions():
    check = GradientCheck(lambda x: x @ x)
    seen = []

    def grad(x):
        seen.append(x.copy())
        return 2 * x

    assert judge(check, Case((np.ones(3),), "x", seed=4), grad)
    assert all(np.array_equal(s, np.ones(3)) for s in seen)


def spd_matrix(rng, n):
    G = rng.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def test_a_gradient_for_another_inner_product_is_checked_through_its_metric():
    rng = np.random.default_rng(7)
    x, M = rng.standard_normal(4), spd_matrix(rng, 4)

    def f(x, M):
        return np.sum(np.sin(x)) + x @ x

    def right(x, M):
        return np.linalg.solve(M, np.cos(x) + 2 * x)

    check = GradientCheck(f, metric=lambda g, x, M: M @ g, variants=(
        Variant("ordinary", lambda g, x, M: g, "the ordinary gradient"),
        Variant("multiplied", lambda g, x, M: np.linalg.solve(M, g), "M times it"),
    ))
    case = Case((x, M), "x", seed=3)
    assert judge(check, case, right)
    assert not judge(GradientCheck(f), case, right)      # not the dot-product gradient
    ordinary = judge(check, case, lambda x, M: np.cos(x) + 2 * x)
    assert ordinary.mistake == "ordinary" and ordinary.message == "the ordinary gradient"
    assert judge(check, case, lambda x, M: M @ (np.cos(x) + 2 * x)).mistake == "multiplied"
    assert judge(check, case, lambda x, M: 2 * right(x, M)).mistake == "factor"
    assert judge(check, case, lambda x, M: -right(x, M)).mistake == "sign"
    verdict = judge(check, case, lambda x, M: right(x, M)[:3], "g")
    assert verdict.mistake == "shape"
    assert verdict.message.startswith("g has shape (3,), but the variable has shape (4,)")


def test_a_transposed_gradient_for_a_matrix_inner_product_is_named():
    rng = np.random.default_rng(8)
    X, P, Q = rng.standard_normal((3, 2)), spd_matrix(rng, 3), spd_matrix(rng, 2)

    def f(X, P, Q):
        return np.sum(X**3)

    def right(X, P, Q):
        return np.linalg.solve(P, 3 * X**2) @ np.linalg.inv(Q)

    check = GradientCheck(f, metric=lambda g, X, P, Q: P @ g @ Q)
    case = Case((X, P, Q), "X", seed=2)
    assert judge(check, case, right)
    verdict = judge(check, case, lambda X, P, Q: right(X, P, Q).T, "G")
    assert verdict.mistake == "transpose" and "its transpose is right" in verdict.message
    assert judge(check, case, lambda X, P, Q: np.ones((2, 2))).mistake == "shape"


def test_gradient_variants_name_a_mistake_before_the_generic_diagnosis():
    check = GradientCheck(lambda x: x @ x + np.sum(x), variants=(
        Variant("no-linear-term", lambda g, x: g + 1, "the linear term is missing"),))
    case = Case((np.arange(3.0) - 1,), "x", seed=1)
    assert judge(check, case, lambda x: 2 * x + 1)
    assert judge(check, case, lambda x: 2 * x).message == "the linear term is missing"
    assert judge(check, case, lambda x: 4 * x + 2).mistake == "factor"


# ---------------------------------------------------------------------------- arrays


def test_exact_answers_must_be_exact_but_may_be_floats_or_tuples():
    check = ArrayCheck(rtol=0.0, atol=0.0)
    case = Case(([3, 4, 5, 1],), "chain", expected=np.array([75, 32]))
    assert judge(check, case, lambda s: (75, 32))
    assert judge(check, case, lambda s: [75.0, 32.0])
    verdict = judge(check, case, lambda s: (75, 33), "chain_costs")
    assert not verdict
    assert verdict.message == "chain_costs returned [75, 33], which is not the answer."


def test_arrays_compare_with_tolerance_shape_and_known_mistakes():
    A, B = np.arange(6.0).reshape(2, 3), np.arange(8.0).reshape(4, 2) - 3
    check = pset1.CHECKS["jacobian_axb"]
    case = Case((A, B), "A, B")
    assert judge(check, case, lambda A, B: np.kron(B.T, A))
    assert judge(check, case, lambda A, B: np.kron(B.T, A) * (1 + 1e-13))
    assert not judge(check, case, lambda A, B: np.kron(B.T, A) * (1 + 1e-6))
    assert judge(check, case, lambda A, B: np.kron(A, B.T)).mistake == "row-major"
    assert judge(check, case, lambda A, B: np.kron(B, A)).mistake == "no-transpose"
    assert judge(check, case, lambda A, B: np.kron(B.T, A).T).mistake == "transposed"
    verdict = judge(check, case, lambda A, B: np.ones((3, 3)), "jacobian_axb")
    assert verdict.mistake == "shape" and "returned shape (3, 3)" in verdict.message
    verdict = judge(check, case, lambda A, B: np.kron(B.T, A) * np.nan, "jacobian_axb")
    assert verdict.mistake == "nonfinite"


def test_extra_axes_of_length_one_are_harmless():
    check = ArrayCheck(rtol=1e-12)
    case = Case((np.arange(3.0),), "v", expected=np.arange(3.0))
    assert judge(check, case, lambda v: v.reshape(3, 1))
    assert judge(check, case, lambda v: v.reshape(1, 3, 1))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8))
def test_eigenvectors_compare_up_to_scale(seed, n):
    rng = np.random.default_rng(seed)
    S = rng.standard_normal((n, n))
    S = S + S.T
    _, vectors = np.linalg.eigh(S)
    top = vectors[:, -1]
    case = Case((S,), "S", expected=top)
    scaled = ArrayCheck(rtol=1e-8, up_to="scale")
    signed = ArrayCheck(rtol=1e-8, up_to="sign")
    factor = rng.uniform(0.5, 3) * rng.choice([-1, 1])
    assert judge(scaled, case, lambda S: factor * top)
    assert judge(signed, case, lambda S: -top)
    assert not judge(signed, case, lambda S: 2 * top)
    assert not judge(scaled, case, lambda S: vectors[:, 0])
    assert not judge(ArrayCheck(rtol=1e-8), case, lambda S: -top)


def test_up_to_must_be_a_known_invariance():
    with pytest.raises(ValueError, match="up_to must be None, 'sign' or 'scale'"):
        ArrayCheck(up_to="rotation")


def test_public_reference_needs_a_function_or_expected_values():
    with pytest.raises(ValueError, match="has no public reference"):
        ArrayCheck().public_reference(Case((1,), "x"))


def test_mistakes_are_recognised_by_their_function():
    check = ArrayCheck(mistakes=(Mistake("double", lambda v: 2 * v, "twice the answer"),))
    case = Case((np.ones(2),), "v", expected=np.ones(2))
    assert judge(check, case, lambda v: 2 * v).message == "twice the answer"


# ---------------------------------------------------------------------------- npy bytes


def npy_bytes(value, **kw):
    buf = io.BytesIO()
    np.save(buf, value, **kw)
    return buf.getvalue()


def test_decode_npy_reads_numbers_and_nothing_else():
    for value in (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.eye(3)), np.int64(7),
                  np.array([1 + 2j])):
        assert np.array_equal(sandbox.decode_npy(npy_bytes(value)), value)
    with pytest.raises(ValueError, match="not numbers"):
        sandbox.decode_npy(npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True))
    with pytest.raises(ValueError, match="not numbers"):
        sandbox.decode_npy(npy_bytes(np.zeros(2, dtype=[("a", float)])))
    with pytest.raises(ValueError, match="not numbers"):
        sandbox.decode_npy(npy_bytes(np.array(["text"])))
    with pytest.raises(ValueError, match="does not match its header"):
        sandbox.decode_npy(npy_bytes(np.arange(10.0))[:-8])
    with pytest.raises(ValueError, match=r"not a valid \.npy"):
        sandbox.decode_npy(b"\x93NUMPY garbage")
    huge = npy_bytes(np.zeros(1)).replace(b"(1,)", b"(" + b"9" * 12 + b",)")
    with pytest.raises(ValueError, match="far larger than the answer"):
        sandbox.decode_npy(huge)


# ---------------------------------------------------------------------------- replay


def hidden_pset1():
    spec = importlib.util.spec_from_file_location("hidden_pset1_for_tests",
                                                  ROOT / "tests" / "hidden" / "pset1.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def right_and_wrong():
    """For each answer name, a right function and functions with the usual mistakes."""

    def d4(A, dA):
        return dA @ mp(A, 3) + A @ dA @ A @ A + A @ A @ dA @ A + mp(A, 3) @ dA

    def solve(u, Ai, v, b):
        y, z = Ai @ b, Ai @ u
        return y - z * (v @ y) / (1 + v @ z)

    def dsolve(u, du, Ai, v, b):
        return -(v @ solve(u, Ai, v, b)) * solve(u, Ai, v, du)

    def costs(s):
        k = len(s) - 1
        return (sum(s[i] * s[i - 1] * s[0] for i in range(2, k + 1)),
                sum(s[k] * s[i] * s[i - 1] for i in range(1, k)))

    def stub(*args):
        raise NotImplementedError

    return {
        "d_quartic": [lambda x, dx: 8 * (x @ x) ** 3 * (x @ dx),
                      lambda x, dx: 4 * (x @ x) ** 3 * (x @ dx), stub],
        "d_cos_quadratic": [lambda x, dx, A: -np.sin(x @ A @ x) * (x @ (A + A.T) @ dx),
                            lambda x, dx, A: -np.sin(x @ A @ x) * 2 * (x @ A @ dx)],
        "d_trace_fourth_power": [lambda A, dA: 4 * np.trace(mp(A, 3) @ dA),
                                 lambda A, dA: 4 * np.trace(mp(A, 3) @ dA.T)],
        "grad_trace_fourth_power": [lambda A: 4 * mp(A, 3).T, lambda A: 4 * mp(A, 3)],
        "d_fourth_power": [d4, lambda A, dA: d4(A, dA).T, lambda A, dA: 4 * mp(A, 3) @ dA],
        "jacobian_axb": [lambda A, B: np.kron(B.T, A), lambda A, B: np.kron(A, B.T)],
        "solve_rank_one": [solve, lambda u, Ai, v, b: Ai @ b],
        "d_solve_rank_one": [dsolve, lambda *a: -dsolve(*a)],
        "chain_costs": [costs, lambda s: costs(s)[::-1], lambda s: "many"],
    }


def test_replayed_answers_get_the_verdict_of_live_answers_on_every_case():
    hidden = hidden_pset1()
    master = {}
    for name, fns in right_and_wrong().items():
        for fn in fns:
            for qid, groups in hidden.GROUPS.items():
                for group in groups:
                    for case_name, case in group.cases:
                        if case_name != name:
                            continue
                        check = hidden.CHECKS[name]
                        if isinstance(check, ArrayCheck):
                            ref = master.setdefault((qid, id(case)), check.reference(
                                case, fns[0]))
                        else:
                            ref = None
                        live = check.verdict(case, live_answer(fn, name), name, ref)
                        replay = check.verdict(case, recorded(check, case, fn, name), name,
                                               ref)
                        assert live == replay, (name, case.label, live, replay)
                        if fn is fns[0]:
                            assert live.ok, (name, case.label, live.message)


def test_the_public_group_is_the_visible_check_and_agrees_with_the_master_reference():
    hidden = hidden_pset1()
    right = {name: fns[0] for name, fns in right_and_wrong().items()}
    for qid, (_, names) in pset1.QUESTIONS.items():
        public = hidden.GROUPS[qid][0]
        assert public.cases == pset1.CASES[qid]
        visible = pset1.verdicts(qid, *(right[n] for n in names))
        assert all(v.ok for _, _, v in visible)
        for name, case in public.cases:
            check = hidden.CHECKS[name]
            if isinstance(check, ArrayCheck):
                assert np.allclose(check.public_reference(case),
                                   check.reference(case, right[name]), rtol=1e-9, atol=0)


def test_visible_check_prints_one_line_per_distinct_problem(capsys):
    def stub(x, dx):
        raise NotImplementedError

    pset1.check("q1", stub)
    assert capsys.readouterr().out == ("Problem 1: 0 of 2 public cases pass.\n"
                                       "  - d_quartic is not written yet: it raises "
                                       "NotImplementedError.\n")
    with pytest.raises(ValueError, match="question must be one of q1, q2"):
        pset1.check("q9", stub)
    with pytest.raises(TypeError, match="Problem 3 has 2 answer"):
        pset1.check("q3", stub)


def test_hidden_cases_leave_finite_differences_a_wide_margin():
    # A correct answer computed differently from the master differs from it by
    # roundoff; a margin of 100x below the tolerance keeps it passing.
    hidden = hidden_pset1()
    assert_wide_finite_difference_margins(hidden, {name: fns[0] for name, fns
                                                   in right_and_wrong().items()})


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are used only by root")
def test_concurrent_graders_never_share_a_sandbox_uid():
    first, lock = sandbox.claim_uid(sandbox.SANDBOX_UID)
    try:
        second, other = sandbox.claim_uid(sandbox.SANDBOX_UID)
        other.close()
        assert second > first
    finally:
        lock.close()
    again, lock = sandbox.claim_uid(sandbox.SANDBOX_UID)
    lock.close()
    assert again == first
