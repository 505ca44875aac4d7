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


# ----------------------------------------------------------------------------
# the registry


IDENTITIES = (
    # ------------------------------------------------------------------ traces
    Identity(
        "tr(X)", "traces", r"d\operatorname{tr}(X) = \operatorname{tr}(dX)", r"I", 4,
        ("X square",), lambda X: tr(X), "X", _square_X,
        lambda a, d: tr(d), lambda a: np.eye(len(a["X"]))),
    Identity(
        "tr(AX)", "traces", r"d\operatorname{tr}(AX) = \operatorname{tr}(A\,dX)", r"A^\top", 4,
        (), lambda A, X: tr(A @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, m), "X": _normal(rng, m, n)})(
            *_dims(rng)),
        lambda a, d: tr(a["A"] @ d), lambda a: a["A"].T),
    Identity(
        "tr(X^T X)", "traces", r"d\operatorname{tr}(X^\top X) = 2\operatorname{tr}(X^\top dX)",
        r"2X", 1, (), lambda X: tr(X.T @ X), "X", _rect_X,
        lambda a, d: 2 * tr(a["X"].T @ d), lambda a: 2 * a["X"]),
    Identity(
        "tr(X^T A X)", "traces",
        r"d\operatorname{tr}(X^\top A X) = \operatorname{tr}(dX^\top A X + X^\top A\,dX)",
        r"(A + A^\top) X", 4, ("A square",), lambda A, X: tr(X.T @ A @ X), "X",
        lambda rng: (lambda n, m: {"A": _normal(rng, n, n), "X": _normal(rng, n, m)})(
            *_dims(rng)),
        lambda a, d: tr(d.T @ a["A"] @ a["X"]) + tr(a["X"].T @ a["A"] @ d),
        lambda a: (a["A"] + a["A"].T) @ a["X"]),
    Identity(
        "tr(AXB)", "traces", r"d\operatorname{tr}(AXB) = \operatorname{tr}(BA\,dX)",
        r"A^\top B^\top", 4, (), lambda A, X, B: tr(A @ X @ B), "X", _A_X_B,
        lambda a, d: tr(a["B"] @ a["A"] @ d), lambda a: a["A"].T @ a["B"].T),
    Identity(
        "tr(X^2)", "traces", r"d\operatorname{tr}(X^2) = 2\operatorname{tr}(X\,dX)", r"2X^\top",
        2, ("X square",), lambda X: tr(X @ X), "X", _square_X,
        lambda a, d: 2 * tr(a["X"] @ d), lambda a: 2 * a["X"].T),
    Identity(
        "tr(X^4)", "traces", r"d\operatorname{tr}(X^4) = 4\operatorname{tr}(X^3 dX)",
        r"4(X^3)^\top", 2, ("X square",), lambda X: tr(np.linalg.matrix_power(X, 4)), "X",
        _square_X, lambda a, d: 4 * tr(np.linalg.matrix_power(a["X"], 3) @ d),
        lambda a: 4 * np.linalg.matrix_power(a["X"], 3).T),
    # ------------------------------------------------------- products and powers
    Identity(
        "x^T A x", "products and powers",
        r"d(x^\top A x) = dx^\top A x + x^\top A\,dx = x^\top (A + A^\top)\,dx",
        r"(A + A^\top)x", 1, ("A square",), lambda x, A: x @ A @ x, "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "A": _normal(rng, n, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: d @ a["A"] @ a["x"] + a["x"] @ a["A"] @ d,
        lambda a: (a["A"] + a["A"].T) @ a["x"]),
    Identity(
        "a^T X b", "products and powers", r"d(a^\top X b) = a^\top dX\, b", r"a b^\top", 4, (),
        lambda a, X, b: a @ X @ b, "X",
        lambda rng: (lambda m, n: {"a": _normal(rng, m), "X": _normal(rng, m, n),
                                   "b": _normal(rng, n)})(*_dims(rng)),
        lambda a, d: a["a"] @ d @ a["b"], lambda a: np.outer(a["a"], a["b"])),
    Identity(
        "X^2", "products and powers", r"d(X^2) = dX\,X + X\,dX", None, 1, ("X square",),
        lambda X: X @ X, "X", _square_X, lambda a, d: d @ a["X"] + a["X"] @ d),
    Identity(
        "X^3", "products and powers", r"d(X^3) = dX\,X^2 + X\,dX\,X + X^2 dX", None, 2,
        ("X square",), lambda X: X @ X @ X, "X", _square_X,
        lambda a, d: d @ a["X"] @ a["X"] + a["X"] @ d @ a["X"] + a["X"] @ a["X"] @ d),
    Identity(
        "X^T X", "products and powers", r"d(X^\top X) = dX^\top X + X^\top dX", None, 2, (),
        lambda X: X.T @ X, "X", _rect_X, lambda a, d: d.T @ a["X"] + a["X"].T @ d),
    Identity(
        "AXB", "products and powers", r"d(AXB) = A\,dX\,B", None, 2, (),
        lambda A, X, B: A @ X @ B, "X", _A_X_B, lambda a, d: a["A"] @ d @ a["B"]),
    Identity(
        "x x^T", "products and powers", r"d(x x^\top) = dx\,x^\top + x\,dx^\top", None, 2, (),
        lambda x: np.outer(x, x), "x", _vector_x,
        lambda a, d: np.outer(d, a["x"]) + np.outer(a["x"], d)),
    Identity(
        "X o X (Hadamard square)", "products and powers", r"d(X \circ X) = 2X \circ dX", None,
        2, (), lambda X: X * X, "X", _rect_X, lambda a, d: 2 * a["X"] * d),
    Identity(
        "(x^T x)^4", "products and powers", r"d(x^\top x)^4 = 8(x^\top x)^3 x^\top dx",
        r"8(x^\top x)^3 x", 1, (), lambda x: (x @ x) ** 4, "x", _vector_x,
        lambda a, d: 8 * (a["x"] @ a["x"]) ** 3 * (a["x"] @ d),
        lambda a: 8 * (a["x"] @ a["x"]) ** 3 * a["x"]),
    # ------------------------------------------------------------------ inverses
    Identity(
        "X^-1", "inverses", r"d(X^{-1}) = -X^{-1} dX\, X^{-1}", None, 2,
        ("X square and invertible",), lambda X: inv(X), "X", _invertible_X,
        lambda a, d: -inv(a["X"]) @ d @ inv(a["X"])),
    Identity(
        "X^-1 b", "inverses", r"d(X^{-1} b) = -X^{-1} dX\, X^{-1} b", None, 5,
        ("X square and invertible",), lambda X, b: solve(X, b), "X",
        lambda rng: (lambda n: {"X": _invertible(rng, n), "b": _normal(rng, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: -solve(a["X"], d @ solve(a["X"], a["b"]))),
    Identity(
        "a^T X^-1 b", "inverses", r"d(a^\top X^{-1} b) = -a^\top X^{-1} dX\, X^{-1} b",
        r"-X^{-\top} a b^\top X^{-\top}", 5, ("X square and invertible",),
        lambda a, X, b: a @ solve(X, b), "X",
        lambda rng: (lambda n: {"a": _normal(rng, n), "X": _invertible(rng, n),
                                "b": _normal(rng, n)})(int(rng.integers(2, 5))),
        lambda a, d: -a["a"] @ inv(a["X"]) @ d @ solve(a["X"], a["b"]),
        lambda a: -inv(a["X"]).T @ np.outer(a["a"], a["b"]) @ inv(a["X"]).T),
    Identity(
        "tr(A X^-1 B)", "inverses",
        r"d\operatorname{tr}(A X^{-1} B) = -\operatorname{tr}(A X^{-1} dX\, X^{-1} B)",
        r"-(X^{-1} B A X^{-1})^\top", 5, ("X square and invertible",),
        lambda A, X, B: tr(A @ solve(X, B)), "X",
        lambda rng: (lambda n, p: {"A": _normal(rng, p, n), "X": _invertible(rng, n),
                                   "B": _normal(rng, n, p)})(*_dims(rng)),
        lambda a, d: -tr(a["A"] @ inv(a["X"]) @ d @ inv(a["X"]) @ a["B"]),
        lambda a: -(inv(a["X"]) @ a["B"] @ a["A"] @ inv(a["X"])).T),
    Identity(
        "(X^T X)^-1", "inverses",
        r"d(X^\top X)^{-1} = -(X^\top X)^{-1}(dX^\top X + X^\top dX)(X^\top X)^{-1}", None, 5,
        ("X full column rank",), lambda X: inv(X.T @ X), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n)})(*_dims(rng)),
        lambda a, d: -inv(a["X"].T @ a["X"]) @ (d.T @ a["X"] + a["X"].T @ d)
        @ inv(a["X"].T @ a["X"])),
    # -------------------------------------------------------------- determinants
    Identity(
        "det X", "determinants", r"d\det X = \det(X)\operatorname{tr}(X^{-1} dX)",
        r"\det(X)\, X^{-\top}", 5, ("X square and invertible",), lambda X: np.linalg.det(X),
        "X", _invertible_X, lambda a, d: np.linalg.det(a["X"]) * tr(solve(a["X"], d)),
        lambda a: np.linalg.det(a["X"]) * inv(a["X"]).T),
    Identity(
        "log det X", "determinants", r"d\log\det X = \operatorname{tr}(X^{-1} dX)",
        r"X^{-\top}", 5, ("X square and positive determinant",), lambda X: np.log(
            np.linalg.det(X)), "X",
        lambda rng: {"X": _flip_sign(_invertible(rng, int(rng.integers(2, 5))))},
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]).T),
    Identity(
        "log |det X|", "determinants", r"d\log\lvert\det X\rvert = \operatorname{tr}(X^{-1} dX)",
        r"X^{-\top}", 5, ("X square and invertible",), _logdet, "X", _invertible_X,
        lambda a, d: tr(solve(a["X"], d)), lambda a: inv(a["X"]).T),
    Identity(
        "det(AXB)", "determinants",
        r"d\det(AXB) = \det(AXB)\operatorname{tr}(X^{-1} dX)", r"\det(AXB)\, X^{-\top}", 5,
        ("A square and invertible", "X square and invertible", "B square and invertible"),
        lambda A, X, B: np.linalg.det(A @ X @ B), "X",
        lambda rng: (lambda n: {"A": _invertible(rng, n) / 3, "X": _invertible(rng, n) / 3,
                                "B": _invertible(rng, n) / 3})(int(rng.integers(2, 5))),
        lambda a, d: np.linalg.det(a["A"] @ a["X"] @ a["B"]) * tr(solve(a["X"], d)),
        lambda a: np.linalg.det(a["A"] @ a["X"] @ a["B"]) * inv(a["X"]).T),
    Identity(
        "log det(X^T X)", "determinants",
        r"d\log\det(X^\top X) = 2\operatorname{tr}((X^\top X)^{-1} X^\top dX)",
        r"2X(X^\top X)^{-1}", 5, ("X full column rank",), lambda X: _logdet(X.T @ X), "X",
        lambda rng: (lambda n, m: {"X": _normal(rng, m, n)})(*_dims(rng)),
        lambda a, d: 2 * tr(solve(a["X"].T @ a["X"], a["X"].T @ d)),
        lambda a: 2 * a["X"] @ inv(a["X"].T @ a["X"])),
    Identity(
        "adj(X)", "determinants",
        r"d\operatorname{adj}(X) = \det(X)(\operatorname{tr}(X^{-1} dX)\,X^{-1}"
        r" - X^{-1} dX\, X^{-1})", None, 5, ("X square and invertible",),
        lambda X: np.linalg.det(X) * inv(X), "X", _invertible_X,
        lambda a, d: np.linalg.det(a["X"]) * (tr(solve(a["X"], d)) * inv(a["X"])
                                              - inv(a["X"]) @ d @ inv(a["X"]))),
    # --------------------------------------------------------- Kronecker and vec
    Identity(
        "vec(AXB)", "Kronecker and vec",
        r"d\operatorname{vec}(AXB) = (B^\top \otimes A)\operatorname{vec}(dX)", None, 2, (),
        lambda A, X, B: vec(A @ X @ B), "X", _A_X_B,
        lambda a, d: np.kron(a["B"].T, a["A"]) @ vec(d)),
    Identity(
        "vec(AX + XA)", "Kronecker and vec",
        r"d\operatorname{vec}(AX + XA) = (I \otimes A + A^\top \otimes I)\operatorname{vec}(dX)",
        None, 2, ("A square", "X square"), lambda A, X: vec(A @ X + X @ A), "X",
        lambda rng: (lambda n: {"A": _normal(rng, n, n), "X": _normal(rng, n, n)})(
            int(rng.integers(2, 5))),
        lambda a, d: (np.kron(np.eye(len(d)), a["A"]) + np.kron(a["A"].T, np.eye(len(d))))
        @ vec(d)),
    Identity(
        "vec(X^T)", "Kronecker and vec",
        r"d\operatorname{vec}(X^\top) = K_{m,n}\operatorname{vec}(dX)", None, 2, (),
        lambda X: vec(X.T), "X", _rect_X,
        lambda a, d: commutation_matrix(*d.shape) @ vec(d)),
    Identity(
        "X kron X", "Kronecker and vec", r"d(X \otimes X) = dX \otimes X + X \otimes dX", None,
        2, (), lambda X: np.kron(X, X), "X", _rect_X,
        lambda a, d: np.kron(d, a["X"]) + np.kron(a["X"], d)),
    Identity(
        "vec(X^-1)", "Kronecker and vec",
        r"d\operatorname{vec}(X^{-1}) = -(X^{-\top} \otimes X^{-1})\operatorname{vec}(dX)", None,
        2, ("X square and invertible",), lambda X: vec(inv(X)), "X", _invertible_X,
        lambda a, d: -np.kron(inv(a["X"]).T, inv(a["X"])) @ vec(d)),
    Identity(
        "vec(X^T X)", "Kronecker and vec",
        r"d\operatorname{vec}(X^\top X) = ((X^\top \otimes I) K_{m,n} + I \otimes X^\top)"
        r"\operatorname{vec}(dX)", None, 2, (), lambda X: vec(X.T @ X), "X", _rect_X,
        lambda a, d: (np.kron(a["X"].T, np.eye(d.shape[1])) @ commutation_matrix(*d.shape)
                      + np.kron(np.eye(d.shape[1]), a["X"].T)) @ vec(d)),
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
        lambda a: a["A"] @ a["X"] @ a["B"].T + a["A"].T @ a["X"] @ a["B"]),
    # --------------------------------------------------------------------- norms
    Identity(
        "||x||", "norms", r"d\lVert x\rVert = \frac{x^\top dx}{\lVert x\rVert}",
        r"\frac{x}{\lVert x\rVert}", 4, ("x nonzero",), lambda x: np.linalg.norm(x), "x",
        _vector_x, lambda a, d: a["x"] @ d / np.linalg.norm(a["x"]),
        lambda a: a["x"] / np.linalg.norm(a["x"])),
    Identity(
        "||x||_1", "norms", r"d\lVert x\rVert_1 = \operatorname{sign}(x)^\top dx",
        r"\operatorname{sign}(x)", 4, ("x with nonzero entries",), lambda x: np.sum(np.abs(x)),
        "x", lambda rng: {"x": np.sign(_normal(rng, 5)) * rng.uniform(0.5, 2, 5)},
        lambda a, d: np.sign(a["x"]) @ d, lambda a: np.sign(a["x"])),
    Identity(
        "||X||_F", "norms",
        r"d\lVert X\rVert_F = \frac{\operatorname{tr}(X^\top dX)}{\lVert X\rVert_F}",
        r"\frac{X}{\lVert X\rVert_F}", 4, ("X nonzero",), lambda X: np.linalg.norm(X), "X",
        _rect_X, lambda a, d: tr(a["X"].T @ d) / np.linalg.norm(a["X"]),
        lambda a: a["X"] / np.linalg.norm(a["X"])),
    Identity(
        "||AX - B||_F^2", "norms",
        r"d\lVert AX - B\rVert_F^2 = 2\operatorname{tr}((AX - B)^\top A\,dX)",
        r"2A^\top (AX - B)", 4, (), lambda A, X, B: np.sum((A @ X - B) ** 2), "X",
        lambda rng: (lambda m, n: {"A": _normal(rng, m + n, m), "X": _normal(rng, m, n),
                                   "B": _normal(rng, m + n, n)})(*_dims(rng)),
        lambda a, d: 2 * tr((a["A"] @ a["X"] - a["B"]).T @ a["A"] @ d),
        lambda a: 2 * a["A"].T @ (a["A"] @ a["X"] - a["B"])),
    Identity(
        "||X||_2 (spectral norm)", "norms", r"d\lVert X\rVert_2 = u_1^\top dX\, v_1",
        r"u_1 v_1^\top", 8, ("X with a simple largest singular value",),
        lambda X: np.linalg.norm(X, 2), "X", _rect_X,
        lambda a, d: _svd_top(a["X"])[0] @ d @ _svd_top(a["X"])[1],
        lambda a: np.outer(*_svd_top(a["X"]))),
    Identity(
        "||X||_* (nuclear norm)", "norms",
        r"d\lVert X\rVert_* = \operatorname{tr}(U^\top dX\, V)", r"U V^\top", 8,
        ("X full rank",), lambda X: np.linalg.norm(X, "nuc"), "X", _rect_X,
        lambda a, d: (lambda U, s, Vt: tr(U.T @ d @ Vt.T))(
            *np.linalg.svd(a["X"], full_matrices=False)),
        lambda a: (lambda U, s, Vt: U @ Vt)(*np.linalg.svd(a["X"], full_matrices=False))),
    Identity(
        "x^T M x (weighted norm squared)", "norms", r"d(x^\top M x) = 2x^\top M\,dx", r"2Mx", 4,
        ("M symmetric positive definite",), lambda x, M: x @ M @ x, "x",
        lambda rng: (lambda n: {"x": _normal(rng, n), "M": _spd(rng, n)})(
            int(rng.integers(2, 6))),
        lambda a, d: 2 * a["x"] @ a["M"] @ d, lambda a: 2 * a["M"] @ a["x"]),
    # --------------------------------------------------------------- eigenvalues
    Identity(
        "lambda_max(A), A symmetric", "eigenvalues", r"d\lambda_{\max} = v^\top dA\, v",
        r"v v^\top", 8, ("A symmetric with distinct eigenvalues",),
        lambda A: _largest_sym_eig(A)[0], "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda v: v @ d @ v)(_largest_sym_eig(a["A"])[1]),
        lambda a: (lambda v: np.outer(v, v))(_largest_sym_eig(a["A"])[1])),
    Identity(
        "eigenvalues of symmetric A", "eigenvalues", r"d\lambda_i = v_i^\top dA\, v_i", None, 8,
        ("A symmetric with distinct eigenvalues",), lambda A: np.linalg.eigvalsh(_sym(A)), "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda V: np.sum(V * (d @ V), axis=0))(np.linalg.eigh(_sym(a["A"]))[1])),
    Identity(
        "simple eigenvalue of A", "eigenvalues",
        r"d\lambda = \frac{y^\top dA\, x}{y^\top x}, \quad Ax = \lambda x,\ y^\top A = "
        r"\lambda y^\top", r"\frac{y x^\top}{y^\top x}", 8,
        ("A with real distinct eigenvalues",), lambda A: np.max(np.linalg.eigvals(A).real), "A",
        lambda rng: {"A": _real_spectrum(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda lam, x, y: y @ d @ x / (y @ x))(*_eigen_triple(a["A"])),
        lambda a: (lambda lam, x, y: np.outer(y, x) / (y @ x))(*_eigen_triple(a["A"]))),
    Identity(
        "eigenvector of symmetric A", "eigenvalues",
        r"dv_k = \sum_{j \ne k} \frac{v_j^\top dA\, v_k}{\lambda_k - \lambda_j} v_j", None, 8,
        ("A symmetric with distinct eigenvalues",), _sym_eigvec, "A",
        lambda rng: {"A": _symmetric_gapped(rng, int(rng.integers(2, 6)))},
        lambda a, d: _sym_eigvec_change(a["A"], d)),
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
                   / (a["x"] @ a["x"]) * a["x"]) / (a["x"] @ a["x"])),
    # ---------------------------------------------------------- matrix functions
    Identity(
        "exp(X)", "matrix functions",
        r"d e^X = \int_0^1 e^{sX} dX\, e^{(1-s)X} ds", None, 8, ("X square",),
        lambda X: sla.expm(X), "X",
        lambda rng: {"X": 0.5 * _square_X(rng)["X"]},
        lambda a, d: sla.expm_frechet(a["X"], d, compute_expm=False)),
    Identity(
        "sqrt(X)", "matrix functions",
        r"S\,dS + dS\,S = dX, \quad S = X^{1/2}", None, 6,
        ("X with eigenvalues in the open right half-plane",), lambda X: sla.sqrtm(X).real, "X",
        lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: (lambda S: sla.solve_sylvester(S, S, d))(sla.sqrtm(a["X"]).real)),
    Identity(
        "log(X)", "matrix functions",
        r"d\log X = \int_0^\infty (X + sI)^{-1} dX\, (X + sI)^{-1} ds", None, 8,
        ("X with eigenvalues in the open right half-plane",), lambda X: sla.logm(X).real, "X",
        lambda rng: {"X": _right_half_plane(rng, int(rng.integers(2, 5)))},
        lambda a, d: _logm_frechet(a["X"], d)),
    Identity(
        "tr(exp(X))", "matrix functions", r"d\operatorname{tr}(e^X) = \operatorname{tr}(e^X dX)",
        r"(e^X)^\top", 8, ("X square",), lambda X: tr(sla.expm(X)), "X",
        lambda rng: {"X": 0.5 * _square_X(rng)["X"]},
        lambda a, d: tr(sla.expm(a["X"]) @ d), lambda a: sla.expm(a["X"]).T),
    Identity(
        "exp(tA) in t", "matrix functions", r"d e^{tA} = A e^{tA}\, dt", None, 8,
        ("A square",), lambda t, A: sla.expm(t * A), "t",
        lambda rng: {"t": rng.uniform(-1, 1), "A": 0.5 * _square_X(rng)["X"]},
        lambda a, d: a["A"] @ sla.expm(a["t"] * a["A"]) * d),
    # ---------------------------------------------------------- machine learning
    Identity(
        "least squares ||Ax - b||^2", "machine learning",
        r"d\lVert Ax - b\rVert^2 = 2(Ax - b)^\top A\,dx", r"2A^\top (Ax - b)", 4, (),
        lambda A, b, x: np.sum((A @ x - b) ** 2), "x", _least_squares,
        lambda a, d: 2 * (a["A"] @ a["x"] - a["b"]) @ a["A"] @ d,
        lambda a: 2 * a["A"].T @ (a["A"] @ a["x"] - a["b"])),
    Identity(
        "ridge ||Ax - b||^2 + mu ||x||^2", "machine learning",
        r"d(\lVert Ax - b\rVert^2 + \mu\lVert x\rVert^2) = 2(Ax - b)^\top A\,dx"
        r" + 2\mu x^\top dx", r"2A^\top (Ax - b) + 2\mu x", 4, ("mu positive",),
        lambda A, b, x, mu: np.sum((A @ x - b) ** 2) + mu * x @ x, "x",
        lambda rng: {**_least_squares(rng), "mu": rng.uniform(0.1, 2)},
        lambda a, d: 2 * (a["A"] @ a["x"] - a["b"]) @ a["A"] @ d + 2 * a["mu"] * a["x"] @ d,
        lambda a: 2 * a["A"].T @ (a["A"] @ a["x"] - a["b"]) + 2 * a["mu"] * a["x"]),
    Identity(
        "logistic loss", "machine learning",
        r"d\sum_i \log(1 + e^{-y_i a_i^\top w}) = -(y \circ \sigma(-y \circ Aw))^\top A\,dw",
        r"-A^\top (y \circ \sigma(-y \circ Aw))", 6, ("y with entries +1 or -1",),
        lambda A, y, w: np.sum(np.logaddexp(0, -y * (A @ w))), "w",
        lambda rng: (lambda s: {**s, "y": _labels(rng, len(s["A"]), "pm")})(
            _classification(rng)),
        lambda a, d: -(a["y"] * sigmoid(-a["y"] * (a["A"] @ a["w"]))) @ a["A"] @ d,
        lambda a: -a["A"].T @ (a["y"] * sigmoid(-a["y"] * (a["A"] @ a["w"])))),
    Identity(
        "logistic-regression gradient (Hessian, Fisher information)", "machine learning",
        r"d(A^\top (\sigma(Aw) - t)) = A^\top \operatorname{diag}(\sigma \circ (1 - \sigma))"
        r" A\,dw", None, 6, ("t with entries 0 or 1",),
        lambda A, t, w: A.T @ (sigmoid(A @ w) - t), "w",
        lambda rng: (lambda s: {**s, "t": _labels(rng, len(s["A"]), "01")})(
            _classification(rng)),
        lambda a, d: (lambda s: a["A"].T @ (s * (1 - s) * (a["A"] @ d)))(
            sigmoid(a["A"] @ a["w"]))),
    Identity(
        "softmax(z)", "machine learning",
        r"d\operatorname{softmax}(z) = (\operatorname{diag}(s) - s s^\top)\,dz, \quad "
        r"s = \operatorname{softmax}(z)", None, 7, (), lambda z: _softmax(z), "z",
        lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: (lambda s: s * d - s * (s @ d))(_softmax(a["z"]))),
    Identity(
        "log-sum-exp", "machine learning",
        r"d\log\sum_i e^{z_i} = \operatorname{softmax}(z)^\top dz", r"\operatorname{softmax}(z)",
        7, (), lambda z: np.log(np.sum(np.exp(z))), "z",
        lambda rng: {"z": _normal(rng, int(rng.integers(2, 6)))},
        lambda a, d: _softmax(a["z"]) @ d, lambda a: _softmax(a["z"])),
    Identity(
        "softmax cross-entropy in W", "machine learning",
        r"d\Big(-\sum_{ij} Y_{ij} \log S_{ij}\Big) = \operatorname{tr}(X (S - Y)^\top dW), \quad "
        r"S = \operatorname{softmax}(WX)", r"(S - Y) X^\top", 7, ("Y with one-hot columns",),
        lambda W, X, Y: -np.sum(Y * np.log(_softmax(W @ X))), "W",
        lambda rng: (lambda c, p: (lambda N: {"W": _normal(rng, c, p), "X": _normal(rng, p, N),
                                              "Y": _one_hot(rng, c, N)})(c + p + 2))(
            *_dims(rng)),
        lambda a, d: tr(a["X"] @ (_softmax(a["W"] @ a["X"]) - a["Y"]).T @ d),
        lambda a: (_softmax(a["W"] @ a["X"]) - a["Y"]) @ a["X"].T),
    Identity(
        "Gaussian log-likelihood in the mean", "machine learning",
        r"d\ell = \Big(\sum_i (x_i - \mu)\Big)^\top \Sigma^{-1} d\mu",
        r"\Sigma^{-1} \sum_i (x_i - \mu)", 5, ("Sigma symmetric positive definite",),
        _gaussian_loglik, "mu", _gaussian_sample,
        lambda a, d: np.sum(a["X"] - a["mu"], axis=0) @ solve(a["Sigma"], d),
        lambda a: solve(a["Sigma"], np.sum(a["X"] - a["mu"], axis=0))),
    Identity(
        "Gaussian log-likelihood in the covariance", "machine learning",
        r"d\ell = \frac{1}{2}\operatorname{tr}((\Sigma^{-1} S \Sigma^{-1} - N\Sigma^{-1})\,"
        r"d\Sigma), \quad S = \sum_i (x_i - \mu)(x_i - \mu)^\top",
        r"\frac{1}{2}(\Sigma^{-1} S \Sigma^{-1} - N\Sigma^{-1})", 5,
        ("Sigma symmetric positive definite",), _gaussian_loglik, "Sigma", _gaussian_sample,
        lambda a, d: 0.5 * tr((inv(a["Sigma"]) @ _scatter(a) @ inv(a["Sigma"])
                               - len(a["X"]) * inv(a["Sigma"])) @ d),
        lambda a: 0.5 * (inv(a["Sigma"]) @ _scatter(a) @ inv(a["Sigma"])
                         - len(a["X"]) * inv(a["Sigma"]))),
    Identity(
        "tanh(Wx) in W", "machine learning",
        r"d\tanh(Wx) = (1 - \tanh^2(Wx)) \circ (dW\,x)", None, 7, (),
        lambda W, x: np.tanh(W @ x), "W",
        lambda rng: (lambda m, n: {"W": 0.5 * _normal(rng, m, n), "x": _normal(rng, n)})(
            *_dims(rng)),
        lambda a, d: (1 - np.tanh(a["W"] @ a["x"]) ** 2) * (d @ a["x"])),
    Identity(
        "NMF objective in W", "machine learning",
        r"d\lVert X - WH\rVert_F^2 = -2\operatorname{tr}((X - WH)^\top dW\, H)",
        r"-2(X - WH)H^\top", 7, (), lambda X, W, H: np.sum((X - W @ H) ** 2), "W", _nmf,
        lambda a, d: -2 * tr((a["X"] - a["W"] @ a["H"]).T @ d @ a["H"]),
        lambda a: -2 * (a["X"] - a["W"] @ a["H"]) @ a["H"].T),
    Identity(
        "NMF objective in H", "machine learning",
        r"d\lVert X - WH\rVert_F^2 = -2\operatorname{tr}((X - WH)^\top W\,dH)",
        r"-2W^\top (X - WH)", 7, (), lambda X, W, H: np.sum((X - W @ H) ** 2), "H", _nmf,
        lambda a, d: -2 * tr((a["X"] - a["W"] @ a["H"]).T @ a["W"] @ d),
        lambda a: -2 * a["W"].T @ (a["X"] - a["W"] @ a["H"])),
    Identity(
        "matrix factorization with missing entries and priors", "machine learning",
        r"d(\lVert \Omega \circ (R - UV^\top)\rVert_F^2 + \lambda\lVert U\rVert_F^2) = "
        r"\operatorname{tr}((2\lambda U - 2(\Omega \circ (R - UV^\top))V)^\top dU)",
        r"2\lambda U - 2(\Omega \circ (R - UV^\top))V", 7, ("Omega with entries 0 or 1",),
        lambda R, Omega, U, V, lam: np.sum((Omega * (R - U @ V.T)) ** 2) + lam * np.sum(U * U),
        "U",
        lambda rng: (lambda m, n: (lambda r: {
            "R": _normal(rng, m, n), "Omega": (rng.uniform(size=(m, n)) < 0.7) * 1.0,
            "U": _normal(rng, m, r), "V": _normal(rng, n, r), "lam": 0.3})(m + n + 1))(
            *_dims(rng)),
        lambda a, d: tr((2 * a["lam"] * a["U"] - 2 * (a["Omega"] * (a["R"] - a["U"] @ a["V"].T))
                         @ a["V"]).T @ d),
        lambda a: 2 * a["lam"] * a["U"] - 2 * (a["Omega"] * (a["R"] - a["U"] @ a["V"].T))
        @ a["V"]),
    Identity(
        "attention softmax(QK^T / sqrt(d)) V in Q", "machine learning",
        r"dY = (P \circ (dZ - (P \circ dZ)\mathbf{1}\mathbf{1}^\top))\,V, \quad "
        r"dZ = \frac{dQ\,K^\top}{\sqrt{d}}, \quad P = \operatorname{softmax}_{\mathrm{rows}}"
        r"\Big(\frac{QK^\top}{\sqrt{d}}\Big)", None, 7, (), _attention, "Q",
        lambda rng: (lambda q, d: (lambda k, v: {
            "Q": _normal(rng, q, d), "K": _normal(rng, k, d), "V": _normal(rng, k, v)})(
            q + d + 1, d + 1))(*_dims(rng)),
        _attention_change),
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

