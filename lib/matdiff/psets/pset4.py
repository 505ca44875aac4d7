"""Problem set 4 (Lectures 7 and 8): the functions, checks and public cases.

The problems' functions are defined here so that the notebook, its visible
checks and the grader all use the same ones:

==================================  ==============================================
``matrix_sqrt(A)``                  the principal square root :math:`A^{1/2}`
``sqrtm_loss(A, B)``                :math:`\\|A^{1/2} - B\\|_F^2`
``softmax_rows(S)``                 the softmax of each row of ``S``
``softmax_loss(S, Pbar)``           :math:`\\langle \\bar P, \\operatorname{softmax}(S) \\rangle`
``attention(Q, K, V)``              :math:`\\operatorname{softmax}(Q K^\\top / \\sqrt{d})\\, V`
``attention_loss(Q, K, V, G)``      :math:`\\langle G, \\operatorname{attention}(Q, K, V) \\rangle`
``lambda_max(A)``                   the largest eigenvalue of :math:`(A + A^\\top)/2`
``spectral_norm_squared(X)``        :math:`\\lambda_{\\max}(X^\\top X) = \\|X\\|_2^2`
``trace_expm(A, C)``                :math:`\\operatorname{tr}(C^\\top e^A)`
``top_eigvec(A)``                   a unit eigenvector of :math:`\\lambda_{\\max}`
``top_eigvec_ipr(A)``               :math:`\\sum_i v_i^4` for that eigenvector
==================================  ==============================================

Call ``check(question, *answers)`` under an answer to run its visible checks,
for example ``check("q3", grad_lambda_max, grad_spectral_norm_squared)``.

Examples
--------
>>> import numpy as np
>>> def grad_lambda_max(A):
...     v = np.linalg.eigh(A)[1][:, -1]
...     return np.outer(v, v)
>>> def grad_spectral_norm_squared(X):
...     v = np.linalg.eigh(X.T @ X)[1][:, -1]
...     return 2 * X @ np.outer(v, v)
>>> check("q3", grad_lambda_max, grad_spectral_norm_squared)
Problem 3: 4 of 4 public cases pass.
  The grader also tries hidden cases: other sizes, non-symmetric and rectangular inputs, edge cases.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .. import ad
from ..eig import eigh_vector, eigh_vector_vjp
from ..grading.compare import ArrayCheck, Case, DerivativeCheck, GradientCheck, Mistake, Variant
from ..matfun import sqrtm_frechet
from . import PublicProblemSet

__all__ = [
    "CASES",
    "CHECKS",
    "QUESTIONS",
    "attention",
    "attention_loss",
    "check",
    "lambda_max",
    "matrix_sqrt",
    "softmax_loss",
    "softmax_rows",
    "spectral_norm_squared",
    "sqrtm_loss",
    "top_eigvec",
    "top_eigvec_ipr",
    "trace_expm",
    "verdicts",
]


# ---------------------------------------------------------------- the problems' functions


def matrix_sqrt(A):
    """The principal square root of A (no eigenvalue of A on (-inf, 0]): S with S S = A."""
    S = sla.sqrtm(A)
    if np.isrealobj(A) and np.iscomplexobj(S):
        S = S.real
    return S


def sqrtm_loss(A, B):
    """f(A) = ||A^(1/2) - B||_F^2."""
    return np.sum((matrix_sqrt(A) - B) ** 2)


def softmax_rows(S):
    """The softmax of each row of S, computed without overflow."""
    E = np.exp(S - np.max(S, axis=-1, keepdims=True))
    return E / np.sum(E, axis=-1, keepdims=True)


def softmax_loss(S, Pbar):
    """<Pbar, softmax_rows(S)>: its gradient in S is the pullback of Pbar."""
    return np.sum(Pbar * softmax_rows(S))


def attention(Q, K, V):
    """softmax(Q K^T / sqrt(d)) V, the softmax taken along each row; d = Q.shape[1]."""
    return softmax_rows(Q @ K.T / np.sqrt(Q.shape[1])) @ V


def attention_loss(Q, K, V, G):
    """<G, attention(Q, K, V)>: its gradients are the pullbacks of G."""
    return np.sum(G * attention(Q, K, V))


def _sym(A):
    return (A + A.T) / 2


def lambda_max(A):
    """The largest eigenvalue of the symmetric part (A + A^T) / 2 (A itself if symmetric)."""
    return np.linalg.eigvalsh(_sym(A))[-1]


def spectral_norm_squared(X):
    """lambda_max(X^T X), the squared largest singular value of a (rectangular) X."""
    return np.linalg.eigvalsh(X.T @ X)[-1]


def trace_expm(A, C):
    """f(A) = <C, e^A> = tr(C^T e^A)."""
    return np.sum(C * sla.expm(A))


def top_eigvec(A):
    """A unit eigenvector of the largest eigenvalue of (A + A^T) / 2 (sign: see eigh_vector)."""
    return eigh_vector(_sym(A), -1)


def top_eigvec_ipr(A):
    """sum(v**4) for the unit top eigenvector v: how concentrated it is (1/n to 1)."""
    return np.sum(top_eigvec(A) ** 4)


# ---------------------------------------------------------------- how each answer is judged
#
# The wrong answers below are the usual slips, computed in the grader's process
# from the case's arguments, so that the feedback can name them.


def _scores(Q, K):
    return Q @ K.T / np.sqrt(Q.shape[1])


def _softmax_pullback(P, Pbar, axis=-1):
    return P * (Pbar - np.sum(P * Pbar, axis=axis, keepdims=True))


def _attention_ad(Q, K, V, G, which):
    """A cotangent of attention by matdiff.ad (reverse mode), for the visible checks."""
    d = np.sqrt(Q.shape[1])
    forward = {
        "Q": lambda X: ad.softmax(X @ K.T / d, axis=-1) @ V,
        "K": lambda X: ad.softmax(Q @ X.T / d, axis=-1) @ V,
        "V": lambda X: ad.softmax(Q @ K.T / d, axis=-1) @ X,
    }[which]
    _, pullback = ad.vjp(forward, {"Q": Q, "K": K, "V": V}[which])
    return pullback(G)


def _score_cotangent(Q, K, V, G, outer=True):
    P = softmax_rows(_scores(Q, K))
    Pbar = G @ V.T
    return _softmax_pullback(P, Pbar) if outer else P * Pbar


def _top(A, k=-1):
    lam, V = np.linalg.eigh(_sym(A))
    return lam, V[:, k]


def _eigvec_pullback(g, v, A):
    """The pullback of A -> v (top eigenvector of the symmetric part), with v's sign given."""
    return _sym(eigh_vector_vjp(_sym(A), -1, g, reference=v))


def _unsymmetrized_pullback(g, v, A):
    return eigh_vector_vjp(_sym(A), -1, g, reference=v)


def _unprojected_pullback(g, v, A):
    return _eigvec_pullback(g, v, A) + (v @ g) * np.outer(v, v)


def _ipr_pullback(A, pullback):
    v = top_eigvec(A)
    return pullback(4 * v**3, v, A)


def _smallest_eigvec_ipr(A):
    v = _top(A, 0)[1]
    return _sym(eigh_vector_vjp(_sym(A), 0, 4 * v**3, reference=v))


def _direction_commuting_with_A(args):
    A, _ = args
    return A, A @ A + A + np.eye(len(A))   # a polynomial in A commutes with A (never 0)


_NO_SCALE = ("is sqrt(d) times the answer: the factor 1/sqrt(d) of the scores S = Q K^T / "
             "sqrt(d) is missing from the pullback (every path from {x} to the loss goes "
             "through S).")
_NO_OUTER = ("pulls the weights' cotangent back through softmax as if its Jacobian were "
             "diag(s): the - s s^T term is missing. Every weight of a row depends on every "
             "score of that row through the normalizing sum; the pullback is "
             "s * (g - <s, g>), row by row.")

CHECKS = {
    "sqrtm_vjp": ArrayCheck(
        rtol=1e-8,
        public=lambda g, S, A: sqrtm_frechet(A.T, g),
        mistakes=(
            Mistake("pushforward", lambda g, S, A: sla.solve_sylvester(S, S, g),
                    "sqrtm_vjp solves S X + X S = g: that is the pushforward (the forward "
                    "rule, dS from dA) applied to g, which is the pullback only when A is "
                    "symmetric. The pullback is the adjoint map: <g, dS> = <X, dA> for "
                    "every dA, which gives S^T X + X S^T = g."),
            Mistake("scalar-rule", lambda g, S, A: 0.5 * np.linalg.solve(S, g),
                    "sqrtm_vjp is S^-1 g / 2, the scalar rule d sqrt(a) = da / (2 sqrt(a)): "
                    "for matrices it holds only when g commutes with S. Differentiate "
                    "S S = A instead: S dS + dS S = dA, a Sylvester equation."),
            Mistake("scalar-rule", lambda g, S, A: 0.5 * g @ np.linalg.inv(S),
                    "sqrtm_vjp is g S^-1 / 2, the scalar rule d sqrt(a) = da / (2 sqrt(a)): "
                    "for matrices it holds only when g commutes with S. Differentiate "
                    "S S = A instead: S dS + dS S = dA, a Sylvester equation."),
            Mistake("transposed", lambda g, S, A: sla.solve_sylvester(S.T, S.T, g).T,
                    "sqrtm_vjp is the transpose of the pullback: it must have the layout of "
                    "A, with <g, dS> = sum(X * dA)."),
        )),
    "grad_sqrtm_loss": GradientCheck(sqrtm_loss),
    "softmax_rows_vjp": GradientCheck(softmax_loss, mistakes=(
        Mistake("no-outer-term", lambda S, Pbar: softmax_rows(S) * Pbar,
                "softmax_rows_vjp " + _NO_OUTER),
        Mistake("columns", lambda S, Pbar: _softmax_pullback(softmax_rows(S), Pbar, axis=0),
                "softmax_rows_vjp sums over each column where the softmax normalizes each "
                "row: the inner product <s, g> is taken along a row (axis=-1)."),
    )),
    "attention_grad_Q": ArrayCheck(
        rtol=1e-8,
        public=lambda Q, K, V, G: _attention_ad(Q, K, V, G, "Q"),
        mistakes=(
            Mistake("no-scale", lambda Q, K, V, G: _score_cotangent(Q, K, V, G) @ K,
                    "attention_grad_Q " + _NO_SCALE.format(x="Q")),
            Mistake("no-outer-term", lambda Q, K, V, G:
                    _score_cotangent(Q, K, V, G, outer=False) @ K / np.sqrt(Q.shape[1]),
                    "attention_grad_Q " + _NO_OUTER),
            Mistake("transposed", lambda Q, K, V, G:
                    _score_cotangent(Q, K, V, G).T @ K / np.sqrt(Q.shape[1]),
                    "attention_grad_Q uses the transpose of the scores' cotangent: from "
                    "dS = dQ K^T / sqrt(d), <Sbar, dS> = <Sbar K / sqrt(d), dQ>."),
        )),
    "attention_grad_K": ArrayCheck(
        rtol=1e-8,
        public=lambda Q, K, V, G: _attention_ad(Q, K, V, G, "K"),
        mistakes=(
            Mistake("no-scale", lambda Q, K, V, G: _score_cotangent(Q, K, V, G).T @ Q,
                    "attention_grad_K " + _NO_SCALE.format(x="K")),
            Mistake("no-outer-term", lambda Q, K, V, G:
                    _score_cotangent(Q, K, V, G, outer=False).T @ Q / np.sqrt(Q.shape[1]),
                    "attention_grad_K " + _NO_OUTER),
            Mistake("transposed", lambda Q, K, V, G:
                    _score_cotangent(Q, K, V, G) @ Q / np.sqrt(Q.shape[1]),
                    "attention_grad_K uses the scores' cotangent untransposed: from "
                    "dS = Q dK^T / sqrt(d), <Sbar, dS> = <Sbar^T Q / sqrt(d), dK>."),
        )),
    "attention_grad_V": ArrayCheck(
        rtol=1e-8,
        public=lambda Q, K, V, G: _attention_ad(Q, K, V, G, "V"),
        mistakes=(
            Mistake("transposed", lambda Q, K, V, G: softmax_rows(_scores(Q, K)) @ G,
                    "attention_grad_V multiplies G by the weights P where their transpose "
                    "belongs: from dY = P dV, <G, P dV> = <P^T G, dV>."),
            Mistake("scores", lambda Q, K, V, G: _scores(Q, K).T @ G,
                    "attention_grad_V uses the scores S = Q K^T / sqrt(d) where the weights "
                    "P = softmax(S) belong: Y = P V."),
        )),
    "grad_lambda_max": GradientCheck(lambda_max, mistakes=(
        # (The eigenvalue of largest magnitude |lambda|, another usual slip, is either
        # the largest or the smallest, so when it is wrong this mistake names it.)
        Mistake("smallest", lambda A: np.outer(_top(A, 0)[1], _top(A, 0)[1]),
                "grad_lambda_max is v v^T for the smallest eigenvalue. numpy.linalg.eigh "
                "sorts eigenvalues in ascending order, so the largest is the last one "
                "(V[:, -1]); and the largest eigenvalue is the most positive one, not the "
                "one of largest magnitude |lambda|."),
    )),
    "grad_spectral_norm_squared": GradientCheck(spectral_norm_squared, mistakes=(
        Mistake("no-chain-rule", lambda X: np.outer(_top(X.T @ X)[1], _top(X.T @ X)[1]),
                "grad_spectral_norm_squared is v v^T, the gradient of lambda_max with respect "
                "to M = X^T X, not X: apply the chain rule through dM = dX^T X + X^T dX."),
    )),
    "d_expm": DerivativeCheck(sla.expm, variants=(Variant(
        "commuting", _direction_commuting_with_A,
        "d_expm is right only when dA commutes with A (as for e^A dA): e^(A + dA) is not "
        "e^A e^dA unless A and dA commute. Read the derivative off the top-right block of "
        "the exponential of [[A, dA], [0, A]]."),)),
    "grad_trace_expm": GradientCheck(trace_expm, mistakes=(
        Mistake("scalar-rule", lambda A, C: sla.expm(A).T @ C,
                "grad_trace_expm is e^(A^T) C, the scalar rule d e^a = e^a da: for matrices "
                "it holds only when C commutes with A^T. The gradient is the adjoint of the "
                "Frechet derivative applied to C."),
        Mistake("scalar-rule", lambda A, C: C @ sla.expm(A).T,
                "grad_trace_expm is C e^(A^T), the scalar rule d e^a = e^a da: for matrices "
                "it holds only when C commutes with A^T. The gradient is the adjoint of the "
                "Frechet derivative applied to C."),
    )),
    "top_eigvec_vjp": ArrayCheck(
        rtol=1e-8, atol=1e-12,
        public=_eigvec_pullback,
        mistakes=(
            Mistake("sign", lambda g, v, A: -_eigvec_pullback(g, v, A),
                    "top_eigvec_vjp is the negative of the pullback. Either the resolvent "
                    "has the wrong sign (dv = (lambda I - A)^+ dA v), or the function "
                    "computes its own eigenvector, whose sign numpy chooses, instead of "
                    "using the v it is given: the pullback changes sign with v."),
            Mistake("unsymmetrized", _unsymmetrized_pullback,
                    "top_eigvec_vjp is w v^T, not symmetrized: v depends on A only through "
                    "(A + A^T) / 2, and the pullback of that map symmetrizes, so the answer "
                    "is (w v^T + v w^T) / 2."),
            Mistake("no-projection", _unprojected_pullback,
                    "top_eigvec_vjp keeps the component of g along v: a unit vector cannot "
                    "change along itself (v^T dv = 0), so w solves (lambda I - A) w = "
                    "g - v (v^T g) with w orthogonal to v."),
        )),
    "grad_top_eigvec_ipr": GradientCheck(top_eigvec_ipr, mistakes=(
        Mistake("unsymmetrized", lambda A: _ipr_pullback(A, _unsymmetrized_pullback),
                "grad_top_eigvec_ipr is not symmetric: v depends on A only through "
                "(A + A^T) / 2, so the gradient is the symmetric part of w v^T."),
        Mistake("smallest", _smallest_eigvec_ipr,
                "grad_top_eigvec_ipr uses the eigenvector of the smallest eigenvalue: "
                "numpy.linalg.eigh sorts eigenvalues in ascending order, so the largest is "
                "the last one (V[:, -1])."),
    )),
}

QUESTIONS = {
    "q1": ("Problem 1", ("sqrtm_vjp", "grad_sqrtm_loss")),
    "q2": ("Problem 2", ("softmax_rows_vjp", "attention_grad_V", "attention_grad_Q",
                         "attention_grad_K")),
    "q3": ("Problem 3", ("grad_lambda_max", "grad_spectral_norm_squared")),
    "q4": ("Problem 4", ("d_expm", "grad_trace_expm")),
    "q5": ("Problem 5", ("top_eigvec_vjp", "grad_top_eigvec_ipr")),
}


# ---------------------------------------------------------------- inputs


def sqrt_friendly(rng, n):
    """A random non-symmetric n x n matrix with its eigenvalues well inside Re z > 0."""
    return n * np.eye(n) + rng.standard_normal((n, n))


def sqrtm_arguments(rng, A):
    """Arguments (g, S, A) of sqrtm_vjp: a random cotangent and S = A^(1/2)."""
    return rng.standard_normal(A.shape), matrix_sqrt(A), A


def symmetric_with_spectrum(rng, eigenvalues):
    """Q diag(eigenvalues) Q^T for a random orthogonal Q, exactly symmetric."""
    n = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (A + A.T) / 2


def random_symmetric(rng, n):
    """A random symmetric n x n matrix (its eigenvalues are simple with probability 1)."""
    M = rng.standard_normal((n, n))
    return (M + M.T) / 2


def eigvec_arguments(rng, A, sign=1.0, g=None):
    """Arguments (g, v, A) of top_eigvec_vjp, with v the unit top eigenvector times sign."""
    v = sign * top_eigvec(A)
    return (rng.standard_normal(len(A)) if g is None else g), v, A


def attention_arguments(rng, n, m, d, dv, scale=1.0):
    """Arguments (Q, K, V, G) of attention's pullbacks: n queries, m keys of size d."""
    return (scale * rng.standard_normal((n, d)), scale * rng.standard_normal((m, d)),
            rng.standard_normal((m, dv)), rng.standard_normal((n, dv)))


def _public_cases():
    rng = np.random.default_rng(20260404)
    cases = {q: [] for q in QUESTIONS}
    for n in (2, 4):
        A = sqrt_friendly(rng, n)
        cases["q1"].append(("sqrtm_vjp", Case(sqrtm_arguments(rng, A),
                                              f"a non-symmetric {n}x{n} A")))
    A = sqrt_friendly(rng, 3)
    cases["q1"].append(("grad_sqrtm_loss", Case((A, rng.standard_normal((3, 3))),
                                                "a non-symmetric 3x3 A", seed=3)))
    S = rng.standard_normal((3, 5))
    cases["q2"].append(("softmax_rows_vjp", Case((S, rng.standard_normal((3, 5))),
                                                 "a 3x5 S", seed=1)))
    args = attention_arguments(rng, 3, 4, 2, 5)
    for name in ("attention_grad_V", "attention_grad_Q", "attention_grad_K"):
        cases["q2"].append((name, Case(args, "3 queries and 4 keys of size 2, values of "
                                             "size 5")))
    for n in (3, 5):
        cases["q3"].append(("grad_lambda_max", Case((random_symmetric(rng, n),),
                                                    f"a symmetric {n}x{n} A", seed=n)))
    for shape in ((4, 3), (2, 5)):
        cases["q3"].append(("grad_spectral_norm_squared", Case(
            (rng.standard_normal(shape),), f"a {shape[0]}x{shape[1]} X", seed=shape[0])))
    for n in (2, 4):
        cases["q4"].append(("d_expm", Case((rng.standard_normal((n, n)) / 2,),
                                           f"a non-symmetric {n}x{n} A", seed=n)))
    cases["q4"].append(("grad_trace_expm", Case(
        (rng.standard_normal((3, 3)) / 2, rng.standard_normal((3, 3))),
        "a non-symmetric 3x3 A", seed=3)))
    A, g = random_symmetric(rng, 4), rng.standard_normal(4)
    cases["q5"] += [
        ("top_eigvec_vjp", Case(eigvec_arguments(rng, A, g=g), "a symmetric 4x4 A")),
        ("top_eigvec_vjp", Case(eigvec_arguments(rng, A, sign=-1.0, g=g),
                                "the same A and g, with v of the other sign")),
        ("grad_top_eigvec_ipr", Case((random_symmetric(rng, 5),), "a symmetric 5x5 A",
                                     seed=5)),
    ]
    return cases


CASES = _public_cases()

_SET = PublicProblemSet(4, QUESTIONS, CHECKS, CASES)


def check(question: str, *answers) -> None:
    """Run the visible checks of one problem of Problem Set 4 and print what they find.

    Parameters
    ----------
    question : str
        ``'q1'`` to ``'q5'``.
    *answers : callable
        The problem's functions, in the order its statement names them.
    """
    _SET.check(question, *answers)


def verdicts(question: str, *answers):
    """The visible checks' verdicts, as (name, case, Verdict) triples."""
    return _SET.verdicts(question, *answers)
