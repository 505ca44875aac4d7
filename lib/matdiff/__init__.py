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
kron
    vec and Kronecker products: vec/unvec, commutation matrices, the matrix of a
    linear operator.
newton
    Newton's method for roots, minima and (nonlinear) eigenvalues, with records
    of the iterates.
adjoint
    Gradients through a linear system A(p) x = b(p) with one extra solve.
cookbook
    The registry of machine-checked derivative identities.
widgets
    Interactive figures that keep working on a static web page.
"""

from . import cookbook, widgets
from .adjoint import AdjointResult, adjoint_gradient, chain_matrix, chain_matrix_derivative
from .check import CheckResult, DerivativeCheckError, check_derivative, check_gradient
from .cookbook import IDENTITIES, Identity, check_identity
from .finite_differences import (
    METHODS,
    Stencil,
    fd_derivative,
    fd_gradient,
    fd_jacobian,
    stencil_weights,
)
from .kron import commutation_matrix, operator_matrix, sylvester_operator, unvec, vec
from .newton import (
    EigenNewtonResult,
    NewtonResult,
    newton,
    newton_eigenvalue,
    newton_minimize,
    newton_nonlinear_eigenvalue,
)

__version__ = "0.1.0"

__all__ = [
    "IDENTITIES",
    "METHODS",
    "AdjointResult",
    "CheckResult",
    "DerivativeCheckError",
    "EigenNewtonResult",
    "Identity",
    "NewtonResult",
    "Stencil",
    "adjoint_gradient",
    "chain_matrix",
    "chain_matrix_derivative",
    "check_derivative",
    "check_gradient",
    "check_identity",
    "commutation_matrix",
    "cookbook",
    "fd_derivative",
    "fd_gradient",
    "fd_jacobian",
    "newton",
    "newton_eigenvalue",
    "newton_minimize",
    "newton_nonlinear_eigenvalue",
    "operator_matrix",
    "stencil_weights",
    "sylvester_operator",
    "unvec",
    "vec",
    "widgets",
]
