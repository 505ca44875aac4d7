"""Newton's method: convergence (quadratic where it should be), failures reported, eigenvalues."""

import itertools

import numpy as np
import pytest
import scipy.optimize
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff.newton import (
    EigenNewtonResult,
    NewtonResult,
    newton,
    newton_eigenvalue,
    newton_minimize,
    newton_nonlinear_eigenvalue,
)

seeds = st.integers(0, 2**32 - 1)


def quadratic_ratios(errors, floor=1e-7):
    """e_{k+1} / e_k^2 while e_k is large enough for e_{k+1} to be above roundoff."""
    return [e1 / e0**2 for e0, e1 in itertools.pairwise(errors) if e0 > floor]


# ---------------------------------------------------------------- newton


def test_cube_root_converges_quadratically():
    root = 2 ** (1 / 3)
    r = newton(lambda x: x**3 - 2, lambda x: 3 * x**2, 1.0)
    assert r.converged and r.status == "converged"
    assert abs(r.x - root) < 1e-15
    assert np.ndim(r.x) == 0 and all(np.ndim(x) == 0 for x in r.iterates)
    ratios = quadratic_ratios(r.errors(root))
    assert len(ratios) >= 3
    # e_{k+1} / e_k^2 -> f''/(2 f') = 1/root at the root
    assert np.all(np.array(ratios) < 1.2) and abs(ratios[-1] - 1 / root) < 0.01


def random_system(rng, n):
    """F(x) = A (x - x*) + sin(x) - sin(x*): root x*, Jacobian A + diag(cos x).

    A = 4 I + U / 2 with U orthogonal, so every Jacobian has smallest singular value
    at least 4 - 1/2 - 1: x* is the only root, and Newton converges from nearby.
    """
    U = np.linalg.qr(rng.standard_normal((n, n)))[0]
    A = 4 * np.eye(n) + U / 2
    root = rng.standard_normal(n)
    f = lambda x: A @ (x - root) + np.sin(x) - np.sin(root)  # noqa: E731
    jac = lambda x: A + np.diag(np.cos(x))  # noqa: E731
    return f, jac, root


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_systems_converge_quadratically(seed, n):
    rng = np.random.default_rng(seed)
    f, jac, root = random_system(rng, n)
    x0 = root + rng.standard_normal(n) / np.sqrt(n)
    r = newton(f, jac, x0)
    assert r.converged, r.message
    assert np.linalg.norm(r.x - root) <= 1e-12 * max(1, np.linalg.norm(root))
    # e_{k+1} <= |J^-1| max|F''| e_k^2 / 2, with |J^-1| <= 1/2.5 and |F''| <= 1
    ratios = quadratic_ratios(r.errors(root))
    assert ratios and max(ratios) <= 0.2
    # the record is consistent: one residual per iterate, one step between iterates
    assert len(r.iterates) == len(r.residual_norms) == r.iterations + 1
    steps = [np.linalg.norm(b - a) for a, b in itertools.pairwise(r.iterates)]
    assert np.allclose(steps, r.step_norms)
    assert np.allclose([np.linalg.norm(f(x)) for x in r.iterates], r.residual_norms)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_a_linear_system_takes_one_step(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) + 3 * np.sqrt(n) * np.eye(n)
    b = rng.standard_normal(n)
    r = newton(lambda x: A @ x - b, lambda x: A, np.zeros(n))
    assert r.converged and r.iterations <= 2
    assert np.allclose(r.iterates[1], np.linalg.solve(A, b), rtol=1e-12, atol=1e-12)


def test_complex_roots_of_unity():
    for z0, root in [(1 + 1j, 1), (-1 + 1j, np.exp(2j * np.pi / 3)), (-1 - 1j,
                                                                       np.exp(-2j * np.pi / 3))]:
        r = newton(lambda z: z**3 - 1, lambda z: 3 * z**2, z0)
        assert r.converged and abs(r.x - root) < 1e-14, (z0, r.x)
    assert "j" in r.table()


def test_a_double_root_converges_only_linearly():
    r = newton(lambda x: (x - 1) ** 2, lambda x: 2 * (x - 1), 2.0)
    assert r.converged and r.iterations > 30
    errors = r.errors(1.0)
    assert np.allclose(errors[1:10] / errors[:9], 0.5)     # the error halves each step


# ---------------------------------------------------------------- failures


def test_singular_jacobian_is_reported():
    r = newton(lambda x: x**2 + 1, lambda x: 2 * x, 0.0)
    assert not r.converged and r.status == "singular"
    assert "singular at iteration 0" in r.message
    r = newton(lambda x: np.array([x[0] + x[1] - 1, 2 * x[0] + 2 * x[1] - 3]),
               lambda x: np.array([[1.0, 1.0], [2.0, 2.0]]), np.zeros(2))
    assert r.status == "singular" and "condition number" in r.message


def test_nonfinite_values_are_reported():
    with np.errstate(invalid="ignore"):
        r = newton(lambda x: np.sqrt(x) - 2, lambda x: 0.5 / np.sqrt(x), -1.0)
    assert r.status == "nonfinite" and not r.converged
    assert np.isnan(r.residual_norms[-1])
    r = newton(lambda x: x - 2, lambda x: np.nan, 1.0)
    assert r.status == "nonfinite" and "Jacobian contains nan" in r.message


def test_cycling_is_reported_as_a_stall():
    # x^3 - 2x + 2 from 0: Newton cycles 0, 1, 0, 1, ... forever
    r = newton(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0)
    assert r.status == "stalled" and "cycling" in r.message
    assert set(np.round(r.iterates, 12)) == {0.0, 1.0}
    with np.errstate(over="ignore"):     # arctan from 1.4: |x| grows step after step
        r = newton(np.arctan, lambda x: 1 / (1 + x**2), 1.4)
    assert not r.converged


def test_a_tolerance_below_roundoff_stalls():
    r = newton(lambda x: np.array([x[0] ** 2 + x[1] ** 2 - 1, x[0] - x[1]]),
               lambda x: np.array([[2 * x[0], 2 * x[1]], [1.0, -1.0]]), [1.0, 0.3], tol=1e-20)
    assert r.status == "stalled" and "roundoff" in r.message
    assert np.allclose(r.x, np.sqrt(0.5))


def test_maxiter_is_reported():
    r = newton(lambda x: (x - 1) ** 2, lambda x: 2 * (x - 1), 2.0, maxiter=5)
    assert r.status == "maxiter" and r.iterations == 5 and "maxiter = 5" in r.message
    r = newton(lambda x: x - 1, lambda x: 1.0, 3.0, maxiter=0)
    assert r.status == "maxiter" and r.iterations == 0 and r.x == 3.0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"f\(x\) returned shape \(3,\), expected \(2,\)"):
        newton(lambda x: np.ones(3), lambda x: np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"jac\(x\) returned shape \(2,\), expected \(2, 2\)"):
        newton(lambda x: x, lambda x: np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"x0 must be a scalar or a 1-D array, got shape"):
        newton(lambda x: x, lambda x: 1, np.ones((2, 2)))
    with pytest.raises(ValueError, match="x0 contains nan"):
        newton(lambda x: x, lambda x: 1, np.nan)
    with pytest.raises(TypeError, match="x0 must be a number"):
        newton(lambda x: x, lambda x: 1, "one")
    with pytest.raises(ValueError, match="tol must be a number between 0 and 1"):
        newton(lambda x: x, lambda x: 1, 1.0, tol=0)
    with pytest.raises(ValueError, match="maxiter must be an integer >= 0"):
        newton(lambda x: x, lambda x: 1, 1.0, maxiter=2.5)
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        newton(lambda x: x, lambda x: 1, 1.0, patience=0)
    with pytest.raises(TypeError, match="f and jac must be callables"):
        newton(lambda x: x, 1.0, 1.0)


def test_results_print_a_table():
    r = newton(lambda x: x**3 - 2, lambda x: 3 * x**2, 1.0)
    assert isinstance(r, NewtonResult)
    text = str(r)
    lines = text.splitlines()
    assert lines[0].startswith("converged")
    assert "x_k" in lines[2] and "|f(x)|" in lines[2] and "|step|" in lines[2]
    assert len(lines) == 3 + len(r.iterates)
    assert repr(r).startswith("NewtonResult(x=1.25992104989487") and "iterations=5" in repr(r)
    table = r.table(root=2 ** (1 / 3))
    assert "e_k/e_{k-1}^2" in table.splitlines()[0]
    # 13 digits of x_k: the last ones are rounding, which differs between CPUs
    assert table.splitlines()[2].split()[1] == "1.333333333333"
    # an error at the rounding level has no meaningful ratio to the one before
    off = r.table(root=2 ** (1 / 3) + 4e-15).splitlines()[-1]
    assert off.endswith("roundoff") and "4.00e-15" in off
    vector = newton(lambda x: x - 1, lambda x: np.eye(2), np.zeros(2))
    assert "x_k" not in vector.table() and "array(" in repr(vector)


# ---------------------------------------------------------------- minimization


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_a_quadratic_is_minimized_in_one_step(seed, n):
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, n))
    H, c = G @ G.T + np.eye(n), rng.standard_normal(n)
    r = newton_minimize(lambda x: x @ H @ x / 2 - c @ x, lambda x: H @ x - c, lambda x: H,
                        rng.standard_normal(n))
    assert r.converged and r.iterations <= 2
    assert np.allclose(r.iterates[1], np.linalg.solve(H, c))
    assert len(r.values) == len(r.iterates) and r.values[1] <= r.values[0]


def logistic(A, y):
    """Logistic-regression loss with labels +-1, its gradient and Hessian (plus a small ridge)."""
    sigma = scipy.special.expit
    f = lambda w: np.sum(np.logaddexp(0, -y * (A @ w))) + 0.05 * w @ w  # noqa: E731
    grad = lambda w: -A.T @ (y * sigma(-y * (A @ w))) + 0.1 * w  # noqa: E731
    hess = lambda w: (A.T * (sigma(A @ w) * sigma(-(A @ w)))) @ A + 0.1 * np.eye(len(w))  # noqa: E731
    return f, grad, hess


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 5))
def test_logistic_regression_matches_scipy(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((30, n))
    y = np.where(A @ rng.standard_normal(n) + rng.standard_normal(30) > 0, 1.0, -1.0)
    f, grad, hess = logistic(A, y)
    r = newton_minimize(f, grad, hess, np.zeros(n))
    assert r.converged, r.message
    reference = scipy.optimize.minimize(f, np.zeros(n), jac=grad, method="BFGS", tol=1e-12).x
    assert np.allclose(r.x, reference, atol=1e-6)
    assert np.linalg.norm(grad(r.x)) < 1e-10
    # quadratic convergence: e_{k+1} <= |H^-1| |f'''| e_k^2 / 2, and the third derivative of
    # the loss is at most max|sigma''| sum_i |a_i|^3, with max|sigma''| = 1 / (6 sqrt 3) < 0.1
    bound = np.linalg.norm(np.linalg.inv(hess(r.x)), 2) * 0.1 * np.sum(np.linalg.norm(A, axis=1)**3)
    ratios = quadratic_ratios(r.errors(r.x)[:-1])
    assert max(ratios, default=0) <= bound


def test_rosenbrock_from_near_the_minimum():
    f = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    grad = lambda x: np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),  # noqa: E731
                               200 * (x[1] - x[0] ** 2)])
    hess = lambda x: np.array([[2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]],  # noqa: E731
                               [-400 * x[0], 200.0]])
    r = newton_minimize(f, grad, hess, [0.9, 0.8])
    assert r.converged and np.allclose(r.x, [1, 1], atol=1e-12)
    assert "f(x_k)" in r.table() and "|grad f(x)|" in r.table()


def test_saddle_points_are_reported_not_climbed():
    f = lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4  # noqa: E731
    grad = lambda x: np.array([2 * x[0], -2 * x[1] + 4 * x[1] ** 3])  # noqa: E731
    hess = lambda x: np.diag([2.0, -2 + 12 * x[1] ** 2])  # noqa: E731
    r = newton_minimize(f, grad, hess, [0.5, 0.1])     # heading for the saddle at 0
    assert r.status == "not-positive-definite" and not r.converged
    assert "saddle point" in r.message and "smallest eigenvalue -1.88" in r.message
    assert r.iterations == 0
    at = newton_minimize(f, grad, hess, [0.0, 0.0])    # starting on the saddle itself
    assert at.status == "not-positive-definite" and "stationary point" in at.message
    ok = newton_minimize(f, grad, hess, [0.5, 0.9])    # in the bowl around (0, 1/sqrt 2)
    assert ok.converged and np.allclose(ok.x, [0, np.sqrt(0.5)])
    assert np.all(np.diff(ok.values) <= 1e-15)


def test_minimize_argument_errors():
    with pytest.raises(ValueError, match=r"hess\(x\) is not symmetric"):
        newton_minimize(lambda x: x @ x, lambda x: 2 * x, lambda x: np.array([[2.0, 1], [0, 2]]),
                        np.ones(2))
    with pytest.raises(ValueError, match="x0 must be real"):
        newton_minimize(lambda x: x * x, lambda x: 2 * x, lambda x: 2.0, 1j)
    with pytest.raises(ValueError, match=r"grad\(x\) returned shape \(3,\)"):
        newton_minimize(lambda x: x @ x, lambda x: np.ones(3), lambda x: np.eye(2), np.ones(2))
    with pytest.raises(TypeError, match="f, grad and hess must be callables"):
        newton_minimize(lambda x: x, lambda x: x, None, 1.0)
    r = newton_minimize(lambda x: np.log(x), lambda x: 1 / x, lambda x: -1 / x**2, 1.0)
    assert r.status == "not-positive-definite"     # log is concave: no minimum to find
    with np.errstate(divide="ignore"):
        r = newton_minimize(lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3, 0.0)
    assert r.status == "nonfinite"


# ---------------------------------------------------------------- eigenvalues


def nearest_start(rng, eigs, j):
    """A start close to eigenvalue j: a small fraction of the distance to the others."""
    gap = np.min(np.abs(np.delete(eigs, j) - eigs[j])) if len(eigs) > 1 else 1.0
    phase = np.exp(2j * np.pi * rng.uniform()) if np.iscomplexobj(eigs[j]) else rng.choice([-1, 1])
    return eigs[j] + 0.05 * gap * phase


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 7))
def test_eigenvalues_agree_with_numpy(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    eigs = np.linalg.eigvals(A)
    j = rng.integers(n)
    target = eigs[j] if eigs[j].imag != 0 else eigs[j].real
    r = newton_eigenvalue(A, nearest_start(rng, eigs if eigs[j].imag else eigs.real, j))
    assert isinstance(r, EigenNewtonResult) and r.converged, r.message
    assert abs(r.eigenvalue - target) <= 1e-9 * max(1, abs(target))
    v = r.vector
    assert np.isclose(np.linalg.norm(v), 1)
    assert np.linalg.norm(A @ v - r.eigenvalue * v) <= 1e-9 * max(1, np.linalg.norm(A, 2))
    assert np.isrealobj(v) == np.isrealobj(r.eigenvalue)


def test_eigenvalue_convergence_is_quadratic_and_steps_are_one_over_trace():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 1.0]])
    target = np.linalg.eigvalsh(A)[0]
    r = newton_eigenvalue(A, 0.0)
    assert r.converged and abs(r.x - target) < 1e-13
    lam0, lam1 = r.iterates[:2]
    assert np.isclose(lam1 - lam0, 1 / np.trace(np.linalg.inv(A - lam0 * np.eye(3))))
    ratios = quadratic_ratios(r.errors(target))
    assert ratios and max(ratios) < 10
    assert "sigma_min(M)" in r.table() and "vector = " in str(r)


def test_complex_eigenvalue_of_a_real_matrix():
    A = np.array([[0.0, -2.0], [1.0, 0.0]])      # eigenvalues +- i sqrt 2
    r = newton_eigenvalue(A, 0.3 + 1.0j)
    assert r.converged and abs(r.x - 1j * np.sqrt(2)) < 1e-14
    assert np.iscomplexobj(r.vector) and np.linalg.norm(A @ r.vector - r.x * r.vector) < 1e-13
    real_start = newton_eigenvalue(A, 0.3)       # a real iteration cannot reach i sqrt 2
    assert not real_start.converged and real_start.vector is None


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 5))
def test_quadratic_eigenproblem_against_a_linearization(seed, n):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, n)), 0.3 * rng.standard_normal((n, n)) + np.eye(n)
    I = np.eye(n)
    # (A - lam I + lam^2 B) v = 0  <=>  [[0, I], [-B^-1 A, B^-1]] [v; lam v] = lam [v; lam v]
    Binv = np.linalg.inv(B)
    eigs = np.linalg.eigvals(np.block([[np.zeros((n, n)), I], [-Binv @ A, Binv]]))
    j = rng.integers(2 * n)
    start_from = eigs if eigs[j].imag else eigs.real
    r = newton_nonlinear_eigenvalue(lambda l: A - l * I + l**2 * B, lambda l: -I + 2 * l * B,
                                    nearest_start(rng, start_from, j))
    assert r.converged, r.message
    assert abs(r.x - eigs[j]) <= 1e-8 * max(1, abs(eigs[j]))
    M = A - r.x * I + r.x**2 * B
    assert np.linalg.norm(M @ r.vector) <= 1e-9 * max(1, np.linalg.norm(M, 2))


@pytest.mark.parametrize(("a", "b", "tau"), [(-1.0, 0.5, 1.0), (0.3, -2.0, 0.7), (-2.0, 1.5, 2.0)])
def test_delay_eigenvalues_against_lambert_w(a, b, tau):
    # lam = a + b exp(-lam tau) has the roots lam = a + W_k(b tau exp(-a tau)) / tau
    for branch in (0, -1, 1):
        exact = a + scipy.special.lambertw(b * tau * np.exp(-a * tau), branch) / tau
        exact = exact.real if exact.imag == 0 else exact
        M = lambda l: np.array([[a - l + b * np.exp(-l * tau)]])  # noqa: E731
        dM = lambda l: np.array([[-1 - tau * b * np.exp(-l * tau)]])  # noqa: E731
        r = newton_nonlinear_eigenvalue(M, dM, exact + 0.05 * (1 + 1j * np.iscomplexobj(exact)))
        assert r.converged and abs(r.x - exact) < 1e-12 * max(1, abs(exact)), (branch, r.x)


def test_delay_system_with_a_matrix():
    rng = np.random.default_rng(5)
    A, B, tau = rng.standard_normal((3, 3)) - 2 * np.eye(3), 0.5 * rng.standard_normal((3, 3)), 1.0
    I = np.eye(3)
    r = newton_nonlinear_eigenvalue(lambda l: A - l * I + B * np.exp(-l * tau),
                                    lambda l: -I - tau * B * np.exp(-l * tau), -1.0 + 0.5j)
    assert r.converged
    M = A - r.x * I + B * np.exp(-r.x * tau)
    assert np.linalg.svd(M, compute_uv=False)[-1] < 1e-12 and np.linalg.norm(M @ r.vector) < 1e-12


def test_eigenvalue_failures_and_errors():
    # dM = 0: det M does not change with lambda, and the step is undefined
    r = newton_nonlinear_eigenvalue(lambda l: np.eye(2), lambda l: np.zeros((2, 2)), 1.0)
    assert r.status == "singular" and "tr(M^-1 dM) is zero" in r.message
    with pytest.raises(ValueError, match=r"A must be a square matrix, got shape \(2, 3\)"):
        newton_eigenvalue(np.ones((2, 3)), 0.0)
    with pytest.raises(ValueError, match="lam0 must be a scalar"):
        newton_eigenvalue(np.eye(2), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"M\(lam\) must return a square matrix"):
        newton_nonlinear_eigenvalue(lambda l: np.ones(3), lambda l: np.ones(3), 0.0)
    with pytest.raises(ValueError, match=r"dM\(lam\) has shape \(3, 3\) but M\(lam\) has"):
        newton_nonlinear_eigenvalue(lambda l: np.eye(2) * l, lambda l: np.eye(3), 0.5)
    # starting exactly on an eigenvalue: done at once, with its null vector
    r = newton_eigenvalue(np.diag([1.0, 2.0]), 2.0)
    assert r.converged and r.iterations == 0 and np.allclose(np.abs(r.vector), [0, 1])
