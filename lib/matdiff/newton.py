"""Newton's method: roots of systems, minima, and eigenvalues as roots of determinants.

Newton's method replaces ``f`` by its linearization at the current point and
solves that instead: ``f(x + dx) ~ f(x) + f'(x)[dx] = 0`` gives the step
``dx = -f'(x)^-1 f(x)``.  Near a root where the Jacobian is invertible the
error squares at every step, ``e_{k+1} ~ C e_k^2`` (quadratic convergence: the
number of correct digits doubles), which the result's :meth:`~NewtonResult.table`
shows.

- :func:`newton` solves ``f(x) = 0`` for a scalar or a vector ``x``.
- :func:`newton_minimize` applies it to ``grad f(x) = 0`` with the Hessian as
  the Jacobian, and stops rather than step where the Hessian is not positive
  definite (where Newton's step would head for a saddle point or a maximum).
- :func:`newton_nonlinear_eigenvalue` finds ``lambda`` with ``det M(lambda) = 0``.
  From ``d det M = det(M) tr(M^-1 dM)``, the Newton step on ``det M`` is
  ``-det M / (det M tr(M^-1 M')) = -1 / tr(M(lambda)^-1 M'(lambda))``: the
  determinant itself (which overflows or underflows easily) cancels.
  :func:`newton_eigenvalue` is the case ``M(lambda) = A - lambda I``, whose step
  is ``+1 / tr((A - lambda I)^-1)``.

Failures are results, not exceptions: every solver returns a
:class:`NewtonResult`, and when it did not converge ``converged`` is false,
``status`` names the failure (``'singular'``, ``'nonfinite'``, ``'stalled'``,
``'maxiter'`` or ``'not-positive-definite'``), ``message`` says what happened
and what to try, and the iterates so far are kept for inspection.  Mistakes
in the arguments (shapes, types) raise ``ValueError`` or ``TypeError`` at once.

Convergence is declared when a step is small, ``|dx| <= tol * max(1, |x|)``
(or when the residual is exactly zero): a test that does not depend on the
scale of ``f``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "EigenNewtonResult",
    "NewtonResult",
    "newton",
    "newton_eigenvalue",
    "newton_minimize",
    "newton_nonlinear_eigenvalue",
]

_EPS = np.finfo(float).eps


# ----------------------------------------------------------------------------
# results


def _format_number(z, digits=16):
    z = complex(z)
    if z.imag == 0:
        return f"{z.real:.{digits}g}"
    return f"{z.real:.{digits - 4}g}{z.imag:+.{digits - 4}g}j"


# A table shows 13 significant digits: enough to see an iterate's digits double,
# short of the last three, which rounding sets differently on different CPUs
# (their SIMD kernels and BLAS), so that a stored notebook output does not
# depend on them.
_TABLE_DIGITS = 13


@dataclass(frozen=True, repr=False)
class NewtonResult:
    """The outcome of a Newton iteration, with its history.

    Attributes
    ----------
    x : scalar or ndarray
        The last iterate: the root (or minimizer) when `converged`.
    converged : bool
        Whether the last step met the tolerance (or the residual was exactly zero).
    status : str
        ``'converged'``, or the reason it stopped: ``'singular'`` (the Jacobian
        or Hessian cannot be inverted), ``'nonfinite'`` (nan or inf appeared),
        ``'stalled'`` (the residual stopped decreasing), ``'maxiter'``, or
        ``'not-positive-definite'`` (:func:`newton_minimize` only).
    message : str
        What happened, in words, and what to try when it failed.
    iterates : tuple
        ``x_0, x_1, ..., x_k``.
    residual_norms : ndarray
        The size of the residual at each iterate: ``|f(x_k)|`` for
        :func:`newton`, ``|grad f(x_k)|`` for :func:`newton_minimize`, the
        smallest singular value of ``M(lambda_k)`` for the eigenvalue solvers.
    step_norms : ndarray
        ``|x_{k+1} - x_k|`` for each step taken (one fewer than the iterates).
    residual_name : str
        Heading of the residual column in :meth:`table`.
    values : ndarray or None
        ``f(x_k)`` at each iterate, for :func:`newton_minimize`.
    """

    x: object
    converged: bool
    status: str
    message: str
    iterates: tuple
    residual_norms: np.ndarray
    step_norms: np.ndarray
    residual_name: str = "|f(x)|"
    values: np.ndarray | None = None

    @property
    def iterations(self) -> int:
        """Number of Newton steps taken."""
        return len(self.step_norms)

    def errors(self, root):
        """Distances ``|x_k - root|`` of the iterates from a known `root`."""
        root = np.asarray(root)
        return np.array([_norm(np.asarray(x) - root) for x in self.iterates])

    def table(self, root=None) -> str:
        """The iteration history as a text table, one row per iterate.

        Columns: ``k``; ``x_k`` for scalar problems; ``f(x_k)`` when
        minimizing; the residual; the step taken from ``x_k``; and, when the
        true `root` is given, the error ``e_k = |x_k - root|`` and the ratio
        ``e_k / e_{k-1}^2``, which stays bounded under quadratic convergence.
        """
        scalar = np.ndim(self.iterates[0]) == 0
        heads = ["k"] + ["x_k"] * scalar + ["f(x_k)"] * (self.values is not None)
        heads += [self.residual_name, "|step|"]
        errors = None if root is None else self.errors(root)
        if errors is not None:
            roundoff = 100 * _EPS * max(1.0, float(np.max(np.abs(root))))
            heads += ["error e_k", "e_k/e_{k-1}^2"]
        rows = []
        for k, x in enumerate(self.iterates):
            row = [str(k)] + ([_format_number(x, _TABLE_DIGITS)] if scalar else [])
            if self.values is not None:
                row.append(_format_number(self.values[k], _TABLE_DIGITS))
            row.append(f"{self.residual_norms[k]:.2e}")
            row.append(f"{self.step_norms[k]:.2e}" if k < len(self.step_norms) else "")
            if errors is not None:
                row.append(f"{errors[k]:.2e}")
                ratio = errors[k] / errors[k - 1] ** 2 if k and errors[k - 1] > 0 else None
                if ratio is not None and 0 < errors[k] < roundoff:
                    row.append("roundoff")      # e_k is rounding error: the ratio means nothing
                else:
                    row.append("" if ratio is None else f"{ratio:.3g}")
            rows.append(row)
        widths = [max(len(r[j]) for r in [heads, *rows]) for j in range(len(heads))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)).rstrip()
                 for r in [heads, *rows]]
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.message}\nx = {self.x}\n{self.table()}"

    def __repr__(self) -> str:
        x = _format_number(self.x) if np.ndim(self.x) == 0 else repr(self.x)
        return (f"{type(self).__name__}(x={x}, converged={self.converged}, "
                f"status={self.status!r}, iterations={self.iterations})")


@dataclass(frozen=True, repr=False)
class EigenNewtonResult(NewtonResult):
    """A :class:`NewtonResult` for ``det M(lambda) = 0``, with a null vector.

    Attributes
    ----------
    vector : ndarray or None
        When converged, a unit vector ``v`` with ``M(lambda) v ~ 0`` (the right
        singular vector of the smallest singular value), scaled so that its
        largest entry is real and positive; None otherwise.
    """

    vector: np.ndarray | None = None

    @property
    def eigenvalue(self):
        """The eigenvalue ``lambda`` (the same as ``x``)."""
        return self.x

    def __str__(self) -> str:
        return f"{super().__str__()}\nvector = {self.vector}"


# ----------------------------------------------------------------------------
# the iteration shared by every solver


class _Stop(Exception):
    """Raised inside an iteration to end it with a failure status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _norm(a):
    """Euclidean norm that does not overflow for huge entries (diverging iterates)."""
    a = np.abs(np.ravel(a))
    big = float(a.max(initial=0.0))
    if big == 0 or not np.isfinite(big):
        return big
    return big * float(np.sqrt(np.sum((a / big) ** 2)))


def _check_options(tol, maxiter, patience):
    if not (np.isscalar(tol) and np.isreal(tol) and 0 < tol < 1):
        raise ValueError(f"tol must be a number between 0 and 1, got {tol!r}.")
    for name, value, low in (("maxiter", maxiter, 0), ("patience", patience, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


def _as_start(x0, name="x0", real=False):
    try:
        x = np.asarray(x0)
    except Exception as err:
        raise TypeError(f"{name} must be a number or a 1-D array of numbers: {err}") from None
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{name} must be a number or a 1-D array of numbers, got dtype "
                        f"{x.dtype}.")
    if x.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array, got shape {x.shape}; for "
                         "a matrix unknown, solve for vec(X) (matdiff.kron.vec).")
    if real and np.iscomplexobj(x):
        raise ValueError(f"{name} must be real for minimization.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains nan or inf.")
    return x.astype(np.result_type(x, float), copy=True)


def _iterate(residual, step, x0, tol, maxiter, patience):
    """Newton's loop: residual(x) -> (norm, data); step(x, data, k) -> dx.

    Either may raise _Stop to end the iteration with a failure.  Returns the
    fields of a NewtonResult as a dict.
    """
    x, iterates, norms, steps = x0, [], [], []
    best, since_best = np.inf, 0
    status = message = None
    for k in range(maxiter + 1):
        iterates.append(x)
        try:
            r, data = residual(x)
        except _Stop as stop:
            norms.append(np.nan)
            status, message = stop.status, stop.message
            break
        norms.append(r)
        if not np.isfinite(r):
            status, message = "nonfinite", f"the residual is not finite at iteration {k}."
            break
        if r == 0:
            status, message = "converged", f"converged: the residual is exactly zero at " \
                                           f"iteration {k}."
            break
        if k > 0 and steps[-1] <= tol * max(1.0, _norm(x)):
            status = "converged"
            message = (f"converged in {k} iterations: the last step, {steps[-1]:.1e}, is "
                       f"below tol * max(1, |x|) with tol = {tol:g}.")
            break
        best, since_best = (r, 0) if r < best else (best, since_best + 1)
        if since_best >= patience:
            status = "stalled"
            message = (f"stalled: the residual has not gone below its best value, "
                       f"{best:.2e}, in the last {patience} iterations; ")
            message += ("that is near roundoff, so tol is probably too strict for this "
                        "problem." if steps[-1] <= 1e3 * _EPS * max(1.0, _norm(x)) else
                        "Newton may be cycling or wandering (no root nearby?): try another "
                        "starting point.")
            break
        if k == maxiter:
            status = "maxiter"
            message = (f"no convergence in maxiter = {maxiter} iterations (residual "
                       f"{r:.2e}, last step {steps[-1] if steps else np.nan:.2e}): raise "
                       "maxiter, or start closer to a solution.")
            break
        try:
            dx = step(x, data, k)
        except _Stop as stop:
            status, message = stop.status, stop.message
            break
        if not np.all(np.isfinite(dx)):
            status, message = "nonfinite", f"the Newton step at iteration {k} is not finite."
            break
        steps.append(_norm(dx))
        x = x + dx
    unwrap = (lambda a: a[()]) if x0.ndim == 0 else (lambda a: a)
    return dict(x=unwrap(iterates[-1]), converged=status == "converged", status=status,
                message=message, iterates=tuple(unwrap(a) for a in iterates),
                residual_norms=np.array(norms), step_norms=np.array(steps))


def _call(fn, x, name, shape):
    """fn(x) as an array of the expected shape, or a ValueError naming fn."""
    value = np.asarray(fn(x))
    if value.shape != shape and not (value.size == 1 and int(np.prod(shape)) == 1):
        raise ValueError(f"{name} returned shape {value.shape}, expected {shape}.")
    return value.reshape(shape)


def _solve(J, rhs, what, k):
    """J^-1 rhs, or a _Stop when J is not finite or singular to working precision."""
    if not np.all(np.isfinite(J)):
        raise _Stop("nonfinite", f"the {what} contains nan or inf at iteration {k}.")
    cond = np.linalg.cond(J) if J.size > 1 else (np.inf if J.ravel()[0] == 0 else 1.0)
    if not cond < 1 / _EPS:
        raise _Stop("singular", f"the {what} is singular at iteration {k} (condition number "
                                f"{cond:.1e}): the Newton step is undefined there; start "
                                "from another point.")
    if J.size == 1:
        return rhs / J.ravel()[0]
    return np.linalg.solve(J, rhs)


# ----------------------------------------------------------------------------
# public solvers


def newton(f: Callable, jac: Callable, x0, *, tol: float = 1e-12, maxiter: int = 50,
           patience: int = 10) -> NewtonResult:
    """Solve ``f(x) = 0`` by Newton's method.

    Each step solves the linearization ``f(x) + J(x) dx = 0`` for ``dx``.

    Parameters
    ----------
    f : callable
        ``f(x)``, with the shape of `x` (a scalar for scalar `x`).
    jac : callable
        ``jac(x)``, the Jacobian matrix of shape ``(n, n)`` (a scalar, the
        derivative, for scalar `x`).
    x0 : scalar or 1-D array_like
        Starting point; real or complex.
    tol : float
        Converged when a step satisfies ``|dx| <= tol * max(1, |x|)``.
    maxiter : int
        Largest number of steps.
    patience : int
        Stop as ``'stalled'`` when the residual has not reached a new minimum
        in this many iterations.

    Returns
    -------
    NewtonResult
        Never raises on a numerical failure: check ``converged`` (see the
        module docstring).

    Examples
    --------
    >>> r = newton(lambda x: x**3 - 2, lambda x: 3 * x**2, 1.0)
    >>> r.converged, bool(abs(r.x - 2 ** (1 / 3)) < 1e-15), r.iterations
    (True, True, 5)
    >>> print(r.table(root=2 ** (1 / 3)))   # the error squares at each step
    k             x_k    |f(x)|    |step|  error e_k  e_k/e_{k-1}^2
    0               1  1.00e+00  3.33e-01   2.60e-01
    1  1.333333333333  3.70e-01  6.94e-02   7.34e-02           1.09
    2  1.263888888889  1.90e-02  3.96e-03   3.97e-03          0.736
    3   1.25993349345  5.93e-05  1.24e-05   1.24e-05           0.79
    4  1.259921050018  5.85e-10  1.23e-10   1.23e-10          0.794
    5  1.259921049895  0.00e+00             0.00e+00              0

    Failure is reported, not raised:

    >>> newton(lambda x: x**2 + 1, lambda x: 2 * x, 0.0).status   # no real root; f'(0) = 0
    'singular'
    """
    x0 = _as_start(x0)
    _check_options(tol, maxiter, patience)
    if not callable(f) or not callable(jac):
        raise TypeError("f and jac must be callables: f(x) and jac(x).")
    n = x0.size
    jac_shape = () if x0.ndim == 0 else (n, n)

    def residual(x):
        fx = _call(f, x, "f(x)", x0.shape)
        return _norm(fx), fx

    def step(x, fx, k):
        return -_solve(_call(jac, x, "jac(x)", jac_shape), fx, "Jacobian", k)

    return NewtonResult(**_iterate(residual, step, x0, tol, maxiter, patience))


def newton_minimize(f: Callable, grad: Callable, hess: Callable, x0, *, tol: float = 1e-12,
                    maxiter: int = 50, patience: int = 10) -> NewtonResult:
    """Minimize ``f`` by Newton's method on ``grad f(x) = 0``.

    Each step minimizes the quadratic model
    ``f(x) + grad^T dx + dx^T H dx / 2``, which has a minimum only when the
    Hessian ``H`` is positive definite.  Where it is not, the step would go
    to a saddle point or a maximum of the model, so the iteration stops with
    status ``'not-positive-definite'`` and says so (there is no line search
    or trust region here: this is the pure method, for teaching).

    Parameters
    ----------
    f : callable
        The objective ``f(x)``, a real scalar.
    grad : callable
        ``grad(x)``, with the shape of `x`.
    hess : callable
        ``hess(x)``, the symmetric ``(n, n)`` Hessian (a scalar for scalar `x`).
    x0 : scalar or 1-D array_like
        Real starting point.
    tol, maxiter, patience
        As in :func:`newton`.

    Returns
    -------
    NewtonResult
        ``residual_norms`` are gradient norms, ``values`` the values of `f`.

    Raises
    ------
    ValueError
        If ``hess(x)`` is not symmetric (a sign of a wrong formula), or a
        function returns the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: x[0]**4 + x[0] * x[1] + (1 + x[1])**2
    >>> grad = lambda x: np.array([4 * x[0]**3 + x[1], x[0] + 2 * (1 + x[1])])
    >>> hess = lambda x: np.array([[12 * x[0]**2, 1.0], [1.0, 2.0]])
    >>> r = newton_minimize(f, grad, hess, [0.75, -1.25])
    >>> r.converged, np.round(r.x, 6)
    (True, array([ 0.695884, -1.347942]))
    >>> r = newton_minimize(f, grad, hess, [0.0, -1.0])    # Hessian indefinite at x0
    >>> r.status
    'not-positive-definite'
    """
    x0 = _as_start(x0, real=True)
    _check_options(tol, maxiter, patience)
    if not (callable(f) and callable(grad) and callable(hess)):
        raise TypeError("f, grad and hess must be callables: f(x), grad(x), hess(x).")
    n = x0.size
    hess_shape = () if x0.ndim == 0 else (n, n)
    values = []

    def residual(x):
        values.append(float(np.real(_call(f, x, "f(x)", ()))))
        g = _call(grad, x, "grad(x)", x0.shape)
        if not (np.isfinite(values[-1]) and np.all(np.isfinite(g))):
            raise _Stop("nonfinite", f"f(x) or grad(x) is not finite at iteration "
                                     f"{len(values) - 1}.")
        return _norm(g), g

    def curvature(x, gnorm, k, final=False):
        """The Hessian at x, or a _Stop where it is not positive definite."""
        H = _call(hess, x, "hess(x)", hess_shape).reshape(n, n)
        if not np.all(np.isfinite(H)):
            raise _Stop("nonfinite", f"the Hessian contains nan or inf at iteration {k}.")
        if not np.allclose(H, H.T, rtol=1e-8, atol=1e-12 * np.max(np.abs(H))):
            raise ValueError(f"hess(x) is not symmetric at iteration {k} (largest "
                             f"|H - H^T| = {np.max(np.abs(H - H.T)):.2e}): a Hessian is "
                             "symmetric; check the formula.")
        lowest = np.linalg.eigvalsh((H + H.T) / 2)[0]
        # At a stationary point a zero eigenvalue leaves the test undecided (x^4 at 0);
        # before a step it means there is no minimum of the model to step to.
        if lowest < 0 or (lowest == 0 and not final):
            where = ("x is (near) a stationary point that is not a minimum: a saddle point "
                     "or a maximum" if gnorm <= 1e-8 * (1 + abs(values[k])) else
                     "the Newton step would head for a saddle point or a maximum of the "
                     "quadratic model, not a minimum")
            raise _Stop("not-positive-definite",
                        f"the Hessian is not positive definite at iteration {k} (smallest "
                        f"eigenvalue {lowest:.3g}): {where}. Start closer to a minimum, or "
                        "use a method that safeguards the step (scipy.optimize.minimize).")
        return H

    def step(x, g, k):
        H = curvature(x, _norm(g), k)
        return _solve(H, -np.ravel(g), "Hessian", k).reshape(x0.shape)

    fields = _iterate(residual, step, x0, tol, maxiter, patience)
    if fields["converged"]:
        # A stationary point is a minimum only if the curvature there says so.
        k = len(fields["step_norms"])
        try:
            curvature(np.asarray(fields["x"]), fields["residual_norms"][-1], k, final=True)
        except _Stop as stop:
            fields.update(converged=False, status=stop.status, message=stop.message)
    return NewtonResult(**fields, residual_name="|grad f(x)|", values=np.array(values))


def newton_nonlinear_eigenvalue(M: Callable, dM: Callable, lam0, *, tol: float = 1e-12,
                                maxiter: int = 50, patience: int = 10) -> EigenNewtonResult:
    """Find ``lambda`` with ``det M(lambda) = 0`` by Newton's method, and a null vector.

    With ``d det M = det(M) tr(M^-1 dM)``, Newton's step on ``det M(lambda)`` is

    .. math::

        \\lambda_{k+1} = \\lambda_k - \\frac{1}{\\operatorname{tr}(M(\\lambda_k)^{-1}
        M'(\\lambda_k))},

    which never forms the determinant.  The residual recorded is the smallest
    singular value of ``M(lambda_k)``, zero exactly at an eigenvalue.

    Parameters
    ----------
    M : callable
        ``M(lam)``, a square ``(n, n)`` matrix for a scalar ``lam``.
    dM : callable
        ``dM(lam)``, the derivative ``dM/dlambda``, of the same shape.
    lam0 : scalar
        Starting guess; give a complex one to reach a complex eigenvalue of a
        real problem.
    tol, maxiter, patience
        As in :func:`newton`.

    Returns
    -------
    EigenNewtonResult
        The eigenvalue ``x`` (also ``eigenvalue``) and, when converged, a unit
        null vector ``vector``.

    Examples
    --------
    A quadratic eigenproblem ``(A - lambda I + lambda^2 B) v = 0``:

    >>> import numpy as np
    >>> A, B = np.array([[2.0, 1.0], [0.0, 3.0]]), 0.1 * np.eye(2)
    >>> r = newton_nonlinear_eigenvalue(lambda l: A - l * np.eye(2) + l**2 * B,
    ...                                 lambda l: -np.eye(2) + 2 * l * B, 2.0)
    >>> r.converged, round(float(r.eigenvalue), 12)
    (True, 2.7639320225)
    >>> M = A - r.eigenvalue * np.eye(2) + r.eigenvalue**2 * B
    >>> bool(np.linalg.norm(M @ r.vector) < 1e-12)
    True
    """
    lam0 = _as_start(lam0, "lam0")
    if lam0.ndim != 0:
        raise ValueError(f"lam0 must be a scalar, got shape {lam0.shape}.")
    _check_options(tol, maxiter, patience)
    if not callable(M) or not callable(dM):
        raise TypeError("M and dM must be callables: M(lam) and dM(lam).")

    def matrix(fn, lam, name):
        value = np.asarray(fn(lam[()]))
        if value.ndim != 2 or value.shape[0] != value.shape[1]:
            raise ValueError(f"{name} must return a square matrix, got shape {value.shape}.")
        return value

    def residual(lam):
        Mk = matrix(M, lam, "M(lam)")
        if not np.all(np.isfinite(Mk)):
            raise _Stop("nonfinite", "M(lam) contains nan or inf.")
        return float(np.linalg.svd(Mk, compute_uv=False)[-1]), Mk

    def step(lam, Mk, k):
        dMk = matrix(dM, lam, "dM(lam)")
        if dMk.shape != Mk.shape:
            raise ValueError(f"dM(lam) has shape {dMk.shape} but M(lam) has {Mk.shape}.")
        try:
            trace = np.trace(np.linalg.solve(Mk, dMk))
        except np.linalg.LinAlgError:
            return np.zeros_like(lam)        # M(lam) is exactly singular: lam is an eigenvalue
        if trace == 0:
            raise _Stop("singular", f"tr(M^-1 dM) is zero at iteration {k}: det M(lambda) "
                                    "is stationary there and the Newton step is undefined; "
                                    "start from another point.")
        return -1 / trace

    fields = _iterate(residual, step, lam0, tol, maxiter, patience)
    vector = None
    if fields["converged"]:
        v = np.linalg.svd(matrix(M, np.asarray(fields["x"]), "M(lam)"))[2][-1].conj()
        big = v[np.argmax(np.abs(v))]
        vector = v * (abs(big) / big)          # a real v stays real
    return EigenNewtonResult(**fields, residual_name="sigma_min(M)", vector=vector)


def newton_eigenvalue(A, lam0, *, tol: float = 1e-12, maxiter: int = 50,
                      patience: int = 10) -> EigenNewtonResult:
    """An eigenvalue of `A` by Newton's method on ``det(A - lambda I) = 0``.

    Here ``M'(lambda) = -I``, so the step of
    :func:`newton_nonlinear_eigenvalue` is
    ``lambda_{k+1} = lambda_k + 1 / tr((A - lambda_k I)^-1)``.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Square matrix.
    lam0 : scalar
        Starting guess (complex to reach a complex eigenvalue of a real `A`).
    tol, maxiter, patience
        As in :func:`newton`.

    Returns
    -------
    EigenNewtonResult

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> r = newton_eigenvalue(A, 1.0)
    >>> bool(np.isclose(r.eigenvalue, (5 - np.sqrt(5)) / 2)), r.iterations
    (True, 5)
    """
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}.")
    identity = np.eye(len(A))
    return newton_nonlinear_eigenvalue(lambda lam: A - lam * identity, lambda lam: -identity,
                                       lam0, tol=tol, maxiter=maxiter, patience=patience)
