"""Finite-difference approximations of derivatives.

The book's derivative is a linear operator: ``f'(x)[dx]`` is the first-order
change of ``f`` when ``x`` moves by ``dx``.  Every function here approximates
that operator applied to one direction,

.. math::

    f'(x)[dx] = \\lim_{h \\to 0} \\frac{f(x + h\\,dx) - f(x)}{h},

and gradients and Jacobians are assembled from it one basis direction at a
time.  Inputs and outputs may be scalars, vectors or matrices.

Methods and their errors (``h`` is the step, ``eps`` the machine epsilon):

============== =============================================== ==================
method         formula                                         error
============== =============================================== ==================
forward        ``(f(x + h dx) - f(x)) / h``                    ``O(h) + eps/h``
backward       ``(f(x) - f(x - h dx)) / h``                    ``O(h) + eps/h``
central        ``(f(x + h dx) - f(x - h dx)) / 2h``            ``O(h^2) + eps/h``
richardson     central differences at shrinking ``h``,         near ``eps``
               extrapolated to ``h = 0`` (Ridders' scheme)
complex-step   ``Im f(x + i h dx) / h`` for real analytic f    ``O(h^2)``, no
                                                               cancellation
============== =============================================== ==================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

import numpy as np

__all__ = [
    "METHODS",
    "Stencil",
    "fd_derivative",
    "fd_gradient",
    "fd_jacobian",
    "stencil_weights",
]

METHODS = ("forward", "backward", "central", "richardson", "complex-step")

_EPS = np.finfo(float).eps

# Relative step that balances truncation against roundoff for each formula:
# forward error ~ h|f''| + eps|f|/h is smallest near h ~ eps^(1/2); central error
# ~ h^2|f'''| + eps|f|/h near h ~ eps^(1/3).  Richardson starts from a large step
# and extrapolates, so it wants h "large" (Ridders); the complex step has no
# subtraction, so any tiny h works.
_RELATIVE_STEP = {
    "forward": _EPS**0.5,
    "backward": _EPS**0.5,
    "central": _EPS ** (1 / 3),
    "richardson": 0.1,
    "complex-step": 1e-20,
}

# Ridders' extrapolation: shrink h by _CON each round, at most _NTAB rounds,
# stop once the new estimate is _SAFE times worse than the best so far.
_CON = 1.4
_NTAB = 10
_SAFE = 2.0
_RESTARTS = 5


# ----------------------------------------------------------------------------
# input handling


def _as_point(x, name="x"):
    """Return x as a float (or complex) ndarray, with a clear error otherwise."""
    try:
        arr = np.asarray(x)
    except Exception as err:  # e.g. ragged nested lists
        raise TypeError(f"{name} must be a number or an array of numbers: {err}") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a number or an array of numbers, got dtype {arr.dtype}.")
    if not np.issubdtype(arr.dtype, np.inexact):
        arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains nan or inf; derivatives need a finite point.")
    return arr


def _as_direction(dx, x, name="dx"):
    d = _as_point(dx, name)
    if d.shape != x.shape:
        raise ValueError(
            f"{name} has shape {d.shape} but x has shape {x.shape}: "
            "a direction must have the shape of x."
        )
    return d


def _evaluate(f, x, what="f"):
    """Call f(x) and return an ndarray, naming f when it misbehaves."""
    try:
        value = f(x)
    except Exception as err:
        # Keep the original exception (and its traceback); say where it came from.
        err.add_note(f"(raised by {what}(x) at a point of shape {np.shape(x)})")
        raise
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{what}(x) must return a number or an array of numbers, "
                        f"got {type(value).__name__}.")
    return arr


def _norm(a):
    """Largest absolute entry: the size used for steps and error estimates."""
    return float(np.max(np.abs(a))) if np.size(a) else 0.0


def _scaled_step(method, x, dx):
    """Default multiplier h of dx, relative to the size of x.

    The step actually taken is h * dx; scaling by max(1, |x|) makes it relative
    for large x and absolute near zero (the usual convention, as in SciPy).
    """
    size_dx = _norm(dx)
    if size_dx == 0:
        raise ValueError("dx is zero: a directional derivative needs a nonzero direction.")
    return _RELATIVE_STEP[method] * max(1.0, _norm(x)) / size_dx


def _scalar_or_array(a):
    """0-d arrays become NumPy scalars; everything else stays an array."""
    return a[()] if a.ndim == 0 else a


# ----------------------------------------------------------------------------
# directional derivatives


def fd_derivative(
    f: Callable,
    x,
    dx,
    method: str = "central",
    h: float | None = None,
):
    """Approximate the directional derivative ``f'(x)[dx]`` by finite differences.

    Parameters
    ----------
    f : callable
        Function of one argument with the shape of `x`; may return a scalar,
        vector or matrix.
    x : scalar or array_like
        Point at which to differentiate.
    dx : scalar or array_like
        Direction, with the same shape as `x`.
    method : {'central', 'forward', 'backward', 'richardson', 'complex-step'}
        Difference formula; see the module docstring for their errors.
        ``'complex-step'`` needs real `x` and a real-analytic `f` written with
        operations that carry complex numbers through (no ``abs``, ``real`` or
        ``conj``).
    h : float, optional
        Step: `f` is evaluated at ``x + k * h * dx``.  The default balances
        truncation and roundoff for the method and scales with the size of `x`
        and `dx`.  For ``'richardson'`` it is the first (largest) step.

    Returns
    -------
    scalar or ndarray
        Approximation of ``f'(x)[dx]``, with the shape of ``f(x)``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> df = fd_derivative(lambda X: X @ X, A, np.eye(2))   # d(X^2) = dX X + X dX
    >>> bool(np.allclose(df, 2 * A))
    True
    """
    _check_method(method)
    x = _as_point(x)
    dx = _as_direction(dx, x)
    h = _scaled_step(method, x, dx) if h is None else _check_step(h)
    return _scalar_or_array(_difference(f, x, dx, method, h))


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")


def _check_step(h):
    if not (np.isscalar(h) and np.isreal(h) and h > 0 and np.isfinite(h)):
        raise ValueError(f"h must be a positive finite number, got {h!r}.")
    return float(h)


def _difference(f, x, dx, method, h, fx=None):
    """The difference quotient itself, for validated arguments.

    `fx`, when given, is f(x): gradients and Jacobians pass it so that forward
    and backward differences cost one evaluation per coordinate, not two.
    """
    if method == "richardson":
        return _richardson(f, x, dx, h)[0]
    if method == "complex-step":
        return _complex_step(f, x, dx, h)
    if method in ("forward", "backward"):
        fx = _evaluate(f, x) if fx is None else fx
        if method == "forward":
            return np.asarray((_evaluate(f, x + h * dx) - fx) / h)
        return np.asarray((fx - _evaluate(f, x - h * dx)) / h)
    return np.asarray(_central(f, x, dx, h))


def _central(f, x, dx, h):
    return (_evaluate(f, x + h * dx) - _evaluate(f, x - h * dx)) / (2 * h)


def _richardson(f, x, dx, h):
    """Ridders' extrapolation of central differences to h = 0.

    Returns the best estimate and an estimate of its error (max-norm).  The
    central difference has an error series in even powers of h, so combining
    steps h and h/c eliminates the h^2 term, then the h^4 term, and so on (a
    Neville tableau); the entry whose neighbours agree best wins.

    A first step too large for f (a singularity, a branch change, a fast
    oscillation within reach) shows up in one of two ways: a poor error
    estimate, or a tableau that agrees with itself on a wrong value (two complex
    eigenvalues that merge at every large step give Im(lambda) = 0 exactly).  To
    catch the second, every attempt is compared with an independent central
    difference at a small step; a disagreement counts as error.  Either way the
    tableau is restarted from a step ten times smaller, and the best attempt is
    returned.
    """
    probe, allowance = _probe(f, x, dx)
    best, best_err = None, math.inf
    for _ in range(_RESTARTS):
        value, err = _ridders(f, x, dx, h)
        if probe is not None:
            err = max(err, _norm(value - probe) - allowance(value))
        if err < best_err:
            best, best_err = value, err
        if best_err <= 1e-10 * _norm(best):
            break
        h /= 10
    return best, best_err


def _probe(f, x, dx):
    """A central difference at the usual small step, and how far Richardson may differ.

    Its error is truncation (relative ~ eps^(2/3) for well-scaled f, but far
    more near a branch point) plus roundoff ~ eps |f| / h.  The probe is there
    to catch gross failures of the tableau (a wrong value it agrees with
    itself on), not to second-guess an accurate one, so only a disagreement
    beyond 1e-3 relative (plus a generous multiple of the roundoff) counts.
    """
    h = _scaled_step("central", x, dx)
    try:
        with np.errstate(all="ignore"):
            fx = _evaluate(f, x)
            probe = _central(f, x, dx, h)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None, None
    if not (np.all(np.isfinite(probe)) and np.all(np.isfinite(fx))):
        return None, None
    roundoff = 1e3 * _EPS * max(_norm(fx), _norm(probe) * h) / h
    return probe, lambda value: 1e-3 * max(_norm(value), _norm(probe)) + roundoff


def _ridders(f, x, dx, h):
    # The first step is large on purpose and may leave the domain of f (log
    # near 0, sqrt of a matrix near singular): shrink it until f is finite on
    # both sides, quietly, since those probes are expected to fail.
    for _ in range(30):
        try:
            with np.errstate(all="ignore"):
                first = _central(f, x, dx, h)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            first = None
        if first is not None and np.all(np.isfinite(first)):
            break
        h /= 10
    else:
        raise ValueError("f is not finite near x along dx, even for tiny steps; "
                         "check that x lies inside the domain of f.")

    tableau = [[first]]
    best, best_err = first, math.inf
    for i in range(1, _NTAB):
        h /= _CON
        row = [_central(f, x, dx, h)]
        factor = _CON**2
        for j in range(1, i + 1):
            # Eliminate the h^(2j) term using the previous row.
            row.append((row[j - 1] * factor - tableau[i - 1][j - 1]) / (factor - 1))
            factor *= _CON**2
            err = max(_norm(row[j] - row[j - 1]), _norm(row[j] - tableau[i - 1][j - 1]))
            if err <= best_err:
                best, best_err = row[j], err
        tableau.append(row)
        # Higher order is making things worse: roundoff has taken over.
        if _norm(row[i] - tableau[i - 1][i - 1]) >= _SAFE * best_err:
            break
    return np.asarray(best), best_err


def _complex_step(f, x, dx, h):
    if np.iscomplexobj(x) or np.iscomplexobj(dx):
        raise ValueError("method='complex-step' needs real x and dx; use 'central' or "
                         "'richardson' for complex inputs.")
    fx = _evaluate(f, x)
    if np.iscomplexobj(fx):
        raise ValueError("method='complex-step' needs a real-valued f; f(x) is complex.")
    value = _evaluate(f, x + 1j * h * dx)
    if not np.iscomplexobj(value):
        raise ValueError(
            "f returned a real value for a complex input, so the complex step was lost; "
            "complex-step differentiation needs f written with operations that keep the "
            "imaginary part (avoid abs, real, conj, and assignment into float arrays)."
        )
    return np.asarray(value.imag / h)


# ----------------------------------------------------------------------------
# gradients and Jacobians, one basis direction at a time


def _basis(shape, k):
    """k-th basis element of the arrays of `shape`, in column-major (vec) order."""
    e = np.zeros(int(np.prod(shape, dtype=int)))
    e[k] = 1.0
    return e.reshape(shape, order="F")


def _coordinate_step(method, x, k, h):
    if h is not None:
        return _check_step(h)
    return _RELATIVE_STEP[method] * max(1.0, abs(x.reshape(-1, order="F")[k]))


def fd_gradient(f: Callable, x, *, method: str = "central", h: float | None = None):
    """Approximate the gradient of a real scalar function by finite differences.

    The gradient has the shape of `x`: entry ``k`` is the derivative along the
    ``k``-th coordinate, so that ``f'(x)[dx] = sum(grad * dx)`` (the Frobenius
    inner product for matrices).

    Parameters
    ----------
    f : callable
        Real scalar-valued function of `x`.
    x : scalar or array_like
        Point at which to differentiate.
    method : str
        Difference formula, as in :func:`fd_derivative`.
    h : float, optional
        Absolute step along each coordinate.  By default each coordinate gets a
        step scaled to its own size, ``c * max(1, |x_k|)``.

    Returns
    -------
    ndarray
        Array with the shape of `x` (a NumPy scalar when `x` is a scalar).

    Notes
    -----
    Costs ``2 * x.size + 1`` evaluations of `f` with central differences
    (``x.size + 1`` with forward or backward ones, which reuse ``f(x)``):
    the reason gradients by finite differences are expensive, and why
    reverse-mode differentiation matters.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> g = fd_gradient(lambda x: x @ A @ x, np.array([1.0, -1.0]))
    >>> bool(np.allclose(g, (A + A.T) @ [1.0, -1.0]))
    True
    """
    _check_method(method)
    x = _as_point(x)
    fx = _evaluate(f, x)
    if fx.size != 1:
        raise ValueError(f"fd_gradient needs a scalar-valued f, but f(x) has shape {fx.shape}; "
                         "use fd_jacobian for vector- or matrix-valued functions.")
    if np.iscomplexobj(fx):
        raise ValueError("fd_gradient needs a real-valued f; f(x) is complex.")
    grad = np.empty(x.size, dtype=np.result_type(x, float))
    for k in range(x.size):
        step = _coordinate_step(method, x, k, h)
        grad[k] = _difference(f, x, _basis(x.shape, k), method, step, fx).reshape(())
    return _scalar_or_array(grad.reshape(x.shape, order="F"))


def fd_jacobian(f: Callable, x, *, method: str = "central", h: float | None = None):
    """Approximate the Jacobian matrix of `f` at `x` by finite differences.

    Inputs and outputs of any shape are flattened by ``vec`` (stacking
    columns, column-major), the convention of the book's Kronecker identities
    such as ``vec(A X B) = (B^T kron A) vec(X)``.  Column ``k`` of the result
    is ``vec(f'(x)[e_k])`` for the ``k``-th basis element ``e_k``, so for
    vectors this is the usual Jacobian with rows that are gradients of the
    components of `f` (numerator layout).

    Parameters
    ----------
    f : callable
        Function of `x` returning a scalar, vector or matrix.
    x : scalar or array_like
        Point at which to differentiate.
    method : str
        Difference formula, as in :func:`fd_derivative`.
    h : float, optional
        Absolute step along each coordinate; scaled to each coordinate by default.

    Returns
    -------
    ndarray of shape (f(x).size, x.size)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> J = fd_jacobian(lambda X: A @ X, np.zeros((2, 2)))
    >>> bool(np.allclose(J, np.kron(np.eye(2), A)))      # vec(A X) = (I kron A) vec(X)
    True
    """
    _check_method(method)
    x = _as_point(x)
    fx = _evaluate(f, x)
    columns = []
    for k in range(x.size):
        step = _coordinate_step(method, x, k, h)
        column = _difference(f, x, _basis(x.shape, k), method, step, fx)
        columns.append(column.reshape(-1, order="F"))
    if not columns:
        return np.zeros((fx.size, 0))
    return np.stack(columns, axis=1)


# ----------------------------------------------------------------------------
# stencils


class Stencil(NamedTuple):
    """A finite-difference formula ``f^(order)(x) ~ sum_k w_k f(x + s_k h) / h^order``.

    Attributes
    ----------
    offsets : tuple of Fraction
        The points ``s_k`` (in units of the step ``h``).
    weights : tuple of Fraction
        The exact rational weights ``w_k``.
    order : int
        Which derivative the formula approximates.
    accuracy : int
        The formula's error is ``O(h^accuracy)`` for smooth ``f`` (``math.inf``
        for the exact formula ``f(x)`` itself: order 0 with 0 among the offsets).
    """

    offsets: tuple
    weights: tuple
    order: int
    accuracy: int

    def derivative(self, f: Callable, x, dx=1.0, h: float = 1e-2):
        """Apply the stencil: approximate the `order`-th derivative of ``t -> f(x + t dx)`` at 0."""
        x = _as_point(x)
        dx = _as_direction(dx, x)
        total = sum(float(w) * _evaluate(f, x + float(s) * h * dx)
                    for s, w in zip(self.offsets, self.weights) if w != 0)
        return _scalar_or_array(np.asarray(total) / h**self.order)


def _as_fraction(value, name):
    """An exact Fraction for an offset; floats become the nearest simple fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}.")
        return Fraction(float(value)).limit_denominator(10**12)
    raise TypeError(f"{name} must contain numbers (int, float or Fraction), got {value!r}.")


def _solve_exact(matrix, rhs):
    """Gaussian elimination over the rationals (the Vandermonde system is tiny)."""
    n = len(rhs)
    a = [[*row, b] for row, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[r][col] != 0:
                ratio = a[r][col] / a[col][col]
                a[r] = [u - ratio * v for u, v in zip(a[r], a[col])]
    return [a[r][n] / a[r][r] for r in range(n)]


def stencil_weights(offsets, order: int = 1) -> Stencil:
    """Exact weights of the finite-difference formula on the given offsets.

    Finds rational ``w_k`` with ``f^(order)(x) ~ sum_k w_k f(x + s_k h) / h^order``
    by requiring the formula to be exact for polynomials of degree below the
    number of points: Taylor expansion gives ``sum_k w_k s_k^j / j! = [j == order]``
    for ``j = 0, ..., n - 1``, a Vandermonde system solved in exact arithmetic.

    Parameters
    ----------
    offsets : sequence of numbers
        Distinct points ``s_k`` in units of the step (integers, Fractions, or
        floats, which are converted to nearby fractions).
    order : int
        Derivative order, ``0 <= order < len(offsets)``.

    Returns
    -------
    Stencil
        Offsets and weights as :class:`fractions.Fraction`, the order, and the
        order of accuracy ``p`` (the error is ``O(h^p)``).

    Examples
    --------
    >>> s = stencil_weights([-1, 0, 1], order=2)
    >>> [str(w) for w in s.weights], s.accuracy
    (['1', '-2', '1'], 2)
    >>> [str(w) for w in stencil_weights([-2, -1, 0, 1, 2]).weights]
    ['1/12', '-2/3', '0', '2/3', '-1/12']
    """
    points = [_as_fraction(s, "offsets") for s in offsets]
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}.")
    n = len(points)
    if len(set(points)) != n:
        raise ValueError(f"offsets must be distinct, got {list(offsets)!r}.")
    if order >= n:
        raise ValueError(f"a derivative of order {order} needs at least {order + 1} distinct "
                         f"offsets, got {n}.")
    order = int(order)
    moments = [[s**j / math.factorial(j) for s in points] for j in range(n)]
    rhs = [Fraction(int(j == order)) for j in range(n)]
    weights = _solve_exact(moments, rhs)

    # Accuracy: the first moment beyond the solved ones that does not vanish
    # gives the leading error term h^(j - order).  Only the trivial formula
    # f(x) itself (order 0 with 0 among the offsets) has none: it is exact.
    if order == 0 and Fraction(0) in points:
        return Stencil(tuple(points), tuple(weights), order, math.inf)
    j = n
    while sum(w * s**j for s, w in zip(points, weights)) == 0:
        j += 1
    return Stencil(tuple(points), tuple(weights), order, j - order)
