"""Hidden tests of Problem Set 2 (never copied into the student edition).

For each autograded question: groups of cases, their points, and a hint shown
when a group fails.  The checks (how answers are compared, and the mistakes
they recognise) are the public ones of :mod:`matdiff.psets.pset2`, so a
visible check and the grader judge a case the same way; the first group of
each question is exactly the public cases the notebook's visible check runs.
Inputs come from seeded generators, so grading is repeatable.
"""

import numpy as np
from matdiff.grading.compare import Case
from matdiff.grading.problemset import Group
from matdiff.psets import pset2
from matdiff.psets.pset2 import nmf_arguments, spd

CHECKS = pset2.CHECKS
PUBLIC = "the public cases (the visible check)"

# (offsets, order, what they are like): symmetric and one-sided, unsorted, not
# containing 0, non-integer, higher derivatives.
STENCILS = [
    ([-1, 1], 1, "offsets [-1, 1]"),
    ([-1, 0, 1], 2, "offsets [-1, 0, 1], second derivative"),
    ([-3, -2, -1, 0, 1, 2, 3], 1, "seven symmetric offsets"),
    ([-2, -1, 0], 1, "backward offsets [-2, -1, 0]"),
    ([2, 0, -1], 1, "unsorted offsets"),
    ([3, -1, 0, 1], 2, "unsorted offsets, second derivative"),
    ([1, 2, 3], 1, "offsets that do not contain 0"),
    ([-0.5, 0.5], 1, "half-integer offsets"),
    ([0, 0.5, 1.5], 2, "non-integer one-sided offsets, second derivative"),
    ([-1.5, -0.5, 0.5, 1.5], 3, "four half-integer offsets, third derivative"),
    ([-2, -1, 0, 1, 2], 4, "five offsets, fourth derivative"),
    ([-2, -1, 0, 1, 2], 3, "five offsets, third derivative"),
    ([0, 1, 2, 3, 4], 2, "five one-sided offsets, second derivative"),
]


def _q1(name):
    return [(name, Case((list(offsets), order), f"{label} (order {order})"))
            for offsets, order, label in STENCILS]


def _q2(rng, name):
    cases = [Case((rng.standard_normal((n, n)), rng.standard_normal((n, n)) / n,
                   rng.standard_normal((n, n)) / n), f"non-symmetric {n}x{n} X, A, B", seed=n)
             for n in (1, 2, 5, 8)]
    for m, n in ((2, 4), (5, 3), (1, 3)):
        cases.append(Case((rng.standard_normal((m, n)), rng.standard_normal((n, m)),
                           rng.standard_normal((n, m))), f"a {m}x{n} X, {n}x{m} A and B",
                          seed=10 + m))
    S = rng.standard_normal((4, 4))
    cases.append(Case(((S + S.T) / 2, rng.standard_normal((4, 4)), rng.standard_normal((4, 4))),
                      "a symmetric 4x4 X", seed=20))
    return [(name, c) for c in cases]


def _q3_norm(rng):
    shapes = [((1, 1), (1, 1), (1, 1)), ((3, 3), (3, 3), (3, 3)), ((4, 1), (2, 4), (1, 6)),
              ((2, 5), (6, 2), (5, 1)), ((6, 4), (3, 6), (4, 7))]
    cases = []
    for i, (x, a, b) in enumerate(shapes):
        X, A, B = rng.standard_normal(x), rng.standard_normal(a), rng.standard_normal(b)
        C = rng.standard_normal((a[0], b[1]))
        cases.append(Case((X, A, B, C), f"a {x[0]}x{x[1]} X, a {a[0]}x{a[1]} A, a "
                                        f"{b[0]}x{b[1]} B", seed=30 + i))
    X, A, B = (rng.standard_normal((3, 3)) for _ in range(3))
    cases.append(Case((X, A, B, A @ X @ B + 1e-3 * rng.standard_normal((3, 3))),
                      "a small residual", seed=40))
    return [("grad_norm_residual", c) for c in cases]


def _q3_orthogonality(rng):
    shapes = [(1, 1), (4, 4), (10, 3), (2, 4), (6, 1)]
    cases = [Case((rng.standard_normal(s),), f"a {s[0]}x{s[1]} X", seed=50 + i)
             for i, s in enumerate(shapes)]
    Q, _ = np.linalg.qr(rng.standard_normal((5, 2)))
    cases.append(Case((Q + 0.1 * rng.standard_normal((5, 2)),), "X near orthonormal columns",
                      seed=60))
    return [("grad_orthogonality", c) for c in cases]


def _ridge_data(rng):
    data = []
    for m, n, lam in ((30, 4, 0.1), (5, 40, 0.05), (6, 6, 1.0), (1, 5, 0.3), (4, 1, 2.0)):
        data.append((rng.standard_normal((m, n)), rng.standard_normal(m), lam,
                     f"a {m}x{n} A, lam = {lam}"))
    A = rng.standard_normal((12, 3))
    data += [
        (np.hstack([A, A[:, :1]]), rng.standard_normal(12), 0.1,
         "a 12x4 A with two equal columns"),
        (rng.standard_normal((8, 3)), rng.standard_normal(8), 1e4, "a very large lam"),
        (rng.standard_normal((8, 3)), np.zeros(8), 0.5, "b = 0"),
    ]
    return data


def _q4_gradient(rng):
    cases = [Case((rng.standard_normal(A.shape[1]), A, b, lam), label, seed=70 + i)
             for i, (A, b, lam, label) in enumerate(_ridge_data(rng))]
    return [("grad_ridge", c) for c in cases]


def _q4_solve(rng):
    return [("ridge_solve", Case((A, b, lam), label)) for A, b, lam, label in _ridge_data(rng)]


def _q5_weighted(rng):
    cases = []
    for n, m in ((1, 3), (2, 2), (6, 9), (10, 4)):
        cases.append(Case((rng.standard_normal(n), rng.standard_normal((m, n)), spd(rng, n)),
                          f"x in R^{n}, a {m}x{n} A", seed=80 + n))
    cases += [
        Case((rng.standard_normal(4), rng.standard_normal((5, 4)), np.eye(4)), "M = I",
             seed=90),
        Case((rng.standard_normal(4), rng.standard_normal((5, 4)),
              np.diag(rng.uniform(0.1, 10, 4))), "a diagonal M", seed=91),
        Case((rng.standard_normal(5), rng.standard_normal((3, 5)), spd(rng, 5, 1e4)),
             "an ill-conditioned M", seed=92),
        Case((rng.standard_normal(3), 20 * rng.standard_normal((4, 3)), spd(rng, 3)),
             "large entries of A x (a softmax near one-hot)", seed=93),
    ]
    return [("weighted_gradient", c) for c in cases]


def _q5_kronecker(rng):
    cases = []
    for i, (n, k, m) in enumerate(((3, 3, 4), (4, 2, 6), (2, 5, 3), (5, 1, 5), (1, 1, 2))):
        cases.append(Case((rng.standard_normal((n, k)), rng.standard_normal((m, n)),
                           rng.standard_normal((m, k)), spd(rng, n), spd(rng, k)),
                          f"a {n}x{k} X, a {m}x{n} A", seed=100 + i))
    X, A, B = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    cases += [
        Case((X, A, B, np.eye(3), spd(rng, 2)), "P = I", seed=110),
        Case((X, A, B, spd(rng, 3), np.eye(2)), "Q = I", seed=111),
    ]
    return [("kronecker_gradient", c) for c in cases]


def _nmf(rng):
    out = []
    for m, r, n, lam, mu in ((1, 1, 1, 0.1, 0.05), (6, 3, 8, 0.1, 0.05), (3, 4, 2, 0.2, 0.1),
                             (5, 2, 5, 0.0, 0.0), (7, 3, 4, 1.0, 0.5)):
        out.append((nmf_arguments(rng, m, r, n, lam, mu),
                    f"X of shape {m}x{n}, rank {r}, lam = {lam}, mu = {mu}"))
    return out


def _q6_W(rng):
    return [("grad_nmf_W", Case(args, label, seed=120 + i))
            for i, (args, label) in enumerate(_nmf(rng))]


def _q6_H(rng):
    cases = []
    for i, ((W, H, X, lam, mu), label) in enumerate(_nmf(rng)):
        cases.append(("grad_nmf_H", Case((H, W, X, lam, mu), label, seed=130 + i)))
    return cases


_rng = np.random.default_rng(2_000_002)

GROUPS = {
    "q1": [
        Group(PUBLIC, 1, pset2.CASES["q1"]),
        Group("hidden cases of fd_weights: symmetric, one-sided and unsorted offsets, offsets "
              "without 0, non-integer offsets, derivatives of order 1 to 4", 1, _q1("fd_weights"),
              hint="weights[k] goes with offsets[k]; one equation per power j = 0, ..., m - 1."),
        Group("hidden cases of fd_accuracy: the same stencils", 1, _q1("fd_accuracy"),
              hint="Decide whether a moment vanishes exactly (with Fractions) or with a "
                   "tolerance; floating-point weights leave roundoff in a moment that is 0."),
        Group("hidden cases of fd_error_constant: the same stencils", 1,
              _q1("fd_error_constant"),
              hint="The leading error term is the first nonvanishing moment, with its 1/j!."),
    ],
    "q2": [
        Group(PUBLIC, 1, pset2.CASES["q2"]),
        Group("hidden cases of d_trace_axbx: sizes 1 to 8, rectangular X, symmetric X", 1,
              _q2(_rng, "d_trace_axbx")),
        Group("hidden cases of grad_trace_axbx: sizes 1 to 8, rectangular X, symmetric X", 1,
              _q2(_rng, "grad_trace_axbx"),
              hint="For rectangular X the gradient still has the shape of X; read it off "
                   "df = tr(G^T dX)."),
    ],
    "q3": [
        Group(PUBLIC, 1, pset2.CASES["q3"]),
        Group("hidden cases of grad_norm_residual: shapes from 1x1 to 6x7, vectors, a small "
              "residual", 1, _q3_norm(_rng),
              hint="The gradient has the shape of X, and the norm is not squared."),
        Group("hidden cases of grad_orthogonality: square, tall, wide and single-column X", 1,
              _q3_orthogonality(_rng),
              hint="X^T X - I is k x k for an n x k X; both factors of X^T X change."),
    ],
    "q4": [
        Group(PUBLIC, 1, pset2.CASES["q4"]),
        Group("hidden cases of grad_ridge: tall, wide and square A, large and small lam", 1,
              _q4_gradient(_rng)),
        Group("hidden cases of ridge_solve: tall, wide and square A, equal columns, large "
              "lam, b = 0", 1, _q4_solve(_rng),
              hint="With more unknowns than data (a wide A), A^T A is singular but "
                   "A^T A + lam I is not."),
    ],
    "q5": [
        Group(PUBLIC, 1, pset2.CASES["q5"]),
        Group("hidden cases of weighted_gradient: n = 1 to 10, M = I, diagonal and "
              "ill-conditioned M, a softmax near one-hot", 1, _q5_weighted(_rng),
              hint="Solve with M rather than inverting it; compute log-sum-exp's gradient "
                   "without overflow."),
        Group("hidden cases of kronecker_gradient: square, tall, wide and single-column X, "
              "P = I, Q = I", 2, _q5_kronecker(_rng),
              hint="P is n x n and acts from the left, Q is k x k and acts from the right."),
    ],
    "q6": [
        Group(PUBLIC, 1, pset2.CASES["q6"]),
        Group("hidden cases of grad_nmf_W: shapes from 1x1 to 7x4, rank above the size, "
              "lam = mu = 0", 1, _q6_W(_rng),
              hint="The gradient with respect to W has the shape of W (m x r)."),
        Group("hidden cases of grad_nmf_H: the same shapes", 1, _q6_H(_rng),
              hint="The gradient with respect to H has the shape of H (r x n)."),
    ],
}
