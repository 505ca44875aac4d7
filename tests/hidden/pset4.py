"""Hidden tests of Problem Set 4 (never copied into the student edition).

For each autograded question: groups of cases, their points, and a hint shown
when a group fails.  The checks (how answers are compared, and the mistakes
they recognise) are the public ones of :mod:`matdiff.psets.pset4`, so a
visible check and the grader judge a case the same way; the first group of
each question is exactly the public cases the notebook's visible check runs.
Inputs come from seeded generators, so grading is repeatable.
"""

import numpy as np
from matdiff.grading.compare import Case
from matdiff.grading.problemset import Group
from matdiff.psets import pset4
from matdiff.psets.pset4 import (
    attention_arguments,
    eigvec_arguments,
    random_symmetric,
    sqrt_friendly,
    sqrtm_arguments,
    symmetric_with_spectrum,
)

CHECKS = pset4.CHECKS
PUBLIC = "the public cases (the visible check)"


def _q1_rule(rng):
    cases = [Case(sqrtm_arguments(rng, sqrt_friendly(rng, n)), f"a non-symmetric {n}x{n} A")
             for n in (1, 3, 6, 12)]
    M = rng.standard_normal((4, 4))
    rotation = np.array([[1.0, -2.0], [2.0, 1.0]])          # eigenvalues 1 +- 2i
    cases += [
        Case(sqrtm_arguments(rng, M @ M.T + np.eye(4)), "a symmetric positive definite 4x4 A"),
        Case(sqrtm_arguments(rng, np.eye(3)), "A = I"),
        Case(sqrtm_arguments(rng, np.triu(rng.standard_normal((5, 5)), 1) + 2 * np.eye(5)),
             "an upper triangular 5x5 A"),
        Case(sqrtm_arguments(rng, rotation), "a 2x2 A with complex eigenvalues"),
    ]
    return [("sqrtm_vjp", c) for c in cases]


def _q1_loss(rng):
    cases = [Case((sqrt_friendly(rng, n), rng.standard_normal((n, n))),
                  f"a non-symmetric {n}x{n} A", seed=n) for n in (1, 4, 7)]
    M = rng.standard_normal((3, 3))
    cases.append(Case((M @ M.T + np.eye(3), rng.standard_normal((3, 3))),
                      "a symmetric positive definite 3x3 A", seed=10))
    return [("grad_sqrtm_loss", c) for c in cases]


def _q2_softmax(rng):
    shapes = [(1, 1), (1, 6), (6, 1), (4, 4), (10, 7)]
    cases = [Case((rng.standard_normal(s), rng.standard_normal(s)), f"a {s[0]}x{s[1]} S",
                  seed=i) for i, s in enumerate(shapes)]
    cases.append(Case((5 * rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
                      "large scores (nearly one-hot weights)", seed=20))
    return [("softmax_rows_vjp", c) for c in cases]


def _q2_attention(rng, names):
    sizes = [(4, 4, 3, 2), (1, 5, 2, 3), (6, 2, 1, 4), (5, 5, 4, 4), (3, 8, 6, 1)]
    cases = [Case(attention_arguments(rng, *s), f"{s[0]} quer{'y' if s[0] == 1 else 'ies'} "
                                                f"and {s[1]} keys of size {s[2]}, values of "
                                                f"size {s[3]}")
             for s in sizes]
    cases.append(Case(attention_arguments(rng, 4, 4, 2, 3, scale=3.0),
                      "large scores (nearly one-hot weights)"))
    return [(name, c) for c in cases for name in names]


def _q3_lambda(rng):
    cases = [Case((random_symmetric(rng, n),), f"a symmetric {n}x{n} A", seed=n)
             for n in (1, 2, 6, 12)]
    cases += [
        Case((symmetric_with_spectrum(rng, [-9.0, -4.0, -1.0, -0.5]),),
             "a negative definite 4x4 A", seed=30),
        Case((symmetric_with_spectrum(rng, [1.0, 1.0, 1.0, 3.0]),),
             "a 4x4 A whose smaller eigenvalues are repeated", seed=31),
        Case((symmetric_with_spectrum(rng, [-1.0, 0.5, 1.0, 1.001]),),
             "a 4x4 A whose two largest eigenvalues are 0.001 apart", seed=32),
        Case((np.diag([0.5, 2.0, -3.0]),), "a diagonal 3x3 A", seed=33),
    ]
    return [("grad_lambda_max", c) for c in cases]


def _q3_norm(rng):
    shapes = [(1, 1), (1, 4), (4, 1), (3, 3), (6, 2), (2, 7)]
    cases = [Case((rng.standard_normal(s),), f"a {s[0]}x{s[1]} X", seed=i)
             for i, s in enumerate(shapes)]
    U, _ = np.linalg.qr(rng.standard_normal((5, 3)))
    W, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    cases.append(Case((U @ np.diag([2.0, 1.0, 1.0]) @ W.T,),
                      "a 5x3 X whose smaller singular values are repeated", seed=40))
    return [("grad_spectral_norm_squared", c) for c in cases]


def _q4_derivative(rng):
    cases = [Case((rng.standard_normal((n, n)) / 2,), f"a non-symmetric {n}x{n} A", seed=n)
             for n in (1, 3, 6)]
    S = rng.standard_normal((4, 4)) / 2
    K = rng.standard_normal((3, 3))
    cases += [
        Case(((S + S.T) / 2,), "a symmetric 4x4 A", seed=50),
        Case((np.zeros((3, 3)),), "A = 0", seed=51),
        Case((np.triu(rng.standard_normal((4, 4)), 1),), "a nilpotent 4x4 A", seed=52),
        Case((K - K.T,), "a skew-symmetric 3x3 A (e^A is a rotation)", seed=53),
        Case((np.diag([-2.0, 0.5, 3.0]),), "a diagonal 3x3 A", seed=54),
        Case((2 * rng.standard_normal((3, 3)),), "a 3x3 A of larger norm", seed=55),
    ]
    return [("d_expm", c) for c in cases]


def _q4_gradient(rng):
    cases = [Case((rng.standard_normal((n, n)) / 2, rng.standard_normal((n, n))),
                  f"a non-symmetric {n}x{n} A", seed=n) for n in (1, 2, 5)]
    S = rng.standard_normal((4, 4)) / 2
    cases += [
        Case(((S + S.T) / 2, rng.standard_normal((4, 4))), "a symmetric 4x4 A", seed=60),
        Case((np.triu(rng.standard_normal((3, 3)), 1), rng.standard_normal((3, 3))),
             "a nilpotent 3x3 A", seed=61),
    ]
    return [("grad_trace_expm", c) for c in cases]


def _q5_rule(rng):
    cases = []
    for n in (2, 5, 10):
        A = random_symmetric(rng, n)
        g = rng.standard_normal(n)
        cases += [Case(eigvec_arguments(rng, A, g=g), f"a symmetric {n}x{n} A"),
                  Case(eigvec_arguments(rng, A, sign=-1.0, g=g),
                       f"the same {n}x{n} A and g, with v of the other sign")]
    repeated = symmetric_with_spectrum(rng, [-1.0, 2.0, 2.0, 2.0, 4.0])
    close = symmetric_with_spectrum(rng, [-2.0, 0.0, 1.0, 1.001])
    A = random_symmetric(rng, 4)
    cases += [
        Case(eigvec_arguments(rng, repeated), "a 5x5 A whose smaller eigenvalues are "
                                              "repeated"),
        Case(eigvec_arguments(rng, close, sign=-1.0), "a 4x4 A whose two largest "
                                                      "eigenvalues are 0.001 apart"),
        Case(eigvec_arguments(rng, np.diag([1.0, -2.0, 3.0]), g=np.array([1.0, 2.0, 0.5])),
             "a diagonal 3x3 A"),
        Case(eigvec_arguments(rng, A, g=2.5 * pset4.top_eigvec(A)), "g along v"),
        Case(eigvec_arguments(rng, np.array([[2.0]])), "a 1x1 A"),
    ]
    return [("top_eigvec_vjp", c) for c in cases]


def _q5_ipr(rng):
    cases = [Case((random_symmetric(rng, n),), f"a symmetric {n}x{n} A", seed=n)
             for n in (2, 6, 9)]
    cases += [
        Case((symmetric_with_spectrum(rng, [-6.0, -3.0, -2.0, -1.0]),),
             "a negative definite 4x4 A", seed=70),
        Case((symmetric_with_spectrum(rng, [0.0, 0.0, 1.0, 2.0]),),
             "a 4x4 A whose smaller eigenvalues are repeated", seed=71),
        Case((symmetric_with_spectrum(rng, [-1.0, 0.0, 1.0, 1.01]),),
             "a 4x4 A whose two largest eigenvalues are 0.01 apart", seed=72),
    ]
    return [("grad_top_eigvec_ipr", c) for c in cases]


_rng = np.random.default_rng(4_000_004)

ATTENTION = ("attention_grad_V", "attention_grad_Q", "attention_grad_K")

GROUPS = {
    "q1": [
        Group(PUBLIC, 1, pset4.CASES["q1"]),
        Group("hidden cases of sqrtm_vjp: sizes 1 to 12, symmetric and non-symmetric A, "
              "A = I, triangular A, complex eigenvalues", 2, _q1_rule(_rng),
              hint="The pullback X satisfies <g, dS> = <X, dA> for every dA, where "
                   "S dS + dS S = dA; move S across the inner product."),
        Group("hidden cases of grad_sqrtm_loss: sizes 1 to 7", 1, _q1_loss(_rng),
              hint="Register sqrtm_vjp with ad.defvjp(sqrtm, sqrtm_vjp) and let ad.grad "
                   "compose it with the engine's own rules."),
    ],
    "q2": [
        Group(PUBLIC, 1, pset4.CASES["q2"]),
        Group("hidden cases of softmax_rows_vjp: single rows and columns, square and "
              "rectangular S, large scores", 1, _q2_softmax(_rng),
              hint="Row by row, the Jacobian of softmax is diag(s) - s s^T."),
        Group("hidden cases of attention_grad_V: other numbers of queries and keys, key "
              "sizes 1 to 6", 1, _q2_attention(_rng, ATTENTION[:1]),
              hint="Y = P V is linear in V."),
        Group("hidden cases of attention_grad_Q and attention_grad_K: other numbers of "
              "queries and keys, key sizes 1 to 6, large scores", 2,
              _q2_attention(_rng, ATTENTION[1:]),
              hint="Chain three pullbacks: Y = P V, P = softmax(S) row by row, "
                   "S = Q K^T / sqrt(d)."),
    ],
    "q3": [
        Group(PUBLIC, 1, pset4.CASES["q3"]),
        Group("hidden cases of grad_lambda_max: sizes 1 to 12, negative definite A, "
              "repeated smaller eigenvalues, a nearly repeated largest eigenvalue", 1,
              _q3_lambda(_rng),
              hint="The largest eigenvalue is the most positive one; its gradient is "
                   "v v^T for its unit eigenvector v."),
        Group("hidden cases of grad_spectral_norm_squared: row and column vectors, square, "
              "tall and wide X, repeated singular values", 1, _q3_norm(_rng),
              hint="The gradient has the shape of X; dM = dX^T X + X^T dX."),
    ],
    "q4": [
        Group(PUBLIC, 1, pset4.CASES["q4"]),
        Group("hidden cases of d_expm: sizes 1 to 6; symmetric, skew-symmetric, nilpotent, "
              "diagonal and larger A; A = 0", 2, _q4_derivative(_rng),
              hint="The top-right n x n block of expm([[A, dA], [0, A]]) is the derivative."),
        Group("hidden cases of grad_trace_expm: sizes 1 to 5, symmetric and nilpotent A", 1,
              _q4_gradient(_rng),
              hint="<C, L(A, E)> = <L(A^T, C), E>: the adjoint of the derivative of the "
                   "exponential at A is its derivative at A^T."),
    ],
    "q5": [
        Group(PUBLIC, 1, pset4.CASES["q5"]),
        Group("hidden cases of top_eigvec_vjp: sizes 1 to 10, v of either sign, repeated "
              "smaller eigenvalues, a nearly repeated largest eigenvalue, g along v", 2,
              _q5_rule(_rng),
              hint="Use the v you are given; w solves (lambda I - A) w = g - v (v^T g) with "
                   "w orthogonal to v, and the answer is the symmetric part of w v^T."),
        Group("hidden cases of grad_top_eigvec_ipr: sizes 2 to 9, negative definite A, "
              "repeated smaller eigenvalues, a nearly repeated largest eigenvalue", 1,
              _q5_ipr(_rng),
              hint="The gradient of sum(v**4) with respect to v is 4 v**3; pull it back "
                   "with top_eigvec_vjp."),
    ],
}
