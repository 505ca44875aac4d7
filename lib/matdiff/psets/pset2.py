r"""Problem set 2 (Lectures 3 and 4): the functions, checks and public cases.

The problems' functions are defined here so that the notebook, its visible
checks and the grader all use the same ones:

======================================  ==============================================
``trace_axbx(X, A, B)``                 :math:`\operatorname{tr}(A X B X)`
``norm_residual(X, A, B, C)``           :math:`\lVert A X B - C\rVert_F`
``orthogonality_penalty(X)``            :math:`\lVert X^\top X - I\rVert_F^2`
``ridge_loss(x, A, b, lam)``            :math:`\lVert Ax - b\rVert^2 + \lambda\lVert x\rVert^2`
``ridge_reference(A, b, lam)``          its minimiser, the slow way
``log_sum_exp(x, A)``                   :math:`\log \sum_i \exp((Ax)_i)`
``matrix_least_squares(X, A, B)``       :math:`\lVert A X - B\rVert_F^2`
``nmf_loss(W, H, X, lam, mu)``          the regularised NMF objective of Problem 6
======================================  ==============================================

Call ``check(question, *answers)`` under an answer to run its visible checks.

Examples
--------
>>> def not_yet(*args):
...     raise NotImplementedError
>>> check("q2", not_yet, not_yet)
Problem 2: 0 of 2 public cases pass.
  - d_trace_axbx is not written yet: it raises NotImplementedError.
  - grad_trace_axbx is not written yet: it raises NotImplementedError.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

from ..finite_differences import stencil_weights
from ..grading.compare import ArrayCheck, Case, DerivativeCheck, GradientCheck, Mistake, Variant
from . import PublicProblemSet

__all__ = [
    "CASES",
    "CHECKS",
    "QUESTIONS",
    "check",
    "log_sum_exp",
    "matrix_least_squares",
    "nmf_loss",
    "norm_residual",
    "orthogonality_penalty",
    "ridge_loss",
    "ridge_reference",
    "trace_axbx",
    "verdicts",
]


# ---------------------------------------------------------------- the problems' functions


def trace_axbx(X, A, B):
    """f(X) = tr(A X B X), for X of shape (m, n) and A, B of shape (n, m)."""
    return np.trace(A @ X @ B @ X)


def norm_residual(X, A, B, C):
    """f(X) = ||A X B - C||_F, the Frobenius norm (not squared) of the residual."""
    return np.linalg.norm(A @ X @ B - C)


def orthogonality_penalty(X):
    """f(X) = ||X^T X - I||_F^2: zero exactly when the columns of X are orthonormal."""
    E = X.T @ X - np.eye(X.shape[1])
    return np.sum(E * E)


def ridge_loss(x, A, b, lam):
    """f(x) = ||A x - b||^2 + lam ||x||^2 (ridge regression)."""
    r = A @ x - b
    return r @ r + lam * (x @ x)


def ridge_reference(A, b, lam):
    """The minimiser of ridge_loss, the slow way: least squares for [A; sqrt(lam) I] x ~ [b; 0]."""
    n = A.shape[1]
    stacked = np.vstack([A, np.sqrt(lam) * np.eye(n)])
    return np.linalg.lstsq(stacked, np.concatenate([b, np.zeros(n)]), rcond=None)[0]


def log_sum_exp(x, A):
    """f(x) = log sum_i exp((A x)_i), computed without overflow."""
    return logsumexp(A @ x)


def matrix_least_squares(X, A, B):
    """f(X) = ||A X - B||_F^2."""
    R = A @ X - B
    return np.sum(R * R)


def nmf_loss(W, H, X, lam, mu):
    """f(W, H) = 1/2 ||X - W H||_F^2 + lam/2 ||W||_F^2 + mu sum_ij H_ij."""
    R = X - W @ H
    return 0.5 * np.sum(R * R) + 0.5 * lam * np.sum(W * W) + mu * np.sum(H)


# ---------------------------------------------------------------- how each answer is judged

# Problem 1: stencils, from the library's exact solver (matdiff.stencil_weights).


def _stencil(offsets, order):
    return stencil_weights(offsets, order)


def _moment(stencil, j):
    """sum_k w_k s_k^j / j!, exactly."""
    return sum(w * s**j for s, w in zip(stencil.offsets, stencil.weights)) / math.factorial(j)


def _weights(offsets, order):
    return np.array([float(w) for w in _stencil(offsets, order).weights])


def _accuracy(offsets, order):
    return _stencil(offsets, order).accuracy


def _error_constant(offsets, order, *, factorial=True):
    stencil = _stencil(offsets, order)
    j = order + stencil.accuracy
    value = _moment(stencil, j)
    return float(value * (1 if factorial else math.factorial(j)))


def _moment_rows(offsets):
    s = np.asarray([float(v) for v in offsets])
    return np.array([s**j / math.factorial(j) for j in range(len(s))])


def _rows_per_offset(offsets, order):
    """The weights from the transposed system: one equation per offset instead of per power."""
    rhs = np.zeros(len(offsets))
    rhs[order] = 1.0
    return np.linalg.solve(_moment_rows(offsets).T, rhs)


def _sorted_weights(offsets, order):
    return _weights(sorted(offsets), order)


def _first_unsolved_moment(offsets, order):
    stencil = _stencil(offsets, order)
    return float(_moment(stencil, len(offsets)))


# Problem 2: tr(A X B X) with B replaced by A, where 2 tr(A X B dX) would be right.


def _b_equal_to_a(args):
    X, dX, A, _ = args
    return X, dX, A, A


# Problem 5: inner products <u, v>_M = u^T M v and <U, V> = tr(U^T P V Q).


def _weighted_metric(g, x, A, M):
    return M @ g


def _kronecker_metric(g, X, A, B, P, Q):
    return P @ g @ Q


CHECKS = {
    "fd_weights": ArrayCheck(rtol=1e-9, public=_weights, mistakes=(
        Mistake("rows-per-offset", _rows_per_offset,
                "fd_weights solves the transposed system: there is one equation per power j "
                "(sum_k w_k s_k^j / j! = 1 if j = order, else 0) and one unknown per offset, so "
                "row j of the matrix holds s_k^j / j! for every offset s_k."),
        Mistake("no-factorial", lambda offsets, order: _weights(offsets, order)
                / math.factorial(order),
                "fd_weights is 1/order! times the right weights: Taylor's theorem gives "
                "g(s h) = sum_j g^(j)(0) (s h)^j / j!, so keep the 1/j! in each equation."),
        Mistake("sorted", _sorted_weights,
                "fd_weights returns the weights of the sorted offsets; give them in the order "
                "the offsets were given (weights[k] goes with offsets[k])."),
    )),
    "fd_accuracy": ArrayCheck(rtol=0.0, atol=0.0, public=_accuracy, mistakes=(
        Mistake("points-minus-order", lambda offsets, order: len(offsets) - order,
                "fd_accuracy returns (number of offsets) - order, which is only a lower bound: "
                "the moments beyond those the weights were solved for can vanish too (symmetric "
                "offsets cancel a whole power), and the formula then gains an order. Find the "
                "first moment that does not vanish."),
        Mistake("power", lambda offsets, order: _accuracy(offsets, order) + order,
                "fd_accuracy returns the power j of the first moment that does not vanish; the "
                "formula divides by h^order, so its error is O(h^(j - order))."),
    )),
    "fd_error_constant": ArrayCheck(rtol=1e-9, public=_error_constant, mistakes=(
        Mistake("no-factorial", lambda offsets, order: _error_constant(offsets, order,
                                                                       factorial=False),
                "fd_error_constant misses the 1/j! of Taylor's theorem: the leading error is "
                "sum_k w_k s_k^j / j! times h^(j - order) g^(j)(0)."),
        Mistake("sign", lambda offsets, order: -_error_constant(offsets, order),
                "fd_error_constant has the wrong sign: the error is (formula) - (exact "
                "derivative), and the formula is too large when C h^p g^(order+p)(0) > 0."),
        Mistake("unsolved-moment", _first_unsolved_moment,
                "fd_error_constant is the moment of power len(offsets), which vanishes for these "
                "offsets: the leading error comes from the first moment that does not vanish."),
    )),
    "d_trace_axbx": DerivativeCheck(trace_axbx, variants=(Variant(
        "A = B", _b_equal_to_a,
        "d_trace_axbx is right only when A = B: the two terms tr(A dX B X) and tr(A X B dX) "
        "are different numbers in general. Bring each to the form tr(M dX) separately, by "
        "cyclicity, and add them."),)),
    "grad_trace_axbx": GradientCheck(trace_axbx),
    "grad_norm_residual": GradientCheck(norm_residual, variants=(Variant(
        "squared", lambda g, X, A, B, C: g / (2 * norm_residual(X, A, B, C)),
        "grad_norm_residual is the gradient of the squared norm ||A X B - C||_F^2; the norm "
        "itself is its square root, and d sqrt(s) = ds / (2 sqrt(s))."),)),
    "grad_orthogonality": GradientCheck(orthogonality_penalty),
    "grad_ridge": GradientCheck(ridge_loss, variants=(
        Variant("penalty-half", lambda g, x, A, b, lam: g + lam * x,
                "grad_ridge has lam x where the penalty contributes 2 lam x: "
                "d(lam x^T x) = 2 lam x^T dx."),
        Variant("data-half", lambda g, x, A, b, lam: g + A.T @ (A @ x - b),
                "grad_ridge has half the gradient of the data term: d||A x - b||^2 = "
                "2 (A x - b)^T A dx, with a 2 as in the penalty."),
    )),
    "ridge_solve": ArrayCheck(rtol=1e-8, public=ridge_reference, mistakes=(
        Mistake("no-penalty", lambda A, b, lam: np.linalg.lstsq(A, b, rcond=None)[0],
                "ridge_solve returns the least-squares solution without the penalty: lam must "
                "appear in the equations for the minimiser."),
        Mistake("half-penalty", lambda A, b, lam: ridge_reference(A, b, lam / 2),
                "ridge_solve minimises ||A x - b||^2 + (lam/2) ||x||^2: the gradients of the two "
                "terms each carry a 2, and they cancel only together."),
        Mistake("double-penalty", lambda A, b, lam: ridge_reference(A, b, 2 * lam),
                "ridge_solve minimises ||A x - b||^2 + 2 lam ||x||^2: the gradients of the two "
                "terms each carry a 2, and they cancel only together."),
    )),
    "weighted_gradient": GradientCheck(
        lambda x, A, M: log_sum_exp(x, A), metric=_weighted_metric, variants=(
            Variant("ordinary", lambda g, x, A, M: g,
                    "weighted_gradient is the ordinary (dot-product) gradient; with "
                    "<u, v>_M = u^T M v the gradient g must satisfy g^T M dx = df."),
            Variant("multiplied", lambda g, x, A, M: np.linalg.solve(M, g),
                    "weighted_gradient is M times the ordinary gradient; the gradient for "
                    "<u, v>_M solves M g = (ordinary gradient)."),
        )),
    "kronecker_gradient": GradientCheck(
        lambda X, A, B, P, Q: matrix_least_squares(X, A, B), metric=_kronecker_metric,
        variants=(
            Variant("ordinary", lambda g, X, A, B, P, Q: g,
                    "kronecker_gradient is the ordinary (Frobenius) gradient; with "
                    "<U, V> = tr(U^T P V Q) the gradient G must satisfy tr(G^T P dX Q) = df."),
            Variant("multiplied", lambda g, X, A, B, P, Q: np.linalg.solve(
                P, np.linalg.solve(Q.T, g.T).T),
                "kronecker_gradient is P (ordinary gradient) Q: the inner product's matrices "
                "must be undone (solved with), not applied."),
            Variant("swapped", lambda g, X, A, B, P, Q: Q @ g @ P,
                    "kronecker_gradient undoes P and Q on the wrong sides: P acts on the "
                    "columns of X (from the left) and Q on its rows (from the right)."),
            Variant("left-only", lambda g, X, A, B, P, Q: P @ g,
                    "kronecker_gradient undoes P but not Q: both matrices of the inner "
                    "product must be undone."),
            Variant("right-only", lambda g, X, A, B, P, Q: g @ Q,
                    "kronecker_gradient undoes Q but not P: both matrices of the inner "
                    "product must be undone."),
        )),
    "grad_nmf_W": GradientCheck(nmf_loss, variants=(Variant(
        "no-ridge", lambda g, W, H, X, lam, mu: g + lam * W,
        "grad_nmf_W misses the gradient of the penalty (lam/2) ||W||_F^2, which is lam W."),)),
    "grad_nmf_H": GradientCheck(
        lambda H, W, X, lam, mu: nmf_loss(W, H, X, lam, mu), variants=(
            Variant("mu-H", lambda g, H, W, X, lam, mu: g - mu * H + mu,
                    "grad_nmf_H treats mu sum_ij H_ij like a squared norm: it is linear in H, "
                    "d(sum_ij H_ij) = sum_ij dH_ij, so its gradient is mu times the matrix of "
                    "ones."),
            Variant("no-sum", lambda g, H, W, X, lam, mu: g + mu,
                    "grad_nmf_H misses the gradient of mu sum_ij H_ij, which is mu times the "
                    "matrix of ones."),
        )),
}

QUESTIONS = {
    "q1": ("Problem 1", ("fd_weights", "fd_accuracy", "fd_error_constant")),
    "q2": ("Problem 2", ("d_trace_axbx", "grad_trace_axbx")),
    "q3": ("Problem 3", ("grad_norm_residual", "grad_orthogonality")),
    "q4": ("Problem 4", ("grad_ridge", "ridge_solve")),
    "q5": ("Problem 5", ("weighted_gradient", "kronecker_gradient")),
    "q6": ("Problem 6", ("grad_nmf_W", "grad_nmf_H")),
}


# ---------------------------------------------------------------- inputs


def spd(rng, n, condition=10.0):
    """A random symmetric positive-definite n x n matrix with about this condition number."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.geomspace(1.0, condition, n) if n > 1 else np.ones(1)
    return (Q * eigenvalues) @ Q.T


def nmf_arguments(rng, m, r, n, lam=0.1, mu=0.05):
    """Arguments (W, H, X, lam, mu) of Problem 6: positive factors and data."""
    W, H = rng.uniform(0.2, 1.0, (m, r)), rng.uniform(0.2, 1.0, (r, n))
    X = W @ H + rng.uniform(0.0, 0.5, (m, n))
    return W, H, X, lam, mu


def _public_cases():
    rng = np.random.default_rng(20260202)
    cases = {q: [] for q in QUESTIONS}
    cases["q1"] += [
        ("fd_weights", Case(([0, 1, 2], 1), "offsets [0, 1, 2], first derivative")),
        ("fd_weights", Case(([-2, -1, 0, 1, 2], 2), "offsets [-2, -1, 0, 1, 2], second "
                                                    "derivative")),
        ("fd_accuracy", Case(([0, 1], 1), "offsets [0, 1], first derivative")),
        ("fd_accuracy", Case(([-1, 1], 1), "offsets [-1, 1], first derivative")),
        ("fd_error_constant", Case(([0, 1], 1), "offsets [0, 1], first derivative")),
        ("fd_error_constant", Case(([-1, 1], 1), "offsets [-1, 1], first derivative")),
    ]
    X, A, B = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    cases["q2"] += [
        ("d_trace_axbx", Case((X, A, B), "non-symmetric 3x3 X, A and B", seed=2)),
        ("grad_trace_axbx", Case((X, A, B), "non-symmetric 3x3 X, A and B", seed=2)),
    ]
    X, A, B, C = (rng.standard_normal(s) for s in ((3, 2), (4, 3), (2, 5), (4, 5)))
    cases["q3"] += [
        ("grad_norm_residual", Case((X, A, B, C), "a 3x2 X, a 4x3 A and a 2x5 B", seed=3)),
        ("grad_orthogonality", Case((rng.standard_normal((5, 3)),), "a 5x3 X", seed=3)),
    ]
    A, b = rng.standard_normal((6, 3)), rng.standard_normal(6)
    cases["q4"] += [
        ("grad_ridge", Case((rng.standard_normal(3), A, b, 0.5), "a 6x3 A, lam = 0.5", seed=4)),
        ("ridge_solve", Case((A, b, 0.5), "a 6x3 A, lam = 0.5")),
    ]
    cases["q5"] += [
        ("weighted_gradient", Case((rng.standard_normal(3), rng.standard_normal((5, 3)),
                                    spd(rng, 3)), "x in R^3, a 5x3 A", seed=5)),
        ("kronecker_gradient", Case((rng.standard_normal((3, 2)), rng.standard_normal((4, 3)),
                                     rng.standard_normal((4, 2)), spd(rng, 3), spd(rng, 2)),
                                    "a 3x2 X", seed=5)),
    ]
    W, H, X, lam, mu = nmf_arguments(rng, 4, 2, 5)
    cases["q6"] += [
        ("grad_nmf_W", Case((W, H, X, lam, mu), "X of shape 4x5, rank 2", seed=6)),
        ("grad_nmf_H", Case((H, W, X, lam, mu), "X of shape 4x5, rank 2", seed=6)),
    ]
    return cases


CASES = _public_cases()

_SET = PublicProblemSet(2, QUESTIONS, CHECKS, CASES)


def check(question: str, *answers) -> None:
    """Run the visible checks of one problem of Problem Set 2 and print what they find.

    Parameters
    ----------
    question : str
        ``'q1'`` to ``'q6'``.
    *answers : callable
        The problem's functions, in the order its statement names them.
    """
    _SET.check(question, *answers)


def verdicts(question: str, *answers):
    """The visible checks' verdicts, as (name, case, Verdict) triples."""
    return _SET.verdicts(question, *answers)
