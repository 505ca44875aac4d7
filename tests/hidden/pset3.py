"""Hidden tests of Problem Set 3 (never copied into the student edition).

For each autograded question: groups of cases, their points, and a hint shown
when a group fails.  The checks (how answers are compared, and the mistakes
they recognise) are the public ones of :mod:`matdiff.psets.pset3`, so a
visible check and the grader judge a case the same way; the first group of
each question is exactly the public cases the notebook's visible check runs.
Inputs come from seeded generators, so grading is repeatable.
"""

import numpy as np
from matdiff.grading.compare import Case
from matdiff.grading.problemset import Group
from matdiff.psets import pset3
from matdiff.psets.pset3 import (
    adjoint_arguments,
    eigen_start,
    gaussian_arguments,
    logistic_arguments,
    random_string,
    spd,
    string_matrices,
)

CHECKS = pset3.CHECKS
PUBLIC = "the public cases (the visible check)"


def _q1_det(rng):
    cases = [Case((rng.standard_normal((n, n)),), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 3, 6)]
    cases += [
        Case((spd(rng, 4),), "a symmetric positive definite 4x4 A", seed=10),
        Case((np.triu(rng.standard_normal((4, 4))) + 2 * np.eye(4),),
             "an upper triangular 4x4 A", seed=11),
        Case((-np.eye(3) + 0.3 * rng.standard_normal((3, 3)),), "a 3x3 A with det A < 0",
             seed=12),
    ]
    return [("grad_det", c) for c in cases]


def _q1_logdet(rng):
    cases = [Case((rng.standard_normal((n, n)),), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 2, 7)]
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    U, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    cases += [
        Case((-np.eye(3) + 0.3 * rng.standard_normal((3, 3)),), "a 3x3 A with det A < 0",
             seed=20),
        Case((Q @ np.diag([30.0, 1.0, 1.0, 0.1]) @ U.T,), "a badly scaled 4x4 A", seed=21),
        Case((1e6 * (np.eye(60) + 0.1 * rng.standard_normal((60, 60))),),
             "a 60x60 A whose determinant overflows", seed=22),
    ]
    return [("grad_logabsdet", c) for c in cases]


def _q1_gram(rng):
    shapes = [(1, 1), (4, 1), (6, 3), (8, 5), (4, 4)]
    cases = [Case((rng.standard_normal(s),), f"a {s[0]}x{s[1]} X", seed=i)
             for i, s in enumerate(shapes)]
    return [("grad_logdet_gram", c) for c in cases]


def _q2_mu(rng):
    sizes = [(1, 1), (1, 4), (50, 2), (10, 5)]
    return [("grad_loglik_mu", Case(gaussian_arguments(rng, N, n),
                                    f"{N} sample{'s' if N > 1 else ''} in {n} dimension"
                                    f"{'s' if n > 1 else ''}", seed=i))
            for i, (N, n) in enumerate(sizes)]


def _q2_sigma(rng, precision):
    sizes = [(1, 1), (1, 3), (40, 2), (12, 5), (8, 4)]
    cases = []
    for i, (N, n) in enumerate(sizes):
        mu, Sigma, X = gaussian_arguments(rng, N, n)
        if i == len(sizes) - 1:
            Sigma = np.diag(rng.uniform(0.5, 2.0, n))
        label = (f"{N} sample{'s' if N > 1 else ''} in {n} dimension{'s' if n > 1 else ''}"
                 + (", a diagonal Sigma" if i == len(sizes) - 1 else ""))
        first = np.linalg.inv(Sigma) if precision else Sigma
        cases.append(Case(((first + first.T) / 2, mu, X), label, seed=30 + i))
    name = "grad_loglik_precision" if precision else "grad_loglik_Sigma"
    return [(name, c) for c in cases]


def _q3_state(rng):
    cases = [Case(adjoint_arguments(rng, m)[:2], f"m = {m}", seed=m) for m in (1, 2, 10, 200)]
    p, b, _ = adjoint_arguments(rng, 8)
    p[3] = 0.0
    cases.append(Case((p, b), "m = 8 with one p_i = 0", seed=40))
    return [("d_state", c) for c in cases]


def _q3_gradient(rng):
    cases = [Case(adjoint_arguments(rng, m), f"m = {m}", seed=m) for m in (1, 2, 9, 300)]
    p, b, c = adjoint_arguments(rng, 7)
    cases.append(Case((3 * p, b, c), "m = 7 with larger p", seed=50))
    return [("grad_objective", c) for c in cases]


def _q3_large(rng):
    # A dense 50000 x 50000 matrix would take 20 GB: only an O(m) method can answer.
    return [("grad_objective", Case(adjoint_arguments(rng, 50_000),
                                    "m = 50000 (a dense A(p) does not fit in memory)",
                                    seed=60))]


def _q4_derivative(rng):
    cases = []
    for n, lam in ((1, 0.5), (3, 4.0), (8, 20.0)):
        cases.append(Case((np.array(lam), *string_matrices(n)), f"the loaded string with n = {n}",
                          seed=n))
    cases.append(Case((np.array(2.5), *random_string(rng, 6, sigma=2.0)),
                      "a random loaded string with n = 6, sigma = 2", seed=70))
    return [("dlogdet_M", c) for c in cases]


def _q4_step(rng):
    cases = [Case((lam, *string_matrices(n)), f"the loaded string with n = {n}")
             for n, lam in ((1, 0.5), (4, 2.0), (10, 30.0))]
    K = rng.standard_normal((4, 4))
    linear = ((K + K.T) / 2, np.eye(4), np.zeros((4, 4)), 1.0)
    cases += [
        Case((1.7, *random_string(rng, 5, sigma=0.5)), "a random loaded string with n = 5"),
        Case((0.3, *linear), "C = 0 and B = I: det(K - lam I) = 0"),
    ]
    return [("newton_step", c) for c in cases]


def _q4_eigenvalue(rng):
    problems = [(string_matrices(3), 0, "n = 3, near its first eigenvalue"),
                (string_matrices(8), 2, "n = 8, near its third eigenvalue"),
                (string_matrices(20), 0, "n = 20, near its first eigenvalue")]
    cases = [Case((eigen_start(prob, k), *prob), f"the loaded string with {label}")
             for prob, k, label in problems]
    prob = random_string(rng, 6, sigma=2.0)
    cases.append(Case((eigen_start(prob, 1, offset=-0.03), *prob),
                      "a random loaded string with n = 6, from below its second eigenvalue"))
    return [("nonlinear_eigenvalue", c) for c in cases]


def _q5_grad(rng):
    sizes = [(1, 1), (5, 2), (40, 4), (200, 6)]
    cases = [Case(logistic_arguments(rng, N, d), f"{N} observation{'s' if N > 1 else ''}, "
                                                 f"{d} feature{'s' if d > 1 else ''}", seed=i)
             for i, (N, d) in enumerate(sizes)]
    cases.append(Case(logistic_arguments(rng, 30, 3, scale=4.0),
                      "30 observations, large scores (probabilities near 0 and 1)", seed=80))
    return [("nll_grad", c) for c in cases]


def _q5_fisher(rng):
    sizes = [(1, 1), (6, 2), (50, 5), (300, 3)]
    cases = [Case(logistic_arguments(rng, N, d)[:2],
                  f"{N} observation{'s' if N > 1 else ''}, {d} feature{'s' if d > 1 else ''}")
             for N, d in sizes]
    cases.append(Case(logistic_arguments(rng, 30, 3, scale=4.0)[:2],
                      "30 observations, large scores (probabilities near 0 and 1)"))
    return [("fisher_information", c) for c in cases]


def _q5_step(rng):
    sizes = [(4, 1), (10, 2), (80, 4), (500, 3)]
    cases = [Case(logistic_arguments(rng, N, d), f"{N} observations, {d} feature"
                                                 f"{'s' if d > 1 else ''}")
             for N, d in sizes]
    _, X, y = logistic_arguments(rng, 40, 3)
    cases.append(Case((np.zeros(3), X, y), "40 observations, from beta = 0"))
    return [("fisher_scoring_step", c) for c in cases]


_rng = np.random.default_rng(3_000_003)

GROUPS = {
    "q1": [
        Group(PUBLIC, 1, pset3.CASES["q1"]),
        Group("hidden cases of grad_det and grad_logabsdet: sizes 1 to 60, symmetric, "
              "triangular and badly scaled A, det A < 0, a determinant that overflows", 1,
              _q1_det(_rng) + _q1_logdet(_rng),
              hint="d det A = det(A) tr(A^-1 dA), and tr(M dA) = <M^T, dA>. For log|det A| "
                   "never form det A: it overflows."),
        Group("hidden cases of grad_logdet_gram: square, tall and single-column X", 1,
              _q1_gram(_rng),
              hint="With G = X^T X, d log det G = tr(G^-1 dG) and dG = dX^T X + X^T dX."),
    ],
    "q2": [
        Group(PUBLIC, 1, pset3.CASES["q2"]),
        Group("hidden cases of grad_loglik_mu: one sample, 1 to 5 dimensions", 1,
              _q2_mu(_rng),
              hint="Each term -(x_i - mu)^T Sigma^-1 (x_i - mu) / 2 changes by "
                   "(x_i - mu)^T Sigma^-1 dmu."),
        Group("hidden cases of grad_loglik_Sigma: one sample, 1 to 5 dimensions, a diagonal "
              "Sigma", 1, _q2_sigma(_rng, precision=False),
              hint="d(Sigma^-1) = -Sigma^-1 dSigma Sigma^-1 and d log det Sigma = "
                   "tr(Sigma^-1 dSigma); the answer is the symmetric G with "
                   "dl = tr(G dSigma)."),
        Group("hidden cases of grad_loglik_precision: one sample, 1 to 5 dimensions, a "
              "diagonal Lam", 1, _q2_sigma(_rng, precision=True),
              hint="In Lam the likelihood is N/2 log det Lam - tr(Lam S)/2, with the "
                   "scatter matrix S."),
    ],
    "q3": [
        Group(PUBLIC, 1, pset3.CASES["q3"]),
        Group("hidden cases of d_state: m = 1 to 200, a zero parameter", 1, _q3_state(_rng),
              hint="A dx = -dA x, and dA has 2 p_i dp_i on the diagonal and -dp_i on the "
                   "subdiagonal."),
        Group("hidden cases of grad_objective: m = 1 to 300, larger p", 1,
              _q3_gradient(_rng),
              hint="dg = 2 s c^T dx with s = c^T x; solve A^T lam = c once and "
                   "dg = -2 s lam^T dA x."),
        Group("a hidden case of grad_objective with m = 50000", 1, _q3_large(_rng),
              hint="Never form A(p): solve both tridiagonal systems with "
                   "scipy.linalg.solve_banded, in O(m)."),
    ],
    "q4": [
        Group(PUBLIC, 1, pset3.CASES["q4"]),
        Group("hidden cases of dlogdet_M: n = 1 to 8, other lam and sigma", 1,
              _q4_derivative(_rng),
              hint="d log|det M| = tr(M^-1 dM), and dM = M'(lam) dlam."),
        Group("hidden cases of newton_step: n = 1 to 10, a linear eigenproblem (C = 0)", 1,
              _q4_step(_rng),
              hint="lam - det M / (det M)' = lam - 1 / tr(M^-1 M'), with M'(lam) = "
                   "-B - sigma / (lam - sigma)^2 C."),
        Group("hidden cases of nonlinear_eigenvalue: n = 3 to 20, starts above and below", 1,
              _q4_eigenvalue(_rng),
              hint="Repeat newton_step until the step is below about 1e-13 |lam|."),
    ],
    "q5": [
        Group(PUBLIC, 1, pset3.CASES["q5"]),
        Group("hidden cases of nll_grad: 1 to 200 observations, large scores", 1,
              _q5_grad(_rng),
              hint="d log(1 + e^t) = sigma(t) dt and dt = X dbeta."),
        Group("hidden cases of fisher_information: 1 to 300 observations, large scores", 1,
              _q5_fisher(_rng),
              hint="Differentiate X^T (sigma(X beta) - y) once more: "
                   "sigma'(t) = sigma(t) (1 - sigma(t))."),
        Group("hidden cases of fisher_scoring_step: 4 to 500 observations, beta = 0", 2,
              _q5_step(_rng),
              hint="Solve I(beta) delta = -grad L (do not invert), and return beta + delta."),
    ],
}
