"""matdiff: derivatives as linear operators.

The library of the course-book *Matrix Calculus for Machine Learning and
Beyond*.  A derivative is a function ``df(x, dx)`` returning the first-order
change of ``f`` for a change ``dx`` of ``x``; a gradient ``grad(x)`` has the
shape of ``x``.  Jacobian matrices appear only when asked for, with ``vec``
stacking columns.

Modules
-------
finite_differences
    Directional derivatives, gradients and Jacobians by finite differences;
    exact stencil weights.
check
    Compare a claimed derivative or gradient with finite differences and
    diagnose the usual mistakes.
widgets
    Interactive figures that keep working on a static web page.
"""

from . import widgets
from .check import CheckResult, DerivativeCheckError, check_derivative, check_gradient
from .finite_differences import (
    METHODS,
    Stencil,
    fd_derivative,
    fd_gradient,
    fd_jacobian,
    stencil_weights,
)

__version__ = "0.1.0"

__all__ = [
    "METHODS",
    "CheckResult",
    "DerivativeCheckError",
    "Stencil",
    "check_derivative",
    "check_gradient",
    "fd_derivative",
    "fd_gradient",
    "fd_jacobian",
    "stencil_weights",
    "widgets",
]
