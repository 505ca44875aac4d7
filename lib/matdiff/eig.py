"""Derivatives of eigenvalues and eigenvectors.

Perturb ``A x = lambda x`` to first order: ``dA x + A dx = dlambda x + lambda dx``.
Multiplying by a left eigenvector ``y^H`` (``y^H A = lambda y^H``) removes
``dx`` and leaves

    dlambda = y^H dA x / (y^H x),

which for a symmetric (Hermitian) ``A``, where ``y = x = v`` with ``v^H v = 1``,
is the Hellmann-Feynman formula ``dlambda = v^H dA v``.  What remains of the
perturbed equation, ``(lambda I - A) dx = dA v - dlambda v``, gives the
eigenvector derivative

    dv_k = sum_{j != k} v_j (v_j^H dA v_k) / (lambda_k - lambda_j),

the pseudo-inverse of ``lambda_k I - A`` on the complement of ``v_k``.

Both formulas divide by something that vanishes at a repeated eigenvalue
(``lambda_k - lambda_j``) or a defective one (``y^H x``).  There the eigenvalues
are not differentiable functions of ``A``, so every routine here raises
:class:`EigenvalueGapError` or :class:`DefectiveEigenvalueError` instead of
returning a meaningless number; the tolerances ``gap_tol`` and ``defect_tol``
say how close is too close.

The conventions used throughout:

- ``eigh_*`` routines take a symmetric (Hermitian) ``A`` and number its
  eigenvalues in ascending order, as :func:`numpy.linalg.eigh` does; ``eig_*``
  routines take any square ``A`` and number its eigenvalues in the order of
  ``numpy.sort`` (ascending real part, then imaginary part).  Negative indices
  count from the end: ``k=-1`` is the largest eigenvalue of a symmetric matrix.
- A derivative is a linear map ``dA -> dlambda``.  Called with ``dA`` the
  routines return its value; called without, they return the map itself.
- A gradient ``G`` has the shape of ``A`` and gives the change through the
  Frobenius inner product, ``dlambda = <G, dA> = tr(G^H dA) = np.vdot(G, dA)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg as sla

from .finite_differences import _as_point

__all__ = [
    "DefectiveEigenvalueError",
    "EigenvalueExpansion",
    "EigenvalueGapError",
    "Eigh2x2",
    "eig_value_derivative",
    "eig_value_gradient",
    "eigh2x2",
    "eigh2x2_jacobian",
    "eigh_value_derivative",
    "eigh_value_expansion",
    "eigh_value_gradient",
    "eigh_vector",
    "eigh_vector_derivative",
    "eigh_vector_vjp",
]

# A matrix counts as symmetric when max |A - A^H| <= _SYMMETRY_RTOL * max |A|:
# loose enough for matrices assembled in floating point (Q diag(l) Q^T), tight
# enough to catch a genuinely non-symmetric input.
_SYMMETRY_RTOL = 1e-10


class EigenvalueGapError(ValueError):
    """An eigenvalue is repeated, or nearly so: its derivative does not exist (or is useless)."""


class DefectiveEigenvalueError(ValueError):
    """An eigenvalue is defective (A is not diagonalizable there): it is not differentiable."""


# ----------------------------------------------------------------------------
# checking the input


def _as_square(A, name="A"):
    """A as a finite float (or complex) square ndarray, or an error naming it."""
    A = _as_point(A, name)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix (n x n with n >= 1), "
                         f"got an array of shape {A.shape}.")
    return A


def _as_perturbation(dA, A, name="dA"):
    dA = _as_point(dA, name)
    if dA.shape != A.shape:
        raise ValueError(f"{name} has shape {dA.shape} but A has shape {A.shape}: a "
                         "perturbation of A must have the shape of A.")
    return dA


def _as_tolerance(value, name):
    if isinstance(value, bool) or not np.isscalar(value) or not np.isreal(value) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}.")
    return float(value)


def _as_index(k, n, name="k"):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not -n <= k < n:
        raise ValueError(f"{name} must be an integer index of an eigenvalue of an {n} x {n} "
                         f"matrix, {-n} <= {name} < {n}, got {k!r}.")
    return int(k) % n


def _require_hermitian(A, routine, alternative):
    asymmetry = np.max(np.abs(A - A.conj().T))
    if asymmetry > _SYMMETRY_RTOL * np.max(np.abs(A)):
        kind = "Hermitian (A = A^H)" if np.iscomplexobj(A) else "symmetric (A = A^T)"
        raise ValueError(
            f"{routine} needs a {kind} matrix A, but max |A - A^H| = {asymmetry:.3g}. "
            f"{alternative} If you meant the symmetric part of A, pass (A + A.T.conj()) / 2.")


def _check_gaps(lam, ks, scale, gap_tol):
    """Raise EigenvalueGapError unless each eigenvalue lam[k] is well separated."""
    if lam.size == 1:
        return
    for k in ks:
        dist = np.abs(lam - lam[k])
        dist[k] = np.inf
        j = int(np.argmin(dist))
        if dist[j] <= gap_tol * scale:
            what = "repeated" if dist[j] == 0 else "nearly repeated"
            rel = dist[j] / scale if scale > 0 else 0.0
            raise EigenvalueGapError(
                f"eigenvalue {k} of A ({lam[k]:.6g}) is {what}: it is {dist[j]:.3g} from "
                f"eigenvalue {j} ({lam[j]:.6g}), a relative gap of {rel:.3g} <= gap_tol = "
                f"{gap_tol:g}. At a repeated eigenvalue the individual eigenvalues are not "
                "differentiable functions of A and the eigenvectors are not even continuous; "
                "close to one, derivatives are huge and describe only tiny changes. "
                "Lower gap_tol if you really want them.")


def _eigh(A, ks, gap_tol):
    """Eigenvalues (ascending) and orthonormal eigenvectors of Hermitian A, gaps checked."""
    lam, V = np.linalg.eigh((A + A.conj().T) / 2)
    _check_gaps(lam, ks, np.max(np.abs(lam)), gap_tol)
    return lam, V


def _real_if_hermitian(value, dA):
    """v^H dA w is real up to roundoff when dA is Hermitian; then drop the imaginary part."""
    if np.iscomplexobj(value) and np.allclose(dA, dA.conj().T, rtol=0,
                                              atol=_SYMMETRY_RTOL * np.max(np.abs(dA))):
        return value.real
    return value


class _LinearMap:
    """A derivative as a linear map ``dA -> change``: callable and printable."""

    def __init__(self, apply, description):
        self._apply = apply
        self.description = description

    def __call__(self, dA):
        return self._apply(dA)

    def __repr__(self):
        return f"<linear map dA -> {self.description}>"


# ----------------------------------------------------------------------------
# symmetric / Hermitian matrices


def eigh_value_derivative(A, dA=None, *, k=None, gap_tol: float = 1e-8):
    """Derivative of the eigenvalues of a symmetric matrix (Hellmann-Feynman).

    For symmetric (Hermitian) `A` with orthonormal eigenvectors ``v_k``,
    ``dlambda_k = v_k^H dA v_k``.  The formula holds for any perturbation
    `dA`, symmetric or not (it is then the change of the eigenvalue of the
    non-symmetric matrix ``A + dA``).

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    dA : (n, n) array_like, optional
        Perturbation of `A`.  When omitted, the linear map ``dA -> dlambda`` is
        returned instead of its value.
    k : int, optional
        Which eigenvalue, in ascending order (``-1`` is the largest).  All of
        them when omitted.
    gap_tol : float
        Smallest relative gap ``min_{j != k} |lambda_k - lambda_j| / ||A||_2``
        accepted; a closer eigenvalue raises :class:`EigenvalueGapError`.

    Returns
    -------
    float, ndarray of shape (n,), or callable
        ``dlambda_k`` (real when `dA` is Hermitian), all ``dlambda`` when `k`
        is None, or the map ``dA -> dlambda`` when `dA` is None.

    Raises
    ------
    ValueError
        If `A` is not square, not finite or not symmetric (use
        :func:`eig_value_derivative` for a general matrix).
    EigenvalueGapError
        If a requested eigenvalue is repeated or nearly repeated.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([1.0, 2.0, 4.0])
    >>> dA = np.array([[0.1, 0.2, 0.0], [0.2, 0.3, 0.0], [0.0, 0.0, -0.5]])
    >>> eigh_value_derivative(A, dA)           # the diagonal of dA, for diagonal A
    array([ 0.1,  0.3, -0.5])
    >>> dlam = eigh_value_derivative(A, k=-1)  # the map dA -> d(largest eigenvalue)
    >>> dlam
    <linear map dA -> d lambda_2 = v_2^H dA v_2 of a 3 x 3 symmetric matrix>
    >>> float(dlam(dA))
    -0.5
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_value_derivative",
                       "For a general matrix use eig_value_derivative (left and right "
                       "eigenvectors).")
    n = A.shape[0]
    ks = list(range(n)) if k is None else [_as_index(k, n)]
    _, V = _eigh(A, ks, _as_tolerance(gap_tol, "gap_tol"))
    Vk = V[:, ks]

    def apply(dA):
        dA = _as_perturbation(dA, A)
        change = _real_if_hermitian(np.einsum("ik,ij,jk->k", Vk.conj(), dA, Vk), dA)
        return change if k is None else change[0]

    if dA is not None:
        return apply(dA)
    which = ("d lambda = diag(V^H dA V)" if k is None
             else "d lambda_{0} = v_{0}^H dA v_{0}".format(ks[0]))
    return _LinearMap(apply, f"{which} of a {n} x {n} symmetric matrix")


def eigh_value_gradient(A, k, *, gap_tol: float = 1e-8):
    """Gradient of one eigenvalue of a symmetric matrix: ``v_k v_k^H``.

    Since ``dlambda_k = v_k^H dA v_k = tr((v_k v_k^H)^H dA)``, the gradient with
    respect to `A` (Frobenius inner product) is the rank-one projector
    ``v_k v_k^H``: symmetric, with the shape of `A`, and independent of the sign
    (phase) of ``v_k``.  For complex Hermitian `A` it is the gradient with
    respect to the real inner product ``Re tr(G^H dA)``.

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    k : int
        Which eigenvalue, in ascending order; ``k=-1`` for the largest.
    gap_tol : float
        As in :func:`eigh_value_derivative`.

    Returns
    -------
    ndarray of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [1.0, 2.0]])      # eigenvalues 1 and 3
    >>> eigh_value_gradient(A, k=-1)                  # v = (1, 1) / sqrt(2)
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_value_gradient",
                       "For a general matrix use eig_value_gradient.")
    k = _as_index(k, A.shape[0])
    _, V = _eigh(A, [k], _as_tolerance(gap_tol, "gap_tol"))
    return np.outer(V[:, k], V[:, k].conj())


def _fix_phase(v, reference):
    """Scale the unit vector v by a sign (phase) so that <reference, v> > 0."""
    if reference is None:
        # The book's default: the entry of largest magnitude is real and positive.
        m = int(np.argmax(np.abs(v)))
        return v * (v[m].conjugate() / abs(v[m]))
    overlap = np.vdot(reference, v)
    if abs(overlap) <= 1e-8 * np.linalg.norm(reference):
        raise ValueError("reference is (nearly) orthogonal to the eigenvector, so it cannot "
                         "fix its sign; pass a reference with a component along the "
                         "eigenvector, such as the eigenvector at a nearby matrix.")
    return v * (overlap.conjugate() / abs(overlap))


def _reference(reference, A):
    if reference is None:
        return None
    reference = _as_point(reference, "reference")
    if reference.shape != (A.shape[0],):
        raise ValueError(f"reference must be a vector of length {A.shape[0]}, "
                         f"got shape {reference.shape}.")
    return reference


_NO_GENERAL_VECTORS = ("Eigenvector derivatives of non-symmetric matrices need a "
                       "normalization of both left and right eigenvectors and are not "
                       "provided; eig_value_derivative covers their eigenvalues.")


def eigh_vector(A, k, *, reference=None, gap_tol: float = 1e-8):
    """One unit eigenvector of a symmetric matrix, with its sign fixed.

    An eigenvector is defined only up to sign (a phase, for complex `A`), and
    ``numpy.linalg.eigh`` picks one arbitrarily, so ``A -> eigh(A)[1][:, k]``
    can jump.  Here the sign is fixed by `reference`: the returned ``v`` has
    ``v^H v = 1`` and ``<reference, v>`` real and positive.  With a fixed
    reference near ``v``, ``A -> eigh_vector(A, k, reference=r)`` is a smooth
    function of `A` wherever eigenvalue `k` is simple, and its derivative is
    :func:`eigh_vector_derivative`.

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    k : int
        Which eigenvector, by ascending eigenvalue.
    reference : (n,) array_like, optional
        Vector fixing the sign.  By default the entry of largest magnitude of
        ``v`` is made real and positive.
    gap_tol : float
        As in :func:`eigh_value_derivative`.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> eigh_vector(A, 0, reference=[1.0, 0.0])
    array([ 0.70710678, -0.70710678])
    >>> eigh_vector(A, 0, reference=[0.0, 1.0])
    array([-0.70710678,  0.70710678])
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_vector", _NO_GENERAL_VECTORS)
    k = _as_index(k, A.shape[0])
    reference = _reference(reference, A)
    _, V = _eigh(A, [k], _as_tolerance(gap_tol, "gap_tol"))
    return _fix_phase(V[:, k], reference)


def eigh_vector_derivative(A, dA=None, *, k, reference=None, gap_tol: float = 1e-8):
    """Derivative of a unit eigenvector of a symmetric matrix.

    With ``v_k^H v_k = 1`` and the sign fixed as in :func:`eigh_vector`,

        dv_k = sum_{j != k} v_j (v_j^H dA v_k) / (lambda_k - lambda_j),

    that is ``dv_k = (lambda_k I - A)^+ dA v_k``, the pseudo-inverse acting on the
    orthogonal complement of ``v_k``.  The change is orthogonal to ``v_k``
    (the normalization), and it flips sign with ``v_k``.  For complex Hermitian
    `A` the phase is held by ``v_k^H dv_k = 0``, which is the derivative of
    ``X -> eigh_vector(X, k, reference=v_k)``.  For a non-symmetric `dA` the
    result is the change of the (unit, right) eigenvector of ``A + dA``.

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    dA : (n, n) array_like, optional
        Perturbation; when omitted, the map ``dA -> dv_k`` is returned.
    k : int
        Which eigenvector, by ascending eigenvalue.
    reference : (n,) array_like, optional
        Fixes the sign of ``v_k`` as in :func:`eigh_vector`.
    gap_tol : float
        As in :func:`eigh_value_derivative`.

    Returns
    -------
    ndarray of shape (n,), or callable

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([1.0, 3.0])
    >>> dA = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> eigh_vector_derivative(A, dA, k=0)   # v_0 = e_0 turns towards e_1, by 1 / (1 - 3)
    array([ 0. , -0.5])
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_vector_derivative", _NO_GENERAL_VECTORS)
    n = A.shape[0]
    k = _as_index(k, n)
    reference = _reference(reference, A)
    lam, V = _eigh(A, [k], _as_tolerance(gap_tol, "gap_tol"))
    v = _fix_phase(V[:, k], reference)
    others = np.arange(n) != k
    W, gaps = V[:, others], lam[k] - lam[others]

    def apply(dA):
        dA = _as_perturbation(dA, A)
        return W @ ((W.conj().T @ (dA @ v)) / gaps)

    if dA is not None:
        return apply(dA)
    return _LinearMap(apply, f"dv_{k} = (lambda_{k} I - A)^+ dA v_{k} of a {n} x {n} "
                             "symmetric matrix")


def eigh_vector_vjp(A, k, grad_v, *, reference=None, gap_tol: float = 1e-8):
    """Gradient with respect to `A` of a scalar function of one eigenvector (adjoint method).

    For ``g(v_k)`` with gradient ``grad_v = dg/dv`` (so ``dg = Re <grad_v, dv_k>``),
    the chain rule and ``dv_k = R dA v_k`` with ``R = (lambda_k I - A)^+`` give
    ``dg = <R grad_v, dA v_k> = <(R grad_v) v_k^H, dA>``.  So one vector
    ``w = R grad_v`` suffices, from one linear solve of the bordered system

        [[lambda_k I - A, v_k], [v_k^H, 0]] [w; mu] = [grad_v - v_k (v_k^H grad_v); 0],

    which is nonsingular exactly when ``lambda_k`` is simple; no eigenvector
    derivatives are formed.  The result ``w v_k^H`` is the gradient over all
    perturbations of `A` (of ``g`` of the right eigenvector of ``A + dA``); over
    symmetric perturbations only, its symmetric part ``(G + G^H) / 2`` is the
    gradient (e.g. of ``X -> g(eigh_vector((X + X.T) / 2, k))``).

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    k : int
        Which eigenvector, by ascending eigenvalue.
    grad_v : (n,) array_like
        Gradient of ``g`` at ``v_k``.
    reference : (n,) array_like, optional
        Fixes the sign of ``v_k`` as in :func:`eigh_vector` (``g`` may depend on it).
    gap_tol : float
        As in :func:`eigh_value_derivative`.

    Returns
    -------
    ndarray of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([1.0, 3.0])
    >>> G = eigh_vector_vjp(A, 0, grad_v=np.array([0.0, 1.0]))   # g(v) = v[1]
    >>> float(G[1, 0])                      # the only nonzero entry: w v^T with w = -e_2 / 2
    -0.5
    >>> dA = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> float(np.vdot(G, dA)), float(eigh_vector_derivative(A, dA, k=0)[1])
    (-0.5, -0.5)
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_vector_vjp", _NO_GENERAL_VECTORS)
    n = A.shape[0]
    k = _as_index(k, n)
    reference = _reference(reference, A)
    grad_v = _as_point(grad_v, "grad_v")
    if grad_v.shape != (n,):
        raise ValueError(f"grad_v must be a vector of length {n} (the gradient of g with "
                         f"respect to the eigenvector), got shape {grad_v.shape}.")
    lam, V = _eigh(A, [k], _as_tolerance(gap_tol, "gap_tol"))
    v = _fix_phase(V[:, k], reference)
    bordered = np.block([[lam[k] * np.eye(n) - A, v[:, None]],
                         [v.conj()[None, :], np.zeros((1, 1))]])
    rhs = np.append(grad_v - v * np.vdot(v, grad_v), 0.0)
    w = np.linalg.solve(bordered, rhs)[:n]
    return np.outer(w, v.conj())


class EigenvalueExpansion(NamedTuple):
    """Taylor coefficients of ``t -> lambda_k(A + t E)`` at ``t = 0``."""

    value: float
    first: float | complex
    second: float | complex

    def at(self, t):
        """The second-order prediction ``value + t first + t^2 second``."""
        return self.value + t * self.first + t**2 * self.second


def eigh_value_expansion(A, E, *, k, gap_tol: float = 1e-8) -> EigenvalueExpansion:
    """Second-order perturbation of one eigenvalue of a symmetric matrix.

    ``lambda_k(A + t E) = lambda_k + t c1 + t^2 c2 + O(t^3)`` with
    ``c1 = v_k^H E v_k`` and

        c2 = sum_{j != k} (v_k^H E v_j)(v_j^H E v_k) / (lambda_k - lambda_j),

    which for symmetric `E` is ``sum_{j != k} |v_j^H E v_k|^2 / (lambda_k - lambda_j)``:
    each other eigenvalue pushes ``lambda_k`` away from itself (level repulsion),
    the more the closer it is.  The formula also holds for non-symmetric `E`.

    Parameters
    ----------
    A : (n, n) array_like
        Symmetric (Hermitian) matrix.
    E : (n, n) array_like
        Direction of the perturbation.
    k : int
        Which eigenvalue, ascending.
    gap_tol : float
        As in :func:`eigh_value_derivative`.

    Returns
    -------
    EigenvalueExpansion
        ``(value, first, second)``; ``.at(t)`` evaluates the quadratic.

    Examples
    --------
    >>> import numpy as np
    >>> A, E = np.diag([1.0, 2.0]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> c = eigh_value_expansion(A, E, k=1)
    >>> c
    EigenvalueExpansion(value=2.0, first=0.0, second=1.0)
    >>> exact = (3 + np.sqrt(1 + 4 * 0.1**2)) / 2     # lambda_1(A + t E) at t = 0.1
    >>> f"{exact - c.at(0.1):.1e}"                    # the remainder: -t^4 + ..., here
    '-9.8e-05'
    """
    A = _as_square(A)
    _require_hermitian(A, "eigh_value_expansion",
                       "For a general matrix only the first-order term is provided, by "
                       "eig_value_derivative.")
    E = _as_perturbation(E, A, "E")
    n = A.shape[0]
    k = _as_index(k, n)
    lam, V = _eigh(A, [k], _as_tolerance(gap_tol, "gap_tol"))
    C = V.conj().T @ E @ V                      # E in the eigenbasis
    others = np.arange(n) != k
    second = np.sum(C[k, others] * C[others, k] / (lam[k] - lam[others]))
    first = C[k, k]
    if not np.iscomplexobj(E) or np.allclose(E, E.conj().T, rtol=0,
                                             atol=_SYMMETRY_RTOL * np.max(np.abs(E))):
        first, second = first.real, second.real
    number = float if np.isrealobj(first) else complex
    return EigenvalueExpansion(float(lam[k]), number(first), number(second))


# ----------------------------------------------------------------------------
# general (diagonalizable) matrices


def _eig(A, ks, gap_tol, defect_tol):
    """Sorted eigenvalues with unit left and right eigenvectors; defects and gaps checked."""
    lam, Y, X = sla.eig(A, left=True, right=True)
    order = np.argsort(lam)                     # real part, then imaginary part
    lam, Y, X = lam[order], Y[:, order], X[:, order]
    for k in ks:
        overlap = abs(np.vdot(Y[:, k], X[:, k]))
        if overlap < defect_tol:
            raise DefectiveEigenvalueError(
                f"eigenvalue {k} of A ({lam[k]:.6g}) looks defective (A is not "
                f"diagonalizable there): its unit left and right eigenvectors are nearly "
                f"orthogonal, |y^H x| = {overlap:.3g} < defect_tol = {defect_tol:g}. A "
                "defective eigenvalue is not differentiable: it moves like |dA|^(1/m) "
                "for an m x m Jordan block (like sqrt(|dA|) for m = 2).")
    _check_gaps(lam, ks, np.linalg.norm(A, 2), gap_tol)
    return lam, Y, X


def _real_if_real(value, *arrays):
    """Real inputs with a real eigenvalue give real derivatives: drop the zero imaginary part."""
    if not any(np.iscomplexobj(a) for a in arrays) and np.all(np.imag(value) == 0):
        return np.real(value)
    return value


def eig_value_derivative(A, dA=None, *, k=None, gap_tol: float = 1e-8,
                         defect_tol: float = 1e-8):
    """Derivative of the eigenvalues of a general (diagonalizable) matrix.

    For a simple eigenvalue with right eigenvector ``x`` (``A x = lambda x``)
    and left eigenvector ``y`` (``y^H A = lambda y^H``),
    ``dlambda = y^H dA x / (y^H x)``.  The factor ``1 / |y^H x|`` (unit
    ``x``, ``y``) is the eigenvalue's condition number: it is 1 for symmetric
    (normal) matrices and infinite at a defective eigenvalue.

    Parameters
    ----------
    A : (n, n) array_like
        Square matrix, real or complex.
    dA : (n, n) array_like, optional
        Perturbation; when omitted, the map ``dA -> dlambda`` is returned.
    k : int, optional
        Which eigenvalue, in ``numpy.sort`` order (by real part, then imaginary
        part); all of them when omitted.
    gap_tol : float
        Smallest accepted relative gap ``min_{j != k} |lambda_k - lambda_j| / ||A||_2``.
    defect_tol : float
        Smallest accepted ``|y^H x|``; below it the eigenvalue counts as
        defective and :class:`DefectiveEigenvalueError` is raised.

    Returns
    -------
    number, ndarray of shape (n,), or callable
        Real for real `A` and `dA` when the eigenvalue is real, complex otherwise.

    Raises
    ------
    ValueError
        If `A` is not square or not finite.
    EigenvalueGapError, DefectiveEigenvalueError
        At a (nearly) repeated or defective eigenvalue.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 4.0], [0.0, 3.0]])            # eigenvalues 1 and 3
    >>> dA = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> eig_value_derivative(A, dA)                       # not diag(dA): A is not symmetric
    array([-2.,  2.])
    >>> eig_value_derivative(np.array([[0.0, 1.0], [-1.0, 0.0]]), np.eye(2), k=0)
    np.complex128(1+0j)
    """
    A = _as_square(A)
    n = A.shape[0]
    ks = list(range(n)) if k is None else [_as_index(k, n)]
    lam, Y, X = _eig(A, ks, _as_tolerance(gap_tol, "gap_tol"),
                     _as_tolerance(defect_tol, "defect_tol"))
    Yk, Xk = Y[:, ks], X[:, ks]
    scale = np.einsum("ik,ik->k", Yk.conj(), Xk)      # y_k^H x_k

    def apply(dA):
        dA = _as_perturbation(dA, A)
        change = np.einsum("ik,ij,jk->k", Yk.conj(), dA, Xk) / scale
        change = _real_if_real(change, A, dA) if np.all(lam[ks].imag == 0) else change
        return change if k is None else change[0]

    if dA is not None:
        return apply(dA)
    which = ("d lambda = y^H dA x / y^H x" if k is None
             else "d lambda_{0} = y_{0}^H dA x_{0} / y_{0}^H x_{0}".format(ks[0]))
    return _LinearMap(apply, f"{which} of a {n} x {n} matrix")


def eig_value_gradient(A, k, *, gap_tol: float = 1e-8, defect_tol: float = 1e-8):
    """Gradient of one eigenvalue of a general matrix: ``G = y x^H / (x^H y)``.

    ``G`` is defined by ``dlambda = <G, dA> = tr(G^H dA) = np.vdot(G, dA)``.

    - Real `A`, real eigenvalue: ``G`` is real, ``G = y x^T / (y^T x)``, and
      ``dlambda = sum(G * dA)``: the ordinary gradient.
    - Complex `A`: ``G`` is the gradient of ``Re lambda`` for the real inner
      product ``Re tr(G^H dA)``, and ``1j * G`` that of ``Im lambda``.
    - Real `A`, complex eigenvalue, real perturbations: ``Re G`` is the gradient
      of ``Re lambda`` and ``-Im G`` that of ``Im lambda``.

    Parameters
    ----------
    A : (n, n) array_like
        Square matrix.
    k : int
        Which eigenvalue, in ``numpy.sort`` order.
    gap_tol, defect_tol : float
        As in :func:`eig_value_derivative`.

    Returns
    -------
    ndarray of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 4.0], [0.0, 3.0]])
    >>> eig_value_gradient(A, k=1)      # y = e_2, x = (2, 1): not symmetric, unlike v v^T
    array([[0., 0.],
           [2., 1.]])
    """
    A = _as_square(A)
    k = _as_index(k, A.shape[0])
    lam, Y, X = _eig(A, [k], _as_tolerance(gap_tol, "gap_tol"),
                     _as_tolerance(defect_tol, "defect_tol"))
    y, x = Y[:, k], X[:, k]
    G = np.outer(y, x.conj()) / np.vdot(x, y)
    return _real_if_real(G, A) if lam[k].imag == 0 else G


# ----------------------------------------------------------------------------
# the 2 x 2 symmetric eigenproblem


class Eigh2x2(NamedTuple):
    """Eigen-decomposition of ``[[p, q], [q, r]]``: eigenvalues and the rotation angle.

    ``lam1 >= lam2``; the unit eigenvector of ``lam1`` is ``(cos theta, sin theta)``
    and that of ``lam2`` is ``(-sin theta, cos theta)``, with ``-pi/2 < theta <= pi/2``.
    """

    lam1: float
    lam2: float
    theta: float


def _pqr(S):
    S = _as_point(S, "S")
    if np.iscomplexobj(S):
        raise ValueError("S must be real: the 2 x 2 routines are for real symmetric matrices.")
    if S.shape == (3,):
        return tuple(float(s) for s in S)
    if S.shape == (2, 2):
        if abs(S[0, 1] - S[1, 0]) > _SYMMETRY_RTOL * np.max(np.abs(S)):
            raise ValueError(f"S must be symmetric, but S[0, 1] = {S[0, 1]!r} and S[1, 0] = "
                             f"{S[1, 0]!r}; for a general matrix use eig_value_derivative.")
        return float(S[0, 0]), float(S[0, 1]), float(S[1, 1])
    raise ValueError("S must be a symmetric 2 x 2 matrix [[p, q], [q, r]] or the vector "
                     f"(p, q, r) of its entries, got shape {S.shape}.")


def eigh2x2(S) -> Eigh2x2:
    """Eigenvalues and eigenvector angle of a real symmetric 2 x 2 matrix, in closed form.

    For ``S = [[p, q], [q, r]]``,
    ``lam = (p + r) / 2 +- sqrt(((p - r) / 2)^2 + q^2)`` and
    ``theta = atan2(2 q, p - r) / 2``, so that ``S = Q diag(lam1, lam2) Q^T`` with
    ``Q`` the rotation by ``theta``.

    Parameters
    ----------
    S : array_like
        ``[[p, q], [q, r]]`` or the vector ``(p, q, r)``.

    Returns
    -------
    Eigh2x2
        ``(lam1, lam2, theta)`` with ``lam1 >= lam2``.

    Examples
    --------
    >>> import numpy as np
    >>> e = eigh2x2([[2.0, 1.0], [1.0, 2.0]])
    >>> float(e.lam1), float(e.lam2), bool(np.isclose(e.theta, np.pi / 4))
    (3.0, 1.0, True)
    """
    p, q, r = _pqr(S)
    mean, radius = (p + r) / 2, np.hypot((p - r) / 2, q)
    return Eigh2x2(mean + radius, mean - radius, 0.5 * np.arctan2(2 * q, p - r))


def eigh2x2_jacobian(S, *, gap_tol: float = 1e-8):
    """Jacobian of ``(p, q, r) -> (lam1, lam2, theta)`` for ``S = [[p, q], [q, r]]``.

    Rows are the gradients of ``lam1``, ``lam2`` and ``theta`` with respect to
    ``(p, q, r)`` (numerator layout).  With ``c = cos theta``, ``s = sin theta``
    and ``delta = lam1 - lam2``:

        [[ c^2,                 2 c s,          s^2             ],
         [ s^2,                -2 c s,          c^2             ],
         [ -sin(2 theta)/(2 delta), cos(2 theta)/delta, sin(2 theta)/(2 delta)]].

    The first two rows are Hellmann-Feynman (``v^T dS v``).  The determinant is
    ``-1 / (lam1 - lam2)``: the inverse map ``(lam1, lam2, theta) -> S`` has
    Jacobian determinant of size ``lam1 - lam2``, so the symmetric matrices with
    nearly equal eigenvalues fill a thin set: random symmetric matrices rarely
    have close eigenvalues (eigenvalue repulsion).  At ``lam1 = lam2`` the
    angle is undefined and :class:`EigenvalueGapError` is raised.

    Parameters
    ----------
    S : array_like
        ``[[p, q], [q, r]]`` or the vector ``(p, q, r)``.
    gap_tol : float
        Smallest accepted ``(lam1 - lam2) / max(|lam1|, |lam2|)``.

    Returns
    -------
    ndarray of shape (3, 3)

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[3.0, 1.0], [1.0, 1.0]])     # lam = 2 +- sqrt(2), theta = pi / 8
    >>> J = eigh2x2_jacobian(S)
    >>> np.round(J, 4)
    array([[ 0.8536,  0.7071,  0.1464],
           [ 0.1464, -0.7071,  0.8536],
           [-0.125 ,  0.25  ,  0.125 ]])
    >>> e = eigh2x2(S)
    >>> bool(np.isclose(np.linalg.det(J), -1 / (e.lam1 - e.lam2)))
    True
    """
    e = eigh2x2(S)
    delta = e.lam1 - e.lam2
    _check_gaps(np.array([e.lam2, e.lam1]), [0], max(abs(e.lam1), abs(e.lam2)),
                _as_tolerance(gap_tol, "gap_tol"))
    c, s = np.cos(e.theta), np.sin(e.theta)
    s2, c2 = np.sin(2 * e.theta), np.cos(2 * e.theta)
    return np.array([[c * c, 2 * c * s, s * s],
                     [s * s, -2 * c * s, c * c],
                     [-s2 / (2 * delta), c2 / delta, s2 / (2 * delta)]])
