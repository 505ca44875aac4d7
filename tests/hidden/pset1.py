"""Hidden tests of Problem Set 1 (never copied into the student edition).

For each autograded question: groups of cases, their points, and a hint shown
when a group fails.  The checks (how answers are compared, and the mistakes
they recognise) are the public ones of :mod:`matdiff.psets.pset1`, so a
visible check and the grader judge a case the same way; the first group of
each question is exactly the public cases the notebook's visible check runs.
Inputs come from seeded generators, so grading is repeatable.
"""

import numpy as np
from matdiff.grading.compare import Case
from matdiff.grading.problemset import Group
from matdiff.psets import pset1
from matdiff.psets.pset1 import rank_one_arguments, well_conditioned

CHECKS = pset1.CHECKS
PUBLIC = "the public cases (the visible check)"


def _q1(rng):
    cases = [Case((rng.standard_normal(n),), f"x in R^{n}", seed=n) for n in (1, 2, 10, 40)]
    cases += [
        Case((np.zeros(4),), "x = 0", seed=5),
        Case((1e3 * rng.standard_normal(3),), "a large x", seed=6),
        Case((1e-3 * rng.standard_normal(3),), "a small x", seed=7),
    ]
    return [("d_quartic", c) for c in cases]


def _q2(rng):
    cases = []
    for n in (1, 2, 6, 15):
        cases.append(Case((rng.standard_normal(n), rng.standard_normal((n, n)) / n),
                          f"a non-symmetric {n}x{n} A", seed=n))
    S = rng.standard_normal((4, 4))
    K = rng.standard_normal((4, 4))
    cases += [
        Case((rng.standard_normal(4), (S + S.T) / 8), "a symmetric 4x4 A", seed=20),
        Case((rng.standard_normal(4), (K - K.T) / 4), "a skew-symmetric 4x4 A", seed=21),
        Case((np.zeros(3), rng.standard_normal((3, 3))), "x = 0", seed=22),
    ]
    return [("d_cos_quadratic", c) for c in cases]


def _q3_derivative(rng):
    cases = [Case((rng.standard_normal((n, n)) / 2,), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 2, 5, 8)]
    S = rng.standard_normal((4, 4)) / 2
    cases += [
        Case(((S + S.T) / 2,), "a symmetric 4x4 A", seed=30),
        Case((np.diag(rng.standard_normal(3)),), "a diagonal 3x3 A", seed=31),
    ]
    return [("d_trace_fourth_power", c) for c in cases]


def _q3_gradient(rng):
    cases = [Case((rng.standard_normal((n, n)) / 2,), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 4, 7)]
    S = rng.standard_normal((3, 3)) / 2
    cases.append(Case(((S + S.T) / 2,), "a symmetric 3x3 A", seed=40))
    return [("grad_trace_fourth_power", c) for c in cases]


def _q4(rng):
    cases = [Case((rng.standard_normal((n, n)) / 2,), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 2, 4, 7)]
    S = rng.standard_normal((4, 4)) / 2
    cases += [
        Case(((S + S.T) / 2,), "a symmetric 4x4 A", seed=50),
        Case((np.eye(3),), "A = I", seed=51),
        Case((np.triu(rng.standard_normal((4, 4)), 1),), "a nilpotent 4x4 A", seed=52),
        Case((np.diag(rng.standard_normal(5)),), "a diagonal 5x5 A", seed=53),
    ]
    return [("d_fourth_power", c) for c in cases]


def _q5(rng):
    shapes = [((3, 3), (3, 3)), ((1, 1), (1, 1)), ((4, 1), (1, 5)), ((2, 5), (3, 3)),
              ((1, 3), (2, 1)), ((5, 2), (4, 3))]
    return [("jacobian_axb", Case((rng.standard_normal(a), rng.standard_normal(b)),
                                  f"a {a[0]}x{a[1]} A and a {b[0]}x{b[1]} B"))
            for a, b in shapes]


def _q6(rng, name):
    cases = []
    for n in (1, 5, 30):
        cases.append(Case(rank_one_arguments(rng, n), f"n = {n}", seed=n))
    u, A_inv, v, b = rank_one_arguments(rng, 6)
    cases += [
        Case((np.zeros(6), A_inv, v, b), "u = 0", seed=60),
        Case((u, np.linalg.inv(well_conditioned(rng, 6).T), v, b), "another non-symmetric A",
             seed=61),
    ]
    return [(name, c) for c in cases]


def _q7():
    chains = [(5, 7), (3, 4, 5), (1000, 100, 100, 100, 1), (1, 100, 100, 100, 1000),
              (2, 3, 4, 5, 6, 7), (1, 1, 1, 1), (7, 1, 7, 1, 7)]
    return [("chain_costs", Case((list(sizes),), f"{len(sizes) - 1} Jacobian(s)"))
            for sizes in chains]


_rng = np.random.default_rng(1_000_001)

GROUPS = {
    "q1": [
        Group(PUBLIC, 1, pset1.CASES["q1"]),
        Group("hidden cases: sizes 1 to 40, x = 0, very large and very small x", 1,
              _q1(_rng), hint="A formula derived for one size works for every size; look "
                              "for a constant or a power that is off."),
    ],
    "q2": [
        Group(PUBLIC, 1, pset1.CASES["q2"]),
        Group("hidden cases: sizes 1 to 15, symmetric, skew-symmetric and non-symmetric A, "
              "x = 0", 1, _q2(_rng),
              hint="A need not be symmetric: keep both terms of d(x^T A x)."),
    ],
    "q3": [
        Group(PUBLIC, 1, pset1.CASES["q3"]),
        Group("hidden cases of d_trace_fourth_power: sizes 1 to 8, symmetric and diagonal A",
              1, _q3_derivative(_rng)),
        Group("hidden cases of grad_trace_fourth_power: sizes 1 to 7, symmetric and "
              "non-symmetric A", 1, _q3_gradient(_rng),
              hint="The gradient G satisfies df = tr(G^T dA): it has the shape of A and "
                   "holds the coefficient of each dA_ij."),
    ],
    "q4": [
        Group(PUBLIC, 1, pset1.CASES["q4"]),
        Group("hidden cases: sizes 1 to 7; symmetric, diagonal, nilpotent A and A = I", 2,
              _q4(_rng), hint="df must have the shape of A^4, with dA in each of the four "
                              "places a factor A can be."),
    ],
    "q5": [
        Group(PUBLIC, 1, pset1.CASES["q5"]),
        Group("hidden cases: square and rectangular A and B, including 1x1 and single "
              "rows or columns", 2, _q5(_rng),
              hint="J has one row per entry of A X B and one column per entry of X."),
    ],
    "q6": [
        Group(PUBLIC, 1, pset1.CASES["q6"]),
        Group("hidden cases of solve_rank_one: n = 1 to 30", 1, _q6(_rng, "solve_rank_one"),
              hint="Only products of A_inv with vectors are needed."),
        Group("hidden cases of d_solve_rank_one: n = 1 to 30, u = 0", 2,
              _q6(_rng, "d_solve_rank_one"),
              hint="Differentiate (A + u v^T) x = b; v^T x is a number."),
    ],
    "q7": [
        Group(PUBLIC, 1, pset1.CASES["q7"]),
        Group("hidden cases: chains of 1 to 5 Jacobians, many inputs and one output, one "
              "input and many outputs", 2, _q7(),
              hint="A chain of one Jacobian needs no products; the sizes are (n_0, ..., n_k)."),
    ],
}
