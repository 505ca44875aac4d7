"""Compare answers with references: the checking code shared by visible checks and the grader.

A problem set asks for functions.  Each answer name has a *check* that says how
to judge it on one input, a :class:`Case`:

- :class:`DerivativeCheck` for an operator ``df(x, dx, *params)``: compared
  with finite differences of the problem's function by
  :func:`matdiff.check_derivative`, whose diagnosis names the usual mistakes
  (transpose, factor, sign, symmetric-only), plus problem-specific
  :class:`Variant` probes (e.g. "right only when ``A`` is symmetric");
- :class:`GradientCheck` for ``grad(x, *params)``, by
  :func:`matdiff.check_gradient`, with known wrong gradients
  (:class:`Mistake`) recognised by name;
- :class:`ArrayCheck` for any other array answer, compared with a reference
  array (from the master solution when grading, from a public reference in a
  visible check) with explicit tolerances, optionally up to a harmless scaling,
  and with known wrong answers (:class:`Mistake`) recognised by name.

A check sees the answer only through a callable ``answer(*args)`` that returns
a validated array or raises :class:`AnswerError`.  In a visible check that
callable runs the student's function (:func:`live_answer`); in the grader it
replays numbers recorded in the sandbox.  Both go through the same
:meth:`Check.verdict`, so a visible check and the grader agree on the same case.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..check import DerivativeCheckError, _directions, check_derivative, check_gradient

__all__ = [
    "MAX_ANSWER_SIZE",
    "NO_ANSWER",
    "AnswerError",
    "ArrayCheck",
    "Case",
    "Check",
    "DerivativeCheck",
    "GradientCheck",
    "Mistake",
    "Variant",
    "Verdict",
    "as_answer",
    "live_answer",
]

# Largest answer (number of entries) accepted from a submission.
MAX_ANSWER_SIZE = 4_000_000
# Verdict.mistake values that mean "there was no answer to judge".
NO_ANSWER = ("not-written", "undefined", "error")


class AnswerError(Exception):
    """An answer could not be obtained, or is not an array of numbers.

    ``kind`` is ``'not-written'`` for a stub that still raises
    NotImplementedError, ``'undefined'`` for a name the notebook does not
    define, and ``'error'`` otherwise.
    """

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Verdict:
    """The judgement of one answer on one case.

    Attributes
    ----------
    ok : bool
        Whether the answer is right on this case.
    message : str
        What a student reads: ``'ok'``, or what is wrong.
    mistake : str or None
        Kind of mistake when known (``'transpose'``, ``'factor'``, ``'sign'``,
        ``'symmetric-only'``, ``'shape'``, a :class:`Variant` or :class:`Mistake`
        name, ...), or the :class:`AnswerError` kind when there was no answer.
    """

    ok: bool
    message: str
    mistake: str | None = None

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Case:
    """One input on which an answer is judged.

    Attributes
    ----------
    args : tuple
        The arguments the answer is called with (arrays, lists or numbers).
    label : str
        What the input is like ("a non-symmetric 5x5 A"), never its values:
        students read it in feedback.
    seed : int
        Seed of the random directions used by a :class:`GradientCheck`.
    expected : array_like, optional
        The right answer, for an :class:`ArrayCheck` without a public
        reference function (visible checks only; the grader uses the master
        solution).
    """

    args: tuple
    label: str
    seed: int = 0
    expected: Any = None


def _exact_numbers_as_floats(arr: np.ndarray, name: str, kind: str):
    """An object array of real numbers (Fractions, SymPy rationals) as floats; else unchanged.

    Exact arithmetic is a fine way to compute an answer (the lectures use
    :class:`fractions.Fraction` for stencil weights), and such numbers leave
    the sandbox as the nearest floats, like every other answer.
    """
    if arr.size == 0 or arr.size > MAX_ANSWER_SIZE or not all(
            isinstance(v, numbers.Real) for v in arr.flat):
        return arr
    try:
        converted = arr.astype(np.float64)
    except Exception as err:
        raise AnswerError(f"{name} returned a {kind} of numbers that do not convert to "
                          f"floats ({type(err).__name__}).") from None
    return converted if isinstance(converted, np.ndarray) else arr


def as_answer(value, name: str = "the answer") -> np.ndarray:
    """Turn a returned value into an array of numbers, or raise AnswerError.

    Numbers, NumPy arrays and (nested) lists of numbers are accepted, and so
    are exact real numbers such as :class:`fractions.Fraction` (converted to
    the nearest floats); anything else (None, strings, objects, ragged lists)
    is refused with a message that names the function.

    Examples
    --------
    >>> as_answer([1, 2.5]).dtype
    dtype('float64')
    >>> from fractions import Fraction
    >>> as_answer([Fraction(1, 2), Fraction(-3, 4)])
    array([ 0.5 , -0.75])
    >>> try:
    ...     as_answer(None, "df")
    ... except AnswerError as err:
    ...     print(err)
    df returned None instead of a number or an array (is a `return` missing?)
    """
    if value is None:
        raise AnswerError(f"{name} returned None instead of a number or an array "
                          "(is a `return` missing?)")
    kind = type(value).__name__
    try:
        arr = np.asarray(value)
    except Exception as err:
        raise AnswerError(f"{name} returned a {kind} that is not an array of numbers "
                          f"({type(err).__name__}).") from None
    if isinstance(arr, np.ndarray) and arr.dtype == object:
        arr = _exact_numbers_as_floats(arr, name, kind)
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biufc":
        raise AnswerError(f"{name} returned a {kind}, not a number or an array of numbers.")
    if arr.size > MAX_ANSWER_SIZE:
        raise AnswerError(f"{name} returned an array of {arr.size} entries, far larger than "
                          "the answer.")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    return np.array(arr, copy=True)   # a plain ndarray that owns its data


def _first_line(text: str, limit: int = 160) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def live_answer(fn: Callable, name: str) -> Callable:
    """Wrap a student's function as an answer: call it on copies, validate the result.

    Exceptions become :class:`AnswerError` with a one-line message; a stub that
    raises NotImplementedError is reported as not written yet.
    """

    def answer(*args):
        if not callable(fn):
            raise AnswerError(f"{name} is a {type(fn).__name__}, not a function.")
        try:
            value = fn(*copy.deepcopy(args))
        except NotImplementedError:
            raise AnswerError(f"{name} is not written yet: it raises NotImplementedError.",
                              "not-written") from None
        except Exception as err:
            detail = _first_line(err)
            raise AnswerError(f"{name} raised {type(err).__name__}"
                              + (f": {detail}" if detail else ".")) from None
        return as_answer(value, name)

    return answer


def _norm(a) -> float:
    return float(np.max(np.abs(a))) if np.size(a) else 0.0


def _is_square(x) -> bool:
    return isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[0] == x.shape[1]


def _symmetrized(x):
    """The point at which check.py probes for symmetric-only formulas."""
    return (x + x.T) / 2


class Check:
    """How one answer name is judged.  Subclasses define the three methods."""

    def calls(self, case: Case) -> list[tuple]:
        """Every argument tuple :meth:`verdict` will call the answer with."""
        raise NotImplementedError

    def reference(self, case: Case, solution: Callable | None):
        """What the grader compares with, computed in its own process."""
        return None

    def public_reference(self, case: Case):
        """What a visible check compares with (no master solution needed)."""
        return None

    def verdict(self, case: Case, answer: Callable, name: str, reference=None) -> Verdict:
        raise NotImplementedError


@dataclass(frozen=True)
class Variant:
    """A probe for a problem-specific mistake of a derivative or a gradient.

    For a :class:`DerivativeCheck`: if the answer fails on a case but passes
    on ``transform(args)`` (for example with ``A`` replaced by its symmetric
    part), the mistake is named and ``message`` explains it.  For a
    :class:`GradientCheck`, ``transform(g, x, *params)`` maps the answer
    itself (see there).
    """

    name: str
    transform: Callable
    message: str


def _derivative_message(result, name: str) -> str:
    return result.diagnosis.replace("df(x, dx)", name).replace("grad(x)", name)


@dataclass(frozen=True)
class DerivativeCheck(Check):
    """Judge an operator ``df(x, dx, *params)`` by finite differences of ``f(x, *params)``.

    A case's arguments are ``(x, *params)``; the directions ``dx`` are the
    ``trials`` random directions :func:`matdiff.check_derivative` draws from
    ``case.seed``, so the answer is called as ``df(x, dx, *params)`` for each.

    Parameters
    ----------
    f : callable
        The problem's function, ``f(x, *params)``.
    rtol : float
        Relative tolerance passed to :func:`matdiff.check_derivative`.
    trials : int
        Number of directions per case (several, so that a wrong answer is not
        mistaken for a constant factor of the right one).
    variants : sequence of Variant
        Extra probes, tried when the usual mistakes do not explain a failure;
        each transforms the call ``(x, dx, *params)`` along the first direction.
    """

    f: Callable
    rtol: float = 1e-6
    trials: int = 3
    variants: tuple = ()

    def directions(self, case) -> list[np.ndarray]:
        """The directions check_derivative will use for this case (drawn from its seed)."""
        x = np.asarray(case.args[0], dtype=float)
        return _directions(x, None, case.seed, self.trials)

    def calls(self, case):
        x, *params = case.args
        dirs = self.directions(case)
        calls = [(x, d, *params) for d in dirs]
        if _is_square(x) and not np.allclose(x, x.T):
            calls += [(_symmetrized(x), d, *params) for d in dirs]
        calls += [tuple(v.transform((x, dirs[0], *params))) for v in self.variants]
        return calls

    def verdict(self, case, answer, name, reference=None):
        x, *params = case.args
        dirs = self.directions(case)
        try:
            answer(x, dirs[0], *params)
        except AnswerError as err:
            return Verdict(False, str(err), err.kind)
        try:
            result = check_derivative(lambda y: self.f(y, *params),
                                      lambda y, d: answer(y, d, *params), x,
                                      rng=case.seed, trials=self.trials, rtol=self.rtol)
        except DerivativeCheckError as err:
            return Verdict(False, f"{name} could not be checked: {err}", "error")
        if result.ok:
            return Verdict(True, "ok")
        if result.mistake in ("unknown", "zero"):
            for variant in self.variants:
                y, d, *others = variant.transform((x, dirs[0], *params))
                try:
                    probe = check_derivative(lambda z, others=others: self.f(z, *others),
                                             lambda z, dz, others=others: answer(z, dz, *others),
                                             y, d, rtol=self.rtol)
                except DerivativeCheckError:
                    continue
                if probe.ok:
                    return Verdict(False, variant.message, variant.name)
        return Verdict(False, _derivative_message(result, name), result.mistake)


@dataclass(frozen=True)
class GradientCheck(Check):
    """Judge ``grad(x, *params)`` (the shape of ``x``) with :func:`matdiff.check_gradient`.

    A gradient is defined by an inner product, ``df = <grad, dx>``.  By
    default that is the Frobenius (dot) product, and the check compares
    ``<grad, d>`` with finite differences of ``f(x, *params)`` along three
    random directions drawn from ``case.seed``.

    Parameters
    ----------
    f : callable
        The problem's function, ``f(x, *params)``, real and scalar.
    rtol : float
        Relative tolerance passed to :func:`matdiff.check_gradient`.
    mistakes : sequence of Mistake
        Known wrong gradients, ``wrong(x, *params)``.  When an answer fails and
        agrees with one of them (to `rtol`, in the max-norm), that mistake is
        named instead of the general diagnosis: for example the eigenvector
        of the smallest eigenvalue where the largest was asked for.
    metric : callable, optional
        For a gradient with respect to another inner product, one of the form
        ``<u, v> = <G(u), v>_F``: ``metric(g, x, *params)`` returns ``G(g)``,
        the ordinary gradient that ``g`` stands for.  For
        ``<u, v>_M = u^T M v`` it is ``lambda g, x, M: M @ g``; the answer
        is then right when ``<metric(g), d>_F = df`` for every direction.
    variants : sequence of Variant
        Probes for problem-specific mistakes, tried when the answer fails:
        ``transform(g, x, *params)`` maps the answer to what it would be
        worth if that mistake had been made (for example ``g`` itself, for
        an answer that is the ordinary gradient where another inner product
        was asked for); if the result passes as the ordinary gradient, the
        mistake is named.
    """

    f: Callable
    rtol: float = 1e-6
    mistakes: tuple = ()
    metric: Callable | None = None
    variants: tuple = ()

    def calls(self, case):
        x, *params = case.args
        calls = [case.args]
        if _is_square(x) and not np.allclose(x, x.T):
            calls.append((_symmetrized(x), *params))
        return calls

    def _check(self, case, gradient):
        x, *params = case.args
        return check_gradient(lambda y: self.f(y, *params), gradient, x, rng=case.seed,
                              trials=3, rtol=self.rtol)

    def verdict(self, case, answer, name, reference=None):
        x, *params = case.args
        try:
            g = answer(*case.args)
        except AnswerError as err:
            return Verdict(False, str(err), err.kind)
        if self.metric is not None and g.shape != np.shape(x) and not (
                g.size == np.size(x) == 1):
            if g.ndim == 2 and g.shape == np.shape(x)[::-1]:
                try:
                    flipped = self._check(case, lambda y: self.metric(
                        answer(y, *params).T, y, *params)).ok
                except (DerivativeCheckError, ValueError, np.linalg.LinAlgError):
                    flipped = False
                if flipped:
                    return Verdict(False, f"{name} has shape {g.shape}, the transpose of the "
                                          f"variable's shape {np.shape(x)}, and its transpose "
                                          "is right: a gradient has the shape of the variable.",
                                   "transpose")
            return Verdict(False, f"{name} has shape {g.shape}, but the variable has shape "
                                  f"{np.shape(x)}: a gradient has the shape of the variable, "
                                  "whatever the inner product.", "shape")
        if self.metric is None:
            def gradient(y):
                return answer(y, *params)
        else:
            def gradient(y):
                return self.metric(answer(y, *params).reshape(np.shape(y)), y, *params)
        try:
            result = self._check(case, gradient)
        except DerivativeCheckError as err:
            return Verdict(False, f"{name} could not be checked: {err}", "error")
        if result.ok:
            return Verdict(True, "ok")
        for mistake in self.mistakes:
            if _matches(g, mistake, case.args, self.rtol, 0.0):
                return Verdict(False, mistake.message, mistake.name)
        if result.mistake not in ("shape", "nonfinite", "inconclusive"):
            for variant in self.variants:
                try:
                    probe = self._check(case, lambda y, v=variant: v.transform(
                        answer(y, *params), y, *params))
                except (DerivativeCheckError, ValueError, np.linalg.LinAlgError):
                    continue
                if probe.ok:
                    return Verdict(False, variant.message, variant.name)
        return Verdict(False, _derivative_message(result, name), result.mistake)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer of an :class:`ArrayCheck` or a :class:`GradientCheck`.

    ``wrong(*args)`` computes it from the case's arguments, in the grader's
    process; ``message`` explains it to the student.
    """

    name: str
    wrong: Callable
    message: str


def _close(value, ref, rtol, atol) -> tuple[bool, float]:
    diff = _norm(value - ref)
    size = max(_norm(value), _norm(ref))
    rel = diff / size if size > 0 else 0.0
    return diff <= atol + rtol * size, rel


def _matches(value, mistake: Mistake, args, rtol, atol) -> bool:
    """Whether an answer is the known wrong answer `mistake` on these arguments.

    A mistake that cannot be made on these arguments (its formula raises, for
    example a product whose shapes fit only square inputs) does not match.
    """
    try:
        wrong = np.asarray(mistake.wrong(*copy.deepcopy(args)))
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return False
    return (wrong.shape == value.shape and bool(np.all(np.isfinite(value)))
            and _close(value, wrong, rtol, atol)[0])


@dataclass(frozen=True)
class ArrayCheck(Check):
    """Judge an array answer against a reference array.

    Parameters
    ----------
    rtol, atol : float
        Agreement means ``max|answer - ref| <= atol + rtol * max(|answer|, |ref|)``
        (max-norms over entries); ``rtol = atol = 0`` asks for exact equality,
        as for counts.
    up_to : {None, 'sign', 'scale'}
        Harmless differences to ignore: a sign, or any nonzero factor (the
        scaling of an eigenvector, say).
    mistakes : sequence of Mistake
        Known wrong answers, recognised and explained by name.
    public : callable, optional
        ``public(*args)`` computes the right answer without the solution (for
        example by finite differences), for visible checks; cases may carry
        ``expected`` values instead.
    """

    rtol: float = 1e-10
    atol: float = 0.0
    up_to: str | None = None
    mistakes: tuple = ()
    public: Callable | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.up_to not in (None, "sign", "scale"):
            raise ValueError(f"up_to must be None, 'sign' or 'scale', got {self.up_to!r}.")

    def calls(self, case):
        return [case.args]

    def reference(self, case, solution):
        return as_answer(solution(*copy.deepcopy(case.args)), "the master solution")

    def public_reference(self, case):
        if case.expected is not None:
            return as_answer(case.expected, "the expected value")
        if self.public is None:
            raise ValueError("this check has no public reference: give the case an `expected` "
                             "value or the check a `public` function.")
        return as_answer(self.public(*copy.deepcopy(case.args)), "the public reference")

    def _align(self, value, ref):
        if self.up_to is None:
            return value
        scale = np.vdot(value, value)
        if scale == 0:
            return value
        factor = np.vdot(value, ref) / scale
        if self.up_to == "sign":
            factor = 1.0 if np.real(factor) >= 0 else -1.0
        return value * factor

    def verdict(self, case, answer, name, reference=None):
        try:
            value = answer(*case.args)
        except AnswerError as err:
            return Verdict(False, str(err), err.kind)
        ref = np.asarray(reference)
        # Extra axes of length 1 are harmless: (n,) and (n, 1) hold the same numbers.
        if value.shape != ref.shape and np.squeeze(value).shape == np.squeeze(ref).shape:
            value = value.reshape(ref.shape)
        if value.shape == ref.shape:
            if not np.all(np.isfinite(value)):
                return Verdict(False, f"{name} returned nan or inf.", "nonfinite")
            ok, rel = _close(self._align(value, ref), ref, self.rtol, self.atol)
            if ok:
                return Verdict(True, "ok")
        for mistake in self.mistakes:
            if _matches(value, mistake, case.args, max(self.rtol, 1e-8), self.atol):
                return Verdict(False, mistake.message, mistake.name)
        if value.shape != ref.shape:
            return Verdict(False, f"{name} returned shape {value.shape}, but the answer has "
                                  f"shape {ref.shape}.", "shape")
        if self.rtol == 0 and self.atol == 0:
            shown = f" {np.array2string(value, separator=', ')}" if value.size <= 4 else ""
            return Verdict(False, f"{name} returned{shown}, which is not the answer.", "unknown")
        return Verdict(False, f"{name} differs from the answer (largest relative difference "
                              f"{rel:.1e}).", "unknown")
