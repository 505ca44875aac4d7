r"""Problem set 3 (Lectures 5 and 6): the functions, checks and public cases.

The problems' functions are defined here so that the notebook, its visible
checks and the grader all use the same ones:

=======================================  ==============================================
``logabsdet(A)``                         :math:`\log\lvert\det A\rvert`
``logdet_gram(X)``                       :math:`\log\det(X^\top X)` for a tall ``X``
``gaussian_loglik(mu, Sigma, X)``        the log-likelihood of the rows of ``X`` under
                                         :math:`N(\mu, \Sigma)`
``gaussian_loglik_precision(Lam, ...)``  the same in the precision :math:`\Lambda = \Sigma^{-1}`
``tridiagonal_bands(p)``                 :math:`A(p)` in the banded form of ``solve_banded``
``tridiagonal_matrix(p)``                :math:`A(p)` as a dense matrix (small ``p`` only)
``state(p, b)``                          :math:`x = A(p)^{-1} b`, in :math:`O(m)`
``objective(p, b, c)``                   :math:`(c^\top A(p)^{-1} b)^2`
``loaded_string(lam, K, B, C, sigma)``   :math:`M(\lambda) = K - \lambda B +
                                         \frac{\lambda}{\lambda - \sigma} C`
``log_abs_det_M(lam, K, B, C, sigma)``   :math:`\log\lvert\det M(\lambda)\rvert`
``logistic_nll(beta, X, y)``             the negative log-likelihood of logistic regression
=======================================  ==============================================

Call ``check(question, *answers)`` under an answer to run its visible checks.

Examples
--------
>>> import numpy as np
>>> check("q1", lambda A: np.linalg.det(A) * np.linalg.inv(A).T,
...       lambda A: np.linalg.inv(A).T,
...       lambda X: 2 * X @ np.linalg.inv(X.T @ X))
Problem 1: 5 of 5 public cases pass.
  The grader also tries hidden cases: other sizes, non-symmetric and rectangular inputs, edge cases.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.special import expit

from ..grading.compare import ArrayCheck, Case, DerivativeCheck, GradientCheck, Mistake, Variant
from ..newton import newton_nonlinear_eigenvalue
from . import PublicProblemSet

__all__ = [
    "CASES",
    "CHECKS",
    "QUESTIONS",
    "check",
    "gaussian_loglik",
    "gaussian_loglik_precision",
    "loaded_string",
    "log_abs_det_M",
    "logabsdet",
    "logdet_gram",
    "logistic_nll",
    "objective",
    "state",
    "tridiagonal_bands",
    "tridiagonal_matrix",
    "verdicts",
]


# ---------------------------------------------------------------- the problems' functions


def logabsdet(A):
    """log |det A|, from an LU factorization (numpy.linalg.slogdet)."""
    return np.linalg.slogdet(A)[1]


def logdet_gram(X):
    """log det(X^T X) for an m x n X of full column rank (m >= n)."""
    return np.linalg.slogdet(X.T @ X)[1]


def _sym(A):
    return (A + A.T) / 2


def gaussian_loglik(mu, Sigma, X):
    """The log-likelihood of the rows x_i of X (N x n) under N(mu, Sigma)."""
    N, n = X.shape
    R = X - mu
    quadratic = np.sum(R * np.linalg.solve(Sigma, R.T).T)
    return -0.5 * (N * n * np.log(2 * np.pi) + N * np.linalg.slogdet(Sigma)[1] + quadratic)


def gaussian_loglik_precision(Lam, mu, X):
    """The same log-likelihood as a function of the precision matrix Lam = Sigma^-1."""
    N, n = X.shape
    R = X - mu
    return -0.5 * (N * n * np.log(2 * np.pi) - N * np.linalg.slogdet(Lam)[1]
                   + np.sum(R * (R @ Lam.T)))


def _loglik_symmetric(Sigma, mu, X):
    # The likelihood read on symmetric matrices: its gradient over all matrices is
    # the symmetric gradient, so an answer must be symmetric to pass.
    return gaussian_loglik(mu, _sym(Sigma), X)


def _loglik_precision_symmetric(Lam, mu, X):
    return gaussian_loglik_precision(_sym(Lam), mu, X)


def tridiagonal_bands(p):
    """A(p) in the (3, m) banded form of scipy.linalg.solve_banded((1, 1), ...).

    A(p) has diagonal 2 + p_i^2, subdiagonal A[i, i-1] = -p_i (i >= 1) and
    superdiagonal A[i, i+1] = -1.  It is strictly diagonally dominant by rows
    (2 + p_i^2 > |p_i| + 1), hence invertible, for every real p.
    """
    p = np.asarray(p, dtype=float)
    ab = np.zeros((3, len(p)))
    ab[0, 1:] = -1.0
    ab[1] = 2 + p**2
    ab[2, :-1] = -p[1:]
    return ab


def tridiagonal_matrix(p):
    """A(p) as a dense matrix (for small p: it takes m^2 numbers)."""
    p = np.asarray(p, dtype=float)
    return np.diag(2 + p**2) - np.diag(np.ones(len(p) - 1), 1) - np.diag(p[1:], -1)


def state(p, b):
    """x = A(p)^-1 b, by a banded solve in O(m) operations."""
    return sla.solve_banded((1, 1), tridiagonal_bands(p), b)


def objective(p, b, c):
    """g(p) = (c^T A(p)^-1 b)^2."""
    return float(c @ state(p, b)) ** 2


def loaded_string(lam, K, B, C, sigma):
    """M(lam) = K - lam B + lam / (lam - sigma) C, a rational eigenproblem."""
    return K - lam * B + lam / (lam - sigma) * C


def log_abs_det_M(lam, K, B, C, sigma):
    """log |det M(lam)| for the loaded string M(lam)."""
    return np.linalg.slogdet(loaded_string(lam, K, B, C, sigma))[1]


def logistic_nll(beta, X, y):
    """sum_i log(1 + e^{t_i}) - y_i t_i with t = X beta, computed without overflow."""
    t = X @ beta
    return np.sum(np.logaddexp(0, t) - y * t)


# ---------------------------------------------------------------- how each answer is judged
#
# The wrong answers below are the usual slips, computed in the grader's process
# from the case's arguments, so that the feedback can name them.


def _inv(A):
    return np.linalg.inv(A)


def _scatter(mu, X):
    R = X - mu
    return R.T @ R


def _det_gradient(A):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.linalg.det(A) * _inv(A).T


def _G_sigma(Sigma, mu, X):
    Si = _inv(Sigma)
    return 0.5 * (Si @ _scatter(mu, X) @ Si - len(X) * Si)


def _banded_transpose(ab):
    abT = np.zeros_like(ab)
    abT[0, 1:] = ab[2, :-1]
    abT[1] = ab[1]
    abT[2, :-1] = ab[0, 1:]
    return abT


def _dA_times(p, dp, x):
    """(dA x) for the change dA of A(p) along dp: 2 p_i dp_i x_i - dp_i x_{i-1}."""
    out = 2 * p * dp * x
    out[1:] -= dp[1:] * x[:-1]
    return out


def _objective_gradient(p, b, c, transposed=True, factor=None):
    ab = tridiagonal_bands(p)
    x = sla.solve_banded((1, 1), ab, b)
    lam = sla.solve_banded((1, 1), _banded_transpose(ab) if transposed else ab, c)
    s = c @ x
    scale = -2 * s if factor is None else -factor(s)
    grad = scale * lam * (2 * p * x)
    grad[1:] -= scale * lam[1:] * x[:-1]
    return grad


def _first_only(args):
    p, dp, *rest = args
    e = np.zeros_like(dp)
    e[0] = dp[0] if dp[0] != 0 else 1.0
    return (p, e, *rest)


def _derivative_M(lam, K, B, C, sigma):
    return -B - sigma / (lam - sigma) ** 2 * C


def _newton_step(lam, K, B, C, sigma, dM=_derivative_M, sign=-1.0):
    M = loaded_string(lam, K, B, C, sigma)
    return lam + sign / np.trace(np.linalg.solve(M, dM(lam, K, B, C, sigma)))


def _eigenvalue(lam0, K, B, C, sigma):
    r = newton_nonlinear_eigenvalue(lambda t: loaded_string(t, K, B, C, sigma),
                                    lambda t: _derivative_M(t, K, B, C, sigma), lam0)
    if not r.converged:
        raise ValueError(f"Newton did not converge from lam0 = {lam0:.3g}: {r.message}")
    return float(np.real(r.eigenvalue))


def _trace_solve(lam, K, B, C, sigma, dM):
    return np.trace(np.linalg.solve(loaded_string(lam, K, B, C, sigma), dM))


def _fisher(beta, X):
    s = expit(X @ beta)
    return X.T @ ((s * (1 - s))[:, None] * X)


def _nll_grad(beta, X, y):
    return X.T @ (expit(X @ beta) - y)


def _empirical_fisher(beta, X, y):
    scores = (expit(X @ beta) - y)[:, None] * X
    return scores.T @ scores


_NO_HALF = ("{name} is twice the gradient: the 1/2 in front of log det Sigma and of the "
            "quadratic form belongs in it (d log det Sigma = tr(Sigma^-1 dSigma), and each "
            "term of the likelihood carries a factor -1/2).")
_DISTINCT = ("{name} is 2G - diag(G), the vector of partial derivatives in the n(n+1)/2 "
             "distinct entries, arranged as a matrix: it counts each off-diagonal pair "
             "twice. The gradient on symmetric matrices (Frobenius inner product) is the "
             "symmetric G with dl = tr(G dSigma) for every symmetric dSigma.")

CHECKS = {
    "grad_det": GradientCheck(np.linalg.det, mistakes=(
        Mistake("transposed", lambda A: np.linalg.det(A) * _inv(A),
                "grad_det is det(A) A^-1, the transpose of the gradient: d det A = det(A) "
                "tr(A^-1 dA) = <det(A) A^-T, dA>, and tr(M dA) = <M^T, dA>."),
        Mistake("no-det", lambda A: _inv(A).T,
                "grad_det is A^-T, the gradient of log|det A|: the gradient of det A is "
                "det(A) times it."),
    )),
    "grad_logabsdet": GradientCheck(logabsdet, mistakes=(
        Mistake("transposed", lambda A: _inv(A),
                "grad_logabsdet is A^-1, the transpose of the gradient: d log|det A| = "
                "tr(A^-1 dA) = <A^-T, dA>."),
        Mistake("det-gradient", lambda A: _det_gradient(A),
                "grad_logabsdet is det(A) A^-T, the gradient of det A itself: divide by "
                "det A (d log|u| = du / u)."),
    )),
    "grad_logdet_gram": GradientCheck(logdet_gram, mistakes=(
        Mistake("factor", lambda X: X @ _inv(X.T @ X),
                "grad_logdet_gram is half the gradient: d(X^T X) = dX^T X + X^T dX has two "
                "terms, and they contribute equally."),
        Mistake("square-only", lambda X: 2 * _inv(X).T,
                "grad_logdet_gram is 2 X^-T, which is right only for a square X."),
    )),
    "grad_loglik_mu": GradientCheck(gaussian_loglik, mistakes=(
        Mistake("sign", lambda mu, S, X: np.linalg.solve(S, np.sum(mu - X, axis=0)),
                "grad_loglik_mu has the wrong sign: r_i = x_i - mu changes by -dmu."),
        Mistake("no-inverse", lambda mu, S, X: S @ np.sum(X - mu, axis=0),
                "grad_loglik_mu multiplies by Sigma where Sigma^-1 belongs."),
        Mistake("one-sample", lambda mu, S, X: np.linalg.solve(S, X[0] - mu),
                "grad_loglik_mu uses only the first sample: the log-likelihood sums over "
                "all N rows of X."),
    )),
    "grad_loglik_Sigma": GradientCheck(_loglik_symmetric, mistakes=(
        Mistake("no-half", lambda S, mu, X: 2 * _G_sigma(S, mu, X),
                _NO_HALF.format(name="grad_loglik_Sigma")),
        Mistake("distinct-entries", lambda S, mu, X: 2 * _G_sigma(S, mu, X)
                - np.diag(np.diag(_G_sigma(S, mu, X))), _DISTINCT.format(
                    name="grad_loglik_Sigma")),
        Mistake("lower-triangular", lambda S, mu, X: 2 * np.tril(_G_sigma(S, mu, X))
                - np.diag(np.diag(_G_sigma(S, mu, X))),
                "grad_loglik_Sigma is lower triangular, the gradient of a program that "
                "reads only the lower triangle of Sigma (a Cholesky factorization): its "
                "symmetric part is the gradient on symmetric matrices."),
        Mistake("no-N", lambda S, mu, X: 0.5 * (_inv(S) @ _scatter(mu, X) @ _inv(S)
                                                - _inv(S)),
                "grad_loglik_Sigma has -Sigma^-1/2 where the log-determinant term of N "
                "samples gives -N Sigma^-1/2."),
    )),
    "grad_loglik_precision": GradientCheck(_loglik_precision_symmetric, mistakes=(
        Mistake("covariance-gradient", lambda L, mu, X: _G_sigma(_inv(L), mu, X),
                "grad_loglik_precision is the gradient with respect to Sigma, evaluated at "
                "Sigma = Lam^-1: a change of variables needs the chain rule, "
                "dSigma = -Sigma dLam Sigma."),
        Mistake("sign", lambda L, mu, X: -0.5 * (len(X) * _inv(L) - _scatter(mu, X)),
                "grad_loglik_precision has the wrong sign: log det Lam enters the "
                "log-likelihood with +N/2, the quadratic form with -1/2."),
        Mistake("no-half", lambda L, mu, X: len(X) * _inv(L) - _scatter(mu, X),
                _NO_HALF.format(name="grad_loglik_precision").replace("Sigma", "Lam")),
    )),
    "d_state": DerivativeCheck(state, variants=(Variant(
        "diagonal-only", _first_only,
        "d_state is right only for changes of p_1, which enters only the diagonal: every "
        "other p_i also sits on the subdiagonal, A[i, i-1] = -p_i, so dA has two nonzero "
        "entries per p_i."),)),
    "grad_objective": GradientCheck(objective, mistakes=(
        Mistake("untransposed-adjoint", lambda p, b, c: _objective_gradient(
            p, b, c, transposed=False),
                "grad_objective solves A lam = c where the adjoint equation is "
                "A^T lam = c: c^T A^-1 = (A^-T c)^T, and A(p) is not symmetric."),
        Mistake("missing-2", lambda p, b, c: _objective_gradient(p, b, c, factor=lambda s: s),
                "grad_objective is half the gradient: d(s^2) = 2 s ds for s = c^T x."),
        Mistake("no-outer-chain-rule", lambda p, b, c: _objective_gradient(
            p, b, c, factor=lambda s: 1.0),
                "grad_objective is the gradient of s = c^T A(p)^-1 b, not of s^2: the "
                "chain rule d(s^2) = 2 s ds is missing."),
    )),
    "dlogdet_M": GradientCheck(log_abs_det_M, mistakes=(
        Mistake("no-rational-term", lambda lam, K, B, C, s: _trace_solve(lam, K, B, C, s, -B),
                "dlogdet_M uses M'(lam) = -B: the term lam / (lam - sigma) C depends on "
                "lam too, with derivative -sigma / (lam - sigma)^2 C."),
        Mistake("quotient-rule", lambda lam, K, B, C, s: _trace_solve(
            lam, K, B, C, s, -B + C / (lam - s)),
                "dlogdet_M differentiates lam / (lam - sigma) as 1 / (lam - sigma): by the "
                "quotient rule its derivative is -sigma / (lam - sigma)^2."),
        Mistake("linear-case", lambda lam, K, B, C, s: _trace_solve(
            lam, K, B, C, s, -np.eye(len(K))),
                "dlogdet_M is -tr(M^-1), the derivative for M = K - lam I: here "
                "M'(lam) = -B - sigma / (lam - sigma)^2 C."),
    )),
    "newton_step": ArrayCheck(rtol=1e-9, atol=1e-12, public=_newton_step, mistakes=(
        Mistake("sign", lambda *a: _newton_step(*a, sign=1.0),
                "newton_step goes the wrong way: lam - f/f' with f = det M and "
                "f' = det(M) tr(M^-1 M') gives lam - 1 / tr(M^-1 M')."),
        Mistake("no-rational-derivative",
                lambda *a: _newton_step(*a, dM=lambda lam, K, B, C, s: -B),
                "newton_step uses M'(lam) = -B: the term lam / (lam - sigma) C depends "
                "on lam too."),
        Mistake("quotient-rule",
                lambda *a: _newton_step(*a, dM=lambda lam, K, B, C, s: -B + C / (lam - s)),
                "newton_step differentiates lam / (lam - sigma) as 1 / (lam - sigma): by "
                "the quotient rule its derivative is -sigma / (lam - sigma)^2."),
        Mistake("no-reciprocal", lambda lam, K, B, C, s: lam - np.trace(
            np.linalg.solve(loaded_string(lam, K, B, C, s), _derivative_M(lam, K, B, C, s))),
                "newton_step subtracts tr(M^-1 M') where its reciprocal belongs: "
                "f / f' = 1 / tr(M^-1 M')."),
    )),
    "nonlinear_eigenvalue": ArrayCheck(rtol=1e-9, atol=1e-12, public=_eigenvalue, mistakes=(
        Mistake("linear-pencil", lambda lam0, K, B, C, s: sla.eigh(K, B, eigvals_only=True)[
            np.argmin(np.abs(sla.eigh(K, B, eigvals_only=True) - lam0))],
                "nonlinear_eigenvalue is an eigenvalue of K - lam B, without the rational "
                "term: solve det M(lam) = 0 for the whole M."),
        Mistake("one-step", lambda *a: _newton_step(*a),
                "nonlinear_eigenvalue is a single Newton step from lam0: iterate until the "
                "step is tiny (quadratic convergence takes a handful of steps)."),
    )),
    "nll_grad": GradientCheck(logistic_nll, mistakes=(
        Mistake("sign", lambda beta, X, y: X.T @ (y - expit(X @ beta)),
                "nll_grad has the wrong sign: it is the gradient of the log-likelihood, "
                "not of the negative log-likelihood."),
        Mistake("flipped-sigmoid", lambda beta, X, y: X.T @ (expit(-X @ beta) - y),
                "nll_grad uses sigma(-X beta) = 1 - sigma(X beta): d log(1 + e^t) = "
                "e^t / (1 + e^t) dt = sigma(t) dt."),
    )),
    "fisher_information": ArrayCheck(rtol=1e-9, public=_fisher, mistakes=(
        Mistake("no-weights", lambda beta, X: X.T @ X,
                "fisher_information is X^T X, without the weights W = diag(sigma_i "
                "(1 - sigma_i)): the derivative of sigma(t) is sigma(t) (1 - sigma(t))."),
        Mistake("wrong-weights", lambda beta, X: X.T @ (expit(X @ beta)[:, None] * X),
                "fisher_information has weights sigma_i where sigma_i (1 - sigma_i) "
                "belongs: sigma'(t) = sigma(t) (1 - sigma(t))."),
    )),
    "fisher_scoring_step": ArrayCheck(
        rtol=1e-9, atol=1e-12,
        public=lambda beta, X, y: beta - np.linalg.solve(_fisher(beta, X), _nll_grad(beta, X, y)),
        mistakes=(
            Mistake("sign", lambda beta, X, y: beta + np.linalg.solve(_fisher(beta, X),
                                                                     _nll_grad(beta, X, y)),
                    "fisher_scoring_step climbs the negative log-likelihood: the step "
                    "solves I(beta) delta = -grad L."),
            Mistake("no-weights", lambda beta, X, y: beta - np.linalg.solve(
                X.T @ X, _nll_grad(beta, X, y)),
                    "fisher_scoring_step uses X^T X where the Fisher information X^T W X "
                    "belongs."),
            Mistake("empirical-fisher", lambda beta, X, y: beta - np.linalg.solve(
                _empirical_fisher(beta, X, y), _nll_grad(beta, X, y)),
                    "fisher_scoring_step uses the 'empirical Fisher', the sum of s_i s_i^T "
                    "over the observed samples: the Fisher information is the expectation "
                    "over y of that sum, X^T W X, which does not depend on the observed y."),
            Mistake("gradient-step", lambda beta, X, y: beta - _nll_grad(beta, X, y),
                    "fisher_scoring_step is a plain gradient step: the Fisher information "
                    "must be solved with."),
        )),
}

QUESTIONS = {
    "q1": ("Problem 1", ("grad_det", "grad_logabsdet", "grad_logdet_gram")),
    "q2": ("Problem 2", ("grad_loglik_mu", "grad_loglik_Sigma", "grad_loglik_precision")),
    "q3": ("Problem 3", ("d_state", "grad_objective")),
    "q4": ("Problem 4", ("dlogdet_M", "newton_step", "nonlinear_eigenvalue")),
    "q5": ("Problem 5", ("nll_grad", "fisher_information", "fisher_scoring_step")),
}


# ---------------------------------------------------------------- inputs


def spd(rng, n, shift=1.0):
    """A random symmetric positive definite n x n matrix, exactly symmetric."""
    W = rng.standard_normal((n, n))
    return _sym(W @ W.T + shift * n * np.eye(n))


def gaussian_arguments(rng, N, n):
    """(mu, Sigma, X): a mean, a covariance and N samples of dimension n, not at the optimum."""
    X = rng.standard_normal((N, n)) @ rng.standard_normal((n, n)) + rng.standard_normal(n)
    return rng.standard_normal(n), spd(rng, n), X


def adjoint_arguments(rng, m):
    """(p, b, c) for the tridiagonal objective with m parameters."""
    return rng.standard_normal(m), rng.standard_normal(m), rng.standard_normal(m)


def string_matrices(n, sigma=1.0):
    """(K, B, C, sigma) of the loaded string with n elements (NLEVP's loaded_string).

    K = n tridiag(-1, 2, -1) with K[n-1, n-1] = n, B = tridiag(1, 4, 1) / (6 n) with
    B[n-1, n-1] = 2 / (6 n), and C = k e_n e_n^T with k = 1: a string fixed at one
    end with a spring-mass load at the other.
    """
    K = n * (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1))
    K[-1, -1] = n
    B = (4 * np.eye(n) + np.eye(n, k=1) + np.eye(n, k=-1)) / (6 * n)
    B[-1, -1] = 2 / (6 * n)
    C = np.zeros((n, n))
    C[-1, -1] = 1.0
    return K, B, C, sigma


def random_string(rng, n, sigma=1.0):
    """A loaded string with random positive stiffnesses and masses (K, B SPD)."""
    k = rng.uniform(0.5, 2.0, n)
    K = np.diag(k + np.append(k[1:], 0.0)) - np.diag(k[1:], 1) - np.diag(k[1:], -1)
    w = rng.uniform(0.5, 2.0, n)
    B = np.diag(w)
    C = np.zeros((n, n))
    C[-1, -1] = rng.uniform(0.5, 2.0)
    return K, B, C, sigma


def eigen_start(problem, index, offset=0.02):
    """A start near the `index`-th eigenvalue reached from the linear pencil's eigenvalues.

    The loaded string's eigenvalues interlace with the poles; starting at the
    root itself moved by `offset` times its distance to the next root keeps
    Newton's method (every correct variant) converging to it.
    """
    K, B, _, sigma = problem
    roots = sorted({round(_eigenvalue(mu, *problem), 9)
                    for mu in sla.eigh(K, B, eigvals_only=True)})
    roots = [r for r in roots if abs(r - sigma) > 1e-3]
    root = roots[index]
    gap = min([abs(r - root) for r in roots if r != root] + [abs(root - sigma)])
    return root + offset * gap


def logistic_arguments(rng, N, d, scale=1.0, intercept=True):
    """(beta, X, y): N observations with d features (the first a column of ones)."""
    X = scale * rng.standard_normal((N, d))
    if intercept:
        X[:, 0] = 1.0
    beta = rng.standard_normal(d) / np.sqrt(d)
    y = (rng.random(N) < expit(X @ rng.standard_normal(d))).astype(float)
    return beta, X, y


def _public_cases():
    rng = np.random.default_rng(20260303)
    cases = {q: [] for q in QUESTIONS}
    for n in (2, 4):
        cases["q1"].append(("grad_det", Case((rng.standard_normal((n, n)),),
                                             f"a non-symmetric {n}x{n} A", seed=n)))
    cases["q1"].append(("grad_logabsdet", Case((rng.standard_normal((3, 3)),),
                                               "a non-symmetric 3x3 A", seed=3)))
    for shape in ((3, 3), (5, 2)):
        cases["q1"].append(("grad_logdet_gram", Case((rng.standard_normal(shape),),
                                                     f"a {shape[0]}x{shape[1]} X",
                                                     seed=shape[0])))
    args = gaussian_arguments(rng, 20, 3)
    mu, Sigma, X = args
    cases["q2"] += [
        ("grad_loglik_mu", Case(args, "20 samples in 3 dimensions", seed=1)),
        ("grad_loglik_Sigma", Case((Sigma, mu, X), "20 samples in 3 dimensions", seed=2)),
        ("grad_loglik_precision", Case((np.linalg.inv(Sigma), mu, X),
                                       "20 samples in 3 dimensions", seed=3)),
    ]
    for m in (3, 6):
        p, b, c = adjoint_arguments(rng, m)
        cases["q3"].append(("d_state", Case((p, b), f"m = {m}", seed=m)))
        cases["q3"].append(("grad_objective", Case((p, b, c), f"m = {m}", seed=m)))
    problem = string_matrices(5)
    cases["q4"] += [
        ("dlogdet_M", Case((np.array(3.0), *problem), "the loaded string with n = 5, lam = 3",
                           seed=1)),
        ("newton_step", Case((3.0, *problem), "the loaded string with n = 5, lam = 3")),
        ("nonlinear_eigenvalue", Case((eigen_start(problem, 1), *problem),
                                      "the loaded string with n = 5, near its second "
                                      "eigenvalue")),
    ]
    beta, X, y = logistic_arguments(rng, 30, 3)
    cases["q5"] += [
        ("nll_grad", Case((beta, X, y), "30 observations, 3 features", seed=1)),
        ("fisher_information", Case((beta, X), "30 observations, 3 features")),
        ("fisher_scoring_step", Case((beta, X, y), "30 observations, 3 features")),
    ]
    return cases


CASES = _public_cases()

_SET = PublicProblemSet(3, QUESTIONS, CHECKS, CASES)


def check(question: str, *answers) -> None:
    """Run the visible checks of one problem of Problem Set 3 and print what they find.

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
