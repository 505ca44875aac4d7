"""Automatic differentiation: forward mode with dual numbers, reverse mode with a tape.

Every operation this module can differentiate is a *primitive*: a NumPy
function together with, for each of its arguments,

- a **pushforward** (forward mode, a Jacobian-vector product, JAX's ``jvp`` or
  ChainRules' ``frule``): the change of the output for a change ``dx`` of that
  argument, ``dx -> f'(x)[dx]``;
- a **pullback** (reverse mode, a vector-Jacobian product, ``vjp`` or
  ``rrule``): the gradient with respect to that argument of ``<g, f(x)>`` for
  an output cotangent ``g``, i.e. the adjoint ``g -> f'(x)^T[g]``.

Both rules of an operation are written next to its forward definition, in one
registry (:data:`PRIMITIVES`).  A rule has the signature
``rule(v, out, *args, **kwargs)``: ``v`` is the tangent (forward) or cotangent
(reverse), ``out`` the output of the forward pass (or what the primitive's
``fwd`` saved, such as an LU factorization), then the primitive's arguments.

Forward mode wraps the input in a :class:`Dual` (value and tangent) and pushes
the tangent through each operation as it runs: :func:`jvp`.  Reverse mode
wraps it in a :class:`Node`; each operation records a node holding its value,
its parents and its pullback (the tape), and the backward pass visits the
nodes in reverse topological order, accumulating cotangents: :func:`vjp`,
:func:`grad`, :func:`value_and_grad`.  Gradients have the shape of ``x``;
:func:`jacobian` builds the numerator-layout matrix (``vec`` stacking columns)
only when asked for.

Write differentiable functions with this module's operations (``ad.exp``,
``ad.solve``, ...), with operators (``+ - * / ** @``, ``x.T``, ``x[i]``), or
with NumPy's own functions for the supported operations (``np.exp(x)``,
``np.linalg.solve(A, x)`` dispatch here); anything else raises a ``TypeError``
naming the operation.  Only first derivatives: ``grad``, ``vjp`` and ``jvp``
do not nest.

Examples
--------
>>> import numpy as np
>>> from matdiff import ad
>>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
>>> f = lambda X: ad.logdet(X @ X.T + A @ A.T)
>>> X = np.eye(2)
>>> g = ad.grad(f)(X)                  # 2 (X X^T + A A^T)^-1 X
>>> bool(np.allclose(g, 2 * np.linalg.inv(X @ X.T + A @ A.T) @ X))
True
>>> value, slope = ad.jvp(f, X, np.ones((2, 2)))     # forward mode: f'(X)[dX]
>>> bool(np.isclose(slope, np.sum(g * np.ones((2, 2)))))    # = <grad f, dX>
True

A new operation with its own rules, here a log-sum-exp that neither
overflows nor loses its gradient at large inputs (the gradient is softmax):

>>> @ad.primitive
... def logsumexp(x):
...     m = np.max(x)
...     return m + np.log(np.sum(np.exp(x - m)))
>>> ad.defvjp(logsumexp, lambda g, y, x: g * np.exp(x - y))
>>> ad.defjvp(logsumexp, lambda dx, y, x: np.sum(np.exp(x - y) * dx))
>>> ad.grad(logsumexp)(np.array([1000.0, 1000.0]))
array([0.5, 0.5])
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from .finite_differences import _basis

__all__ = [
    "PRIMITIVES", "Dual", "Node", "abs", "add", "cos", "defjvp", "defvjp", "det", "divide",
    "exp", "getitem", "grad", "gram", "inv", "jacobian", "jvp", "log", "logdet", "matmul", "mean",
    "multiply", "negative", "power", "primitive", "reshape", "sin", "softmax", "solve", "sqrt",
    "subtract", "sum", "tanh", "trace", "transpose", "value_and_grad", "vjp",
]

#: Every primitive by name: the one registry of forward and reverse rules.
PRIMITIVES: dict = {}

_NODE_COUNT = itertools.count()

_NESTING = ("matdiff.ad computes first derivatives only: grad, vjp and jvp cannot be nested, "
            "and a traced value cannot be turned back into a NumPy array.")


# ----------------------------------------------------------------------------
# traced values: Dual (forward mode) and Node (reverse mode)


class _Traced:
    """Operators and NumPy interoperability shared by Dual and Node."""

    __slots__ = ()

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    dtype = property(lambda self: np.asarray(self.value).dtype)
    T = property(lambda self: transpose(self))

    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return subtract(self, other)
    def __rsub__(self, other): return subtract(other, self)
    def __mul__(self, other): return multiply(self, other)
    def __rmul__(self, other): return multiply(other, self)
    def __truediv__(self, other): return divide(self, other)
    def __rtruediv__(self, other): return divide(other, self)
    def __pow__(self, other): return power(self, other)
    def __rpow__(self, other): return power(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __neg__(self): return negative(self)
    def __pos__(self): return self
    def __abs__(self): return abs(self)
    def __getitem__(self, index): return getitem(self, index)
    def __len__(self): return len(self.value)

    # Comparisons look at values only: control flow may depend on them.
    def __lt__(self, other): return self.value < _value(other)
    def __le__(self, other): return self.value <= _value(other)
    def __gt__(self, other): return self.value > _value(other)
    def __ge__(self, other): return self.value >= _value(other)
    def __bool__(self): return bool(self.value)

    def sum(self, axis=None, keepdims=False):
        return sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"cannot convert a {type(self).__name__} to a NumPy array: that would "
                        f"drop its derivative. Use matdiff.ad's operations on it (or .value "
                        f"for its plain value). {_NESTING}")

    def __float__(self):
        self.__array__()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        op = _UFUNCS.get(ufunc)
        if "out" in kwargs:
            raise TypeError(f"numpy.{ufunc.__name__} with out=: in-place updates of a NumPy "
                            "array with a traced value are not supported; write a = a + x "
                            "instead of a += x.")
        if op is None or method != "__call__" or kwargs:
            _unsupported(f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else
                                                      f".{method}"))
        return op(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        if func in _NUMPY_FUNCTIONS:
            return _NUMPY_FUNCTIONS[func](*args, **kwargs)
        _unsupported(f"{func.__module__}.{func.__name__}")


class Dual(_Traced):
    """A value with a tangent riding along: the number ``value + tangent * eps``, eps^2 = 0.

    Forward mode evaluates a function on duals: each operation computes its
    value and pushes the tangent forward with its Jacobian-vector product, so
    the output's tangent is ``f'(x)[dx]``.  Works for scalars and arrays.

    Examples
    --------
    >>> x = Dual(3.0, 1.0)
    >>> y = x * x + 1 / x
    >>> float(y.value), float(y.tangent)              # 2x - 1/x^2 at x = 3
    (9.333333333333334, 5.888888888888889)
    """

    __slots__ = ("tangent", "value")

    def __init__(self, value, tangent):
        self.value, self.tangent = value, tangent

    def __repr__(self):
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"


class Node(_Traced):
    """A value recorded on the reverse-mode tape.

    Attributes
    ----------
    value : ndarray
        The value computed in the forward pass.
    parents : tuple of Node
        The traced arguments it was computed from (empty for an input).
    pullback : callable
        ``pullback(g)`` maps the cotangent ``g`` of this node (shape of
        `value`) to a list of cotangents, one per parent (shape of each).
    op : str
        Name of the primitive that made it (``'input'`` for an input).
    """

    __slots__ = ("op", "parents", "pullback", "seq", "value")

    def __init__(self, value, parents=(), pullback=None, op="input"):
        self.value, self.parents, self.pullback, self.op = value, parents, pullback, op
        self.seq = next(_NODE_COUNT)        # creation order: parents come before children

    def __repr__(self):
        return f"Node({self.op}, shape={self.shape})"

    def __matmul__(self, other):
        # X.T @ X is recorded as gram(X), whose pullback is one product instead of two.
        if (self.op == "transpose" and self.parents[0] is other
                and np.ndim(self.value) == 2 and self.value.shape == other.value.shape[::-1]
                and self.value.strides == other.value.strides[::-1]):
            return gram(other)
        return matmul(self, other)


def _value(x):
    return x.value if isinstance(x, _Traced) else x


def _unsupported(name):
    suggestion = _SUGGESTIONS.get(name.rsplit(".", 1)[-1])
    hint = f"use matdiff.ad.{suggestion}" if suggestion else (
        "write it with matdiff.ad's operations (listed in matdiff.ad.PRIMITIVES)")
    raise TypeError(f"{name} has no derivative rule in matdiff.ad: {hint}, or give it rules "
                    "with matdiff.ad.primitive and matdiff.ad.defvjp / defjvp.")


# ----------------------------------------------------------------------------
# primitives and their rules


def primitive(fun=None, *, name=None, fwd=None):
    """Make a function of NumPy arrays into an operation that AD can trace.

    The result calls `fun` on plain arrays; on traced arguments it computes
    the value from their values and records how to differentiate it, using
    the rules registered with :func:`defvjp` (reverse mode) and
    :func:`defjvp` (forward mode).  This is the analogue of
    ``jax.custom_vjp`` and of autograd's ``primitive``.

    Parameters
    ----------
    fun : callable
        A function of arrays (positional) and options (keyword arguments,
        never differentiated).  Usable as a decorator, with or without
        arguments.
    name : str, optional
        Name in :data:`PRIMITIVES` and in error messages; ``fun.__name__``
        by default.
    fwd : callable, optional
        ``fwd(*args, **kwargs) -> (out, saved)``: the forward pass when
        tracing, returning the output and what the rules need (for example a
        factorization to reuse).  Rules then receive `saved` in place of `out`.

    Returns
    -------
    callable
        The primitive, with its rules in the dicts ``.vjps`` and ``.jvps``
        (keyed by argument position).

    Examples
    --------
    >>> import numpy as np
    >>> from matdiff import ad
    >>> @ad.primitive
    ... def cube(x):
    ...     return x**3
    >>> ad.defvjp(cube, lambda g, y, x: 3 * x**2 * g)
    >>> float(ad.grad(cube)(2.0))
    12.0
    """
    if fun is None:
        return lambda f: primitive(f, name=name, fwd=fwd)
    name = name or fun.__name__
    # The user's primitives are listed under their module, so they never replace a built-in.
    key = name if fun.__module__ == __name__ else f"{fun.__module__}.{name}"

    @functools.wraps(fun)
    def op(*args, **kwargs):
        for a in args:
            if isinstance(a, _Traced):
                return _trace(op, args, kwargs)
        return fun(*args, **kwargs)

    op.fun, op.fwd, op.vjps, op.jvps, op.primitive_name = fun, fwd, {}, {}, name
    PRIMITIVES[key] = op
    return op


def _defrules(kind, op, rules):
    if not isinstance(getattr(op, kind, None), dict):
        raise TypeError(f"def{kind[:-1]} needs a primitive; wrap the function with "
                        f"matdiff.ad.primitive first (got {op!r}).")
    for i, rule in enumerate(rules):
        if rule is not None:
            getattr(op, kind)[i] = rule


def defvjp(op, *rules):
    """Register the reverse-mode rules (pullbacks) of a primitive, one per argument.

    Parameters
    ----------
    op : primitive
        Made by :func:`primitive`; registering again replaces earlier rules.
    *rules : callable or None
        For argument ``i``, ``rule(g, out, *args, **kwargs)`` returns the
        cotangent of argument ``i`` (its shape) for the output cotangent `g`:
        the gradient of ``<g, op(*args)>`` with respect to that argument.
        None leaves an argument without a rule (not differentiable).

    Examples
    --------
    A log-determinant for symmetric positive definite matrices by Cholesky,
    saving the factor for the rule (``d log det S = tr(S^-1 dS)``):

    >>> import numpy as np, scipy.linalg as sla
    >>> from matdiff import ad
    >>> def _chol(S):
    ...     c = sla.cho_factor(S)
    ...     return 2 * np.sum(np.log(np.diag(c[0]))), c
    >>> @ad.primitive(fwd=_chol)
    ... def logdet_spd(S):
    ...     return _chol(S)[0]
    >>> ad.defvjp(logdet_spd, lambda g, c, S: g * sla.cho_solve(c, np.eye(len(S))))
    >>> S = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> bool(np.allclose(ad.grad(logdet_spd)(S), np.linalg.inv(S)))
    True
    """
    _defrules("vjps", op, rules)


def defjvp(op, *rules):
    """Register the forward-mode rules (pushforwards) of a primitive, one per argument.

    Parameters
    ----------
    op : primitive
        Made by :func:`primitive`.
    *rules : callable or None
        For argument ``i``, ``rule(dx, out, *args, **kwargs)`` returns the
        change of the output (its shape) for a change `dx` of argument ``i``.
        With several traced arguments the contributions are added.

    Examples
    --------
    >>> from matdiff import ad
    >>> @ad.primitive
    ... def cube(x):
    ...     return x**3
    >>> ad.defjvp(cube, lambda dx, y, x: 3 * x**2 * dx)
    >>> [float(v) for v in ad.jvp(cube, 2.0, 1.0)]
    [8.0, 12.0]
    """
    _defrules("jvps", op, rules)


def _rules(op, kind, argnums):
    table = op.vjps if kind is Node else op.jvps
    try:
        return [table[i] for i in argnums]
    except KeyError as missing:
        which = "vjp" if kind is Node else "jvp"
        raise NotImplementedError(
            f"{op.primitive_name} has no {'reverse' if kind is Node else 'forward'}-mode rule "
            f"for its argument {missing}: register one with matdiff.ad.def{which}"
            f"({op.primitive_name}, ...), or do not differentiate with respect to it.") from None


def _trace(op, args, kwargs):
    """Apply a primitive to traced arguments: the value, and its tangent or tape node."""
    values, argnums, kind = list(args), [], None
    for i, a in enumerate(args):
        if isinstance(a, _Traced):
            if kind is not None and type(a) is not kind:
                raise TypeError(f"{op.primitive_name} got both Dual and Node arguments: "
                                f"forward and reverse mode cannot be mixed. {_NESTING}")
            kind = type(a)
            argnums.append(i)
            values[i] = a.value
    rules = _rules(op, kind, argnums)
    if op.fwd is None:
        out = saved = op.fun(*values, **kwargs)
    else:
        out, saved = op.fwd(*values, **kwargs)

    if kind is Dual:
        tangent = None
        for i, rule in zip(argnums, rules):
            t = rule(args[i].tangent, saved, *values, **kwargs)
            tangent = t if tangent is None else tangent + t
        return Dual(out, tangent)

    def pullback(g):
        return [rule(g, saved, *values, **kwargs) for rule in rules]

    return Node(out, tuple([args[i] for i in argnums]), pullback, op.primitive_name)


def _unbroadcast(g, shape):
    """Sum a cotangent over the axes that broadcasting added or stretched."""
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    if g.ndim > len(shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g.reshape(shape)


def _broadcast(t, out):
    """A tangent of one argument, stretched to the shape of the output."""
    return t if np.shape(t) == np.shape(out) else np.broadcast_to(t, np.shape(out))


def _elementwise(name, ufunc, slope, doc):
    """An elementwise primitive from a NumPy function and its slope ``slope(y, x) = f'(x)``.

    The Jacobian is diagonal, hence self-adjoint: pushing forward and pulling
    back are the same multiplication by f'(x).
    """
    def fun(x):
        return ufunc(x)

    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    op = primitive(fun)

    def rule(v, y, x):
        return v * slope(y, x)

    defvjp(op, rule)
    defjvp(op, rule)
    return op


# ---------------------------------------------------------------- arithmetic


@primitive
def add(a, b):
    """``a + b``, elementwise, with NumPy broadcasting."""
    return np.add(a, b)


defvjp(add, lambda g, out, a, b: _unbroadcast(g, np.shape(a)),
       lambda g, out, a, b: _unbroadcast(g, np.shape(b)))
defjvp(add, lambda da, out, a, b: _broadcast(da, out),
       lambda db, out, a, b: _broadcast(db, out))


@primitive
def subtract(a, b):
    """``a - b``, elementwise, with NumPy broadcasting."""
    return np.subtract(a, b)


defvjp(subtract, lambda g, out, a, b: _unbroadcast(g, np.shape(a)),
       lambda g, out, a, b: -_unbroadcast(g, np.shape(b)))
defjvp(subtract, lambda da, out, a, b: _broadcast(da, out),
       lambda db, out, a, b: -_broadcast(db, out))


@primitive
def multiply(a, b):
    """``a * b``, elementwise, with NumPy broadcasting."""
    return np.multiply(a, b)


defvjp(multiply, lambda g, out, a, b: _unbroadcast(g * b, np.shape(a)),
       lambda g, out, a, b: _unbroadcast(g * a, np.shape(b)))
defjvp(multiply, lambda da, out, a, b: _broadcast(da * b, out),
       lambda db, out, a, b: _broadcast(a * db, out))


@primitive
def divide(a, b):
    """``a / b``, elementwise, with NumPy broadcasting."""
    return np.divide(a, b)


defvjp(divide, lambda g, out, a, b: _unbroadcast(g / b, np.shape(a)),
       lambda g, out, a, b: _unbroadcast(-g * out / b, np.shape(b)))
defjvp(divide, lambda da, out, a, b: _broadcast(da / b, out),
       lambda db, out, a, b: _broadcast(-db * out / b, out))


def _log_base(a):
    # d(a^b)/db = a^b log a; where a = 0 the power is 0 (or constant), and so is its slope.
    a = np.asarray(a)
    return np.log(np.where(a > 0, a, 1.0))


@primitive
def power(a, b):
    """``a ** b``, elementwise, with NumPy broadcasting."""
    return np.power(a, b)


def _power_vjp_a(g, out, a, b):
    if np.ndim(b) == 0 and np.shape(g) == np.shape(a):
        # the common case x**2, x**3: no broadcasting to undo, and no power for b = 2
        return (b * g) * a if b == 2 else (b * g) * np.power(a, b - 1)
    return _unbroadcast(g * b * np.power(a, b - 1), np.shape(a))


defvjp(power, _power_vjp_a,
       lambda g, out, a, b: _unbroadcast(g * out * _log_base(a), np.shape(b)))
defjvp(power, lambda da, out, a, b: _broadcast(da * b * np.power(a, b - 1), out),
       lambda db, out, a, b: _broadcast(db * out * _log_base(a), out))


negative = _elementwise("negative", np.negative, lambda y, x: -1.0, "``-x``.")
exp = _elementwise("exp", np.exp, lambda y, x: y, "Elementwise ``e**x``.")
log = _elementwise("log", np.log, lambda y, x: 1 / x, "Elementwise natural logarithm.")
tanh = _elementwise("tanh", np.tanh, lambda y, x: 1 - y**2, "Elementwise hyperbolic tangent.")
sin = _elementwise("sin", np.sin, lambda y, x: np.cos(x), "Elementwise sine.")
cos = _elementwise("cos", np.cos, lambda y, x: -np.sin(x), "Elementwise cosine.")
sqrt = _elementwise("sqrt", np.sqrt, lambda y, x: 0.5 / y, "Elementwise square root.")
abs = _elementwise("abs", np.abs, lambda y, x: np.sign(x),  # shadows the builtin, as numpy.abs
                   "Elementwise absolute value (its slope at 0 is taken to be 0).")


# ---------------------------------------------------------------- shapes and sums


@primitive
def transpose(x, axes=None):
    """Reverse (or permute) the axes; ``x.T`` for a matrix."""
    return np.transpose(x, axes)


defvjp(transpose, lambda g, out, x, axes=None:
       np.transpose(g, None if axes is None else np.argsort(axes)))
defjvp(transpose, lambda dx, out, x, axes=None: np.transpose(dx, axes))


@primitive
def reshape(x, shape):
    """``x`` with a new shape (C order, as NumPy)."""
    return np.reshape(x, shape)


defvjp(reshape, lambda g, out, x, shape: np.reshape(g, np.shape(x)))
defjvp(reshape, lambda dx, out, x, shape: np.reshape(dx, shape))


@primitive
def getitem(x, index):
    """``x[index]``: basic or advanced indexing (repeated indices accumulate)."""
    return np.asarray(x)[index]


def _getitem_vjp(g, out, x, index):
    cotangent = np.zeros(np.shape(x))
    np.add.at(cotangent, index, g)
    return cotangent


defvjp(getitem, _getitem_vjp)
defjvp(getitem, lambda dx, out, x, index: np.asarray(dx)[index])


@primitive
def sum(x, axis=None, keepdims=False):  # shadows the builtin, as numpy.sum
    """Sum of the entries, over all axes or the given ones."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_vjp(g, out, x, axis=None, keepdims=False):
    # Put back the summed axes, then copy g along them (into a new array: quicker to
    # make than np.broadcast_to's read-only view, and quicker for the rules downstream).
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    cotangent = np.empty(np.shape(x))
    cotangent[...] = g
    return cotangent


defvjp(sum, _sum_vjp)
defjvp(sum, lambda dx, out, x, axis=None, keepdims=False:
       np.sum(dx, axis=axis, keepdims=keepdims))


def mean(x, axis=None, keepdims=False):
    """Mean of the entries, over all axes or the given ones (a sum divided by a count)."""
    total = sum(x, axis=axis, keepdims=keepdims)
    return total / (np.size(_value(x)) / np.size(_value(total)))


@primitive
def trace(x):
    """Trace of a matrix, the sum of its diagonal."""
    if np.ndim(x) != 2:
        raise ValueError(f"trace needs a matrix (2-D array), got shape {np.shape(x)}.")
    return np.trace(x)


defvjp(trace, lambda g, out, x: g * np.eye(*np.shape(x)))
defjvp(trace, lambda dx, out, x: np.trace(dx))


@primitive
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along `axis`, computed without overflow."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_rule(v, s, x, axis=-1):
    # The Jacobian diag(s) - s s^T is symmetric: the same map pushes forward and pulls back.
    return s * (v - np.sum(v * s, axis=axis, keepdims=True))


defvjp(softmax, _softmax_rule)
defjvp(softmax, _softmax_rule)


# ---------------------------------------------------------------- linear algebra


def _check_matmul(a, b):
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        raise ValueError(f"matmul (@) needs arrays with at least one axis, got shapes {sa} "
                         f"and {sb}; multiply by a scalar with * instead.")
    inner_b = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != inner_b:
        raise ValueError(f"matmul (@): shapes {sa} and {sb} do not match: the left factor "
                         f"has {sa[-1]} columns but the right one has {inner_b} rows.")


@primitive
def matmul(a, b):
    """``a @ b``: matrix-matrix, matrix-vector, vector-matrix, vector-vector, or stacks of these."""
    try:
        return np.matmul(a, b)
    except ValueError:
        _check_matmul(a, b)                 # a clearer message for the usual mistakes
        raise


def _as_matrices(g, a, b):
    """View vectors as a 1-row (left) or 1-column (right) matrix, as @ does."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if b.ndim == 1:
        b, g = b[:, None], g[..., None]
    if a.ndim == 1:
        a, g = a[None, :], g[..., None, :]
    return g, a, b


def _matmul_vjp_a(g, out, a, b):            # d<g, a b> = <g b^T, da>
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return g @ b.T                      # plain matrices: nothing to reshape or unbroadcast
    g, a2, b2 = _as_matrices(g, a, b)
    return _unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(np.shape(a))


def _matmul_vjp_b(g, out, a, b):            # d<g, a b> = <a^T g, db>
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ g
    g, a2, b2 = _as_matrices(g, a, b)
    return _unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(np.shape(b))


defvjp(matmul, _matmul_vjp_a, _matmul_vjp_b)
defjvp(matmul, lambda da, out, a, b: np.matmul(da, b),
       lambda db, out, a, b: np.matmul(a, db))


def _check_square(A, name):
    if np.ndim(A) != 2 or np.shape(A)[0] != np.shape(A)[1]:
        raise ValueError(f"{name} needs a square matrix, got shape {np.shape(A)}.")


# The rules below use NumPy's LAPACK only.  SciPy's LU factors could be shared
# between a forward pass and its rules, but SciPy bundles its own OpenBLAS:
# alternating NumPy products with SciPy factorizations (n = 200, two cores,
# default threads) was measured 10 to 20 times slower than NumPy's calls alone,
# as the two libraries' thread pools wait on each other.


def _solve(A, b):
    _check_square(A, "solve(A, b)")
    n, sb = np.shape(A)[0], np.shape(b)
    if len(sb) not in (1, 2) or sb[0] != n:
        raise ValueError(f"solve(A, b): b must be a vector or matrix with {n} rows to match A "
                         f"of shape {np.shape(A)}, got shape {sb}.")
    try:
        x = np.linalg.solve(A, b)
    except np.linalg.LinAlgError as err:
        raise np.linalg.LinAlgError(f"solve(A, b): A is singular ({err}).") from err
    return x, (x, {})


@primitive(fwd=_solve)
def solve(A, b):
    """``x = A^-1 b`` for a square nonsingular `A` and a vector or matrix `b`."""
    return _solve(A, b)[0]


def _solve_adjoint(g, saved, A):
    """A^-T g: both pullbacks of solve need it, so it is computed once per g."""
    memo = saved[1]
    if memo.get("g") is not g:
        memo["g"], memo["adjoint"] = g, np.linalg.solve(np.transpose(A), g)
    return memo["adjoint"]


def _solve_vjp_A(g, saved, A, b):
    adjoint, x = _solve_adjoint(g, saved, A), saved[0]
    return -np.multiply.outer(adjoint, x) if x.ndim == 1 else -adjoint @ x.T


# x = A^-1 b: dx = A^-1 (db - dA x); the pullbacks are -(A^-T g) x^T and A^-T g.
defvjp(solve, _solve_vjp_A, lambda g, s, A, b: _solve_adjoint(g, s, A))
defjvp(solve, lambda dA, s, A, b: -np.linalg.solve(A, dA @ s[0]),
       lambda db, s, A, b: np.linalg.solve(A, db))


@primitive
def inv(A):
    """Inverse of a square nonsingular matrix."""
    _check_square(A, "inv")
    return np.linalg.inv(A)


# d(A^-1) = -A^-1 dA A^-1, whose adjoint is g -> -A^-T g A^-T: the rules reuse A^-1.
defvjp(inv, lambda g, Ainv, A: -Ainv.T @ g @ Ainv.T)
defjvp(inv, lambda dA, Ainv, A: -Ainv @ dA @ Ainv)


def _scaled_inverse_transpose(scale, A, name):
    """scale * A^-T, scaled in place (the inverse is a fresh array)."""
    try:
        inverse_transpose = np.linalg.inv(A).T
    except np.linalg.LinAlgError as err:
        raise np.linalg.LinAlgError(f"the derivative of {name} at a singular matrix is not "
                                    f"supported ({err}).") from err
    inverse_transpose *= scale
    return inverse_transpose


@primitive
def det(A):
    """Determinant of a square matrix."""
    _check_square(A, "det")
    return np.linalg.det(A)


# d det A = det(A) tr(A^-1 dA): the gradient is det(A) A^-T.
defvjp(det, lambda g, d, A: _scaled_inverse_transpose(g * d, A, "det"))
defjvp(det, lambda dA, d, A: d * np.trace(np.linalg.solve(A, dA)))


_SMALL = 64    # below this size the factor and the halves cost more than they save


def _inverse_of_lower(L):
    """L^-1 for a nonsingular lower-triangular L, by halves:
    [[A, 0], [C, D]]^-1 = [[A^-1, 0], [-D^-1 C A^-1, D^-1]].

    NumPy has no triangular inverse (LAPACK's trtri); this one does its work in
    matrix products and costs about a third of a general `inv`.
    """
    n = L.shape[0]
    if n <= 32:                             # (measured fastest among 8, 16, 32 and 64)
        return np.linalg.inv(L)
    k = n // 2
    A_inv, D_inv = _inverse_of_lower(L[:k, :k]), _inverse_of_lower(L[k:, k:])
    out = np.zeros_like(A_inv, shape=L.shape)
    out[:k, :k], out[k:, k:] = A_inv, D_inv
    out[k:, :k] = -(D_inv @ (L[k:, :k] @ A_inv))
    return out


def _logdet(A):
    """The traced forward pass of logdet: log|det A|, and the Cholesky factor of A
    when A is symmetric positive definite (else None).

    A covariance, a Gram matrix plus a ridge, a Hessian at a minimum: the logdets
    of this course are mostly of such matrices, and the factor L gives the
    gradient A^-1 = L^-T L^-1 for about half the price of `inv` (which would
    factor A a second time).  Untraced, logdet calls `slogdet`, which returns no
    factor but allocates less (here, Cholesky's fresh n x n output cost about
    200 page faults per call at n = 200 and slogdet none, which made it the
    slower of the two for all its half of the arithmetic).
    """
    _check_square(A, "logdet")
    A = np.asarray(A)
    if len(A) > _SMALL and np.isrealobj(A) and np.array_equal(A, A.T):
        try:
            L = np.linalg.cholesky(A)
        except np.linalg.LinAlgError:
            pass                            # symmetric but not positive definite: LU below
        else:
            return 2.0 * np.sum(np.log(np.diagonal(L))), L
    return np.linalg.slogdet(A)[1], None


@primitive(fwd=_logdet)
def logdet(A):
    """``log |det A|`` of a square matrix (``log det A`` when ``det A > 0``)."""
    _check_square(A, "logdet")
    return np.linalg.slogdet(A)[1]


def _logdet_vjp(g, L, A):
    if L is None:
        return _scaled_inverse_transpose(g, A, "logdet")
    L_inv = _inverse_of_lower(L)
    inverse = L_inv.T @ L_inv               # A^-1 = L^-T L^-1, symmetric like A
    inverse *= g
    return inverse


# d log|det A| = tr(A^-1 dA): the gradient is A^-T (A^-1 for a symmetric A).
defvjp(logdet, _logdet_vjp)
defjvp(logdet, lambda dA, L, A: np.trace(np.linalg.solve(A, dA)))


# NumPy functions and ufuncs that dispatch to the primitives above when given a
# traced value, and the names worth suggesting for a few that do not.
_UFUNCS = {np.add: add, np.subtract: subtract, np.multiply: multiply, np.divide: divide,
           np.power: power, np.negative: negative, np.exp: exp, np.log: log, np.tanh: tanh,
           np.sin: sin, np.cos: cos, np.sqrt: sqrt, np.absolute: abs, np.matmul: matmul}
_NUMPY_FUNCTIONS = {
    np.sum: sum, np.mean: mean, np.transpose: transpose, np.reshape: reshape,
    np.trace: trace, np.linalg.solve: solve, np.linalg.inv: inv, np.linalg.det: det,
    np.shape: lambda x: np.shape(_value(x)), np.ndim: lambda x: np.ndim(_value(x)),
    np.size: lambda x, axis=None: np.size(_value(x), axis),
    np.zeros_like: lambda x, **kw: np.zeros_like(_value(x), **kw),
    np.ones_like: lambda x, **kw: np.ones_like(_value(x), **kw),
}
_SUGGESTIONS = {"slogdet": "logdet", "dot": "matmul (or @)", "square": "power (or x**2)",
                "true_divide": "divide", "einsum": "matmul and transpose",
                "logsumexp": "primitive (see the example in matdiff.ad's docstring)"}


# ----------------------------------------------------------------------------
# the user's functions: gradients, vector-Jacobian and Jacobian-vector products


def _tree_map(fn, tree):
    """Apply fn to each array in nested dicts, lists and tuples, keeping the structure."""
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_tree_map(fn, v) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return fn(tree)


@primitive
def gram(x):
    """``x.T @ x`` for a matrix `x` (``X.T @ X`` on a traced `X` is recorded as this).

    d(XᵀX) = dXᵀ X + Xᵀ dX, so the pullback of G is X (G + Gᵀ): one product,
    where the rule of a general product applied to Xᵀ and X would need two.
    """
    if np.ndim(x) != 2:
        raise ValueError(f"gram needs a matrix (2-D array), got shape {np.shape(x)}.")
    return x.T @ x                          # NumPy computes this with a symmetric update


def _gram_jvp(dx, out, x):
    half = x.T @ dx
    return half + half.T


defvjp(gram, lambda g, out, x: x @ (g + np.transpose(g)))
defjvp(gram, _gram_jvp)


def _tree_leaves(tree):
    leaves = []
    _tree_map(leaves.append, tree)
    return leaves


def _as_input(x, name):
    """A real float array to differentiate at."""
    if type(x) is np.ndarray and x.dtype == np.float64:
        return x                            # the common case, checked first
    if isinstance(x, _Traced):
        raise NotImplementedError(_NESTING)
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{name} must be a real number or array of numbers, got "
                        f"{type(x).__name__}.")
    if np.iscomplexobj(a):
        raise TypeError(f"{name} is complex; matdiff.ad differentiates real functions of "
                        "real arrays.")
    return np.asarray(a, dtype=float)     # no copy when it is already a float array


def _output(out, who):
    """The plain value of f's result and its tape node (None if it does not depend on x)."""
    if isinstance(out, Node):
        return out.value, out
    if isinstance(out, Dual):
        raise TypeError(f"{who}: f returned a Dual (forward mode) value. {_NESTING}")
    value = np.asarray(out) if not isinstance(out, (dict, list, tuple)) else None
    if value is None or value.dtype == object or not np.issubdtype(value.dtype, np.number):
        raise TypeError(f"{who} needs f to return a number or an array of numbers, got "
                        f"{type(out).__name__}.")
    return out, None


def _toposort(out):
    """The nodes that `out` depends on, each before its parents.

    A node is made after its parents, so the latest-made first is a topological
    order: collect the nodes reachable from `out`, then sort them by creation.
    """
    seen, stack = {id(out): out}, [out]
    while stack:
        for p in stack.pop().parents:
            if id(p) not in seen:
                seen[id(p)] = p
                stack.append(p)
    return sorted(seen.values(), key=_creation, reverse=True)


def _creation(node):
    return node.seq


def _backward(order, g):
    """Reverse accumulation: pull g back through the tape; cotangents of inputs by id."""
    cotangents = {id(order[0]): g}
    for node in order:
        if not node.parents:
            continue                    # an input: keep its cotangent
        g = cotangents.pop(id(node))
        for parent, c in zip(node.parents, node.pullback(g)):
            k = id(parent)
            cotangents[k] = cotangents[k] + c if k in cotangents else c
    return cotangents


def _gradient_of(leaf, cotangents):
    """The cotangent of an input, as a new float array of its shape (a float if 0-d)."""
    g, shape = cotangents.get(id(leaf)), leaf.value.shape
    if g is None:
        return np.zeros(shape) if shape else np.float64(0.0)
    g = np.array(g, dtype=float)
    if g.shape != shape:
        g = g.reshape(shape)
    return g if shape else g[()]


def _seed(value):
    """The cotangent 1 of a scalar output, with the output's shape."""
    shape = np.shape(value)
    return np.ones(shape) if shape else np.array(1.0)


def value_and_grad(f, argnums=0):
    """Like :func:`grad`, returning ``(f(*args), gradient)`` from the same forward pass.

    Examples
    --------
    >>> import numpy as np
    >>> from matdiff import ad
    >>> value, g = ad.value_and_grad(lambda x: ad.sum(x**2))(np.array([1.0, 2.0]))
    >>> float(value), g
    (5.0, array([2., 4.]))
    """
    single = isinstance(argnums, (int, np.integer))
    positions = (argnums,) if single else tuple(argnums)
    if not positions or not all(isinstance(i, (int, np.integer)) for i in positions):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}.")

    @functools.wraps(f)
    def value_and_gradient(*args, **kwargs):
        bad = [i for i in positions if not -len(args) <= i < len(args)]
        if bad:
            raise ValueError(f"argnums={argnums!r} asks for argument {bad[0]}, but f was "
                             f"called with {len(args)} positional argument(s).")
        args = list(args)
        for i in positions:
            args[i] = _tree_map(lambda a, i=i: Node(_as_input(a, f"argument {i}")), args[i])
        value, node = _output(f(*args, **kwargs), "grad")
        if np.size(value) != 1:
            raise ValueError(f"grad needs f to return a scalar, but f returned an array of shape "
                             f"{np.shape(value)}; use matdiff.ad.vjp(f, x) for vector-Jacobian "
                             "products or matdiff.ad.jacobian(f, x) for the whole Jacobian.")
        cotangents = {} if node is None else _backward(_toposort(node), _seed(value))
        grads = tuple(_tree_map(lambda leaf: _gradient_of(leaf, cotangents), args[i])
                      for i in positions)
        return value, grads[0] if single else grads

    return value_and_gradient


def grad(f, argnums=0):
    """The gradient of a real scalar function, by reverse mode.

    Parameters
    ----------
    f : callable
        ``f(*args, **kwargs)`` returning a real scalar (or an array with one
        entry), written with matdiff.ad's operations or operators.
    argnums : int or tuple of int
        Which positional argument(s) to differentiate with respect to.  An
        argument may be an array, a number, or a dict / list / tuple of them
        (such as a network's parameters); its gradient has the same structure.

    Returns
    -------
    callable
        ``gradient(*args, **kwargs)``: the gradient, with the shape of the
        argument (a tuple of gradients when `argnums` is a tuple), such that
        ``f(x + dx) - f(x) = sum(gradient * dx) + o(|dx|)``.

    Raises
    ------
    ValueError
        If ``f`` does not return a scalar.

    Examples
    --------
    >>> import numpy as np
    >>> from matdiff import ad
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ad.grad(lambda X: ad.trace(A @ X))(np.eye(2))         # gradient of tr(AX) is A^T
    array([[1., 3.],
           [2., 4.]])
    >>> params = {"w": np.array([1.0, -1.0]), "b": 0.5}
    >>> loss = lambda p, x: ad.tanh(p["w"] @ x + p["b"])
    >>> sorted(ad.grad(loss)(params, np.array([0.5, 0.5])))
    ['b', 'w']
    """
    value_and_gradient = value_and_grad(f, argnums)

    @functools.wraps(f)
    def gradient(*args, **kwargs):
        return value_and_gradient(*args, **kwargs)[1]

    return gradient


def vjp(f, x):
    """Evaluate ``f(x)`` and return its pullback, the vector-Jacobian product.

    Parameters
    ----------
    f : callable
        Function of one argument (an array, a number, or a dict / list / tuple
        of them) returning an array.
    x
        Point of evaluation.

    Returns
    -------
    value : ndarray
        ``f(x)``.
    pullback : callable
        ``pullback(g)`` for a cotangent `g` with the shape of ``f(x)`` returns
        the gradient of ``<g, f(x)>`` at `x` (the structure of `x`):
        ``f'(x)^T[g]``.  It reuses the recorded tape, so calling it again
        (for another `g`) does not re-run `f`.

    Examples
    --------
    >>> import numpy as np
    >>> from matdiff import ad
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> y, pullback = ad.vjp(lambda x: A @ x, np.array([1.0, 1.0]))
    >>> pullback(np.array([1.0, 0.0, 0.0]))                   # A^T g
    array([1., 2.])
    """
    x = _tree_map(lambda a: Node(_as_input(a, "x")), x)
    value, node = _output(f(x), "vjp")
    order = [] if node is None else _toposort(node)

    def pullback(g):
        g = _as_input(g, "the cotangent g")
        if g.shape != np.shape(value):
            raise ValueError(f"the cotangent g must have the shape of f(x), {np.shape(value)}, "
                             f"got {g.shape}.")
        cotangents = _backward(order, g) if order else {}
        return _tree_map(lambda leaf: _gradient_of(leaf, cotangents), x)

    return value, pullback


def jvp(f, x, dx):
    """Evaluate ``f(x)`` and its directional derivative ``f'(x)[dx]`` by forward mode.

    Parameters
    ----------
    f : callable
        Function of one argument returning a number or an array.
    x
        Point of evaluation: a number, an array, or a dict / list / tuple of them.
    dx
        Direction, with the structure and shapes of `x`.

    Returns
    -------
    value, tangent
        ``f(x)`` and ``f'(x)[dx]``, both with the shape of ``f(x)``.

    Examples
    --------
    Dual numbers differentiate the Babylonian square root as it iterates:

    >>> from matdiff import ad
    >>> def babylonian(a, steps=6):
    ...     t = (1 + a) / 2
    ...     for _ in range(steps):
    ...         t = (t + a / t) / 2
    ...     return t
    >>> value, slope = ad.jvp(babylonian, 2.0, 1.0)      # sqrt(2) and 1 / (2 sqrt(2))
    >>> round(float(value), 12), round(float(slope), 12)
    (1.414213562373, 0.353553390593)
    """
    tangents = iter(_tree_leaves(dx))
    if _tree_map(lambda _: 0, x) != _tree_map(lambda _: 0, dx):
        raise ValueError("dx must have the same structure as x (the same keys and lengths).")

    def dual(a):
        a, t = _as_input(a, "x"), _as_input(next(tangents), "dx")
        if t.shape != a.shape:
            raise ValueError(f"dx must have the shape of x: x has shape {a.shape}, dx has "
                             f"shape {t.shape}.")
        return Dual(a, t)

    out = f(_tree_map(dual, x))
    if isinstance(out, Dual):
        value, tangent = out.value, np.asarray(_broadcast(out.tangent, out.value), dtype=float)
    else:
        if isinstance(out, Node):
            raise TypeError(f"jvp: f returned a Node (reverse mode) value. {_NESTING}")
        value, _ = _output(out, "jvp")
        tangent = np.zeros(np.shape(value))
    return value, tangent[()] if tangent.ndim == 0 else tangent.copy()


def jacobian(f, x, *, mode="reverse"):
    """The Jacobian matrix of `f` at `x`, in numerator layout with column-major vec.

    Column ``k`` is ``vec(f'(x)[e_k])``, as :func:`matdiff.fd_jacobian`.
    Forward mode builds it a column at a time (one :func:`jvp` per entry of
    `x`); reverse mode a row at a time (one pullback per entry of ``f(x)``,
    after a single forward pass).  Pick the mode with fewer passes.

    Parameters
    ----------
    f : callable
        Function of one array returning an array.
    x : array_like
        Point of evaluation.
    mode : {'reverse', 'forward'}

    Returns
    -------
    ndarray of shape (f(x).size, x.size)

    Examples
    --------
    >>> import numpy as np
    >>> from matdiff import ad
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> J = ad.jacobian(lambda X: A @ X, np.eye(2), mode="forward")
    >>> bool(np.allclose(J, np.kron(np.eye(2), A)))           # vec(A X) = (I kron A) vec(X)
    True
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}.")
    x = _as_input(x, "x")
    if mode == "reverse":
        value, pullback = vjp(f, x)
        J = np.zeros((np.size(value), x.size))
        for i in range(np.size(value)):
            J[i] = np.ravel(pullback(_basis(np.shape(value), i)), order="F")
        return J
    J = None
    for k in range(x.size):
        column = np.ravel(jvp(f, x, _basis(x.shape, k))[1], order="F")
        if J is None:
            J = np.zeros((column.size, x.size))
        J[:, k] = column
    return np.zeros((np.size(f(x)), 0)) if J is None else J

