r"""The cookbook: a registry of matrix-derivative identities, each checked numerically.

Every entry of :data:`IDENTITIES` is an :class:`Identity`: a function ``f``, the
argument ``wrt`` it is differentiated in, the claimed differential
``df(args, d)`` (the first-order change of ``f`` when ``args[wrt]`` moves by
``d``) and, when ``f`` is scalar, the claimed gradient ``grad(args)``, which
has the shape of ``args[wrt]`` (so ``df = <grad, d>``, the Frobenius inner
product).  ``sample(rng)`` draws arguments that satisfy the entry's stated
assumptions and nothing more: rectangular and non-symmetric wherever the
identity allows, since square or symmetric test matrices hide exactly the
transposes that references disagree about.

:func:`check_identity` checks one entry with :func:`matdiff.check_derivative`
and :func:`matdiff.check_gradient`; the test suite checks every entry on
several seeds, and checks that wrong versions (transposed, doubled, negated)
are rejected.  The appendix's cookbook page is generated from this registry.

Examples
--------
>>> entry = lookup("log det X")
>>> print(entry)
log det X  [determinants; Lecture 5]
  assumes: X square and positive determinant
  d\log\det X = \operatorname{tr}(X^{-1} dX)
  gradient: X^{-\top}
>>> check_identity(entry, rng=0).ok
True
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.special import expit as sigmoid

from .check import CheckResult, check_derivative, check_gradient
from .kron import commutation_matrix, vec

__all__ = ["GROUPS", "IDENTITIES", "Identity", "IdentityCheck", "check_identity", "lookup"]

GROUPS = ("traces", "determinants", "inverses", "products and powers", "Kronecker and vec",
          "norms", "eigenvalues", "matrix functions", "machine learning")


@dataclass(frozen=True, repr=False)
class Identity:
    """One verified identity.

    Attributes
    ----------
    name : str
        Short unique name, e.g. ``'log det X'``.
    group : str
        One of :data:`GROUPS`.
    latex : str
        The differential form, in MathJax (without ``$``).
    grad_latex : str or None
        The gradient in this book's layout (the shape of the argument), for
        scalar ``f``; None otherwise.
    lecture : int
        The lecture (1-8) that derives it.
    assumptions : tuple of str
        Plain-word assumptions, each about one argument, e.g.
        ``'X square and invertible'``; empty when there are none.
    f : callable
        ``f(**args)``.
    wrt : str
        The name of the argument differentiated.
    sample : callable
        ``sample(rng)``: a dict of arguments satisfying the assumptions.
    df : callable
        ``df(args, d)``: the claimed change of ``f`` for a change ``d`` of
        ``args[wrt]``, with the shape of ``f``.
    grad : callable or None
        ``grad(args)``: the claimed gradient, with the shape of ``args[wrt]``,
        for scalar ``f``; None otherwise.
    formula : str or None
        The function itself, in MathJax (without ``$``), e.g.
        ``'\\log\\det X'``; shown on the appendix page above the differential.
    """

    name: str
    group: str
    latex: str
    grad_latex: str | None
    lecture: int
    assumptions: tuple
    f: Callable
    wrt: str
    sample: Callable
    df: Callable
    grad: Callable | None = None
    formula: str | None = None

    def __post_init__(self):
        if self.group not in GROUPS:
            raise ValueError(f"{self.name}: group must be one of {GROUPS}, got {self.group!r}.")
        if self.lecture not in range(1, 9):
            raise ValueError(f"{self.name}: lecture must be 1 to 8, got {self.lecture!r}.")
        if (self.grad is None) != (self.grad_latex is None):
            raise ValueError(f"{self.name}: give grad and grad_latex together, or neither.")

    def at(self, args):
        """Fix every argument but `wrt`: returns ``(f, df, grad, x)`` as functions of ``x``.

        ``f(x)``, ``df(x, dx)`` and ``grad(x)`` (None when ``f`` is not
        scalar) are the forms :func:`matdiff.check_derivative` and
        :func:`matdiff.check_gradient` take, and ``x = args[wrt]``.
        """
        def with_x(x):
            return {**args, self.wrt: x}

        grad = None if self.grad is None else (lambda x: self.grad(with_x(x)))
        return (lambda x: self.f(**with_x(x)), lambda x, dx: self.df(with_x(x), dx), grad,
                args[self.wrt])

    def __str__(self) -> str:
        lines = [f"{self.name}  [{self.group}; Lecture {self.lecture}]",
                 f"  assumes: {'; '.join(self.assumptions) or 'nothing'}", f"  {self.latex}"]
        if self.grad_latex is not None:
            lines.append(f"  gradient: {self.grad_latex}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Identity({self.name!r}, group={self.group!r}, lecture={self.lecture})"


@dataclass(frozen=True)
class IdentityCheck:
    """The outcome of :func:`check_identity`: the differential's check and the gradient's."""

    identity: Identity
    derivative: CheckResult
    gradient: CheckResult | None

    @property
    def ok(self) -> bool:
        return self.derivative.ok and (self.gradient is None or self.gradient.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        parts = [f"{self.identity.name}: {'ok' if self.ok else 'WRONG'}",
                 f"  df:   {self.derivative}"]
        if self.gradient is not None:
            parts.append(f"  grad: {self.gradient}")
        return "\n".join(parts)


# ----------------------------------------------------------------------------
# helpers for the entries

inv, tr, solve = np.linalg.inv, np.trace, np.linalg.solve


def _sym(A):
    return (A + A.T) / 2


def _softmax(Z, axis=0):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _logdet(X):
    return np.linalg.slogdet(X)[1]


def _dims(rng):
    """Sizes n and m with m != n, so that rectangular really is rectangular."""
    n = int(rng.integers(2, 5))
    return n, n + int(rng.integers(1, 3))


def _normal(rng, *shape):
    return rng.standard_normal(shape)


def _invertible(rng, n):
    """Non-symmetric, comfortably invertible, with a determinant of either sign."""
    X = rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)
    X[0] *= rng.choice([-1.0, 1.0])
    return X


def _flip_sign(X):
    """X with one row negated when det X < 0."""
    if np.linalg.det(X) < 0:
        X = X.copy()
        X[0] *= -1
    return X


def _spd(rng, n):
    G = rng.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def _right_half_plane(rng, n):
    """Non-symmetric, every eigenvalue with positive real part (symmetric part is SPD)."""
    G, K = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return G @ G.T / n + np.eye(n) + (K - K.T) / 2


def _symmetric_gapped(rng, n):
    """Symmetric with eigenvalues at least 1 apart; eigenvector sums kept away from zero."""
    while True:
        Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
        A = Q @ np.diag(np.cumsum(1 + rng.uniform(size=n))) @ Q.T
        if np.min(np.abs(np.linalg.eigh(A)[1].sum(axis=0))) > 0.2:
            return _sym(A)


def _real_spectrum(rng, n):
    """Non-symmetric, diagonalizable, with real eigenvalues at least 1 apart."""
    V = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
    return V @ np.diag(np.cumsum(1 + rng.uniform(size=n))) @ inv(V)


def _largest_sym_eig(A):
    lam, V = np.linalg.eigh(_sym(A))
    return lam[-1], V[:, -1]


def _sym_eigvec(A):
    """Unit eigenvector of sym(A) for its largest eigenvalue, signed so its entries sum > 0."""
    v = np.linalg.eigh(_sym(A))[1][:, -1]
    return v if v.sum() > 0 else -v


def _sym_eigvec_change(A, dA):
    lam, V = np.linalg.eigh(_sym(A))
    v = V[:, -1] if V[:, -1].sum() > 0 else -V[:, -1]
    coupling = V.T @ _sym(dA) @ v
    gaps = lam[-1] - lam
    gaps[-1] = np.inf                                  # the j = k term is absent
    return V @ (coupling / gaps)


def _eigen_triple(A):
    """The largest (real, simple) eigenvalue of A with right and left eigenvectors."""
    lam, V = np.linalg.eig(A)
    k = np.argmax(lam.real)
    mu, W = np.linalg.eig(A.T)
    j = np.argmin(np.abs(mu - lam[k]))
    return lam[k].real, V[:, k].real, W[:, j].real


def _svd_top(X):
    U, _, Vt = np.linalg.svd(X)
    return U[:, 0], Vt[0]


def _logm_frechet(X, E):
    """The upper-right block of log([[X, E], [0, X]]) is the derivative of log at X along E."""
    n = len(X)
    return sla.logm(np.block([[X, E], [np.zeros((n, n)), X]])).real[:n, n:]


def _attention(Q, K, V):
    return _softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=1) @ V


def _attention_change(a, dQ):
    Q, K, V = a["Q"], a["K"], a["V"]
    P = _softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=1)
    dZ = dQ @ K.T / np.sqrt(Q.shape[1])
    return (P * (dZ - np.sum(P * dZ, axis=1, keepdims=True))) @ V


def _gaussian_loglik(X, mu, Sigma):
    R = X - mu
    N, n = X.shape
    return -0.5 * (N * n * np.log(2 * np.pi) + N * _logdet(Sigma)
                   + np.sum(R * solve(Sigma, R.T).T))


def _gaussian_sample(rng):
    n = int(rng.integers(2, 5))
    return {"X": rng.standard_normal((n + 5, n)) + 0.5, "mu": rng.standard_normal(n),
            "Sigma": _spd(rng, n)}


def _scatter(a):
    R = a["X"] - a["mu"]
    return R.T @ R


def _labels(rng, N, kind):
    signs = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
    signs[:2] = [1.0, -1.0]                            # both classes present
    return signs if kind == "pm" else (signs + 1) / 2


def _one_hot(rng, classes, N):
    Y = np.zeros((classes, N))
    Y[rng.integers(classes, size=N), np.arange(N)] = 1.0
    return Y


def _svd_gapped(rng):
    """Rectangular, with singular values at least 1 apart (and at least 1)."""
    n, m = _dims(rng)
    U = np.linalg.qr(rng.standard_normal((m, n)))[0]
    V = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return {"X": U @ np.diag(np.cumsum(1 + rng.uniform(size=n))[::-1]) @ V.T}


def _singular_value_change(X, dX):
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return np.sum(U * (dX @ Vt.T), axis=0)


def _pinv_change(X, dX):
    G_inv = inv(X.T @ X)
    P = G_inv @ X.T
    return -P @ dX @ P + G_inv @ dX.T @ (np.eye(len(X)) - X @ P)


def _sylvester_vec(A, B, C):
    return vec(sla.solve_sylvester(A, B, C))


def _sylvester_change(a, dA):
    m, n = len(a["A"]), len(a["B"])
    X = sla.solve_sylvester(a["A"], a["B"], a["C"])
    operator = np.kron(np.eye(n), a["A"]) + np.kron(a["B"].T, np.eye(m))
    return -solve(operator, vec(dA @ X))


def _top_k_frame(A, k):
    return np.linalg.eigh(_sym(A))[1][:, -k:]


def _eigvec_adjoint(a):
    """w with d(c^T v) = w^T dA v for the top eigenvector v of symmetric A."""
    lam, V = np.linalg.eigh(_sym(a["A"]))
    gaps = lam[-1] - lam
    gaps[-1] = np.inf
    return V @ ((V.T @ a["c"]) / gaps)


def _divided_exp(lam):
    """F_ij = (e^lam_i - e^lam_j) / (lam_i - lam_j), and e^lam_i where lam_i = lam_j."""
    L, M = np.meshgrid(lam, lam, indexing="ij")
    same = np.abs(L - M) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        F = np.where(same, np.exp(L), (np.exp(L) - np.exp(M)) / np.where(same, 1, L - M))
    return F


def _daleckii_krein_exp(A, dA):
    lam, V = np.linalg.eigh(A)
    return V @ (_divided_exp(lam) * (V.T @ dA @ V)) @ V.T


def _attention_parts(Q, K):
    return _softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=1), np.sqrt(Q.shape[1])


def _softmax_rows_change(P, dZ):
    return P * (dZ - np.sum(P * dZ, axis=1, keepdims=True))


def _attention_sample(rng):
    q, d = _dims(rng)
    k, v = q + d + 1, d + 1
    return {"Q": _normal(rng, q, d), "K": _normal(rng, k, d), "V": _normal(rng, k, v)}


def _two_layer(rng):
    n = int(rng.integers(2, 4))
    h, o = n + 2, n + 1
    return {"W1": 0.5 * _normal(rng, h, n), "W2": _normal(rng, o, h), "x": _normal(rng, n),
            "y": _normal(rng, o)}


def _two_layer_loss(W1, W2, x, y):
    return np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2)


def _precision_sample(rng):
    s = _gaussian_sample(rng)
    return {"X": s["X"], "mu": s["mu"], "Lambda": _spd(rng, len(s["mu"])) / 4}


def _ridge_solution(A, b, mu):
    return solve(A.T @ A + mu * np.eye(A.shape[1]), A.T @ b)


def _gp_loglik(K, y):
    return -0.5 * (y @ solve(K, y) + _logdet(K) + len(y) * np.log(2 * np.pi))


def _factorization(rng):
    m, n = _dims(rng)
    r = m + n + 1
    return {"R": _normal(rng, m, n), "Omega": (rng.uniform(size=(m, n)) < 0.7) * 1.0,
            "U": _normal(rng, m, r), "V": _normal(rng, n, r), "lam": 0.3}


def _cosine_gradient(a):
    x, y = a["x"], a["y"]
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    return y / (nx * ny) - (x @ y / (nx * ny)) * x / nx**2


def _two_layer_delta(a):
    """2 (W2^T r) o (1 - h o h): the gradient of the loss with respect to W1 x."""
    h = np.tanh(a["W1"] @ a["x"])
    return 2 * (a["W2"].T @ (a["W2"] @ h - a["y"])) * (1 - h * h)


def _factorization_grad_V(a):
    return 2 * a["lam"] * a["V"] - 2 * (a["Omega"] * (a["R"] - a["U"] @ a["V"].T)).T @ a["U"]


def _kernel_gradient(a):
    x, y, s = a["x"], a["y"], a["s"]
    return -np.exp(-np.sum((x - y) ** 2) / (2 * s**2)) / s**2 * (x - y)


def _gp_grad(a):
    Ki = inv(a["K"])
    return 0.5 * (Ki @ np.outer(a["y"], a["y"]) @ Ki - Ki)


def _softmax_cross_entropy(W, X, Y):
    return -np.sum(Y * np.log(_softmax(W @ X)))


def _softmax_cross_entropy_sample(rng):
    c, p = _dims(rng)
    N = c + p + 2
    return {"W": _normal(rng, c, p), "X": _normal(rng, p, N), "Y": _one_hot(rng, c, N)}


# ----------------------------------------------------------------------------
# samplers shared by several entries


def _square_X(rng):
    return {"X": _normal(rng, *(2 * [int(rng.integers(2, 5))]))}


def _rect_X(rng):
    return {"X": _normal(rng, *_dims(rng))}


def _invertible_X(rng):
    return {"X": _invertible(rng, int(rng.integers(2, 5)))}


def _vector_x(rng):
    return {"x": _normal(rng, int(rng.integers(2, 6)))}


def _A_X_B(rng):
    m, n = _dims(rng)
    p = int(rng.integers(2, 5)) + n + m          # a third size, different from m and n
    return {"A": _normal(rng, p, m), "X": _normal(rng, m, n), "B": _normal(rng, n, p)}


def _least_squares(rng):
    n = int(rng.integers(2, 5))
    N = n + int(rng.integers(2, 6))
    return {"A": _normal(rng, N, n), "b": _normal(rng, N), "x": _normal(rng, n)}


def _classification(rng):
    n = int(rng.integers(2, 5))
    N = n + int(rng.integers(3, 8))
    return {"A": _normal(rng, N, n), "w": _normal(rng, n)}


def _nmf(rng):
    m, n = _dims(rng)
    r = int(rng.integers(1, 3)) + n + m
    return {"X": _normal(rng, m, n), "W": _normal(rng, m, r), "H": _normal(rng, r, n)}


_GAUSSIAN = (r"\ell(\mu, \Sigma) = -\frac{1}{2}\sum_i (x_i - \mu)^\top \Sigma^{-1}(x_i - \mu)"
             r" - \frac{N}{2}\log\det\Sigma - \frac{Nn}{2}\log 2\pi")


# ----------------------------------------------------------------------------
# the registry


IDENTITIES = (
    # ------------------------------------------------------------------ traces
    Identity(
        "tr(X)", "traces", r"d\operatorname{tr}(X) = \operatorname{tr}(dX)", r"I", 4,
        ("X square",), lambda X: tr(X), "X", _square_X,
        lambda a, d: tr(d), lambda a: np.eye(len(a["X"])),
        formula=r"\operatorname{tr}(X)"),
    Identity(
        "tr(AX)", "traces", r"d\operatorname{tr}(AX) = \operatorname{tr}(A\,dX)", r"A^\top", 4,
        (), lambda A, X: tr(A @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, m), "X": _normal(rng, m, n)})(
            *_dims(rng)),
        lambda a, d: tr(a["A"] @ d), lambda a: a["A"].T,
        formula=r"\operatorname{tr}(AX)"),
    Identity(
        "tr(X^T X)", "traces", r"d\operatorname{tr}(X^\top X) = 2\operatorname{tr}(X^\top dX)",
        r"2X", 1, (), lambda X: tr(X.T @ X), "X", _rect_X,
        lambda a, d: 2 * tr(a["X"].T @ d), lambda a: 2 * a["X"],
        formula=r"\operatorname{tr}(X^\top X) = \lVert X\rVert_F^2"),
    Identity(
        "tr(X^T A X)", "traces",
        r"d\operatorname{tr}(X^\top A X) = \operatorname{tr}(dX^\top A X + X^\top A\,dX)",
        r"(A + A^\top) X", 4, ("A square",), lambda A, X: tr(X.T @ A @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, n), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: tr(d.T @ a["A"] @ a["X"]) + tr(a["X"].T @ a["A"] @ d),
        lambda a: (a["A"] + a["A"].T) @ a["X"],
        formula=r"\operatorname{tr}(X^\top A X)"),
    Identity(
        "tr(AXB)", "traces", r"d\operatorname{tr}(AXB) = \operatorname{tr}(BA\,dX)",
        r"A^\top B^\top", 4, (), lambda A, X, B: tr(A @ X @ B), "X", _A_X_B,
        lambda a, d: tr(a["B"] @ a["A"] @ d), lambda a: a["A"].T @ a["B"].T,
        formula=r"\operatorname{tr}(AXB)"),
    Identity(
        "tr(X^2)", "traces", r"d\operatorname{tr}(X^2) = 2\operatorname{tr}(X\,dX)", r"2X^\top",
        2, ("X square",), lambda X: tr(X @ X), "X", _square_X,
        lambda a, d: 2 * tr(a["X"] @ d), lambda a: 2 * a["X"].T,
        formula=r"\operatorname{tr}(X^2)"),
    Identity(
        "tr(X^4)", "traces", r"d\operatorname{tr}(X^4) = 4\operatorname{tr}(X^3 dX)",
        r"4(X^3)^\top", 2, ("X square",), lambda X: tr(np.linalg.matrix_power(X, 4)), "X",
        _square_X, lambda a, d: 4 * tr(np.linalg.matrix_power(a["X"], 3) @ d),
        lambda a: 4 * np.linalg.matrix_power(a["X"], 3).T,
        formula=r"\operatorname{tr}(X^4)"),
    # ------------------------------------------------------- products and powers
    Identity(
        "x^T A x", "products and powers",
        r"d(x^\top A x) = dx^\top A x + x^\top A\,dx = x^\top (A + A^\top)\,dx",
        r"(A + A^\top)x", 1, ("A square",), lambda x, A: x @ A @ x, "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "A": _normal(rng, n, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: d @ a["A"] @ a["x"] + a["x"] @ a["A"] @ d,
        lambda a: (a["A"] + a["A"].T) @ a["x"],
        formula=r"x^\top A x"),
    Identity(
        "a^T X b", "products and powers", r"d(a^\top X b) = a^\top dX\, b", r"a b^\top", 4, (),
        lambda a, X, b: a @ X @ b, "X",
        lambda rng: (lambda m, n: {"a": _normal(rng, m), "X": _normal(rng, m, n),
                                   "b": _normal(rng, n)})(*_dims(rng)),
        lambda a, d: a["a"] @ d @ a["b"], lambda a: np.outer(a["a"], a["b"]),
        formula=r"a^\top X b"),
    Identity(
        "X^2", "products and powers", r"d(X^2) = dX\,X + X\,dX", None, 1, ("X square",),
        lambda X: X @ X, "X", _square_X, lambda a, d: d @ a["X"] + a["X"] @ d,
        formula=r"X^2"),
    Identity(
        "X^3", "products and powers", r"d(X^3) = dX\,X^2 + X\,dX\,X + X^2 dX", None, 2,
        ("X square",), lambda X: X @ X @ X, "X", _square_X,
        lambda a, d: d @ a["X"] @ a["X"] + a["X"] @ d @ a["X"] + a["X"] @ a["X"] @ d,
        formula=r"X^3"),
    Identity(
        "X^T X", "products and powers", r"d(X^\top X) = dX^\top X + X^\top dX", None, 2, (),
        lambda X: X.T @ X, "X", _rect_X, lambda a, d: d.T @ a["X"] + a["X"].T @ d,
        formula=r"X^\top X"),
    Identity(
        "AXB", "products and powers", r"d(AXB) = A\,dX\,B", None, 2, (),
        lambda A, X, B: A @ X @ B, "X", _A_X_B, lambda a, d: a["A"] @ d @ a["B"],
        formula=r"AXB"),
    Identity(
        "x x^T", "products and powers", r"d(x x^\top) = dx\,x^\top + x\,dx^\top", None, 2, (),
        lambda x: np.outer(x, x), "x", _vector_x,
        lambda a, d: np.outer(d, a["x"]) + np.outer(a["x"], d),
        formula=r"x x^\top"),
    Identity(
        "X o X (Hadamard square)", "products and powers", r"d(X \circ X) = 2X \circ dX", None,
        2, (), lambda X: X * X, "X", _rect_X, lambda a, d: 2 * a["X"] * d,
        formula=r"X \circ X"),
    Identity(
        "(x^T x)^4", "products and powers", r"d(x^\top x)^4 = 8(x^\top x)^3 x^\top dx",
        r"8(x^\top x)^3 x", 1, (), lambda x: (x @ x) ** 4, "x", _vector_x,
        lambda a, d: 8 * (a["x"] @ a["x"]) ** 3 * (a["x"] @ d),
        lambda a: 8 * (a["x"] @ a["x"]) ** 3 * a["x"],
        formula=r"(x^\top x)^4"),
    # ------------------------------------------------------------------ inverses
    Identity(
        "X^-1", "inverses", r"d(X^{-1}) = -X^{-1} dX\, X^{-1}", None, 2,
        ("X square and invertible",), lambda X: inv(X), "X", _invertible_X,
        lambda a, d: -inv(a["X"]) @ d @ inv(a["X"]),
        formula=r"X^{-1}"),
    Identity(
        "X^-1 b", "inverses", r"d(X^{-1} b) = -X^{-1} dX\, X^{-1} b", None, 5,
        ("X square and invertible",), lambda X, b: solve(X, b), "X",
        lambda rng: (lambda n: {"X": _invertible(rng, n), "b": _normal(rng, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: -solve(a["X"], d @ solve(a["X"], a["b"])),
        formula=r"X^{-1} b"),
    Identity(
        "a^T X^-1 b", "inverses", r"d(a^\top X^{-1} b) = -a^\top X^{-1} dX\, X^{-1} b",
        r"-X^{-\top} a b^\top X^{-\top}", 5, ("X square and invertible",),
        lambda a, X, b: a @ solve(X, b), "X",
        lambda rng: (lambda n: {"a": _normal(rng, n), "X": _invertible(rng, n),
                                "b": _normal(rng, n)})(int(rng.integers(2, 5))),
        lambda a, d: -a["a"] @ inv(a["X"]) @ d @ solve(a["X"], a["b"]),
        lambda a: -inv(a["X"]).T @ np.outer(a["a"], a["b"]) @ inv(a["X"]).T,
        formula=r"a^\top X^{-1} b"),
    Identity(
        "tr(A X^-1 B)", "inverses",
        r"d\operatorname{tr}(A X^{-1} B) = -\operatorname{tr}(A X^{-1} dX\, X^{-1} B)",
        r"-(X^{-1} B A X^{-1})^\top", 5, ("X square and invertible",),
        lambda A, X, B: tr(A @ solve(X, B)), "X",
        lambda rng: (lambda n, p: {"A": _normal(rng, p, n), "X": _invertible(rng, n),
                                   "B": _normal(rng, n, p)})(*_dims(rng)),
        lambda a, d: -tr(a["A"] @ inv(a["X"]) @ d @ inv(a["X"]) @ a["B"]),
        lambda a: -(inv(a["X"]) @ a["B"] @ a["A"] @ inv(a["X"])).T,
        formula=r"\operatorname{tr}(A X^{-1} B)"),
    Identity(
        "(X^T X)^-1", "inverses",
        r"d(X^\top X)^{-1} = -(X^\top X)^{-1}(dX^\top X + X^\top dX)(X^\top X)^{-1}", None, 5,
        ("X full column rank",), lambda X: inv(X.T @ X), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n)})(*_dims(rng)),
        lambda a, d: -inv(a["X"].T @ a["X"]) @ (d.T @ a["X"] + a["X"].T @ d)
        @ inv(a["X"].T @ a["X"]),
        formula=r"(X^\top X)^{-1}"),
    # -------------------------------------------------------------- determinants
    Identity(
        "det X", "determinants", r"d\det X = \det(X)\operatorname{tr}(X^{-1} dX)",
        r"\det(X)\, X^{-\top}", 5, ("X square and invertible",), lambda X: np.linalg.det(X),
        "X", _invertible_X, lambda a, d: np.linalg.det(a["X"]) * tr(solve(a["X"], d)),
        lambda a: np.linalg.det(a["X"]) * inv(a["X"]).T,
        formula=r"\det X"),
    Identity(
        "log det X", "determinants", r"d\log\det X = \operatorname{tr}(X^{-1} dX)",
        r"X^{-\top}", 5, ("X square and positive determinant",), lambda X: np.log(
            np.linalg.det(X)), "X",
        lambda rng: {"X": _flip_sign(_invertible(rng, int(rng.integers(2, 5))))},
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]).T,
        formula=r"\log\det X"),
    Identity(
        "log |det X|", "determinants", r"d\log\lvert\det X\rvert = \operatorname{tr}(X^{-1} dX)",
        r"X^{-\top}", 5, ("X square and invertible",), _logdet, "X", _invertible_X,
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]).T,
        formula=r"\log\lvert\det X\rvert"),
    Identity(
        "det(AXB)", "determinants",
        r"d\det(AXB) = \det(AXB)\operatorname{tr}(X^{-1} dX)", r"\det(AXB)\, X^{-\top}", 5,
        ("A square and invertible", "X square and invertible", "B square and invertible"),
        lambda A, X, B: np.linalg.det(A @ X @ B), "X",
        lambda rng: (lambda n: {"A": _invertible(rng, n) / 3, "X": _invertible(rng, n) / 3,
                                "B": _invertible(rng, n) / 3})(int(rng.integers(2, 5))),
        lambda a, d: np.linalg.det(a["A"] @ a["X"] @ a["B"]) * tr(solve(a["X"], d)),
        lambda a: np.linalg.det(a["A"] @ a["X"] @ a["B"]) * inv(a["X"]).T,
        formula=r"\det(AXB)"),
    Identity(
        "log det(X^T X)", "determinants",
        r"d\log\det(X^\top X) = 2\operatorname{tr}((X^\top X)^{-1} X^\top dX)",
        r"2X(X^\top X)^{-1}", 5, ("X full column rank",), lambda X: _logdet(X.T @ X), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n)})(*_dims(rng)),
        lambda a, d: 2 * tr(solve(a["X"].T @ a["X"], a["X"].T @ d)),
        lambda a: 2 * a["X"] @ inv(a["X"].T @ a["X"]),
        formula=r"\log\det(X^\top X)"),
    Identity(
        "adj(X)", "determinants",
        r"d\operatorname{adj}(X) = \det(X)(\operatorname{tr}(X^{-1} dX)\,X^{-1}"
        r" - X^{-1} dX\, X^{-1})", None, 5, ("X square and invertible",),
        lambda X: np.linalg.det(X) * inv(X), "X", _invertible_X,
        lambda a, d: np.linalg.det(a["X"]) * (tr(solve(a["X"], d)) * inv(a["X"])
                                              - inv(a["X"]) @ d @ inv(a["X"])),
        formula=r"\operatorname{adj}(X) = \det(X)\, X^{-1}"),
    # --------------------------------------------------------- Kronecker and vec
    Identity(
        "vec(AXB)", "Kronecker and vec",
        r"d\operatorname{vec}(AXB) = (B^\top \otimes A)\operatorname{vec}(dX)", None, 2, (),
        lambda A, X, B: vec(A @ X @ B), "X", _A_X_B,
        lambda a, d: np.kron(a["B"].T, a["A"]) @ vec(d),
        formula=r"\operatorname{vec}(AXB)"),
    Identity(
        "vec(AX + XA)", "Kronecker and vec",
        r"d\operatorname{vec}(AX + XA) = (I \otimes A + A^\top \otimes I)\operatorname{vec}(dX)",
        None, 2, ("A square", "X square"), lambda A, X: vec(A @ X + X @ A), "X",
        lambda rng: (lambda n: {"A": _normal(rng, n, n), "X": _normal(rng, n, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: (np.kron(np.eye(len(d)), a["A"]) + np.kron(a["A"].T, np.eye(len(d))))
        @ vec(d),
        formula=r"\operatorname{vec}(AX + XA)"),
    Identity(
        "vec(X^T)", "Kronecker and vec",
        r"d\operatorname{vec}(X^\top) = K_{m,n}\operatorname{vec}(dX)", None, 2, (),
        lambda X: vec(X.T), "X", _rect_X,
        lambda a, d: commutation_matrix(*d.shape) @ vec(d),
        formula=r"\operatorname{vec}(X^\top),\ X \in \mathbb{R}^{m \times n}"),
    Identity(
        "X kron X", "Kronecker and vec", r"d(X \otimes X) = dX \otimes X + X \otimes dX", None,
        2, (), lambda X: np.kron(X, X), "X", _rect_X,
        lambda a, d: np.kron(d, a["X"]) + np.kron(a["X"], d),
        formula=r"X \otimes X"),
    Identity(
        "vec(X^-1)", "Kronecker and vec",
        r"d\operatorname{vec}(X^{-1}) = -(X^{-\top} \otimes X^{-1})\operatorname{vec}(dX)", None,
        2, ("X square and invertible",), lambda X: vec(inv(X)), "X", _invertible_X,
        lambda a, d: -np.kron(inv(a["X"]).T, inv(a["X"])) @ vec(d),
        formula=r"\operatorname{vec}(X^{-1})"),
    Identity(
        "vec(X^T X)", "Kronecker and vec",
        r"d\operatorname{vec}(X^\top X) = ((X^\top \otimes I) K_{m,n} + I \otimes X^\top)"
        r"\operatorname{vec}(dX)", None, 2, (), lambda X: vec(X.T @ X), "X", _rect_X,
        lambda a, d: (np.kron(a["X"].T, np.eye(d.shape[1])) @ commutation_matrix(*d.shape)
                      + np.kron(np.eye(d.shape[1]), a["X"].T)) @ vec(d),
        formula=r"\operatorname{vec}(X^\top X),\ X \in \mathbb{R}^{m \times n}"),
    Identity(
        "vec(X)^T (B kron A) vec(X)", "Kronecker and vec",
        r"d(\operatorname{vec}(X)^\top (B \otimes A)\operatorname{vec}(X)) = "
        r"\operatorname{vec}(dX)^\top (B \otimes A + B^\top \otimes A^\top)\operatorname{vec}(X)",
        r"AXB^\top + A^\top X B", 2, ("A square", "B square"),
        lambda A, X, B: vec(X) @ np.kron(B, A) @ vec(X), "X",
        lambda rng: (lambda m, n: {"A": _normal(rng, m, m), "X": _normal(rng, m, n),
                                   "B": _normal(rng, n, n)})(*_dims(rng)),
        lambda a, d: vec(d) @ (np.kron(a["B"], a["A"]) + np.kron(a["B"].T, a["A"].T))
        @ vec(a["X"]),
        lambda a: a["A"] @ a["X"] @ a["B"].T + a["A"].T @ a["X"] @ a["B"],
        formula=r"\operatorname{vec}(X)^\top (B \otimes A)\operatorname{vec}(X)"),
    # --------------------------------------------------------------------- norms
    Identity(
        "||x||", "norms", r"d\lVert x\rVert = \frac{x^\top dx}{\lVert x\rVert}",
        r"\frac{x}{\lVert x\rVert}", 4, ("x nonzero",), lambda x: np.linalg.norm(x), "x",
        _vector_x, lambda a, d: a["x"] @ d / np.linalg.norm(a["x"]),
        lambda a: a["x"] / np.linalg.norm(a["x"]),
        formula=r"\lVert x\rVert = \sqrt{x^\top x}"),
    Identity(
        "||x||_1", "norms", r"d\lVert x\rVert_1 = \operatorname{sign}(x)^\top dx",
        r"\operatorname{sign}(x)", 4, ("x with nonzero entries",), lambda x: np.sum(np.abs(x)),
        "x", lambda rng: {"x": np.sign(_normal(rng, 5)) * rng.uniform(0.5, 2, 5)},
        lambda a, d: np.sign(a["x"]) @ d, lambda a: np.sign(a["x"]),
        formula=r"\lVert x\rVert_1 = \sum_i \lvert x_i\rvert"),
    Identity(
        "||X||_F", "norms",
        r"d\lVert X\rVert_F = \frac{\operatorname{tr}(X^\top dX)}{\lVert X\rVert_F}",
        r"\frac{X}{\lVert X\rVert_F}", 4, ("X nonzero",), lambda X: np.linalg.norm(X), "X",
        _rect_X, lambda a, d: tr(a["X"].T @ d) / np.linalg.norm(a["X"]),
        lambda a: a["X"] / np.linalg.norm(a["X"]),
        formula=r"\lVert X\rVert_F = \sqrt{\operatorname{tr}(X^\top X)}"),
    Identity(
        "||AX - B||_F^2", "norms",
        r"d\lVert AX - B\rVert_F^2 = 2\operatorname{tr}((AX - B)^\top A\,dX)",
        r"2A^\top (AX - B)", 4, (), lambda A, X, B: np.sum((A @ X - B) ** 2), "X",
        lambda rng: (lambda m, n: {"A": _normal(rng, m + n, m), "X": _normal(rng, m, n),
                                   "B": _normal(rng, m + n, n)})(*_dims(rng)),
        lambda a, d: 2 * tr((a["A"] @ a["X"] - a["B"]).T @ a["A"] @ d),
        lambda a: 2 * a["A"].T @ (a["A"] @ a["X"] - a["B"]),
        formula=r"\lVert AX - B\rVert_F^2"),
    Identity(
        "||X||_2 (spectral norm)", "norms", r"d\lVert X\rVert_2 = u_1^\top dX\, v_1",
        r"u_1 v_1^\top", 8, ("X with a simple largest singular value",),
        lambda X: np.linalg.norm(X, 2), "X", _rect_X,
        lambda a, d: _svd_top(a["X"])[0] @ d @ _svd_top(a["X"])[1],
        lambda a: np.outer(*_svd_top(a["X"])),
        formula=r"\lVert X\rVert_2 = \sigma_1(X), \quad Xv_1 = \sigma_1 u_1"),
    Identity(
        "||X||_* (nuclear norm)", "norms",
        r"d\lVert X\rVert_* = \operatorname{tr}(U^\top dX\, V)", r"U V^\top", 8,
        ("X full rank",), lambda X: np.linalg.norm(X, "nuc"), "X", _rect_X,
        lambda a, d: (lambda U, s, Vt: tr(U.T @ d @ Vt.T))(
            *np.linalg.svd(a["X"], full_matrices=False)),
        lambda a: (lambda U, s, Vt: U @ Vt)(*np.linalg.svd(a["X"], full_matrices=False)),
        formula=r"\lVert X\rVert_* = \sum_i \sigma_i(X), \quad X = U\Sigma V^\top"
                r" \text{ (thin SVD)}"),
    Identity(
        "x^T M x (weighted norm squared)", "norms", r"d(x^\top M x) = 2x^\top M\,dx", r"2Mx", 4,
        ("M symmetric positive definite",), lambda x, M: x @ M @ x, "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "M": _spd(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: 2 * a["x"] @ a["M"] @ d, lambda a: 2 * a["M"] @ a["x"],
        formula=r"\lVert x\rVert_M^2 = x^\top M x"),
    # --------------------------------------------------------------- eigenvalues
    Identity(
        "lambda_max(A), A symmetric", "eigenvalues", r"d\lambda_{\max} = v^\top dA\, v",
        r"v v^\top", 8, ("A symmetric with distinct eigenvalues",),
        lambda A: _largest_sym_eig(A)[0], "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda v: v @ d @ v)(_largest_sym_eig(a["A"])[1]),
        lambda a: (lambda v: np.outer(v, v))(_largest_sym_eig(a["A"])[1]),
        formula=r"\lambda_{\max}(A), \quad Av = \lambda_{\max} v,\ \lVert v\rVert = 1"),
    Identity(
        "eigenvalues of symmetric A", "eigenvalues", r"d\lambda_i = v_i^\top dA\, v_i", None, 8,
        ("A symmetric with distinct eigenvalues",), lambda A: np.linalg.eigvalsh(_sym(A)), "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda V: np.sum(V * (d @ V), axis=0))(np.linalg.eigh(_sym(a["A"]))[1]),
        formula=r"(\lambda_1(A), \ldots, \lambda_n(A)), \quad Av_i = \lambda_i v_i,\ "
                r"\lVert v_i\rVert = 1"),
    Identity(
        "simple eigenvalue of A", "eigenvalues",
        r"d\lambda = \frac{y^\top dA\, x}{y^\top x}, \quad Ax = \lambda x,\ y^\top A = "
        r"\lambda y^\top", r"\frac{y x^\top}{y^\top x}", 8,
        ("A with real distinct eigenvalues",), lambda A: np.max(np.linalg.eigvals(A).real), "A",
        lambda rng: {"A": _real_spectrum(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda lam, x, y: y @ d @ x / (y @ x))(*_eigen_triple(a["A"])),
        lambda a: (lambda lam, x, y: np.outer(y, x) / (y @ x))(*_eigen_triple(a["A"])),
        formula=r"\lambda(A), \text{ a simple eigenvalue}"),
    Identity(
        "eigenvector of symmetric A", "eigenvalues",
        r"dv_k = \sum_{j \ne k} \frac{v_j^\top dA\, v_k}{\lambda_k - \lambda_j} v_j", None, 8,
        ("A symmetric with distinct eigenvalues",), _sym_eigvec, "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: _sym_eigvec_change(a["A"], d),
        formula=r"v_k(A), \quad Av_k = \lambda_k v_k,\ \lVert v_k\rVert = 1"),
    Identity(
        "Rayleigh quotient", "eigenvalues",
        r"dR = \frac{x^\top (A + A^\top) - 2R\,x^\top}{x^\top x}\,dx, \quad "
        r"R = \frac{x^\top A x}{x^\top x}", r"\frac{(A + A^\top)x - 2Rx}{x^\top x}", 8,
        ("A square", "x nonzero"), lambda x, A: x @ A @ x / (x @ x), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "A": _normal(rng, n, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: (a["x"] @ (a["A"] + a["A"].T) - 2 * a["x"] @ a["A"] @ a["x"]
                      / (a["x"] @ a["x"]) * a["x"]) @ d / (a["x"] @ a["x"]),
        lambda a: ((a["A"] + a["A"].T) @ a["x"] - 2 * a["x"] @ a["A"] @ a["x"]
                   / (a["x"] @ a["x"]) * a["x"]) / (a["x"] @ a["x"]),
        formula=r"R(x) = \frac{x^\top A x}{x^\top x}"),
    # ---------------------------------------------------------- matrix functions
    Identity(
        "exp(X)", "matrix functions",
        r"d e^X = \int_0^1 e^{sX} dX\, e^{(1-s)X} ds", None, 8, ("X square",),
        lambda X: sla.expm(X), "X",
        lambda rng: {"X": 0.5 * _square_X(rng)["X"]},
        lambda a, d: sla.expm_frechet(a["X"], d, compute_expm=False),
        formula=r"e^X = \sum_{k=0}^\infty \frac{X^k}{k!}"),
    Identity(
        "sqrt(X)", "matrix functions",
        r"S\,dS + dS\,S = dX, \quad S = X^{1/2}", None, 6,
        ("X with eigenvalues in the open right half-plane",), lambda X: sla.sqrtm(X).real, "X",
        lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: (lambda S: sla.solve_sylvester(S, S, d))(sla.sqrtm(a["X"]).real),
        formula=r"X^{1/2}, \text{ the principal square root}"),
    Identity(
        "log(X)", "matrix functions",
        r"d\log X = \int_0^\infty (X + sI)^{-1} dX\, (X + sI)^{-1} ds", None, 8,
        ("X with eigenvalues in the open right half-plane",), lambda X: sla.logm(X).real, "X",
        lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: _logm_frechet(a["X"], d),
        formula=r"\log X, \text{ the principal logarithm}"),
    Identity(
        "tr(exp(X))", "matrix functions", r"d\operatorname{tr}(e^X) = \operatorname{tr}(e^X dX)",
        r"(e^X)^\top", 8, ("X square",), lambda X: tr(sla.expm(X)), "X",
        lambda rng: {"X": 0.5 * _square_X(rng)["X"]},
        lambda a, d: tr(sla.expm(a["X"]) @ d), lambda a: sla.expm(a["X"]).T,
        formula=r"\operatorname{tr}(e^X)"),
    Identity(
        "exp(tA) in t", "matrix functions", r"d e^{tA} = A e^{tA}\, dt", None, 8,
        ("A square",), lambda t, A: sla.expm(t * A), "t",
        lambda rng: {"t": rng.uniform(-1, 1), "A": 0.5 * _square_X(rng)["X"]},
        lambda a, d: a["A"] @ sla.expm(a["t"] * a["A"]) * d,
        formula=r"e^{tA}"),
    # ---------------------------------------------------------- machine learning
    Identity(
        "least squares ||Ax - b||^2", "machine learning",
        r"d\lVert Ax - b\rVert^2 = 2(Ax - b)^\top A\,dx", r"2A^\top (Ax - b)", 4, (),
        lambda A, b, x: np.sum((A @ x - b) ** 2), "x", _least_squares,
        lambda a, d: 2 * (a["A"] @ a["x"] - a["b"]) @ a["A"] @ d,
        lambda a: 2 * a["A"].T @ (a["A"] @ a["x"] - a["b"]),
        formula=r"\lVert Ax - b\rVert^2"),
    Identity(
        "ridge ||Ax - b||^2 + mu ||x||^2", "machine learning",
        r"d(\lVert Ax - b\rVert^2 + \mu\lVert x\rVert^2) = 2(Ax - b)^\top A\,dx"
        r" + 2\mu x^\top dx", r"2A^\top (Ax - b) + 2\mu x", 4, ("mu positive",),
        lambda A, b, x, mu: np.sum((A @ x - b) ** 2) + mu * x @ x, "x",
        lambda rng: {**_least_squares(rng), "mu": rng.uniform(0.1, 2)},
        lambda a, d: 2 * (a["A"] @ a["x"] - a["b"]) @ a["A"] @ d + 2 * a["mu"] * a["x"] @ d,
        lambda a: 2 * a["A"].T @ (a["A"] @ a["x"] - a["b"]) + 2 * a["mu"] * a["x"],
        formula=r"\lVert Ax - b\rVert^2 + \mu\lVert x\rVert^2"),
    Identity(
        "logistic loss", "machine learning",
        r"d\sum_i \log(1 + e^{-y_i a_i^\top w}) = -(y \circ \sigma(-y \circ Aw))^\top A\,dw",
        r"-A^\top (y \circ \sigma(-y \circ Aw))", 6, ("y with entries +1 or -1",),
        lambda A, y, w: np.sum(np.logaddexp(0, -y * (A @ w))), "w",
        lambda rng: (lambda s: {**s, "y": _labels(rng, len(s["A"]), "pm")})(
            _classification(rng)),
        lambda a, d: -(a["y"] * sigmoid(-a["y"] * (a["A"] @ a["w"]))) @ a["A"] @ d,
        lambda a: -a["A"].T @ (a["y"] * sigmoid(-a["y"] * (a["A"] @ a["w"]))),
        formula=r"\sum_i \log(1 + e^{-y_i a_i^\top w})"),
    Identity(
        "logistic-regression gradient (Hessian, Fisher information)", "machine learning",
        r"d(A^\top (\sigma(Aw) - t)) = A^\top \operatorname{diag}(\sigma \circ (1 - \sigma))"
        r" A\,dw", None, 6, ("t with entries 0 or 1",),
        lambda A, t, w: A.T @ (sigmoid(A @ w) - t), "w",
        lambda rng: (lambda s: {**s, "t": _labels(rng, len(s["A"]), "01")})(
            _classification(rng)),
        lambda a, d: (lambda s: a["A"].T @ (s * (1 - s) * (a["A"] @ d)))(
            sigmoid(a["A"] @ a["w"])),
        formula=r"A^\top (\sigma(Aw) - t)"),
    Identity(
        "softmax(z)", "machine learning",
        r"d\operatorname{softmax}(z) = (\operatorname{diag}(s) - s s^\top)\,dz, \quad "
        r"s = \operatorname{softmax}(z)", None, 7, (), lambda z: _softmax(z), "z",
        lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda s: s * d - s * (s @ d))(_softmax(a["z"])),
        formula=r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}"),
    Identity(
        "log-sum-exp", "machine learning",
        r"d\log\sum_i e^{z_i} = \operatorname{softmax}(z)^\top dz", r"\operatorname{softmax}(z)",
        7, (), lambda z: np.log(np.sum(np.exp(z))), "z",
        lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: _softmax(a["z"]) @ d, lambda a: _softmax(a["z"]),
        formula=r"\log\sum_i e^{z_i}"),
    Identity(
        "softmax cross-entropy in W", "machine learning",
        r"d\Big(-\sum_{ij} Y_{ij} \log S_{ij}\Big) = \operatorname{tr}(X (S - Y)^\top dW), \quad "
        r"S = \operatorname{softmax}(WX)", r"(S - Y) X^\top", 7, ("Y with one-hot columns",),
        _softmax_cross_entropy, "W", _softmax_cross_entropy_sample,
        lambda a, d: tr(a["X"] @ (_softmax(a["W"] @ a["X"]) - a["Y"]).T @ d),
        lambda a: (_softmax(a["W"] @ a["X"]) - a["Y"]) @ a["X"].T,
        formula=r"-\sum_{ij} Y_{ij} \log \operatorname{softmax}(WX)_{ij}"),
    Identity(
        "Gaussian log-likelihood in the mean", "machine learning",
        r"d\ell = \Big(\sum_i (x_i - \mu)\Big)^\top \Sigma^{-1} d\mu",
        r"\Sigma^{-1} \sum_i (x_i - \mu)", 5, ("Sigma symmetric positive definite",),
        _gaussian_loglik, "mu", _gaussian_sample,
        lambda a, d: np.sum(a["X"] - a["mu"], axis=0) @ solve(a["Sigma"], d),
        lambda a: solve(a["Sigma"], np.sum(a["X"] - a["mu"], axis=0)),
        formula=_GAUSSIAN),
    Identity(
        "Gaussian log-likelihood in the covariance", "machine learning",
        r"d\ell = \frac{1}{2}\operatorname{tr}((\Sigma^{-1} S \Sigma^{-1} - N\Sigma^{-1})\,"
        r"d\Sigma), \quad S = \sum_i (x_i - \mu)(x_i - \mu)^\top",
        r"\frac{1}{2}(\Sigma^{-1} S \Sigma^{-1} - N\Sigma^{-1})", 5,
        ("Sigma symmetric positive definite",), _gaussian_loglik, "Sigma", _gaussian_sample,
        lambda a, d: 0.5 * tr((inv(a["Sigma"]) @ _scatter(a) @ inv(a["Sigma"])
                               - len(a["X"]) * inv(a["Sigma"])) @ d),
        lambda a: 0.5 * (inv(a["Sigma"]) @ _scatter(a) @ inv(a["Sigma"])
                         - len(a["X"]) * inv(a["Sigma"])),
        formula=_GAUSSIAN),
    Identity(
        "tanh(Wx) in W", "machine learning",
        r"d\tanh(Wx) = (1 - \tanh^2(Wx)) \circ (dW\,x)", None, 7, (),
        lambda W, x: np.tanh(W @ x), "W",
        lambda rng: (lambda m, n: {"W": 0.5 * _normal(rng, m, n), "x": _normal(rng, n)})(
            *_dims(rng)),
        lambda a, d: (1 - np.tanh(a["W"] @ a["x"]) ** 2) * (d @ a["x"]),
        formula=r"\tanh(Wx) \text{ elementwise}"),
    Identity(
        "NMF objective in W", "machine learning",
        r"d\lVert X - WH\rVert_F^2 = -2\operatorname{tr}((X - WH)^\top dW\, H)",
        r"-2(X - WH)H^\top", 7, (), lambda X, W, H: np.sum((X - W @ H) ** 2), "W", _nmf,
        lambda a, d: -2 * tr((a["X"] - a["W"] @ a["H"]).T @ d @ a["H"]),
        lambda a: -2 * (a["X"] - a["W"] @ a["H"]) @ a["H"].T,
        formula=r"\lVert X - WH\rVert_F^2"),
    Identity(
        "NMF objective in H", "machine learning",
        r"d\lVert X - WH\rVert_F^2 = -2\operatorname{tr}((X - WH)^\top W\,dH)",
        r"-2W^\top (X - WH)", 7, (), lambda X, W, H: np.sum((X - W @ H) ** 2), "H", _nmf,
        lambda a, d: -2 * tr((a["X"] - a["W"] @ a["H"]).T @ a["W"] @ d),
        lambda a: -2 * a["W"].T @ (a["X"] - a["W"] @ a["H"]),
        formula=r"\lVert X - WH\rVert_F^2"),
    Identity(
        "matrix factorization with missing entries and priors", "machine learning",
        r"d(\lVert \Omega \circ (R - UV^\top)\rVert_F^2 + \lambda\lVert U\rVert_F^2) = "
        r"\operatorname{tr}((2\lambda U - 2(\Omega \circ (R - UV^\top))V)^\top dU)",
        r"2\lambda U - 2(\Omega \circ (R - UV^\top))V", 7, ("Omega with entries 0 or 1",),
        lambda R, Omega, U, V, lam: np.sum((Omega * (R - U @ V.T)) ** 2) + lam * np.sum(U * U),
        "U",
        _factorization,
        lambda a, d: tr((2 * a["lam"] * a["U"] - 2 * (a["Omega"] * (a["R"] - a["U"] @ a["V"].T))
                         @ a["V"]).T @ d),
        lambda a: 2 * a["lam"] * a["U"] - 2 * (a["Omega"] * (a["R"] - a["U"] @ a["V"].T))
        @ a["V"],
        formula=r"\lVert \Omega \circ (R - UV^\top)\rVert_F^2 + \lambda\lVert U\rVert_F^2"),
    Identity(
        "attention softmax(QK^T / sqrt(d)) V in Q", "machine learning",
        r"dY = (P \circ (dZ - (P \circ dZ)\mathbf{1}\mathbf{1}^\top))\,V, \quad "
        r"dZ = \frac{dQ\,K^\top}{\sqrt{d}}, \quad P = \operatorname{softmax}_{\mathrm{rows}}"
        r"\Big(\frac{QK^\top}{\sqrt{d}}\Big)", None, 7, (), _attention, "Q",
        lambda rng: (lambda q, d: (lambda k, v: {
            "Q": _normal(rng, q, d), "K": _normal(rng, k, d), "V": _normal(rng, k, v)})(
            q + d + 1, d + 1))(*_dims(rng)),
        _attention_change,
        formula=r"Y = \operatorname{softmax}_{\mathrm{rows}}\Big(\frac{QK^\top}{\sqrt{d}}\Big) V"),
    # ======================================================= more traces
    Identity(
        "tr(A X^T)", "traces", r"d\operatorname{tr}(AX^\top) = \operatorname{tr}(A\,dX^\top)",
        r"A", 4, (), lambda A, X: tr(A @ X.T), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, m), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: tr(a["A"] @ d.T), lambda a: a["A"], formula=r"\operatorname{tr}(AX^\top)"),
    Identity(
        "tr(X A X^T)", "traces",
        r"d\operatorname{tr}(XAX^\top) = \operatorname{tr}(dX\,AX^\top + XA\,dX^\top)",
        r"X(A + A^\top)", 4, ("A square",), lambda A, X: tr(X @ A @ X.T), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, m, m), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: tr(d @ a["A"] @ a["X"].T) + tr(a["X"] @ a["A"] @ d.T),
        lambda a: a["X"] @ (a["A"] + a["A"].T), formula=r"\operatorname{tr}(XAX^\top)"),
    Identity(
        "tr(X^3)", "traces", r"d\operatorname{tr}(X^3) = 3\operatorname{tr}(X^2 dX)",
        r"3(X^2)^\top", 2, ("X square",), lambda X: tr(X @ X @ X), "X", _square_X,
        lambda a, d: 3 * tr(a["X"] @ a["X"] @ d), lambda a: 3 * (a["X"] @ a["X"]).T,
        formula=r"\operatorname{tr}(X^3)"),
    Identity(
        "tr(AXBX)", "traces",
        r"d\operatorname{tr}(AXBX) = \operatorname{tr}(BXA\,dX + AXB\,dX)",
        r"(BXA + AXB)^\top", 4, (), lambda A, X, B: tr(A @ X @ B @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, m), "X": _normal(rng, m, n),
                                   "B": _normal(rng, n, m)})(*_dims(rng)),
        lambda a, d: tr(a["B"] @ a["X"] @ a["A"] @ d + a["A"] @ a["X"] @ a["B"] @ d),
        lambda a: (a["B"] @ a["X"] @ a["A"] + a["A"] @ a["X"] @ a["B"]).T,
        formula=r"\operatorname{tr}(AXBX)"),
    Identity(
        "tr(X^T A X B)", "traces",
        r"d\operatorname{tr}(X^\top AXB) = \operatorname{tr}(dX^\top AXB + X^\top A\,dX\,B)",
        r"AXB + A^\top X B^\top", 4, ("A square", "B square"),
        lambda A, X, B: tr(X.T @ A @ X @ B), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, m, m), "X": _normal(rng, m, n),
                                   "B": _normal(rng, n, n)})(*_dims(rng)),
        lambda a, d: tr(d.T @ a["A"] @ a["X"] @ a["B"]) + tr(a["X"].T @ a["A"] @ d @ a["B"]),
        lambda a: a["A"] @ a["X"] @ a["B"] + a["A"].T @ a["X"] @ a["B"].T,
        formula=r"\operatorname{tr}(X^\top AXB)"),
    Identity(
        "(tr X)^2", "traces",
        r"d(\operatorname{tr}X)^2 = 2\operatorname{tr}(X)\operatorname{tr}(dX)",
        r"2\operatorname{tr}(X)\, I", 4, ("X square",), lambda X: tr(X) ** 2, "X", _square_X,
        lambda a, d: 2 * tr(a["X"]) * tr(d), lambda a: 2 * tr(a["X"]) * np.eye(len(a["X"])),
        formula=r"(\operatorname{tr}X)^2"),
    # ============================================ more products and powers
    Identity(
        "a^T x", "products and powers", r"d(a^\top x) = a^\top dx", r"a", 1, (),
        lambda a, x: a @ x, "x",
        lambda rng: (lambda n: {"a": _normal(rng, n), "x": _normal(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: a["a"] @ d, lambda a: a["a"], formula=r"a^\top x"),
    Identity(
        "x^T x (squared norm)", "products and powers", r"d(x^\top x) = 2x^\top dx", r"2x", 1, (),
        lambda x: x @ x, "x", _vector_x, lambda a, d: 2 * a["x"] @ d, lambda a: 2 * a["x"],
        formula=r"x^\top x"),
    Identity(
        "x^T A x, A symmetric", "products and powers", r"d(x^\top A x) = 2x^\top A\,dx",
        r"2Ax", 1, ("A symmetric",), lambda x, A: x @ A @ x, "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "A": _sym(_normal(rng, n, n))})(
            int(rng.integers(2, 6))),
        lambda a, d: 2 * a["x"] @ a["A"] @ d, lambda a: 2 * a["A"] @ a["x"],
        formula=r"x^\top A x"),
    Identity(
        "a^T X^T X b", "products and powers",
        r"d(a^\top X^\top X b) = a^\top (dX^\top X + X^\top dX)\, b",
        r"X(ba^\top + ab^\top)", 4, (), lambda a, X, b: a @ X.T @ X @ b, "X",
        lambda rng: (lambda n, m: {"a": _normal(rng, n), "X": _normal(rng, m, n),
                                   "b": _normal(rng, n)})(*_dims(rng)),
        lambda a, d: a["a"] @ (d.T @ a["X"] + a["X"].T @ d) @ a["b"],
        lambda a: a["X"] @ (np.outer(a["b"], a["a"]) + np.outer(a["a"], a["b"])),
        formula=r"a^\top X^\top X b"),
    Identity(
        "X^n", "products and powers", r"d(X^n) = \sum_{k=0}^{n-1} X^k\,dX\,X^{n-1-k}", None, 2,
        ("X square",), lambda X, n: np.linalg.matrix_power(X, n), "X",
        lambda rng: {**_square_X(rng), "n": int(rng.integers(2, 6))},
        lambda a, d: sum(np.linalg.matrix_power(a["X"], k) @ d
                         @ np.linalg.matrix_power(a["X"], a["n"] - 1 - k) for k in range(a["n"])),
        formula=r"X^n,\ n = 1, 2, \ldots"),
    Identity(
        "XAX", "products and powers", r"d(XAX) = dX\,AX + XA\,dX", None, 2, (),
        lambda X, A: X @ A @ X, "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, n, m), "A": _normal(rng, m, n)})(
            *_dims(rng)),
        lambda a, d: d @ a["A"] @ a["X"] + a["X"] @ a["A"] @ d, formula=r"XAX"),
    Identity(
        "X^T A X (congruence)", "products and powers",
        r"d(X^\top AX) = dX^\top AX + X^\top A\,dX", None, 2,
        ("A square",), lambda X, A: X.T @ A @ X, "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, n, m), "A": _normal(rng, n, n)})(
            *_dims(rng)),
        lambda a, d: d.T @ a["A"] @ a["X"] + a["X"].T @ a["A"] @ d, formula=r"X^\top AX"),
    Identity(
        "X X^T (Gram matrix of the rows)", "products and powers",
        r"d(XX^\top) = dX\,X^\top + X\,dX^\top", None, 2, (),
        lambda X: X @ X.T, "X", _rect_X, lambda a, d: d @ a["X"].T + a["X"] @ d.T,
        formula=r"XX^\top"),
    # ================================================== more inverses
    Identity(
        "tr(X^-1)", "inverses", r"d\operatorname{tr}(X^{-1}) = -\operatorname{tr}(X^{-2} dX)",
        r"-(X^{-2})^\top", 5, ("X square and invertible",), lambda X: tr(inv(X)), "X",
        _invertible_X, lambda a, d: -tr(inv(a["X"]) @ inv(a["X"]) @ d),
        lambda a: -(inv(a["X"]) @ inv(a["X"])).T, formula=r"\operatorname{tr}(X^{-1})"),
    Identity(
        "X^-2", "inverses", r"d(X^{-2}) = -X^{-1} dX\, X^{-2} - X^{-2} dX\, X^{-1}", None, 2,
        ("X square and invertible",), lambda X: inv(X @ X), "X", _invertible_X,
        lambda a, d: (lambda Y: -Y @ d @ Y @ Y - Y @ Y @ d @ Y)(inv(a["X"])),
        formula=r"X^{-2} = (X^2)^{-1}"),
    Identity(
        "X^-T", "inverses", r"d(X^{-\top}) = -X^{-\top} dX^\top X^{-\top}", None, 2,
        ("X square and invertible",), lambda X: inv(X).T, "X", _invertible_X,
        lambda a, d: -inv(a["X"]).T @ d.T @ inv(a["X"]).T, formula=r"X^{-\top} = (X^{-1})^\top"),
    Identity(
        "x^T S^-1 x", "inverses", r"d(x^\top S^{-1} x) = 2x^\top S^{-1} dx", r"2S^{-1} x", 5,
        ("S symmetric positive definite",), lambda x, S: x @ solve(S, x), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "S": _spd(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: 2 * solve(a["S"], a["x"]) @ d, lambda a: 2 * solve(a["S"], a["x"]),
        formula=r"x^\top S^{-1} x"),
    Identity(
        "pseudoinverse (X^T X)^-1 X^T", "inverses",
        r"dX^+ = -X^+ dX\, X^+ + (X^\top X)^{-1} dX^\top (I - XX^+)", None, 5,
        ("X full column rank",), lambda X: solve(X.T @ X, X.T), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n)})(*_dims(rng)),
        lambda a, d: _pinv_change(a["X"], d), formula=r"X^+ = (X^\top X)^{-1} X^\top"),
    Identity(
        "X^-1 A X (similarity)", "inverses",
        r"d(X^{-1}AX) = -X^{-1} dX\, X^{-1}AX + X^{-1}A\,dX", None, 2,
        ("X square and invertible", "A square"), lambda X, A: solve(X, A @ X), "X",
        lambda rng: (lambda n: {"X": _invertible(rng, n), "A": _normal(rng, n, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: (lambda Y: -Y @ d @ Y @ a["A"] @ a["X"] + Y @ a["A"] @ d)(inv(a["X"])),
        formula=r"X^{-1}AX"),
    # ============================================== more determinants
    Identity(
        "det(X^T X)", "determinants",
        r"d\det(X^\top X) = 2\det(X^\top X)\operatorname{tr}((X^\top X)^{-1} X^\top dX)",
        r"2\det(X^\top X)\, X(X^\top X)^{-1}", 5, ("X full column rank",),
        lambda X: np.linalg.det(X.T @ X), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n) / 2})(*_dims(rng)),
        lambda a, d: 2 * np.linalg.det(a["X"].T @ a["X"])
        * tr(solve(a["X"].T @ a["X"], a["X"].T @ d)),
        lambda a: 2 * np.linalg.det(a["X"].T @ a["X"]) * a["X"] @ inv(a["X"].T @ a["X"]),
        formula=r"\det(X^\top X)"),
    Identity(
        "det(X^-1)", "determinants",
        r"d\det(X^{-1}) = -\frac{\operatorname{tr}(X^{-1} dX)}{\det X}",
        r"-\frac{X^{-\top}}{\det X}", 5, ("X square and invertible",),
        lambda X: np.linalg.det(inv(X)), "X", _invertible_X,
        lambda a, d: -tr(solve(a["X"], d)) / np.linalg.det(a["X"]),
        lambda a: -inv(a["X"]).T / np.linalg.det(a["X"]), formula=r"\det(X^{-1})"),
    Identity(
        "log det X, X symmetric positive definite", "determinants",
        r"d\log\det X = \operatorname{tr}(X^{-1} dX)", r"X^{-1}", 5,
        ("X symmetric positive definite",), _logdet, "X",
        lambda rng: {"X": _spd(rng, int(rng.integers(2, 5)))},
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]), formula=r"\log\det X"),
    Identity(
        "log det(I + X^T X)", "determinants",
        r"d\log\det(I + X^\top X) = 2\operatorname{tr}((I + X^\top X)^{-1} X^\top dX)",
        r"2X(I + X^\top X)^{-1}", 5, (), lambda X: _logdet(np.eye(X.shape[1]) + X.T @ X), "X",
        _rect_X,
        lambda a, d: 2 * tr(solve(np.eye(d.shape[1]) + a["X"].T @ a["X"], a["X"].T @ d)),
        lambda a: 2 * a["X"] @ inv(np.eye(a["X"].shape[1]) + a["X"].T @ a["X"]),
        formula=r"\log\det(I + X^\top X)"),
    Identity(
        "log det(X A X^T)", "determinants",
        r"d\log\det(XAX^\top) = \operatorname{tr}((XAX^\top)^{-1}(dX\,AX^\top + XA\,dX^\top))",
        r"2(XAX^\top)^{-1} XA", 5, ("X full row rank", "A symmetric positive definite"),
        lambda X, A: _logdet(X @ A @ X.T), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, n, m), "A": _spd(rng, m)})(*_dims(rng)),
        lambda a, d: tr(solve(a["X"] @ a["A"] @ a["X"].T,
                              d @ a["A"] @ a["X"].T + a["X"] @ a["A"] @ d.T)),
        lambda a: 2 * solve(a["X"] @ a["A"] @ a["X"].T, a["X"] @ a["A"]),
        formula=r"\log\det(XAX^\top)"),
    Identity(
        "det(I + x y^T) (matrix determinant lemma)", "determinants",
        r"d\det(I + xy^\top) = y^\top dx, \quad \det(I + xy^\top) = 1 + y^\top x", r"y", 5, (),
        lambda x, y: np.linalg.det(np.eye(len(x)) + np.outer(x, y)), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "y": _normal(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: a["y"] @ d, lambda a: a["y"], formula=r"\det(I + xy^\top)"),
    Identity(
        "log |det(A + tB)| in t", "determinants",
        r"d\log\lvert\det(A + tB)\rvert = \operatorname{tr}((A + tB)^{-1} B)\, dt",
        r"\operatorname{tr}((A + tB)^{-1} B)", 5, ("A square and invertible", "B square"),
        lambda A, B, t: _logdet(A + t * B), "t",
        lambda rng: (lambda n: {"A": _invertible(rng, n), "B": _normal(rng, n, n),
                                "t": rng.uniform(-0.2, 0.2)})(int(rng.integers(2, 5))),
        lambda a, d: tr(solve(a["A"] + a["t"] * a["B"], a["B"])) * d,
        lambda a: tr(solve(a["A"] + a["t"] * a["B"], a["B"])),
        formula=r"\log\lvert\det(A + tB)\rvert"),
    # ======================================= more Kronecker and vec
    Identity(
        "vec(AX)", "Kronecker and vec",
        r"d\operatorname{vec}(AX) = (I \otimes A)\operatorname{vec}(dX)", None, 2, (),
        lambda A, X: vec(A @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, m + n, m), "X": _normal(rng, m, n)})(
            *_dims(rng)),
        lambda a, d: np.kron(np.eye(d.shape[1]), a["A"]) @ vec(d),
        formula=r"\operatorname{vec}(AX)"),
    Identity(
        "vec(XA)", "Kronecker and vec",
        r"d\operatorname{vec}(XA) = (A^\top \otimes I)\operatorname{vec}(dX)", None, 2, (),
        lambda X, A: vec(X @ A), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n), "A": _normal(rng, n, m + n)})(
            *_dims(rng)),
        lambda a, d: np.kron(a["A"].T, np.eye(d.shape[0])) @ vec(d),
        formula=r"\operatorname{vec}(XA)"),
    Identity(
        "A kron X", "Kronecker and vec", r"d(A \otimes X) = A \otimes dX", None, 2, (),
        lambda A, X: np.kron(A, X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, m, n), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: np.kron(a["A"], d), formula=r"A \otimes X"),
    Identity(
        "vec(X^2)", "Kronecker and vec",
        r"d\operatorname{vec}(X^2) = (I \otimes X + X^\top \otimes I)\operatorname{vec}(dX)",
        None, 2, ("X square",), lambda X: vec(X @ X), "X", _square_X,
        lambda a, d: (np.kron(np.eye(len(d)), a["X"]) + np.kron(a["X"].T, np.eye(len(d))))
        @ vec(d), formula=r"\operatorname{vec}(X^2)"),
    Identity(
        "vec(X X^T)", "Kronecker and vec",
        r"d\operatorname{vec}(XX^\top) = (X \otimes I + (I \otimes X) K_{m,n})"
        r"\operatorname{vec}(dX)", None, 2, (), lambda X: vec(X @ X.T), "X", _rect_X,
        lambda a, d: (np.kron(a["X"], np.eye(d.shape[0])) + np.kron(np.eye(d.shape[0]), a["X"])
                      @ commutation_matrix(*d.shape)) @ vec(d),
        formula=r"\operatorname{vec}(XX^\top),\ X \in \mathbb{R}^{m \times n}"),
    Identity(
        "tr(A kron X)", "Kronecker and vec",
        r"d\operatorname{tr}(A \otimes X) = \operatorname{tr}(A)\operatorname{tr}(dX)",
        r"\operatorname{tr}(A)\, I", 2, ("A square", "X square"),
        lambda A, X: tr(np.kron(A, X)), "X",
        lambda rng: (lambda n: {"A": _normal(rng, n + 1, n + 1), "X": _normal(rng, n, n)})(
            int(rng.integers(2, 4))),
        lambda a, d: tr(a["A"]) * tr(d), lambda a: tr(a["A"]) * np.eye(len(a["X"])),
        formula=r"\operatorname{tr}(A \otimes X) = \operatorname{tr}(A)\operatorname{tr}(X)"),
    Identity(
        "vec(A o X)", "Kronecker and vec",
        r"d\operatorname{vec}(A \circ X) = \operatorname{diag}(\operatorname{vec}A)"
        r"\operatorname{vec}(dX)", None, 2, (), lambda A, X: vec(A * X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, m), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: np.diag(vec(a["A"])) @ vec(d), formula=r"\operatorname{vec}(A \circ X)"),
    Identity(
        "vec X for AX + XB = C, in A (Sylvester equation)", "Kronecker and vec",
        r"d\operatorname{vec}X = -(I \otimes A + B^\top \otimes I)^{-1}\operatorname{vec}(dA\,X)",
        None, 2, ("A with eigenvalues in the open right half-plane",
                  "B with eigenvalues in the open right half-plane"),
        _sylvester_vec, "A",
        lambda rng: (lambda n, m: {"A": _right_half_plane(rng, m), "B": _right_half_plane(rng, n),
                                   "C": _normal(rng, m, n)})(*_dims(rng)),
        _sylvester_change, formula=r"\operatorname{vec}X, \quad AX + XB = C"),
    # =================================================== more norms
    Identity(
        "||X||_F^2", "norms", r"d\lVert X\rVert_F^2 = 2\operatorname{tr}(X^\top dX)", r"2X", 4,
        (), lambda X: np.sum(X * X), "X", _rect_X, lambda a, d: 2 * tr(a["X"].T @ d),
        lambda a: 2 * a["X"], formula=r"\lVert X\rVert_F^2"),
    Identity(
        "||x||_p^p", "norms",
        r"d\sum_i \lvert x_i\rvert^p = p\,(\lvert x\rvert^{p-1} \circ \operatorname{sign}(x))^\top"
        r" dx", r"p\,\lvert x\rvert^{p-1} \circ \operatorname{sign}(x)", 4,
        ("x with nonzero entries", "p positive"), lambda x, p: np.sum(np.abs(x) ** p), "x",
        lambda rng: {"x": np.sign(_normal(rng, 5)) * rng.uniform(0.5, 2, 5),
                     "p": rng.uniform(1.5, 4)},
        lambda a, d: a["p"] * (np.abs(a["x"]) ** (a["p"] - 1) * np.sign(a["x"])) @ d,
        lambda a: a["p"] * np.abs(a["x"]) ** (a["p"] - 1) * np.sign(a["x"]),
        formula=r"\lVert x\rVert_p^p = \sum_i \lvert x_i\rvert^p"),
    Identity(
        "||Ax||", "norms", r"d\lVert Ax\rVert = \frac{x^\top A^\top A\,dx}{\lVert Ax\rVert}",
        r"\frac{A^\top A x}{\lVert Ax\rVert}", 4, ("A full column rank", "x nonzero"),
        lambda A, x: np.linalg.norm(A @ x), "x",
        lambda rng: (lambda n, m: {"A": _normal(rng, m, n), "x": _normal(rng, n)})(*_dims(rng)),
        lambda a, d: a["x"] @ a["A"].T @ a["A"] @ d / np.linalg.norm(a["A"] @ a["x"]),
        lambda a: a["A"].T @ a["A"] @ a["x"] / np.linalg.norm(a["A"] @ a["x"]),
        formula=r"\lVert Ax\rVert"),
    Identity(
        "||X||_2^2", "norms", r"d\lVert X\rVert_2^2 = 2\sigma_1 u_1^\top dX\, v_1",
        r"2\sigma_1 u_1 v_1^\top", 8, ("X with a simple largest singular value",),
        lambda X: np.linalg.norm(X, 2) ** 2, "X", _rect_X,
        lambda a, d: 2 * np.linalg.norm(a["X"], 2) * _svd_top(a["X"])[0] @ d @ _svd_top(a["X"])[1],
        lambda a: 2 * np.linalg.norm(a["X"], 2) * np.outer(*_svd_top(a["X"])),
        formula=r"\lVert X\rVert_2^2 = \sigma_1(X)^2 = \lambda_{\max}(X^\top X)"),
    Identity(
        "singular values of X", "norms",
        r"d\sigma_i = u_i^\top dX\, v_i, \quad Xv_i = \sigma_i u_i", None, 8,
        ("X with distinct positive singular values",),
        lambda X: np.linalg.svd(X, compute_uv=False), "X", _svd_gapped,
        lambda a, d: _singular_value_change(a["X"], d),
        formula=r"(\sigma_1(X), \ldots, \sigma_n(X))"),
    Identity(
        "x / ||x|| (normalization)", "norms",
        r"d\frac{x}{\lVert x\rVert} = \frac{1}{\lVert x\rVert}\Big(I - \frac{xx^\top}"
        r"{\lVert x\rVert^2}\Big)\,dx", None, 4, ("x nonzero",),
        lambda x: x / np.linalg.norm(x), "x", _vector_x,
        lambda a, d: (lambda x, r: (d - x * (x @ d) / r**2) / r)(a["x"], np.linalg.norm(a["x"])),
        formula=r"\frac{x}{\lVert x\rVert}"),
    Identity(
        "cosine similarity in x", "norms",
        r"dc = \Big(\frac{y}{\lVert x\rVert\lVert y\rVert} - \frac{c\,x}{\lVert x\rVert^2}"
        r"\Big)^\top dx, \quad c = \frac{x^\top y}{\lVert x\rVert\lVert y\rVert}",
        r"\frac{y}{\lVert x\rVert\lVert y\rVert} - \frac{c\,x}{\lVert x\rVert^2}", 4,
        ("x nonzero", "y nonzero"),
        lambda x, y: x @ y / (np.linalg.norm(x) * np.linalg.norm(y)), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "y": _normal(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: _cosine_gradient(a) @ d, _cosine_gradient,
        formula=r"c = \frac{x^\top y}{\lVert x\rVert\lVert y\rVert}"),
    Identity(
        "||X^T X - I||_F^2 (orthogonality penalty)", "norms",
        r"d\lVert X^\top X - I\rVert_F^2 = 4\operatorname{tr}((X^\top X - I) X^\top dX)",
        r"4X(X^\top X - I)", 4, (), lambda X: np.sum((X.T @ X - np.eye(X.shape[1])) ** 2), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n) / 2})(*_dims(rng)),
        lambda a, d: 4 * tr((a["X"].T @ a["X"] - np.eye(d.shape[1])) @ a["X"].T @ d),
        lambda a: 4 * a["X"] @ (a["X"].T @ a["X"] - np.eye(a["X"].shape[1])),
        formula=r"\lVert X^\top X - I\rVert_F^2"),
    Identity(
        "||AXB - C||_F^2", "norms",
        r"d\lVert AXB - C\rVert_F^2 = 2\operatorname{tr}((AXB - C)^\top A\,dX\,B)",
        r"2A^\top (AXB - C)B^\top", 4, (), lambda A, X, B, C: np.sum((A @ X @ B - C) ** 2), "X",
        lambda rng: (lambda m, n: (lambda p: {
            "A": _normal(rng, p, m), "X": _normal(rng, m, n), "B": _normal(rng, n, p + 1),
            "C": _normal(rng, p, p + 1)})(m + n + 1))(*_dims(rng)),
        lambda a, d: 2 * tr((a["A"] @ a["X"] @ a["B"] - a["C"]).T @ a["A"] @ d @ a["B"]),
        lambda a: 2 * a["A"].T @ (a["A"] @ a["X"] @ a["B"] - a["C"]) @ a["B"].T,
        formula=r"\lVert AXB - C\rVert_F^2"),
    # ============================================== more eigenvalues
    Identity(
        "lambda_min(A), A symmetric", "eigenvalues", r"d\lambda_{\min} = v^\top dA\, v",
        r"v v^\top", 8, ("A symmetric with distinct eigenvalues",),
        lambda A: np.linalg.eigvalsh(_sym(A))[0], "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda v: v @ d @ v)(np.linalg.eigh(_sym(a["A"]))[1][:, 0]),
        lambda a: (lambda v: np.outer(v, v))(np.linalg.eigh(_sym(a["A"]))[1][:, 0]),
        formula=r"\lambda_{\min}(A), \quad Av = \lambda_{\min} v,\ \lVert v\rVert = 1"),
    Identity(
        "sum of the k largest eigenvalues, A symmetric", "eigenvalues",
        r"d\sum_{i=1}^k \lambda_i = \operatorname{tr}(V_k^\top dA\, V_k)", r"V_k V_k^\top", 8,
        ("A symmetric with distinct eigenvalues",),
        lambda A, k: np.sum(np.linalg.eigvalsh(_sym(A))[-k:]), "A",
        lambda rng: (lambda n: {"A": _symmetric_gapped(rng, n), "k": int(rng.integers(1, n))})(
            int(rng.integers(2, 6))),
        lambda a, d: (lambda V: tr(V.T @ d @ V))(_top_k_frame(a["A"], a["k"])),
        lambda a: (lambda V: V @ V.T)(_top_k_frame(a["A"], a["k"])),
        formula=r"\lambda_1 + \cdots + \lambda_k\ (\lambda_1 \geq \lambda_2 \geq \cdots)"
                r" = \max_{V^\top V = I_k} \operatorname{tr}(V^\top A V)"),
    Identity(
        "largest eigenvalue of A + tB in t (Hellmann-Feynman)", "eigenvalues",
        r"d\lambda_{\max}(A + tB) = v^\top B v\, dt", r"v^\top B v", 8,
        ("A symmetric with distinct eigenvalues", "B symmetric"),
        lambda A, B, t: np.linalg.eigvalsh(A + t * B)[-1], "t",
        lambda rng: (lambda n: {"A": _symmetric_gapped(rng, n), "B": _sym(_normal(rng, n, n)),
                                "t": rng.uniform(-0.05, 0.05)})(int(rng.integers(2, 6))),
        lambda a, d: (lambda v: v @ a["B"] @ v * d)(_largest_sym_eig(a["A"] + a["t"] * a["B"])[1]),
        lambda a: (lambda v: v @ a["B"] @ v)(_largest_sym_eig(a["A"] + a["t"] * a["B"])[1]),
        formula=r"\lambda_{\max}(A + tB), \quad (A + tB)v = \lambda_{\max} v,\ \lVert v\rVert = 1"),
    Identity(
        "Rayleigh quotient, A symmetric", "eigenvalues",
        r"dR = \frac{2(Ax - Rx)^\top dx}{x^\top x}", r"\frac{2(Ax - Rx)}{x^\top x}", 8,
        ("A symmetric", "x nonzero"), lambda x, A: x @ A @ x / (x @ x), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "A": _sym(_normal(rng, n, n))})(
            int(rng.integers(2, 6))),
        lambda a, d: 2 * (a["A"] @ a["x"] - a["x"] @ a["A"] @ a["x"] / (a["x"] @ a["x"])
                          * a["x"]) @ d / (a["x"] @ a["x"]),
        lambda a: 2 * (a["A"] @ a["x"] - a["x"] @ a["A"] @ a["x"] / (a["x"] @ a["x"])
                       * a["x"]) / (a["x"] @ a["x"]),
        formula=r"R(x) = \frac{x^\top A x}{x^\top x}"),
    Identity(
        "c^T v (adjoint method for an eigenvector), A symmetric", "eigenvalues",
        r"d(c^\top v_k) = w^\top dA\, v_k, \quad w = \sum_{j \ne k} \frac{v_j^\top c}"
        r"{\lambda_k - \lambda_j} v_j", r"\frac{1}{2}(w v_k^\top + v_k w^\top)", 8,
        ("A symmetric with distinct eigenvalues",), lambda A, c: c @ _sym_eigvec(A), "A",
        lambda rng: (lambda n: {"A": _symmetric_gapped(rng, n), "c": _normal(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: _eigvec_adjoint(a) @ _sym(d) @ _sym_eigvec(a["A"]),
        lambda a: _sym(np.outer(_eigvec_adjoint(a), _sym_eigvec(a["A"]))),
        formula=r"c^\top v_k, \quad v_k \text{ the unit eigenvector of the largest eigenvalue}"),
    # ========================================= more matrix functions
    Identity(
        "tr(sqrt(X))", "matrix functions",
        r"d\operatorname{tr}(X^{1/2}) = \frac{1}{2}\operatorname{tr}(X^{-1/2} dX)",
        r"\frac{1}{2}(X^{-1/2})^\top", 6, ("X with eigenvalues in the open right half-plane",),
        lambda X: tr(sla.sqrtm(X).real), "X",
        lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: 0.5 * tr(solve(sla.sqrtm(a["X"]).real, d)),
        lambda a: 0.5 * inv(sla.sqrtm(a["X"]).real).T, formula=r"\operatorname{tr}(X^{1/2})"),
    Identity(
        "tr(log(X))", "matrix functions",
        r"d\operatorname{tr}(\log X) = \operatorname{tr}(X^{-1} dX)", r"X^{-\top}", 8,
        ("X with eigenvalues in the open right half-plane",), lambda X: tr(sla.logm(X).real),
        "X", lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]).T,
        formula=r"\operatorname{tr}(\log X) = \log\det X"),
    Identity(
        "exp(A), A symmetric (Daleckii-Krein)", "matrix functions",
        r"d e^A = V (F \circ (V^\top dA\, V)) V^\top, \quad F_{ij} = \frac{e^{\lambda_i} - "
        r"e^{\lambda_j}}{\lambda_i - \lambda_j},\ F_{ii} = e^{\lambda_i}", None, 8,
        ("A symmetric",), lambda A: sla.expm(A), "A",
        lambda rng: {"A": _sym(_normal(rng, *(2 * [int(rng.integers(2, 5))])))},
        lambda a, d: _daleckii_krein_exp(a["A"], d),
        formula=r"e^A, \quad A = V \operatorname{diag}(\lambda) V^\top"),
    Identity(
        "tr(sin X)", "matrix functions", r"d\operatorname{tr}(\sin X) = \operatorname{tr}"
        r"(\cos(X)\, dX)", r"\cos(X)^\top", 8, ("X square",), lambda X: tr(sla.sinm(X)), "X",
        _square_X, lambda a, d: tr(sla.cosm(a["X"]) @ d), lambda a: sla.cosm(a["X"]).T,
        formula=r"\operatorname{tr}(\sin X)"),
    Identity(
        "tr(A exp(X))", "matrix functions",
        r"d\operatorname{tr}(Ae^X) = \operatorname{tr}\Big(A \int_0^1 e^{sX} dX\, e^{(1-s)X} ds"
        r"\Big)", r"\int_0^1 e^{sX^\top} A^\top e^{(1-s)X^\top} ds", 8, ("A square", "X square"),
        lambda A, X: tr(A @ sla.expm(X)), "X",
        lambda rng: (lambda n: {"A": _normal(rng, n, n), "X": 0.5 * _normal(rng, n, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: tr(a["A"] @ sla.expm_frechet(a["X"], d, compute_expm=False)),
        lambda a: sla.expm_frechet(a["X"].T, a["A"].T, compute_expm=False),
        formula=r"\operatorname{tr}(Ae^X)"),
    # ========================================= more machine learning
    Identity(
        "PCA variance tr(W^T S W)", "machine learning",
        r"d\operatorname{tr}(W^\top S W) = 2\operatorname{tr}(W^\top S\,dW)", r"2SW", 4,
        ("S symmetric positive definite",), lambda W, S: tr(W.T @ S @ W), "W",
        lambda rng: (lambda n, m: {"W": _normal(rng, m, n), "S": _spd(rng, m)})(*_dims(rng)),
        lambda a, d: 2 * tr(a["W"].T @ a["S"] @ d), lambda a: 2 * a["S"] @ a["W"],
        formula=r"\operatorname{tr}(W^\top S W), \quad S \text{ a covariance matrix}"),
    Identity(
        "PCA reconstruction error ||X - W W^T X||_F^2 in W", "machine learning",
        r"d\lVert R\rVert_F^2 = -2\operatorname{tr}(R^\top (dW\,W^\top + W\,dW^\top) X), \quad "
        r"R = X - WW^\top X", r"-2(RX^\top W + XR^\top W)", 4, (),
        lambda X, W: np.sum((X - W @ W.T @ X) ** 2), "W",
        lambda rng: (lambda k, p: {"X": _normal(rng, p, p + 3), "W": 0.5 * _normal(rng, p, k)})(
            *_dims(rng)),
        lambda a, d: (lambda R: -2 * tr(R.T @ (d @ a["W"].T + a["W"] @ d.T) @ a["X"]))(
            a["X"] - a["W"] @ a["W"].T @ a["X"]),
        lambda a: (lambda R: -2 * (R @ a["X"].T @ a["W"] + a["X"] @ R.T @ a["W"]))(
            a["X"] - a["W"] @ a["W"].T @ a["X"]),
        formula=r"\lVert X - WW^\top X\rVert_F^2"),
    Identity(
        "softmax cross-entropy in the logits z", "machine learning",
        r"d\Big(-\sum_i y_i \log s_i\Big) = (s - y)^\top dz, \quad s = \operatorname{softmax}(z)",
        r"\operatorname{softmax}(z) - y", 7, ("y one-hot",),
        lambda z, y: -y @ np.log(_softmax(z)), "z",
        lambda rng: (lambda n: {"z": _normal(rng, n), "y": _one_hot(rng, n, 1)[:, 0]})(
            int(rng.integers(2, 6))),
        lambda a, d: (_softmax(a["z"]) - a["y"]) @ d, lambda a: _softmax(a["z"]) - a["y"],
        formula=r"-\sum_i y_i \log \operatorname{softmax}(z)_i"),
    Identity(
        "binary cross-entropy with logits", "machine learning",
        r"d\sum_i (\log(1 + e^{z_i}) - t_i z_i) = (\sigma(z) - t)^\top dz", r"\sigma(z) - t", 6,
        ("t with entries 0 or 1",), lambda z, t: np.sum(np.logaddexp(0, z) - t * z), "z",
        lambda rng: (lambda n: {"z": _normal(rng, n), "t": _labels(rng, n, "01")})(
            int(rng.integers(3, 7))),
        lambda a, d: (sigmoid(a["z"]) - a["t"]) @ d, lambda a: sigmoid(a["z"]) - a["t"],
        formula=r"-\sum_i \Big(t_i \log \sigma(z_i) + (1 - t_i)\log(1 - \sigma(z_i))\Big)"),
    Identity(
        "sigmoid", "machine learning",
        r"d\sigma(z) = \sigma(z) \circ (1 - \sigma(z)) \circ dz", None, 6, (),
        lambda z: sigmoid(z), "z", lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: sigmoid(a["z"]) * (1 - sigmoid(a["z"])) * d,
        formula=r"\sigma(z) = \frac{1}{1 + e^{-z}} \text{ elementwise}"),
    Identity(
        "softplus sum", "machine learning", r"d\sum_i \log(1 + e^{z_i}) = \sigma(z)^\top dz",
        r"\sigma(z)", 7, (), lambda z: np.sum(np.logaddexp(0, z)), "z",
        lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: sigmoid(a["z"]) @ d, lambda a: sigmoid(a["z"]),
        formula=r"\sum_i \log(1 + e^{z_i})"),
    Identity(
        "two-layer network loss in W1", "machine learning",
        r"d\ell = 2\operatorname{tr}\Big(x\,((W_2^\top r) \circ (1 - h \circ h))^\top dW_1\Big),"
        r" \quad h = \tanh(W_1 x),\ r = W_2 h - y",
        r"2((W_2^\top r) \circ (1 - h \circ h))\, x^\top", 7, (), _two_layer_loss, "W1",
        _two_layer,
        lambda a, d: _two_layer_delta(a) @ d @ a["x"],
        lambda a: np.outer(_two_layer_delta(a), a["x"]),
        formula=r"\ell = \lVert W_2 \tanh(W_1 x) - y\rVert^2"),
    Identity(
        "two-layer network loss in W2", "machine learning",
        r"d\ell = 2r^\top dW_2\, h, \quad h = \tanh(W_1 x),\ r = W_2 h - y", r"2rh^\top", 7, (),
        _two_layer_loss, "W2", _two_layer,
        lambda a, d: (lambda h: 2 * (a["W2"] @ h - a["y"]) @ d @ h)(np.tanh(a["W1"] @ a["x"])),
        lambda a: (lambda h: 2 * np.outer(a["W2"] @ h - a["y"], h))(np.tanh(a["W1"] @ a["x"])),
        formula=r"\ell = \lVert W_2 \tanh(W_1 x) - y\rVert^2"),
    Identity(
        "attention softmax(QK^T / sqrt(d)) V in V", "machine learning",
        r"dY = P\,dV, \quad P = \operatorname{softmax}_{\mathrm{rows}}"
        r"\Big(\frac{QK^\top}{\sqrt{d}}\Big)", None, 7, (), _attention, "V", _attention_sample,
        lambda a, d: _attention_parts(a["Q"], a["K"])[0] @ d,
        formula=r"Y = \operatorname{softmax}_{\mathrm{rows}}\Big(\frac{QK^\top}{\sqrt{d}}\Big) V"),
    Identity(
        "attention softmax(QK^T / sqrt(d)) V in K", "machine learning",
        r"dY = (P \circ (dZ - (P \circ dZ)\mathbf{1}\mathbf{1}^\top))\,V, \quad "
        r"dZ = \frac{Q\,dK^\top}{\sqrt{d}}", None, 7, (), _attention, "K", _attention_sample,
        lambda a, d: (lambda P, s: _softmax_rows_change(P, a["Q"] @ d.T / s) @ a["V"])(
            *_attention_parts(a["Q"], a["K"])),
        formula=r"Y = \operatorname{softmax}_{\mathrm{rows}}\Big(\frac{QK^\top}{\sqrt{d}}\Big) V"),
    Identity(
        "Gaussian log-likelihood in the precision", "machine learning",
        r"d\ell = \frac{1}{2}\operatorname{tr}((N\Lambda^{-1} - S)\, d\Lambda), \quad "
        r"S = \sum_i (x_i - \mu)(x_i - \mu)^\top", r"\frac{1}{2}(N\Lambda^{-1} - S)", 5,
        ("Lambda symmetric positive definite",),
        lambda X, mu, Lambda: _gaussian_loglik(X, mu, inv(Lambda)), "Lambda", _precision_sample,
        lambda a, d: 0.5 * tr((len(a["X"]) * inv(a["Lambda"]) - _scatter(a)) @ d),
        lambda a: 0.5 * (len(a["X"]) * inv(a["Lambda"]) - _scatter(a)),
        formula=r"\ell(\Lambda) = \frac{N}{2}\log\det\Lambda - \frac{1}{2}\sum_i (x_i - \mu)^\top"
                r"\Lambda(x_i - \mu) - \frac{Nn}{2}\log 2\pi"),
    Identity(
        "ridge solution in mu", "machine learning",
        r"dw = -(A^\top A + \mu I)^{-1} w\, d\mu", None, 5, ("mu positive",), _ridge_solution,
        "mu", lambda rng: {**{k: v for k, v in _least_squares(rng).items() if k != "x"},
                           "mu": rng.uniform(0.1, 2)},
        lambda a, d: -solve(a["A"].T @ a["A"] + a["mu"] * np.eye(a["A"].shape[1]),
                            _ridge_solution(a["A"], a["b"], a["mu"])) * d,
        formula=r"w(\mu) = (A^\top A + \mu I)^{-1} A^\top b"),
    Identity(
        "Poisson regression loss", "machine learning",
        r"d\sum_i (e^{a_i^\top w} - y_i a_i^\top w) = (e^{Aw} - y)^\top A\,dw",
        r"A^\top (e^{Aw} - y)", 6, ("y positive",),
        lambda A, y, w: np.sum(np.exp(A @ w) - y * (A @ w)), "w",
        lambda rng: (lambda s: {"A": s["A"] / 2, "w": s["w"],
                                "y": rng.integers(1, 6, len(s["A"])).astype(float)})(
            _classification(rng)),
        lambda a, d: (np.exp(a["A"] @ a["w"]) - a["y"]) @ a["A"] @ d,
        lambda a: a["A"].T @ (np.exp(a["A"] @ a["w"]) - a["y"]),
        formula=r"\sum_i \Big(e^{a_i^\top w} - y_i\, a_i^\top w\Big)"),
    Identity(
        "softmax cross-entropy in X", "machine learning",
        r"d\Big(-\sum_{ij} Y_{ij} \log S_{ij}\Big) = \operatorname{tr}((S - Y)^\top W\,dX), "
        r"\quad S = \operatorname{softmax}(WX)", r"W^\top (S - Y)", 7, ("Y with one-hot columns",),
        _softmax_cross_entropy, "X", _softmax_cross_entropy_sample,
        lambda a, d: tr((_softmax(a["W"] @ a["X"]) - a["Y"]).T @ a["W"] @ d),
        lambda a: a["W"].T @ (_softmax(a["W"] @ a["X"]) - a["Y"]),
        formula=r"-\sum_{ij} Y_{ij} \log \operatorname{softmax}(WX)_{ij}"),
    Identity(
        "matrix factorization with missing entries and priors, in V", "machine learning",
        r"d(\lVert \Omega \circ (R - UV^\top)\rVert_F^2 + \lambda\lVert V\rVert_F^2) = "
        r"\operatorname{tr}((2\lambda V - 2(\Omega \circ (R - UV^\top))^\top U)^\top dV)",
        r"2\lambda V - 2(\Omega \circ (R - UV^\top))^\top U", 7, ("Omega with entries 0 or 1",),
        lambda R, Omega, U, V, lam: np.sum((Omega * (R - U @ V.T)) ** 2) + lam * np.sum(V * V),
        "V", _factorization,
        lambda a, d: tr(_factorization_grad_V(a).T @ d), _factorization_grad_V,
        formula=r"\lVert \Omega \circ (R - UV^\top)\rVert_F^2 + \lambda\lVert V\rVert_F^2"),
    Identity(
        "weighted least squares (Ax - b)^T W (Ax - b)", "machine learning",
        r"d((Ax - b)^\top W (Ax - b)) = 2(Ax - b)^\top W A\,dx", r"2A^\top W(Ax - b)", 4,
        ("W symmetric positive definite",),
        lambda A, b, x, W: (A @ x - b) @ W @ (A @ x - b), "x",
        lambda rng: (lambda s: {**s, "W": _spd(rng, len(s["b"]))})(_least_squares(rng)),
        lambda a, d: 2 * (a["A"] @ a["x"] - a["b"]) @ a["W"] @ a["A"] @ d,
        lambda a: 2 * a["A"].T @ a["W"] @ (a["A"] @ a["x"] - a["b"]),
        formula=r"(Ax - b)^\top W (Ax - b)"),
    Identity(
        "Gaussian kernel in x", "machine learning",
        r"dk = -\frac{k}{s^2}(x - y)^\top dx, \quad k = e^{-\lVert x - y\rVert^2 / (2s^2)}",
        r"-\frac{k}{s^2}(x - y)", 4, ("s positive",),
        lambda x, y, s: np.exp(-np.sum((x - y) ** 2) / (2 * s**2)), "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "y": _normal(rng, n),
                                "s": rng.uniform(1, 2)})(int(rng.integers(2, 6))),
        lambda a, d: _kernel_gradient(a) @ d, _kernel_gradient,
        formula=r"k(x, y) = e^{-\lVert x - y\rVert^2 / (2s^2)}"),
    Identity(
        "Gaussian-process log marginal likelihood in K", "machine learning",
        r"d\ell = \frac{1}{2}\operatorname{tr}((K^{-1} y y^\top K^{-1} - K^{-1})\, dK)",
        r"\frac{1}{2}(K^{-1} y y^\top K^{-1} - K^{-1})", 5, ("K symmetric positive definite",),
        _gp_loglik, "K",
        lambda rng: (lambda n: {"K": _spd(rng, n) / n, "y": _normal(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: (lambda Ki, y: 0.5 * tr((Ki @ np.outer(y, y) @ Ki - Ki) @ d))(
            inv(a["K"]), a["y"]),
        _gp_grad,
        formula=r"\ell(K) = -\frac{1}{2} y^\top K^{-1} y - \frac{1}{2}\log\det K - \frac{N}{2}"
                r"\log 2\pi"),
)

_BY_NAME = {entry.name: entry for entry in IDENTITIES}


def lookup(name: str) -> Identity:
    """The identity called `name`.

    Raises
    ------
    KeyError
        With the closest names, when there is no identity of that name.

    Examples
    --------
    >>> lookup("tr(AX)").grad_latex
    'A^\\\\top'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_BY_NAME), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no identity named {name!r} in the cookbook.{hint}") from None


def check_identity(identity, rng=None, *, trials: int = 3, rtol: float = 1e-6) -> IdentityCheck:
    """Check one identity numerically on arguments from its own sampler.

    Draws arguments with ``identity.sample(rng)``, then compares ``df`` with
    finite differences by :func:`matdiff.check_derivative` and, for scalar
    ``f``, ``grad`` by :func:`matdiff.check_gradient`, along `trials` random
    directions each.

    Parameters
    ----------
    identity : Identity or str
        An entry, or its name.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the arguments and the directions.
    trials, rtol
        As in :func:`matdiff.check_derivative`.

    Returns
    -------
    IdentityCheck
        ``ok``, and the :class:`~matdiff.CheckResult` of the differential
        (``derivative``) and of the gradient (``gradient``, None for
        non-scalar ``f``).

    Examples
    --------
    >>> print(check_identity("tr(AX)", rng=1))                 # doctest: +ELLIPSIS
    tr(AX): ok
      df:   ok (relative error ...): df(x, dx) agrees with finite differences along 3 ...
      grad: ok (relative error ...): grad(x) agrees with finite differences along 3 ...
    """
    if isinstance(identity, str):
        identity = lookup(identity)
    if not isinstance(identity, Identity):
        raise TypeError(f"identity must be an Identity or a name, got {type(identity).__name__}.")
    rng = np.random.default_rng(rng)
    f, df, grad, x = identity.at(identity.sample(rng))
    derivative = check_derivative(f, df, x, rng=rng, trials=trials, rtol=rtol)
    gradient = None if grad is None else check_gradient(f, grad, x, rng=rng, trials=trials,
                                                        rtol=rtol)
    return IdentityCheck(identity, derivative, gradient)

