"""Problem set 1 (Lectures 1 and 2): the functions, checks and public cases.

The problems' functions are defined here so that the notebook, its visible
checks and the grader all use the same ones:

=====================================  =========================================
``quartic(x)``                         :math:`(x^\\top x)^4` for a vector ``x``
``cos_quadratic(x, A)``                :math:`\\cos(x^\\top A x)`
``trace_fourth_power(A)``              :math:`\\operatorname{tr}(A^4)`
``fourth_power(A)``                    :math:`A^4`
``axb(X, A, B)``                       :math:`A X B`
``rank_one_solution(u, A_inv, v, b)``  :math:`(A + u v^\\top)^{-1} b`, the slow way
``chain_costs_examples``               the worked examples of Problem 7
=====================================  =========================================

Call ``check(question, *answers)`` under an answer to run its visible checks,
for example ``check("q1", d_quartic)``.

Examples
--------
>>> import numpy as np
>>> check("q1", lambda x, dx: 8 * (x @ x) ** 3 * (x @ dx))
Problem 1: 2 of 2 public cases pass.
  The grader also tries hidden cases: other sizes, non-symmetric and rectangular inputs, edge cases.
"""

from __future__ import annotations

import numpy as np

from ..finite_differences import fd_jacobian
from ..grading.compare import ArrayCheck, Case, DerivativeCheck, GradientCheck, Mistake, Variant
from . import PublicProblemSet

__all__ = [
    "CASES",
    "CHECKS",
    "QUESTIONS",
    "axb",
    "chain_costs_examples",
    "check",
    "cos_quadratic",
    "fourth_power",
    "quartic",
    "rank_one_solution",
    "trace_fourth_power",
]


# ---------------------------------------------------------------- the problems' functions


def quartic(x):
    """f(x) = (x^T x)^4 for a vector x."""
    return (x @ x) ** 4


def cos_quadratic(x, A):
    """f(x) = cos(x^T A x) for a vector x and a square matrix A."""
    return np.cos(x @ A @ x)


def trace_fourth_power(A):
    """f(A) = tr(A^4) for a square matrix A."""
    A2 = A @ A
    return np.trace(A2 @ A2)


def fourth_power(A):
    """f(A) = A^4 for a square matrix A."""
    A2 = A @ A
    return A2 @ A2


def axb(X, A, B):
    """f(X) = A X B."""
    return A @ X @ B


def rank_one_solution(u, A_inv, v, b):
    """x(u) = (A + u v^T)^-1 b, computed the slow O(n^3) way from A = inv(A_inv)."""
    return np.linalg.solve(np.linalg.inv(A_inv) + np.outer(u, v), b)


# (sizes, (forward cost, reverse cost)): the examples worked in Problem 7's text.
chain_costs_examples = [((3, 4, 5, 1), (75, 32)), ((100, 50, 50, 1), (255000, 7500))]


# ---------------------------------------------------------------- how each answer is judged


def _symmetric_part_of_A(args):
    x, dx, A = args
    return x, dx, (A + A.T) / 2


def _direction_commuting_with_A(args):
    A, _ = args
    return A, A @ A + A   # a polynomial in A commutes with A


CHECKS = {
    "d_quartic": DerivativeCheck(quartic),
    "d_cos_quadratic": DerivativeCheck(cos_quadratic, variants=(Variant(
        "symmetric-only", _symmetric_part_of_A,
        "d_cos_quadratic is right only when A is symmetric: the change of x^T A x is "
        "dx^T A x + x^T A dx = x^T (A + A^T) dx, which is 2 x^T A dx only when A = A^T."),)),
    "d_trace_fourth_power": DerivativeCheck(trace_fourth_power),
    "grad_trace_fourth_power": GradientCheck(trace_fourth_power),
    "d_fourth_power": DerivativeCheck(fourth_power, variants=(Variant(
        "commuting", _direction_commuting_with_A,
        "d_fourth_power is right only when dA commutes with A (as for 4 A^3 dA): matrix "
        "products do not commute, so each of the four factors of A A A A contributes its own "
        "term, with dA in that factor's place."),)),
    "jacobian_axb": ArrayCheck(
        rtol=1e-10,
        public=lambda A, B: fd_jacobian(lambda X: A @ X @ B, np.zeros((A.shape[1], B.shape[0]))),
        mistakes=(
            Mistake("row-major", lambda A, B: np.kron(A, B.T),
                    "jacobian_axb is the Jacobian for a vec that stacks rows (NumPy's default "
                    "reshape order); this book's vec stacks columns (order='F')."),
            Mistake("transposed", lambda A, B: np.kron(B.T, A).T,
                    "jacobian_axb is the transpose of the Jacobian: in numerator layout it has "
                    "one row per entry of A X B and one column per entry of X."),
            Mistake("no-transpose", lambda A, B: np.kron(B, A),
                    "jacobian_axb is (B kron A): close, but a transpose is missing; write out "
                    "vec(A X B) for a 2x2 example to see which factor needs it."),
        )),
    "solve_rank_one": ArrayCheck(rtol=1e-8, public=rank_one_solution),
    "d_solve_rank_one": DerivativeCheck(rank_one_solution),
    "chain_costs": ArrayCheck(rtol=0.0, atol=0.0),
}

QUESTIONS = {
    "q1": ("Problem 1", ("d_quartic",)),
    "q2": ("Problem 2", ("d_cos_quadratic",)),
    "q3": ("Problem 3", ("d_trace_fourth_power", "grad_trace_fourth_power")),
    "q4": ("Problem 4", ("d_fourth_power",)),
    "q5": ("Problem 5", ("jacobian_axb",)),
    "q6": ("Problem 6", ("solve_rank_one", "d_solve_rank_one")),
    "q7": ("Problem 7", ("chain_costs",)),
}


# ---------------------------------------------------------------- public cases


def well_conditioned(rng, n):
    """A random non-symmetric n x n matrix whose inverse is well behaved."""
    return n * np.eye(n) + rng.standard_normal((n, n))


def rank_one_arguments(rng, n):
    """Arguments (u, A_inv, v, b) of Problem 6, with 1 + v^T A^-1 u well away from 0."""
    A_inv = np.linalg.inv(well_conditioned(rng, n))
    u, v, b = (rng.standard_normal(n) for _ in range(3))
    if abs(1 + v @ A_inv @ u) < 0.5:
        v = -v
    return u, A_inv, v, b


def _public_cases():
    rng = np.random.default_rng(20260101)
    cases = {q: [] for q in QUESTIONS}
    for n in (3, 5):
        cases["q1"].append(("d_quartic", Case((rng.standard_normal(n),),
                                              f"a vector x in R^{n}", seed=n)))
    for n in (3, 4):
        x, A = rng.standard_normal(n), rng.standard_normal((n, n)) / n
        cases["q2"].append(("d_cos_quadratic", Case((x, A), f"a non-symmetric {n}x{n} A",
                                                    seed=n)))
    A = rng.standard_normal((3, 3)) / 2
    cases["q3"] += [
        ("d_trace_fourth_power", Case((A,), "a non-symmetric 3x3 A", seed=3)),
        ("grad_trace_fourth_power", Case((A,), "a non-symmetric 3x3 A", seed=3)),
    ]
    for n in (2, 3):
        cases["q4"].append(("d_fourth_power", Case((rng.standard_normal((n, n)) / 2,),
                                                   f"a non-symmetric {n}x{n} A", seed=n)))
    cases["q5"].append(("jacobian_axb", Case(
        (rng.standard_normal((2, 3)), rng.standard_normal((4, 2))),
        "a 2x3 A and a 4x2 B (so X is 3x4)")))
    args = rank_one_arguments(rng, 3)
    cases["q6"] += [
        ("solve_rank_one", Case(args, "n = 3")),
        ("d_solve_rank_one", Case(args, "n = 3", seed=3)),
    ]
    for sizes, costs in chain_costs_examples:
        cases["q7"].append(("chain_costs", Case((list(sizes),), f"sizes {sizes}",
                                                expected=np.array(costs))))
    return cases


CASES = _public_cases()

_SET = PublicProblemSet(1, QUESTIONS, CHECKS, CASES)


def check(question: str, *answers) -> None:
    """Run the visible checks of one problem of Problem Set 1 and print what they find.

    Parameters
    ----------
    question : str
        ``'q1'`` to ``'q7'``.
    *answers : callable
        The problem's functions, in the order its statement names them.
    """
    _SET.check(question, *answers)


def verdicts(question: str, *answers):
    """The visible checks' verdicts, as (name, case, Verdict) triples."""
    return _SET.verdicts(question, *answers)
