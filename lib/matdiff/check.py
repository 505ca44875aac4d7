"""Check a claimed derivative against finite differences, and say what is wrong.

The book's workflow is: expand ``f(x + dx) - f(x)`` to first order, read off the
linear operator, then check it numerically.  :func:`check_derivative` is that
last step for a derivative written as an operator ``df(x, dx)``;
:func:`check_gradient` is the same for a gradient ``grad(x)`` with the shape of
``x``.  Both compare against a Richardson-extrapolated directional difference
(accurate to about 1e-12 on smooth functions) along random directions, which
costs a handful of evaluations of ``f`` whatever the size of ``x``.

When the claim is wrong, the checker tries the mistakes people actually make
and reports the one that fits: a transposed answer, a constant factor (a lost
or extra 2), a wrong sign, or a formula that is right only for symmetric
inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .finite_differences import _as_direction, _as_point, _evaluate, _norm, _richardson

__all__ = ["CheckResult", "DerivativeCheckError", "check_derivative", "check_gradient"]


class DerivativeCheckError(ValueError):
    """The function or derivative given to a check could not be evaluated."""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check_derivative` or :func:`check_gradient`.

    Attributes
    ----------
    ok : bool
        Whether the claim agrees with finite differences along every direction.
    rel_error : float
        Largest relative difference ``|claim - fd| / |fd|`` over the directions
        (max-norm over entries).
    diagnosis : str
        Plain-language verdict; when ``ok`` is false, the likely mistake.
    mistake : str or None
        Machine-readable kind of mistake: ``None`` when ``ok``, otherwise one
        of ``'shape'``, ``'nonfinite'``, ``'zero'``, ``'sign'``, ``'factor'``,
        ``'transpose'``, ``'symmetric-only'`` or ``'unknown'``.
    errors : tuple of float
        The relative error along each direction tried.
    """

    ok: bool
    rel_error: float
    diagnosis: str
    mistake: str | None = None
    errors: tuple = field(default=(), repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "WRONG"
        return f"{verdict} (relative error {self.rel_error:.1e}): {self.diagnosis}"

    def __repr__(self) -> str:
        return (f"CheckResult(ok={self.ok}, rel_error={self.rel_error:.1e}, "
                f"diagnosis={self.diagnosis!r})")


# ----------------------------------------------------------------------------
# the comparison


def _call(fn, args, what):
    """Call a user function, turning its exceptions into a message that names it."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise       # an unwritten function, not a wrong derivative: its own message says so
    except Exception as err:
        shapes = ", ".join(str(np.shape(a)) for a in args)
        raise DerivativeCheckError(
            f"{what} raised {type(err).__name__}: {err}  "
            f"(called with arguments of shapes {shapes})"
        ) from err


def _agree(claim, ref, ref_err, rtol):
    """Relative error and verdict for one direction.

    Agreement means |claim - ref| <= rtol * max(|claim|, |ref|) + 10 * ref_err,
    where ref_err is Richardson's own error estimate; the second term lets a
    derivative that is zero along a direction pass despite roundoff in ``ref``.
    """
    diff = _norm(claim - ref)
    size = max(_norm(claim), _norm(ref))
    rel = diff / size if size > 0 else 0.0
    return rel, diff <= rtol * size + 10 * ref_err


def _reliable(ref, ref_err, rtol, floor):
    """Whether finite differences resolved the derivative well enough to judge.

    `floor` is the size below which a derivative counts as zero (roundoff in
    f itself); above it, the reference must be far more accurate than rtol.
    """
    return ref_err <= max(0.1 * rtol, 1e-9) * _norm(ref) + floor


class _Claim:
    """What is being checked, in a form the diagnosis can probe.

    ``along(x, d)`` is the claimed first-order change of f at x along d: the
    user's ``df(x, d)``, or ``<grad(x), d>`` for a gradient (optionally after
    transforming the gradient, e.g. transposing it).
    """

    def __init__(self, kind, fn):
        self.kind, self.fn = kind, fn  # kind: 'derivative' or 'gradient'
        self._grads = {}

    @property
    def name(self):
        return "df(x, dx)" if self.kind == "derivative" else "grad(x)"

    def gradient_at(self, x):
        key = (x.shape, x.tobytes())
        if key not in self._grads:
            self._grads[key] = np.asarray(_call(self.fn, (x,), "grad(x)"))
        return self._grads[key]

    def along(self, x, d, transform=None):
        if self.kind == "derivative":
            return np.asarray(_call(self.fn, (x, d), "df(x, dx)"))
        g = self.gradient_at(x)
        if transform is not None:
            g = transform(g)
        if g.shape != x.shape and g.size == x.size == 1:
            g = g.reshape(x.shape)
        return np.asarray(np.vdot(g, d).real)


def _reference(f, x, d):
    """Richardson estimate of f'(x)[d] and its estimated error."""
    value, err = _richardson(f, x, d, 0.1 * max(1.0, _norm(x)) / _norm(d))
    return np.asarray(value), err


def _zero_floor(fx, x, d):
    """Size of a directional derivative that is zero up to roundoff in f.

    f is known to about eps * |f|, and the derivative scales like |f| |d| / |x|.
    """
    return 1e3 * np.finfo(float).eps * _norm(fx) * _norm(d) / max(1.0, _norm(x))


def _directions(x, dx, rng, trials):
    if dx is not None:
        d = _as_direction(dx, x)
        if not np.any(d):
            raise ValueError("dx is zero, and every derivative agrees along a zero direction: "
                             "pass a nonzero dx, or leave it out to check along random "
                             "directions.")
        return [d]
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"trials must be a positive integer, got {trials!r}.")
    rng = np.random.default_rng(rng)
    dirs = []
    for _ in range(trials):
        d = rng.standard_normal(x.shape)
        if np.iscomplexobj(x):
            d = d + 1j * rng.standard_normal(x.shape)
        dirs.append(d)
    return dirs


def _run(claim: _Claim, f, x, dx, rng, trials, rtol):
    x = _as_point(x)
    try:
        fx = _evaluate(f, x)
    except Exception as err:
        raise DerivativeCheckError(f"f(x) raised {type(err).__name__}: {err}") from err
    if not np.all(np.isfinite(fx)):
        raise DerivativeCheckError("f(x) is not finite at the given x; choose x inside the "
                                   "domain of f.")
    if claim.kind == "gradient":
        if fx.size != 1:
            raise DerivativeCheckError(
                f"check_gradient needs a scalar-valued f, but f(x) has shape {fx.shape}; "
                "for vector- or matrix-valued f use check_derivative with df(x, dx).")
        if np.iscomplexobj(fx):
            raise DerivativeCheckError("check_gradient needs a real-valued f; f(x) is complex.")

    dirs = _directions(x, dx, rng, trials)
    refs = [_reference(f, x, d) for d in dirs]
    if claim.kind == "gradient":
        problem = _gradient_shape_problem(claim, x, dirs, refs, rtol)
        if problem is not None:
            return problem

    claims, errors, oks = [], [], []
    for d, (ref, ref_err) in zip(dirs, refs):
        c = claim.along(x, d)
        problem = _output_problem(claim, c, fx, ref, ref_err, rtol)
        if problem is not None:
            return problem
        c = c.reshape(fx.shape)
        rel, ok = _agree(c, ref, ref_err, rtol)
        claims.append(c)
        errors.append(rel)
        oks.append(ok)

    rel_error = max(errors)
    unresolved = [(r, e) for d, (r, e) in zip(dirs, refs)
                  if not _reliable(r, e, rtol, _zero_floor(fx, x, d))]
    if unresolved:
        worst = max(e / max(_norm(r), 1e-300) for r, e in unresolved)
        return CheckResult(
            False, rel_error,
            "inconclusive: finite differences could not resolve the derivative of f at this x "
            f"(their estimated relative error is {worst:.1g}); f may not be smooth here, or x "
            "may be very close to a singularity. Try another x.", "inconclusive",
            tuple(errors))
    if all(oks):
        where = ("along the given direction" if dx is not None
                 else f"along {len(dirs)} random direction{'s' * (len(dirs) > 1)}")
        return CheckResult(True, rel_error, f"{claim.name} agrees with finite differences "
                           f"{where}.", None, tuple(errors))
    mistake, message = _diagnose(claim, f, x, dirs, claims, refs, rtol)
    return CheckResult(False, rel_error, message, mistake, tuple(errors))


def _gradient_shape_problem(claim, x, dirs, refs, rtol):
    """A gradient must have the shape of x; a transposed one is named as such."""
    g = claim.gradient_at(x)
    if g.dtype == object or not np.issubdtype(g.dtype, np.number):
        return CheckResult(False, float("inf"), f"grad(x) returned {g.dtype} values, not "
                           "numbers.", "shape")
    if g.shape == x.shape or g.size == x.size == 1:
        if not np.all(np.isfinite(g)):
            return CheckResult(False, float("inf"), "grad(x) contains nan or inf.", "nonfinite")
        return None
    if x.ndim == 2 and g.shape == x.shape[::-1]:
        transposed = [claim.along(x, d, transform=np.transpose) for d in dirs]
        if _fits(transposed, refs, max(rtol, 1e-5)):
            return CheckResult(
                False, float("inf"),
                f"grad(x) has shape {g.shape}, the transpose of x's shape {x.shape}, and its "
                "transpose is the gradient: the gradient has the shape (and layout) of x, so "
                "that df = tr(grad^T dx).", "transpose")
    return CheckResult(
        False, float("inf"),
        f"grad(x) has shape {g.shape}, but x has shape {x.shape}: the gradient has the shape "
        "of x, so that df = sum(grad * dx).", "shape")


def _output_problem(claim, c, fx, ref, ref_err, rtol):
    """A claimed change must be finite and have the shape of f(x)."""
    if c.dtype == object or not np.issubdtype(c.dtype, np.number):
        return CheckResult(False, float("inf"), f"{claim.name} returned {c.dtype} values, not "
                           "numbers.", "shape")
    if c.shape == fx.shape or c.size == fx.size == 1:
        if not np.all(np.isfinite(c)):
            return CheckResult(False, float("inf"), f"{claim.name} returned nan or inf.",
                               "nonfinite")
        return None
    if c.ndim == 2 and c.shape == fx.shape[::-1] and _agree(c.T, ref, ref_err,
                                                            max(rtol, 1e-5))[1]:
        return CheckResult(
            False, float("inf"),
            f"{claim.name} returned shape {c.shape}, the transpose of f(x)'s shape {fx.shape}, "
            "and its transpose is right: transpose the result (or reverse the order of the "
            "factors).", "transpose")
    return CheckResult(
        False, float("inf"),
        f"{claim.name} returned shape {c.shape}, but f(x) has shape {fx.shape}: the change df "
        "must have the shape of f.", "shape")


# ----------------------------------------------------------------------------
# diagnosis


_SIMPLE_FACTORS = [Fraction(p, q) for p in range(-4, 5) for q in range(1, 5)
                   if p != 0 and Fraction(p, q) != 1]


def _fits(claims, refs, rtol):
    return all(_agree(c, r, e, rtol)[1] for c, (r, e) in zip(claims, refs))


def _diagnose(claim, f, x, dirs, claims, refs, rtol):
    name = claim.name
    loose = max(rtol, 1e-5)
    ref_size = max(_norm(r) for r, _ in refs)

    # 1. nothing at all
    if all(_norm(c) == 0 for c in claims):
        return "zero", (f"{name} is zero in every direction tried, but the derivative is not "
                        f"(finite differences give changes of size {ref_size:.2g}).")

    # 2. right up to a constant: sign, lost or extra factor
    num = sum(np.vdot(r, c).real for c, (r, _) in zip(claims, refs))
    den = sum(np.vdot(r, r).real for r, _ in refs)
    if den > 0:
        factor = num / den
        if _fits(claims, [(factor * r, abs(factor) * e) for r, e in refs], loose):
            simple = min(_SIMPLE_FACTORS, key=lambda q: abs(float(q) - factor))
            if abs(float(simple) - factor) <= 1e-4 * abs(factor):
                if simple == -1:
                    return "sign", (f"{name} has the wrong sign: it is the negative of the "
                                    "derivative.")
                sign = "the negative of " if simple < 0 else ""
                return ("sign" if simple < 0 else "factor"), (
                    f"{name} is {sign}{abs(simple)} times the derivative: a constant factor "
                    f"is off (check for a lost or extra factor such as 2).")
            return "factor", (f"{name} is {factor:.4g} times the derivative: the direction is "
                              "right but a constant factor is wrong.")

    square_x = x.ndim == 2 and x.shape[0] == x.shape[1]

    # 3. the output is transposed (df(x, dx) returns (df)^T)
    if claim.kind == "derivative" and all(c.ndim == 2 and c.shape[0] == c.shape[1]
                                          for c in claims):
        if _fits([c.T for c in claims], refs, loose):
            return "transpose", (f"{name} returns the transpose of the change of f: transpose "
                                 "the result, or reverse the order of the factors in each term.")

    # 4. the input is transposed: the claim is the derivative along dx^T
    if square_x:
        if claim.kind == "gradient":
            fits = _fits([claim.along(x, d, transform=np.transpose) for d in dirs], refs, loose)
        else:
            fits = _fits(claims, [_reference(f, x, d.T) for d in dirs], loose)
        if fits:
            also = "" if np.allclose(x, x.T) else " (so it agrees only when x is symmetric)"
            if claim.kind == "gradient":
                return "transpose", (
                    f"{name} is the transpose of the gradient{also}. The gradient has the "
                    "layout of x, with df = tr(grad^T dx): for example the gradient of "
                    "log det X is X^-T, not X^-1.")
            return "transpose", (f"{name} is the derivative along dx^T instead of dx{also}: "
                                 "somewhere dx (or x) should be transposed.")

    # 5. right only where x is symmetric
    if square_x and not np.allclose(x, x.T):
        xs = (x + x.T) / 2
        try:
            sym_claims = [claim.along(xs, d) for d in dirs]
            sym_refs = [_reference(f, xs, d) for d in dirs]
        except (DerivativeCheckError, ValueError, np.linalg.LinAlgError):
            sym_claims = None
        if sym_claims is not None and _fits(sym_claims, sym_refs, loose):
            return "symmetric-only", (
                f"{name} is right when x is symmetric but wrong in general: the formula assumes "
                "x = x^T somewhere (for instance writing 2 X A where X A + X^T A belongs, or "
                "X^-1 where X^-T belongs).")

    rel = max(_agree(c, r, e, rtol)[0] for c, (r, e) in zip(claims, refs))
    return "unknown", (
        f"{name} disagrees with finite differences (relative error {rel:.2g}) and fits none "
        "of the usual mistakes (transpose, constant factor, sign, symmetric-only formula). "
        "Re-derive f(x + dx) - f(x) to first order, keeping every term and the order of "
        "matrix factors.")


# ----------------------------------------------------------------------------
# public functions


def check_derivative(
    f: Callable,
    df: Callable,
    x,
    dx=None,
    *,
    rng=None,
    trials: int = 3,
    rtol: float = 1e-6,
) -> CheckResult:
    """Check a derivative written as a linear operator ``df(x, dx)``.

    Compares ``df(x, dx)`` with a Richardson-extrapolated finite difference of
    `f` along `dx` (or along `trials` random directions).  When they disagree,
    tests the usual mistakes and names the one that fits.

    Parameters
    ----------
    f : callable
        The function, ``f(x)``: scalar, vector or matrix valued.
    df : callable
        The claimed derivative: ``df(x, dx)`` returns the first-order change of
        `f` for a change `dx` of `x`, with the shape of ``f(x)``.
    x : scalar or array_like
        Point at which to check.
    dx : array_like, optional
        A direction with the shape of `x`; random directions when omitted.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the random directions.
    trials : int
        Number of random directions (ignored when `dx` is given).
    rtol : float
        Relative tolerance of the agreement.

    Returns
    -------
    CheckResult
        ``ok``, ``rel_error``, ``diagnosis`` and ``mistake``; true in a boolean
        context when the check passes.

    Raises
    ------
    DerivativeCheckError
        If `f` or `df` raises, or ``f(x)`` is not finite.
    ValueError
        If `x` is not finite, or `dx` does not have the shape of `x` or is zero.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> check_derivative(lambda X: X @ X, lambda X, dX: dX @ X + X @ dX, X).ok
    True
    >>> check_derivative(lambda X: X @ X, lambda X, dX: 2 * X @ dX, X).mistake
    'unknown'
    >>> check_derivative(lambda X: np.linalg.inv(X),
    ...                  lambda X, dX: np.linalg.inv(X) @ dX @ np.linalg.inv(X), X).mistake
    'sign'
    """
    if not callable(f) or not callable(df):
        raise TypeError("f and df must be callables: f(x) and df(x, dx).")
    return _run(_Claim("derivative", df), f, x, dx, rng, trials, rtol)


def check_gradient(
    f: Callable,
    grad: Callable,
    x,
    dx=None,
    *,
    rng=None,
    trials: int = 3,
    rtol: float = 1e-6,
) -> CheckResult:
    """Check the gradient of a real scalar function.

    The gradient is the array with the shape of `x` for which
    ``f'(x)[dx] = <grad(x), dx>``, the Frobenius inner product
    ``sum(grad * dx)`` (``tr(grad^T dx)`` for matrices).  The check compares
    that inner product with finite differences along random directions.

    Parameters
    ----------
    f : callable
        Real scalar-valued function of `x`.
    grad : callable
        The claimed gradient, ``grad(x)``, an array with the shape of `x`.
    x, dx, rng, trials, rtol
        As in :func:`check_derivative`.

    Returns
    -------
    CheckResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [0.5, 3.0]])
    >>> check_gradient(lambda X: np.linalg.slogdet(X)[1], lambda X: np.linalg.inv(X).T, X).ok
    True
    >>> r = check_gradient(lambda X: np.linalg.slogdet(X)[1], np.linalg.inv, X)
    >>> r.ok, r.mistake
    (False, 'transpose')
    """
    if not callable(f) or not callable(grad):
        raise TypeError("f and grad must be callables: f(x) and grad(x).")
    return _run(_Claim("gradient", grad), f, x, dx, rng, trials, rtol)
