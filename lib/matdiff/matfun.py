"""Matrix functions and their Frechet derivatives.

A matrix function ``f(A)`` (``expm``, ``logm``, ``sqrtm``, ...) has a
derivative ``L_f(A, E)``, the Frechet derivative: the linear map ``E -> df``
with ``f(A + E) = f(A) + L_f(A, E) + o(|E|)``.  Because matrices do not commute,
``L_f(A, E)`` is not ``f'(A) E`` in general.  This module computes it four ways:

- :func:`frechet`, for any function, from the block-matrix identity
  ``f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]``;
- :func:`daleckii_krein`, for symmetric ``A``, from divided differences in the
  eigenbasis, ``L = V (G o (V^T E V)) V^T``;
- :func:`sqrtm_frechet`, for the square root, from the Sylvester equation
  ``S dS + dS S = dA`` obtained by differentiating ``S S = A``;
- and ``scipy.linalg.expm_frechet`` for the exponential, which the tests compare with.

It also has two ways of computing a matrix function that the lectures compare
with SciPy's: the square root by Newton's method (:func:`sqrtm_newton`) and the
exponential by eigendecomposition (:func:`expm_eig`).

The principal logarithm and square root are defined (and differentiable) only
for matrices with no eigenvalue on the closed negative real axis ``(-inf, 0]``;
outside it these functions raise ``ValueError`` rather than return a number
from another branch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg as sla

from .eig import _as_perturbation, _as_square, _require_hermitian
from .finite_differences import fd_derivative

__all__ = [
    "MATRIX_FUNCTIONS",
    "SqrtmNewtonResult",
    "daleckii_krein",
    "expm_eig",
    "frechet",
    "sqrtm_frechet",
    "sqrtm_newton",
]

_EPS = np.finfo(float).eps
# An eigenvalue within _AXIS_RTOL * ||A|| of (-inf, 0] counts as on it: closer
# than that, roundoff in A alone could put it there.
_AXIS_RTOL = 100 * _EPS


class _Function(NamedTuple):
    matrix: Callable           # A -> f(A), a SciPy matrix function
    scalar: Callable           # f on numbers (elementwise)
    derivative: Callable       # f' on numbers (elementwise)
    principal: bool            # a principal branch: undefined on (-inf, 0]


_FUNCTIONS = {
    "expm": _Function(sla.expm, np.exp, np.exp, False),
    "logm": _Function(sla.logm, np.log, np.reciprocal, True),
    "sqrtm": _Function(sla.sqrtm, np.sqrt, lambda z: 0.5 / np.sqrt(z), True),
    "sinm": _Function(sla.sinm, np.sin, np.cos, False),
    "cosm": _Function(sla.cosm, np.cos, lambda z: -np.sin(z), False),
    "tanm": _Function(sla.tanm, np.tan, lambda z: 1 / np.cos(z) ** 2, False),
    "sinhm": _Function(sla.sinhm, np.sinh, np.cosh, False),
    "coshm": _Function(sla.coshm, np.cosh, np.sinh, False),
    "tanhm": _Function(sla.tanhm, np.tanh, lambda z: 1 / np.cosh(z) ** 2, False),
}

#: Names of the matrix functions that :func:`frechet` and :func:`daleckii_krein`
#: know; the scalar spelling without the trailing ``m`` (``'exp'``) works too.
MATRIX_FUNCTIONS = tuple(_FUNCTIONS)


def _named(name, argument="f"):
    key = name if name in _FUNCTIONS else name + "m"
    if key not in _FUNCTIONS:
        raise ValueError(f"unknown matrix function {argument}={name!r}; known names are "
                         f"{', '.join(MATRIX_FUNCTIONS)} (or without the trailing m, as "
                         "'exp'), or pass a function.")
    return key, _FUNCTIONS[key]


def _check_domain(key, A):
    """The principal log and square root need no eigenvalue on (-inf, 0]."""
    lam = np.linalg.eigvals(A)
    tol = _AXIS_RTOL * max(np.linalg.norm(A, 1), np.finfo(float).tiny)
    bad = (np.abs(lam.imag) <= tol) & (lam.real <= tol)
    if np.any(bad):
        what = {"logm": "logarithm", "sqrtm": "square root"}[key]
        z = lam[bad][np.argmin(lam[bad].real)]
        raise ValueError(
            f"{key} is not defined at A: A has the eigenvalue {z.real:.6g} on the closed negative "
            f"real axis (-inf, 0], where the principal {what} has its branch cut (and at 0 "
            "no derivative). Use a matrix whose eigenvalues avoid (-inf, 0], for example "
            "A + c I with c large enough.")


def _real_if_negligible(X, rtol, *inputs):
    """Real inputs may give a complex result with roundoff-sized imaginary part: drop it."""
    if np.iscomplexobj(X) and not any(np.iscomplexobj(a) for a in inputs):
        size = np.max(np.abs(X)) if X.size else 0.0
        if np.max(np.abs(X.imag)) <= rtol * size:
            return X.real
    return X


def _matrix_pair(A, E):
    A = _as_square(A, "A")
    return A, _as_perturbation(E, A, "E")


# ----------------------------------------------------------------------------
# divided differences in an eigenbasis


def _diagonalize(A, hermitian):
    """Eigenvalues, eigenvectors, the inverse of the eigenvector matrix, its condition number.

    Hermitian A gets an orthonormal basis (V^-1 = V^H).  Otherwise the basis
    may be ill-conditioned: results lose about log10(cond(V)) digits, and a
    numerically singular V (a defective A) is refused.
    """
    if hermitian:
        lam, V = np.linalg.eigh((A + A.conj().T) / 2)
        return lam, V, V.conj().T, 1.0
    lam, V = np.linalg.eig(A)
    cond = np.linalg.cond(V)
    if not np.isfinite(cond) or cond * _EPS >= 1:
        raise ValueError(
            f"A is not diagonalizable to working precision (its eigenvector matrix has "
            f"condition number {cond:.3g}), so an eigendecomposition cannot represent f(A); "
            "use a Schur-based method such as scipy.linalg.expm, or frechet with a "
            "function name.")
    return lam, V, np.linalg.inv(V), cond


def _divided_differences(scalar, derivative, lam):
    """G[i, j] = (f(l_i) - f(l_j)) / (l_i - l_j), and f'(l_i) where l_i = l_j.

    For nearly equal eigenvalues the quotient loses digits to cancellation; it
    is replaced by f' at the midpoint, whose error is O(|l_i - l_j|^2) instead.
    """
    F = scalar(lam)
    diff = lam[:, None] - lam[None, :]
    close = np.abs(diff) <= np.sqrt(_EPS) * np.maximum(1, np.abs(lam))[:, None]
    slopes = derivative(((lam[:, None] + lam[None, :]) / 2)[close])
    G = np.empty(diff.shape, dtype=np.result_type(F, slopes, float))
    G[close] = slopes
    G[~close] = (F[:, None] - F[None, :])[~close] / diff[~close]
    return G


def _scalar_derivative(f):
    """f' of a scalar function by Richardson-extrapolated differences (about 1e-12)."""
    def derivative(z):
        return np.array([fd_derivative(f, zi, 1.0, method="richardson") for zi in z])
    return derivative


def _eigenbasis_frechet(scalar, derivative, A, E, hermitian):
    lam, V, Vinv, cond = _diagonalize(A, hermitian)
    G = _divided_differences(scalar, derivative, lam)
    L = V @ (G * (Vinv @ E @ V)) @ Vinv
    return _real_if_negligible(L, 100 * _EPS * cond, A, E)


def _scalar_callable(f, argument="f"):
    if not callable(f):
        raise TypeError(f"{argument} must be a function name or a callable, got "
                        f"{type(f).__name__}.")
    return f


def daleckii_krein(f, A, E, *, fprime: Callable | None = None):
    """Frechet derivative of ``f(A)`` for symmetric ``A`` by the Daleckii-Krein formula.

    With ``A = V diag(lam) V^T``,

        L_f(A, E) = V (G o (V^T E V)) V^T,   G_ij = (f(lam_i) - f(lam_j)) / (lam_i - lam_j),

    where ``o`` is the entrywise product and ``G_ii = f'(lam_i)``: in the
    eigenbasis of ``A`` the derivative multiplies each entry of ``E`` by a
    divided difference of ``f``.  One symmetric eigendecomposition gives the
    derivative in every direction, which makes this the cheap route when many
    directions are needed.

    Parameters
    ----------
    f : str or callable
        A name from :data:`MATRIX_FUNCTIONS` (``'expm'`` or ``'exp'``, ...), or
        a scalar function applied elementwise to the eigenvalues (such as
        ``np.exp`` or ``lambda x: x**3``).
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    E : (n, n) array_like
        Direction; any matrix, symmetric or not.
    fprime : callable, optional
        The derivative of the scalar `f`; known for names, otherwise computed
        by Richardson-extrapolated finite differences.

    Returns
    -------
    ndarray of shape (n, n)

    Raises
    ------
    ValueError
        If `A` is not symmetric (use :func:`frechet`), shapes differ, or the
        function is undefined at an eigenvalue (the log or square root of a
        matrix with an eigenvalue <= 0).

    Examples
    --------
    >>> import numpy as np, scipy.linalg as sla
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> E = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> L = daleckii_krein("exp", A, E)
    >>> bool(np.allclose(L, sla.expm_frechet(A, E, compute_expm=False)))
    True
    >>> bool(np.allclose(daleckii_krein(lambda x: x**2, A, E), A @ E + E @ A))
    True
    """
    A, E = _matrix_pair(A, E)
    _require_hermitian(A, "daleckii_krein", "For a general matrix use frechet.")
    if isinstance(f, str):
        key, fun = _named(f)
        if fun.principal:
            _check_domain(key, A)
        scalar, derivative = fun.scalar, fun.derivative
    else:
        scalar = _scalar_callable(f)
        derivative = _scalar_derivative(f)
    if fprime is not None:
        derivative = _scalar_callable(fprime, "fprime")
    return _eigenbasis_frechet(scalar, derivative, A, E, hermitian=True)


# ----------------------------------------------------------------------------
# the block-matrix identity


def frechet(f, A, E, *, scalar: bool | None = None):
    """Frechet derivative ``L_f(A, E)`` of a matrix function by the block-matrix identity.

    For any matrix function ``f`` defined by a power series (or, more
    generally, a primary matrix function),

        f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]],

    so one evaluation of ``f`` at a ``2n x 2n`` matrix gives the derivative in
    the direction ``E``.  (Expand ``(A + t E)^k`` and the block matrix's powers:
    the top-right block of ``[[A, E], [0, A]]^k`` is ``sum_j A^j E A^(k-1-j)``,
    the derivative of ``A^k``.)  Since ``L_f`` is linear in ``E``, `E` is scaled
    to the size of `A` inside the block and the result scaled back, which keeps
    ``f`` of the block matrix accurate.

    Parameters
    ----------
    f : str or callable
        One of :data:`MATRIX_FUNCTIONS` (``'expm'``, ``'logm'``, ``'sqrtm'``,
        ``'sinm'``, ``'cosm'``, ``'tanm'``, ``'sinhm'``, ``'coshm'``,
        ``'tanhm'``; ``'exp'`` etc. also work); a matrix function such as
        ``scipy.linalg.expm``; or a scalar function (see `scalar`).
    A : (n, n) array_like
        Point of differentiation, real or complex.
    E : (n, n) array_like
        Direction, with the shape of `A`.
    scalar : bool, optional
        Whether a callable `f` is a scalar function (``np.exp``, ``np.sin``,
        ``lambda x: x**3``) to be lifted to matrices, rather than a matrix
        function.  By default NumPy ufuncs are scalar and other callables are
        matrix functions.  A scalar function is differentiated in the
        eigenbasis of `A` (the divided-difference formula of
        :func:`daleckii_krein`, with ``V^-1`` in place of ``V^T``), not through
        ``scipy.linalg.funm``: ``funm`` (Schur-Parlett) divides by differences
        of eigenvalues and fails on the block matrix, whose eigenvalues are
        all repeated.  That route loses about ``log10(cond(V))`` digits for a
        non-normal `A` and refuses a defective one.

    Returns
    -------
    ndarray of shape (n, n)
        Real when `A`, `E` and ``f(A)`` are real.

    Raises
    ------
    ValueError
        Non-square or non-finite `A`, `E` of another shape, an unknown name,
        or `A` outside the domain: ``logm`` and ``sqrtm`` need no eigenvalue on
        the closed negative real axis.
    TypeError
        If `f` is neither a name nor a callable, or a matrix function returns
        something that is not a ``2n x 2n`` matrix.

    Examples
    --------
    >>> import numpy as np, scipy.linalg as sla
    >>> A = np.array([[1.0, 2.0], [0.0, -1.0]])
    >>> E = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> L = frechet("expm", A, E)
    >>> bool(np.allclose(L, sla.expm_frechet(A, E, compute_expm=False)))
    True
    >>> bool(np.allclose(L, sla.expm(A) @ E))    # not e^A E: A and E do not commute
    False
    >>> bool(np.allclose(frechet(np.exp, A, E), L))   # the scalar exp, lifted
    True
    >>> frechet("logm", -np.eye(2), E)           # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: logm is not defined at A: A has the eigenvalue -1 on the closed negative ...
    """
    A, E = _matrix_pair(A, E)
    if isinstance(f, str):
        key, fun = _named(f)
        if fun.principal:
            _check_domain(key, A)
        matrix_function = fun.matrix
    else:
        _scalar_callable(f)
        if scalar is None:
            scalar = isinstance(f, np.ufunc)
        if scalar:
            hermitian = np.array_equal(A, A.conj().T)
            return _eigenbasis_frechet(f, _scalar_derivative(f), A, E, hermitian)
        matrix_function = f

    n = A.shape[0]
    size_E = np.linalg.norm(E, 1)
    if size_E == 0:
        return np.zeros(A.shape, dtype=np.result_type(A, E))
    s = max(np.linalg.norm(A, 1), 1.0) / size_E
    block = np.block([[A, s * E], [np.zeros_like(A), A]])
    F = np.asarray(matrix_function(block))
    if F.shape != block.shape:
        raise TypeError(f"f returned an array of shape {F.shape} for a matrix of shape "
                        f"{block.shape}; f must be a matrix function (A -> f(A)). For a "
                        "scalar function pass scalar=True.")
    # A (primary) matrix function commutes with its argument; one applied entry by
    # entry (np.exp where expm was meant) does not, and would give a wrong answer.
    commutator = np.linalg.norm(F @ block - block @ F)
    if not commutator <= 1e-6 * np.linalg.norm(F) * np.linalg.norm(block):
        raise TypeError(
            "f does not act as a matrix function: f(M) does not commute with M for the block "
            "matrix M = [[A, E], [0, A]], so the block identity does not apply. If f acts "
            "entry by entry (like np.exp or lambda x: x**2), it is a scalar function: pass "
            "scalar=True to lift it to matrices, or use the matrix function (scipy.linalg."
            "expm, A @ A, ...).")
    return _real_if_negligible(F[:n, n:] / s, 1e3 * _EPS, A, E)


def sqrtm_frechet(A, E):
    """Derivative of the principal matrix square root, from a Sylvester equation.

    Differentiating ``S S = A`` gives ``S dS + dS S = dA``: a Sylvester
    equation for ``dS``, solved by ``scipy.linalg.solve_sylvester`` (a Schur
    method, ``O(n^3)``).  It has a unique solution because the eigenvalues of
    the principal root ``S`` lie in the open right half-plane, so no
    ``mu_i + mu_j`` vanishes.

    Parameters
    ----------
    A : (n, n) array_like
        Matrix with no eigenvalue on the closed negative real axis.
    E : (n, n) array_like
        Direction ``dA``.

    Returns
    -------
    ndarray of shape (n, n)
        ``dS = L_sqrt(A, E)``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[4.0, 1.0], [0.0, 9.0]])
    >>> E = np.array([[1.0, 0.0], [2.0, 1.0]])
    >>> dS = sqrtm_frechet(A, E)
    >>> bool(np.allclose(dS, frechet("sqrtm", A, E)))
    True
    >>> sqrtm_frechet(np.eye(2), np.eye(2))              # d sqrt(x) = dx / (2 sqrt(x))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    A, E = _matrix_pair(A, E)
    _check_domain("sqrtm", A)
    S = _real_if_negligible(sla.sqrtm(A), 1e3 * _EPS, A)
    return sla.solve_sylvester(S, S, E)


# ----------------------------------------------------------------------------
# computing matrix functions two other ways


@dataclass(frozen=True)
class SqrtmNewtonResult:
    """Outcome of :func:`sqrtm_newton`: the root and the convergence record.

    Attributes
    ----------
    X : ndarray
        The computed square root (the last iterate).
    converged : bool
        Whether the iteration stopped because its steps became negligible (with
        ``tol=0``: whether the last step was below 1e-8).
    iterations : int
        Number of Newton steps taken.
    residuals : tuple of float
        ``||X_k^2 - A||_F / ||A||_F`` for ``k = 0, ..., iterations``.
    steps : tuple of float
        ``||X_k - X_{k-1}||_F / ||X_k||_F`` for ``k = 1, ..., iterations``.
    method : str
        ``'denman-beavers'`` or ``'newton'``.
    """

    X: np.ndarray
    converged: bool
    iterations: int
    residuals: tuple
    steps: tuple
    method: str

    def __repr__(self):
        return (f"SqrtmNewtonResult(method={self.method!r}, converged={self.converged}, "
                f"iterations={self.iterations}, residual={self.residuals[-1]:.1e})")

    def __str__(self):
        lines = [f"{self.method} iteration for the matrix square root "
                 f"({'converged' if self.converged else 'NOT converged'})",
                 "   k   ||X_k^2 - A|| / ||A||   ||X_k - X_{k-1}|| / ||X_k||"]
        for k, res in enumerate(self.residuals):
            step = f"{self.steps[k - 1]:.2e}" if k else "-"
            lines.append(f"{k:4d}   {res:21.2e}   {step:>27}")
        return "\n".join(lines)


def sqrtm_newton(A, *, method: str = "denman-beavers", tol: float = 1e-14,
                 maxiter: int = 50) -> SqrtmNewtonResult:
    """Principal square root of a matrix by Newton's method, with its convergence record.

    Newton's method for ``X^2 = A`` started from ``X_0 = I`` keeps every iterate
    a polynomial in ``A``, so the iterates commute with ``A`` and the Newton
    step simplifies to

        X_{k+1} = (X_k + X_k^-1 A) / 2     (method='newton'),

    the matrix version of the Babylonian ``x <- (x + a/x) / 2``.  It converges
    quadratically to the principal root, but in floating point it is unstable
    unless the eigenvalues of `A` are close together (roundoff is amplified once
    ``cond(A)`` exceeds about 9 for symmetric `A`).  The Denman-Beavers form
    (the default) is the same iteration written stably, with ``Y_0 = A`` and
    ``Z_0 = I``:

        Y_{k+1} = (Y_k + Z_k^-1) / 2,   Z_{k+1} = (Z_k + Y_k^-1) / 2,

    so that ``Y_k -> A^(1/2)`` and ``Z_k -> A^(-1/2)``.

    Parameters
    ----------
    A : (n, n) array_like
        Matrix with no eigenvalue on the closed negative real axis.
    method : {'denman-beavers', 'newton'}
        Which form of the iteration.
    tol : float
        Stop when the relative step ``||X_k - X_{k-1}||_F / ||X_k||_F`` is below
        `tol`, or when steps below 1e-8 stop shrinking (roundoff reached).
        ``tol=0`` never stops early: all `maxiter` steps are taken, which shows
        what roundoff does after convergence (nothing for Denman-Beavers; the
        plain Newton iteration can drift away again).
    maxiter : int
        Largest number of steps.

    Returns
    -------
    SqrtmNewtonResult
        The root ``X``, whether it converged, and the residual and step of each
        iteration; ``print(result)`` shows them as a table.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[5.0, 4.0], [4.0, 5.0]])       # eigenvalues 1 and 9
    >>> r = sqrtm_newton(A)
    >>> r.X
    array([[2., 1.],
           [1., 2.]])
    >>> print(r)                          # doctest: +ELLIPSIS
    denman-beavers iteration for the matrix square root (converged)
       k   ||X_k^2 - A|| / ||A||   ||X_k - X_{k-1}|| / ||X_k||
       0                7.95e+00                             -
       1                1.77e+00                      7.84e-01
       2                2.83e-01                      4.51e-01
       3                1.57e-02                      1.18e-01
       4                6.07e-05                      7.41e-03
       5                9.26e-10                      2.90e-05
    ...

    The number of correct digits roughly doubles at each step: quadratic
    convergence.
    """
    A = _as_square(A)
    if method not in ("denman-beavers", "newton"):
        raise ValueError(f"method must be 'denman-beavers' or 'newton', got {method!r}.")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}.")
    if isinstance(tol, bool) or not (np.isscalar(tol) and np.isreal(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}.")
    _check_domain("sqrtm", A)

    size_A = np.linalg.norm(A)

    def residual(X):
        return float(np.linalg.norm(X @ X - A) / size_A)

    I = np.eye(A.shape[0], dtype=A.dtype)
    X, Z = (A.copy(), I) if method == "denman-beavers" else (I, None)
    residuals, steps, converged = [residual(X)], [], False
    for _ in range(maxiter):
        try:
            if method == "newton":
                X_new = (X + np.linalg.solve(X, A)) / 2
            else:
                X_new, Z = (X + np.linalg.inv(Z)) / 2, (Z + np.linalg.inv(X)) / 2
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(X_new)):
            break
        steps.append(float(np.linalg.norm(X_new - X) / np.linalg.norm(X_new)))
        X = X_new
        residuals.append(residual(X))
        stalled = len(steps) > 1 and steps[-1] < 1e-8 and steps[-1] > steps[-2] / 2
        if tol > 0 and (steps[-1] <= tol or stalled):
            converged = True
            break
    if tol == 0:
        converged = bool(steps) and steps[-1] < 1e-8
    return SqrtmNewtonResult(X, converged, len(steps), tuple(residuals), tuple(steps), method)


def expm_eig(A):
    """Matrix exponential by eigendecomposition: ``V diag(exp(lam)) V^-1``.

    Exact in exact arithmetic for a diagonalizable `A`, and accurate for a
    symmetric (normal) one.  In floating point its relative error is roughly
    ``cond(V) * eps``: when `A` is close to a non-diagonalizable (defective)
    matrix its eigenvectors are nearly parallel, ``cond(V)`` is huge, and the
    result can be badly wrong, while ``scipy.linalg.expm`` (scaling and
    squaring with a Pade approximant) stays accurate.  A numerically singular
    ``V`` is refused with a ``ValueError``.

    Parameters
    ----------
    A : (n, n) array_like
        Diagonalizable matrix.

    Returns
    -------
    ndarray of shape (n, n)
        Real when `A` is real.

    Examples
    --------
    >>> import numpy as np, scipy.linalg as sla
    >>> A = np.array([[0.0, 1.0], [-1.0, 0.0]])        # a rotation generator
    >>> bool(np.allclose(expm_eig(A), sla.expm(A)))
    True
    >>> B = np.array([[1.0, 1.0], [0.0, 1.0 + 1e-10]])  # nearly a Jordan block
    >>> err = np.abs(expm_eig(B) - sla.expm(B)).max() / np.abs(sla.expm(B)).max()
    >>> bool(err > 1e-9)                              # many digits lost
    True
    """
    A = _as_square(A)
    lam, V, Vinv, _ = _diagonalize(A, hermitian=np.array_equal(A, A.conj().T))
    X = (V * np.exp(lam)) @ Vinv
    return X.real if not np.iscomplexobj(A) else X
