"""vec, Kronecker products, and the matrices of linear operators.

A linear operator on matrices, such as ``X -> A X B``, is best applied as it
is.  When its matrix is wanted (to count its entries, to compare with a
Kronecker identity, to solve with it), the book flattens inputs and outputs
with ``vec``, which stacks the columns (column-major, NumPy's ``order="F"``).
Then

.. math::

    \\operatorname{vec}(A X B) = (B^\\top \\otimes A) \\operatorname{vec}(X),

the Jacobian of ``X -> A X + X A`` is ``I kron A + A^T kron I``, and the
transpose ``X -> X^T`` is the permutation :func:`commutation_matrix`.
:func:`operator_matrix` builds the matrix of any linear operator from its
action on the basis elements, column by column in ``vec`` order.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

from .finite_differences import _basis

__all__ = ["commutation_matrix", "operator_matrix", "sylvester_operator", "unvec", "vec"]


def _as_shape(shape, name):
    """A tuple of non-negative ints from an int or a sequence, or a clear error."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(operator.index(d) for d in dims)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints, got {shape!r}.") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{name} must not contain negative sizes, got {shape!r}.")
    return dims


def _as_size(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)


def vec(X):
    """Stack the columns of `X` into one long vector (column-major order).

    Parameters
    ----------
    X : array_like
        A scalar, vector or matrix (any number of dimensions; the first index
        varies fastest).

    Returns
    -------
    ndarray of shape (X.size,)

    See Also
    --------
    unvec : the inverse, given the shape.

    Examples
    --------
    >>> import numpy as np
    >>> vec(np.array([[1, 2], [3, 4]]))
    array([1, 3, 2, 4])
    """
    return np.asarray(X).reshape(-1, order="F")


def unvec(v, shape):
    """Undo :func:`vec`: fill an array of `shape` column by column from `v`.

    Parameters
    ----------
    v : array_like
        A vector with ``prod(shape)`` entries (any array of that size is
        flattened in column-major order first).
    shape : int or tuple of int
        Shape of the result.

    Returns
    -------
    ndarray of the given shape

    Examples
    --------
    >>> unvec([1, 3, 2, 4], (2, 2))
    array([[1, 2],
           [3, 4]])
    """
    shape = _as_shape(shape, "shape")
    v = vec(v)
    size = int(np.prod(shape, dtype=int))
    if v.size != size:
        raise ValueError(f"v has {v.size} entries but shape {shape} needs {size}.")
    return v.reshape(shape, order="F")


def commutation_matrix(m: int, n: int):
    """The permutation matrix ``K`` with ``vec(X^T) = K vec(X)`` for X of shape (m, n).

    Entry ``X[i, j]`` sits at position ``i + j m`` of ``vec(X)`` and at
    ``j + i n`` of ``vec(X^T)``, so ``K`` has a one at ``(j + i n, i + j m)``.
    It is the Jacobian matrix of the transpose, ``K_{n,m} = K_{m,n}^T`` (the
    transpose undoes itself), and it swaps the factors of a Kronecker
    product: ``K_{p,m} (A kron B) K_{n,q} = B kron A`` for A of shape (m, n)
    and B of shape (p, q).

    Parameters
    ----------
    m, n : int
        Number of rows and columns of ``X``.

    Returns
    -------
    ndarray of shape (m n, m n)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(2, 3)
    >>> K = commutation_matrix(2, 3)
    >>> bool(np.array_equal(K @ vec(X), vec(X.T)))
    True
    """
    m, n = _as_size(m, "m"), _as_size(n, "n")
    position = np.arange(m * n).reshape((m, n), order="F")  # position[i, j] = i + j m
    return np.eye(m * n)[vec(position.T)]


def operator_matrix(L: Callable, in_shape, out_shape=None):
    """The matrix of a linear operator, built by applying it to basis elements.

    Column ``k`` is ``vec(L(E_k))``, where ``E_k`` is the ``k``-th basis
    element of the arrays of `in_shape` in ``vec`` order (a one at position
    ``k`` of ``vec(E_k)``).  Then ``vec(L(X)) = M @ vec(X)``: ``M`` is the
    Jacobian matrix of ``L`` in numerator layout.  Applied to a derivative
    ``dX -> df(x, dX)`` at a fixed point, it gives the Jacobian of ``f``.

    Parameters
    ----------
    L : callable
        A linear map taking an array of `in_shape` to an array (linearity is
        assumed, not checked).
    in_shape : int or tuple of int
        Shape of the input of `L`.
    out_shape : int or tuple of int, optional
        Shape of the output of `L`; inferred from the first output if omitted.

    Returns
    -------
    ndarray of shape (prod(out_shape), prod(in_shape))
        Real unless `L` returns complex values.

    Raises
    ------
    ValueError
        If `L` returns an array of a shape other than `out_shape` (or than its
        first output, when `out_shape` is omitted).

    Examples
    --------
    >>> import numpy as np
    >>> A, B = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> M = operator_matrix(lambda X: A @ X @ B, (2, 2))
    >>> bool(np.allclose(M, np.kron(B.T, A)))         # vec(AXB) = (B^T kron A) vec(X)
    True
    """
    if not callable(L):
        raise TypeError(f"L must be a callable L(X), got {type(L).__name__}.")
    in_shape = _as_shape(in_shape, "in_shape")
    if out_shape is not None:
        out_shape = _as_shape(out_shape, "out_shape")
    n_in = int(np.prod(in_shape, dtype=int))
    columns = []
    for k in range(n_in):
        out = np.asarray(L(_basis(in_shape, k)))
        if out_shape is None:
            out_shape = out.shape
        if out.shape != out_shape:
            raise ValueError(
                f"L returned shape {out.shape} for basis element {k} of shape {in_shape}, "
                f"but the output shape is {out_shape}"
                f"{' (from its first output)' if k else ''}: L must return arrays of one shape.")
        columns.append(vec(out))
    if not columns:
        return np.zeros((int(np.prod(out_shape or (0,), dtype=int)), 0))
    return np.stack(columns, axis=1)


def sylvester_operator(A, B):
    """The matrix of the Sylvester operator ``X -> A X + X B``.

    For X of shape (m, n), with A of shape (m, m) and B of shape (n, n),
    ``vec(A X + X B) = (I_n kron A + B^T kron I_m) vec(X)``.  Solving
    ``A X + X B = C`` through this mn-by-mn matrix is what
    :func:`scipy.linalg.solve_sylvester` avoids; the matrix is for small
    cases and for seeing the structure (its eigenvalues are the sums
    ``lambda_i(A) + mu_j(B)``).

    Parameters
    ----------
    A : array_like, shape (m, m)
    B : array_like, shape (n, n)

    Returns
    -------
    ndarray of shape (m n, m n)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> M = sylvester_operator(A, A)        # the Jacobian of X -> A X + X A
    >>> bool(np.allclose(M, np.kron(np.eye(2), A) + np.kron(A.T, np.eye(2))))
    True
    """
    A, B = np.asarray(A), np.asarray(B)
    for name, M in (("A", A), ("B", B)):
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise ValueError(f"{name} must be a square matrix, got shape {M.shape}.")
    m, n = len(A), len(B)
    return np.kron(np.eye(n), A) + np.kron(B.T, np.eye(m))
