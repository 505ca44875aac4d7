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
eig
    Derivatives of eigenvalues and eigenvectors, with clear errors at repeated
    eigenvalues.
matfun
    Matrix functions and their Frechet derivatives.
cookbook
    The registry of machine-checked derivative identities.
ad
    Automatic differentiation: forward mode with dual numbers, reverse mode with
    a tape of vector-Jacobian products, and custom rules.
grading
    Honest autograding of problem sets.
psets
    The public side of each problem set: functions, checks, public cases.
widgets
    Interactive figures that keep working on a static web page.
"""

from . import ad, cookbook, eig, grading, matfun, psets, widgets
from .adjoint import AdjointResult, adjoint_gradient, chain_matrix, chain_matrix_derivative
from .check import CheckResult, DerivativeCheckError, check_derivative, check_gradient
from .cookbook import IDENTITIES, Identity, check_identity
from .eig import (
    DefectiveEigenvalueError,
    EigenvalueGapError,
    eig_value_derivative,
    eig_value_gradient,
    eigh2x2,
    eigh2x2_jacobian,
    eigh_value_derivative,
    eigh_value_expansion,
    eigh_value_gradient,
    eigh_vector,
    eigh_vector_derivative,
    eigh_vector_vjp,
)
from .finite_differences import (
    METHODS,
    Stencil,
    fd_derivative,
    fd_gradient,
    fd_jacobian,
    stencil_weights,
)
from .kron import commutation_matrix, operator_matrix, sylvester_operator, unvec, vec
from .matfun import (
    MATRIX_FUNCTIONS,
    daleckii_krein,
    expm_eig,
    frechet,
    sqrtm_frechet,
    sqrtm_newton,
)
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
    "MATRIX_FUNCTIONS",
    "METHODS",
    "AdjointResult",
    "CheckResult",
    "DefectiveEigenvalueError",
    "DerivativeCheckError",
    "EigenNewtonResult",
    "EigenvalueGapError",
    "Identity",
    "NewtonResult",
    "Stencil",
    "ad",
    "adjoint_gradient",
    "chain_matrix",
    "chain_matrix_derivative",
    "check_derivative",
    "check_gradient",
    "check_identity",
    "commutation_matrix",
    "cookbook",
    "daleckii_krein",
    "eig",
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
    "expm_eig",
    "fd_derivative",
    "fd_gradient",
    "fd_jacobian",
    "frechet",
    "grading",
    "matfun",
    "newton",
    "newton_eigenvalue",
    "newton_minimize",
    "newton_nonlinear_eigenvalue",
    "operator_matrix",
    "psets",
    "sqrtm_frechet",
    "sqrtm_newton",
    "stencil_weights",
    "sylvester_operator",
    "unvec",
    "vec",
    "widgets",
]
