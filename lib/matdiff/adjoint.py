r"""The adjoint method: the whole gradient of ``g(x(p), p)`` for one extra solve.

Many models compute a state ``x`` from parameters ``p`` by solving a linear
system, ``A(p) x = b(p)`` (a discretized PDE, a circuit, a spring network), and
then a scalar ``g(x, p)`` (a misfit, an energy, a measurement).  Its gradient in
``p`` follows from differentiating the state equation:

.. math::

    dA\,x + A\,dx = db \quad\Longrightarrow\quad dx = A^{-1}(db - dA\,x),

    dg = \frac{\partial g}{\partial x} dx + \frac{\partial g}{\partial p} dp
       = \frac{\partial g}{\partial x} A^{-1} (db - dA\,x)
         + \frac{\partial g}{\partial p} dp.

Evaluate ``(dg/dx) A^-1`` first: it is ``lambda^T`` for the solution of the
*adjoint equation*

.. math::

    A^\top \lambda = \Big(\frac{\partial g}{\partial x}\Big)^\top,

which does not depend on which parameter moves.  Then, for every ``k``,

.. math::

    \frac{dg}{dp_k} = \frac{\partial g}{\partial p_k}
        - \lambda^\top\Big(\frac{\partial A}{\partial p_k} x
        - \frac{\partial b}{\partial p_k}\Big).

So the gradient costs one factorization of ``A``, used twice (the forward
solve for ``x`` and the adjoint solve for ``lambda``), plus ``P`` cheap inner
products, whatever the number ``P`` of parameters; finite differences, or
forward sensitivities ``dx/dp_k``, need ``P`` more solves.  This is reverse
mode (Lecture 7) for a linear solve.

:func:`adjoint_gradient` does this for dense NumPy matrices (LU from
:func:`scipy.linalg.lu_factor`) and for ``scipy.sparse`` matrices (sparse LU from
:func:`scipy.sparse.linalg.splu`).  :func:`chain_matrix` builds a small
engineering example: the tridiagonal stiffness matrix of a chain of springs,
which is also the conductance matrix of a rod in 1-D heat conduction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["AdjointResult", "adjoint_gradient", "chain_matrix", "chain_matrix_derivative"]

_EPS = np.finfo(float).eps


@dataclass(frozen=True, repr=False)
class AdjointResult:
    """The gradient from :func:`adjoint_gradient`, with the two solutions behind it.

    Attributes
    ----------
    gradient : ndarray of shape (P,)
        ``dg/dp``, the total derivative through ``x(p)``.
    x : ndarray of shape (n,)
        The state, the solution of ``A x = b``.
    adjoint : ndarray of shape (n,)
        The adjoint ``lambda``, the solution of ``A^T lambda = (dg/dx)^T``.
    """

    gradient: np.ndarray
    x: np.ndarray
    adjoint: np.ndarray

    def __repr__(self) -> str:
        return (f"AdjointResult(n={len(self.x)}, parameters={len(self.gradient)}, "
                f"gradient={np.array2string(self.gradient, precision=6, threshold=8)})")


# ----------------------------------------------------------------------------
# one factorization for both solves


def _check_matrix(A):
    if sp.issparse(A):
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}.")
        dtype = A.dtype
    else:
        A = np.asarray(A)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}.")
        dtype = A.dtype
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
        raise TypeError(f"A must be a real matrix, got dtype {dtype}.")
    values = A.data if sp.issparse(A) else A
    if not np.all(np.isfinite(values)):
        raise ValueError("A contains nan or inf.")
    return A


def _singular(rcond):
    return np.linalg.LinAlgError(
        f"A is singular to working precision (reciprocal condition number {rcond:.1e}): "
        "A x = b has no unique solution, so x(p) and its gradient are undefined here.")


def _factorize(A):
    """Factor A once; return solve(r) for A^-1 r and solve_t(r) for A^-T r."""
    n = A.shape[0]
    if sp.issparse(A):
        try:
            lu = spla.splu(sp.csc_matrix(A, dtype=float))
        except RuntimeError as err:            # SuperLU: "Factor is exactly singular"
            raise _singular(0.0) from err

        def solve(r):
            return lu.solve(np.asarray(r, dtype=float))

        def solve_t(r):
            return lu.solve(np.asarray(r, dtype=float), trans="T")

        # ||A^-1||_1 estimated from a few solves with the same factors (Hager/Higham)
        inverse = spla.LinearOperator((n, n), matvec=solve, rmatvec=solve_t, dtype=float)
        norm = abs(A).sum(axis=0).max()
        rcond = 1 / (norm * spla.onenormest(inverse)) if n else 1.0
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sla.LinAlgWarning)   # singular: reported below
            lu_piv = sla.lu_factor(np.asarray(A, dtype=float), check_finite=False)

        def solve(r):
            return sla.lu_solve(lu_piv, r, check_finite=False)

        def solve_t(r):
            return sla.lu_solve(lu_piv, r, trans=1, check_finite=False)

        if n and np.any(np.diag(lu_piv[0]) == 0):
            rcond = 0.0
        else:
            gecon, = sla.get_lapack_funcs(("gecon",), (lu_piv[0],))
            rcond = gecon(lu_piv[0], np.linalg.norm(A, 1), norm="1")[0] if n else 1.0
    if not rcond > _EPS:
        raise _singular(rcond)
    return solve, solve_t


# ----------------------------------------------------------------------------
# the gradient


def _vector(value, name, size):
    v = np.asarray(value.toarray() if sp.issparse(value) else value, dtype=float)
    if v.shape != (size,):
        raise ValueError(f"{name} has shape {v.shape}, expected ({size},).")
    return v


def _parameter_columns(dA, x, n):
    """The n-by-P matrix with columns (dA/dp_k) x (dense or sparse), and P."""
    if callable(dA):
        cols = dA(x)
        cols = cols if sp.issparse(cols) else np.asarray(cols, dtype=float)
        if cols.ndim != 2 or cols.shape[0] != n:
            raise ValueError(f"dA(x) returned shape {cols.shape}, expected (n, P) = ({n}, P): "
                             "column k is (dA/dp_k) x.")
        return cols, cols.shape[1]
    if isinstance(dA, np.ndarray) and dA.ndim != 3:
        raise ValueError(f"dA as an array must have shape (P, n, n), got {dA.shape}; or pass a "
                         "list of the matrices dA/dp_k.")
    columns = []
    for k, dA_k in enumerate(dA):
        if not sp.issparse(dA_k):
            dA_k = np.asarray(dA_k, dtype=float)
        if dA_k.shape != (n, n):
            raise ValueError(f"dA[{k}] has shape {dA_k.shape}, but A has shape {(n, n)}.")
        columns.append(np.ravel(dA_k @ x))
    return np.array(columns).reshape(len(columns), n).T, len(columns)


def adjoint_gradient(A, b, dA, db=None, *, g_x, g_p=None) -> AdjointResult:
    """Gradient of ``g(x(p), p)``, where ``A(p) x = b(p)``, by the adjoint method.

    Solves ``A x = b`` and ``A^T lambda = (dg/dx)^T`` with one LU factorization
    of ``A``, then returns
    ``dg/dp_k = dg/dp_k|_x - lambda^T (dA/dp_k x - db/dp_k)`` for every ``k``
    (derivation in the module docstring).

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, n)
        The matrix ``A(p)`` at the current parameters; real and invertible.
    b : array_like, shape (n,)
        The right-hand side ``b(p)``.
    dA : sequence of P matrices, callable, or None
        How ``A`` depends on ``p``: the matrices ``dA/dp_k`` (dense or
        sparse, each ``(n, n)``); or a callable ``dA(x)`` returning the
        ``(n, P)`` matrix (dense or sparse) whose column ``k`` is
        ``(dA/dp_k) x``, often far cheaper for many parameters (see
        :func:`chain_matrix_derivative`); or None when ``A`` does not depend on ``p``.
    db : array_like of shape (n, P), optional
        Column ``k`` is ``db/dp_k``; omit when ``b`` does not depend on ``p``.
    g_x : callable or array_like
        The gradient of ``g`` in ``x`` at fixed ``p``, shape ``(n,)``: a
        callable ``g_x(x)``, or a constant vector (for ``g = c^T x``).
    g_p : callable or array_like, optional
        The partial gradient of ``g`` in ``p`` at fixed ``x``, shape ``(P,)``:
        a callable ``g_p(x)`` or a constant; omit when ``g`` depends on ``p``
        only through ``x``.

    Returns
    -------
    AdjointResult
        ``gradient`` (shape ``(P,)``), the state ``x`` and the adjoint ``adjoint``.

    Raises
    ------
    ValueError
        If `A` is not square, shapes do not match, or `A` is singular
        (``numpy.linalg.LinAlgError``, a ``ValueError``).

    Examples
    --------
    The squared reading ``g = (c^T x)^2`` of a chain of three springs with
    four stiffnesses ``k``, loaded by ``b``:

    >>> import numpy as np
    >>> k, b, c = np.array([1.0, 2.0, 3.0, 4.0]), np.ones(3), np.array([0.0, 1.0, 0.0])
    >>> def g(k):
    ...     return (c @ np.linalg.solve(chain_matrix(k), b)) ** 2
    >>> r = adjoint_gradient(chain_matrix(k), b, chain_matrix_derivative,
    ...                      g_x=lambda x: 2 * (c @ x) * c)
    >>> r
    AdjointResult(n=3, parameters=4, gradient=[-0.453376  0.009856 -0.152064 -0.164736])
    >>> from matdiff import check_gradient
    >>> check_gradient(g, lambda k: adjoint_gradient(
    ...     chain_matrix(k), b, chain_matrix_derivative, g_x=lambda x: 2 * (c @ x) * c).gradient,
    ...     k, rng=0).ok
    True
    """
    A = _check_matrix(A)
    n = A.shape[0]
    b = _vector(b, "b", n)
    solve, solve_t = _factorize(A)
    x = solve(b)
    if not np.all(np.isfinite(x)):
        raise _singular(0.0)

    if dA is None:
        dA_x, P = None, None
    else:
        dA_x, P = _parameter_columns(dA, x, n)
    if db is not None:
        db = np.asarray(db.toarray() if sp.issparse(db) else db, dtype=float)
        if db.ndim != 2 or db.shape[0] != n or (P is not None and db.shape[1] != P):
            expected = f"({n}, {'P' if P is None else P})"
            raise ValueError(f"db has shape {db.shape}, expected (n, P) = {expected}: column k "
                             "is db/dp_k.")
        P = db.shape[1]
    if P is None:
        raise ValueError("dA and db are both None: g does not depend on p through x; give at "
                         "least one of them.")

    lam = solve_t(_vector(g_x(x) if callable(g_x) else g_x, "g_x(x)", n))
    gradient = np.zeros(P)
    if dA_x is not None:
        gradient -= np.ravel(dA_x.T @ lam)
    if db is not None:
        gradient += db.T @ lam
    if g_p is not None:
        gradient += _vector(g_p(x) if callable(g_p) else g_p, "g_p(x)", P)
    return AdjointResult(gradient, x, lam)


# ----------------------------------------------------------------------------
# an example: a chain of springs, or a rod conducting heat


def _difference_matrix(n, sparse):
    """The n-by-(n+1) matrix D with D^T x = the stretches of the n + 1 elements."""
    D = sp.diags_array([np.ones(n), -np.ones(n)], offsets=[0, 1], shape=(n, n + 1),
                       format="csr")
    return D if sparse else D.toarray()


def chain_matrix(k, *, sparse: bool = False):
    """The stiffness matrix of a chain of springs between two fixed walls.

    ``n + 1`` springs with stiffnesses ``k_0, ..., k_n`` join ``n`` free
    nodes in a line, with both ends fixed.  Spring ``j`` joins nodes ``j - 1``
    and ``j`` (the walls are nodes ``-1`` and ``n``, which do not move), so its
    stretch is ``x_j - x_{j-1}`` and, with ``D^T x`` the vector of stretches,

    .. math::

        A(k) = D \\operatorname{diag}(k) D^\\top, \\qquad
        A_{ii} = k_i + k_{i+1}, \\quad A_{i,i+1} = A_{i+1,i} = -k_{i+1}.

    ``A x = b`` balances the loads ``b`` with the spring forces.  The same
    matrix, with conductances ``k``, is the heat-conduction matrix of a rod
    cut into ``n + 1`` pieces with both ends held at temperature zero
    (``x`` the temperatures, ``b`` the heat sources).  ``A`` is symmetric
    positive definite when every ``k_j > 0``, and linear in ``k``, so
    ``dA/dk_j = chain_matrix(e_j)`` is constant.

    Parameters
    ----------
    k : array_like, shape (n + 1,)
        One stiffness (or conductance) per element, ``n + 1 >= 2``.
    sparse : bool
        Return a ``scipy.sparse`` CSC array instead of a dense ndarray.

    Returns
    -------
    ndarray or scipy.sparse.csc_array, shape (n, n)

    Examples
    --------
    >>> chain_matrix([1.0, 2.0, 3.0])
    array([[ 3., -2.],
           [-2.,  5.]])
    """
    k = np.asarray(k, dtype=float)
    if k.ndim != 1 or len(k) < 2:
        raise ValueError(f"k must be a 1-D array of n + 1 >= 2 stiffnesses, got shape {k.shape}.")
    if not np.all(np.isfinite(k)):
        raise ValueError("k contains nan or inf.")
    n = len(k) - 1
    main, off = k[:-1] + k[1:], -k[1:-1]
    A = sp.diags_array([off, main, off], offsets=[-1, 0, 1], shape=(n, n), format="csc")
    return A if sparse else A.toarray()


def chain_matrix_derivative(x, *, sparse: bool = False):
    """The derivative of ``k -> A(k) x`` for :func:`chain_matrix`, at fixed ``x``.

    Column ``j`` is ``(dA/dk_j) x = d_j (x_j - x_{j-1})``, where ``d_j`` is
    column ``j`` of ``D`` (``+1`` at node ``j``, ``-1`` at node ``j - 1``) and
    the walls have ``x_{-1} = x_n = 0``: the whole matrix is
    ``D diag(D^T x)``.  It is independent of ``k`` because ``A`` is linear in
    ``k``; pass the function itself as ``dA`` to :func:`adjoint_gradient`.

    Parameters
    ----------
    x : array_like, shape (n,)
        The displacements (or temperatures).
    sparse : bool
        Return a ``scipy.sparse`` array (two nonzeros per column).

    Returns
    -------
    ndarray or scipy.sparse array, shape (n, n + 1)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0])
    >>> chain_matrix_derivative(x)
    array([[ 1., -2.,  0.],
           [ 0.,  2.,  3.]])
    >>> bool(np.allclose(chain_matrix_derivative(x)[:, 1], chain_matrix([0.0, 1.0, 0.0]) @ x))
    True
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) < 1:
        raise ValueError(f"x must be a 1-D array of n >= 1 values, got shape {x.shape}.")
    D = _difference_matrix(len(x), sparse)
    stretch = D.T @ x
    return (D @ sp.diags_array(stretch)).tocsc() if sparse else D * stretch + 0.0  # no -0.
