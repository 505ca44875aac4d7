"""matdiff.matfun: Frechet derivatives four ways, Newton's square root, expm by eigenvectors."""

import doctest

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import check_derivative, matfun
from matdiff.matfun import (
    MATRIX_FUNCTIONS,
    daleckii_krein,
    expm_eig,
    frechet,
    sqrtm_frechet,
    sqrtm_newton,
)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 8)
kinds = st.sampled_from(["symmetric", "nonsymmetric"])


def rel_err(X, Y):
    return np.abs(X - Y).max() / max(np.abs(Y).max(), 1e-300)


def random_matrix(rng, n, kind, scale=1.0):
    G = scale * rng.standard_normal((n, n)) / np.sqrt(n)
    return (G + G.T) / 2 if kind == "symmetric" else G


def in_domain(rng, n, kind):
    """A matrix with its eigenvalues near 2, far from (-inf, 0] (for logm and sqrtm)."""
    return 2 * np.eye(n) + random_matrix(rng, n, kind, 0.5)


SCIPY = {"expm": sla.expm, "logm": sla.logm, "sqrtm": sla.sqrtm, "sinm": sla.sinm,
         "cosm": sla.cosm, "tanm": sla.tanm, "sinhm": sla.sinhm, "coshm": sla.coshm,
         "tanhm": sla.tanhm}


def test_docstring_examples_run():
    result = doctest.testmod(matfun, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


def test_every_named_function_is_tested():
    assert set(MATRIX_FUNCTIONS) == set(SCIPY)


# ---------------------------------------------------------------- the block identity


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds, log_scale=st.floats(-3, 3))
def test_block_identity_matches_expm_frechet(seed, n, kind, log_scale):
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, n, kind, 2.0)
    E = 10.0**log_scale * rng.standard_normal((n, n))
    exact = sla.expm_frechet(A, E, compute_expm=False)
    assert rel_err(frechet("expm", A, E), exact) < 1e-11
    assert rel_err(frechet("exp", A, E), exact) < 1e-11
    assert rel_err(frechet(sla.expm, A, E), exact) < 1e-11


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds, name=st.sampled_from(sorted(SCIPY)))
def test_block_identity_matches_finite_differences(seed, n, kind, name):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, kind) if name in ("logm", "sqrtm") else random_matrix(rng, n, kind)
    L = frechet(name, A, rng.standard_normal((n, n)))
    assert L.shape == (n, n) and np.isrealobj(L)
    r = check_derivative(SCIPY[name], lambda X, E: frechet(name, X, E), A, rng=rng)
    assert r.ok, f"{name}: {r}"


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=sizes)
def test_block_identity_for_complex_matrices(seed, n):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, "nonsymmetric") + 0.5j * random_matrix(rng, n, "nonsymmetric")
    for name in ("expm", "logm", "sqrtm"):
        r = check_derivative(SCIPY[name], lambda X, E, name=name: frechet(name, X, E), A,
                             rng=rng)
        assert r.ok, f"{name}: {r}"


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds)
def test_frechet_is_linear_in_E(seed, n, kind):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, kind)
    E1, E2 = rng.standard_normal((2, n, n))
    a, b = rng.standard_normal(2)
    for name in ("expm", "logm", "sqrtm"):
        L = frechet(name, A, a * E1 + b * E2)
        assert rel_err(L, a * frechet(name, A, E1) + b * frechet(name, A, E2)) < 1e-10
    assert not frechet("expm", A, np.zeros((n, n))).any()


def test_matrix_callables_and_the_powers_example():
    rng = np.random.default_rng(0)
    A, E = rng.standard_normal((2, 4, 4))
    # d(X^3) = dX X^2 + X dX X + X^2 dX: the block identity knows the product rule
    L = frechet(lambda X: X @ X @ X, A, E)
    np.testing.assert_allclose(L, E @ A @ A + A @ E @ A + A @ A @ E, atol=1e-12)
    assert rel_err(frechet(lambda X: sla.expm(X), A, E),
                   sla.expm_frechet(A, E, compute_expm=False)) < 1e-12


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds)
def test_scalar_functions_are_lifted(seed, n, kind):
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, n, kind)
    E = rng.standard_normal((n, n))
    exact = frechet("sinm", A, E)
    assert rel_err(frechet(np.sin, A, E), exact) < 1e-8           # ufuncs are scalar
    assert rel_err(frechet(lambda x: np.sin(x), A, E, scalar=True), exact) < 1e-8
    cube = frechet(lambda x: x**3, A, E, scalar=True)
    assert rel_err(cube, E @ A @ A + A @ E @ A + A @ A @ E) < 1e-8


def test_entrywise_function_passed_as_matrix_function_is_refused():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="scalar=True"):
        frechet(lambda X: np.exp(X), A, np.eye(2))
    with pytest.raises(TypeError, match="does not commute"):
        frechet(lambda X: X**2, A, np.eye(2))
    with pytest.raises(TypeError, match="does not commute"):
        frechet(np.transpose, A, np.eye(2))          # not a primary matrix function
    with pytest.raises(TypeError, match="shape"):
        frechet(lambda X: X[0], A, np.eye(2))
    with pytest.raises(TypeError, match="name or a callable"):
        frechet(3.0, A, np.eye(2))


# ---------------------------------------------------------------- Daleckii-Krein


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, name=st.sampled_from(["exp", "sin", "cos", "tanh", "sinhm"]))
def test_daleckii_krein_matches_block_identity(seed, n, name):
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, n, "symmetric", 2.0)
    E = rng.standard_normal((n, n))                  # any direction, not only symmetric
    assert rel_err(daleckii_krein(name, A, E), frechet(name, A, E)) < 1e-10


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=sizes)
def test_daleckii_krein_log_sqrt_and_user_functions(seed, n):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, "symmetric")
    E = rng.standard_normal((n, n))
    for name in ("logm", "sqrtm"):
        assert rel_err(daleckii_krein(name, A, E), frechet(name, A, E)) < 1e-10
    cube = E @ A @ A + A @ E @ A + A @ A @ E
    assert rel_err(daleckii_krein(lambda x: x**3, A, E), cube) < 1e-9
    assert rel_err(daleckii_krein(lambda x: x**3, A, E, fprime=lambda x: 3 * x**2),
                   cube) < 1e-12
    r = check_derivative(lambda X: sla.expm((X + X.T) / 2),
                         lambda X, E: daleckii_krein("exp", (X + X.T) / 2, (E + E.T) / 2),
                         A, rng=rng)
    assert r.ok, r


def test_daleckii_krein_at_repeated_and_close_eigenvalues():
    # A = c I: every divided difference is f'(c), so L = f'(c) E
    E = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(daleckii_krein("exp", 2 * np.eye(3), E), np.exp(2) * E)
    A = np.diag([1.0, 1.0 + 1e-12, 3.0])              # no cancellation in the quotient
    assert rel_err(daleckii_krein("exp", A, E),
                   sla.expm_frechet(A, E, compute_expm=False)) < 1e-12


def test_daleckii_krein_hermitian():
    rng = np.random.default_rng(3)
    G = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    A = (G + G.conj().T) / 2
    E = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    assert rel_err(daleckii_krein("exp", A, E),
                   sla.expm_frechet(A, E, compute_expm=False)) < 1e-12


# ---------------------------------------------------------------- square root


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds)
def test_sqrtm_derivative_from_sylvester(seed, n, kind):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, kind)
    E = rng.standard_normal((n, n))
    dS = sqrtm_frechet(A, E)
    S = sla.sqrtm(A)
    np.testing.assert_allclose(S @ dS + dS @ S, E, atol=1e-12 * np.abs(E).max())
    assert rel_err(dS, frechet("sqrtm", A, E)) < 1e-10
    r = check_derivative(sla.sqrtm, sqrtm_frechet, A, rng=rng)
    assert r.ok, r


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds, method=st.sampled_from(["denman-beavers", "newton"]))
def test_newton_square_root_converges_quadratically(seed, n, kind, method):
    rng = np.random.default_rng(seed)
    A = in_domain(rng, n, kind)
    r = sqrtm_newton(A, method=method)
    assert r.converged
    assert rel_err(r.X, sla.sqrtm(A)) < 1e-12
    assert r.residuals[-1] < 1e-13
    assert len(r.residuals) == r.iterations + 1 == len(r.steps) + 1
    for before, after in zip(r.steps, r.steps[1:]):
        if 1e-6 < before < 0.1:                  # the asymptotic regime, above roundoff
            assert after <= 20 * before**2
    text = str(r)
    assert method in text and "converged" in text
    assert len(text.splitlines()) == r.iterations + 3
    assert f"iterations={r.iterations}" in repr(r)


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=sizes)
def test_denman_beavers_handles_ill_conditioned_spd_matrices(seed, n):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    A = (Q * np.geomspace(1, 1e4, n)) @ Q.T
    r = sqrtm_newton(A)
    assert r.converged and rel_err(r.X, sla.sqrtm(A)) < 1e-10


def test_plain_newton_is_unstable_and_denman_beavers_is_not():
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0]
    A = (Q * np.geomspace(1, 100, 6)) @ Q.T            # cond(A) = 100 > 9
    S = sla.sqrtm(A)
    newton = sqrtm_newton(A, method="newton", tol=0, maxiter=40)
    stable = sqrtm_newton(A, method="denman-beavers", tol=0, maxiter=40)
    assert newton.iterations == stable.iterations == 40
    assert min(newton.residuals) < 1e-10               # it did converge at first ...
    assert rel_err(newton.X, S) > 1                    # ... then roundoff grew
    assert not newton.converged and "NOT converged" in str(newton)
    assert stable.converged and rel_err(stable.X, S) < 1e-13


def test_diverging_newton_stops_with_a_record_instead_of_raising():
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0]
    A = (Q * np.geomspace(1, 1e4, 6)) @ Q.T
    r = sqrtm_newton(A, method="newton", tol=0, maxiter=500)
    assert r.iterations < 500 and not r.converged      # overflow or a singular iterate
    assert np.all(np.isfinite(r.residuals)) and np.all(np.isfinite(r.X))


# ---------------------------------------------------------------- expm by eigenvectors


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, kind=kinds)
def test_expm_by_eigendecomposition(seed, n, kind):
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, n, kind, 2.0)
    X = expm_eig(A)
    assert np.isrealobj(X)
    cond = np.linalg.cond(np.linalg.eig(A)[1])
    assert rel_err(X, sla.expm(A)) < 1e-13 * max(cond, 1) * np.exp(np.abs(A).sum() / n)
    if kind == "symmetric":
        assert rel_err(X, sla.expm(A)) < 1e-12


def test_expm_eig_is_inaccurate_near_a_defective_matrix():
    errors = []
    for delta in (1e-2, 1e-6, 1e-10):
        B = np.array([[1.0, 1.0], [0.0, 1.0 + delta]])
        assert rel_err(sla.expm(B), np.e * np.array([[1.0, 1.0], [0.0, 1.0]])) < 2 * delta
        errors.append(rel_err(expm_eig(B), sla.expm(B)))
    assert errors[0] < 1e-12 < errors[1] < errors[2]   # cond(V) ~ 1 / delta
    with pytest.raises(ValueError, match="not diagonalizable"):
        expm_eig(np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_expm_eig_complex_input():
    A = np.array([[1j, 1.0], [0.0, -1.0]])
    assert rel_err(expm_eig(A), sla.expm(A)) < 1e-14


# ---------------------------------------------------------------- errors


ALL = {
    "frechet": lambda A, E: frechet("expm", A, E),
    "daleckii_krein": lambda A, E: daleckii_krein("exp", A, E),
    "sqrtm_frechet": sqrtm_frechet,
    "sqrtm_newton": lambda A, E: sqrtm_newton(A),
    "expm_eig": lambda A, E: expm_eig(A),
}


@pytest.mark.parametrize("name", ALL)
def test_non_square_and_non_finite_A(name):
    call = ALL[name]
    with pytest.raises(ValueError, match=r"A must be a square matrix.*\(2, 3\)"):
        call(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="A contains nan or inf"):
        call(np.full((2, 2), np.nan), np.eye(2))


@pytest.mark.parametrize("name", ["frechet", "daleckii_krein", "sqrtm_frechet"])
def test_E_of_another_shape(name):
    with pytest.raises(ValueError, match=r"E has shape \(3, 3\) but A has shape \(2, 2\)"):
        ALL[name](2 * np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="E contains nan or inf"):
        ALL[name](2 * np.eye(2), np.full((2, 2), np.inf))


OUTSIDE = {
    "negative eigenvalue": np.diag([2.0, -1.0]),
    "zero eigenvalue": np.array([[1.0, 1.0], [1.0, 1.0]]),
    "negative Jordan block": np.array([[-1.0, 1.0], [0.0, -1.0]]),
}


@pytest.mark.parametrize("where", OUTSIDE)
def test_log_and_sqrt_outside_their_domain(where):
    A, E = OUTSIDE[where], np.eye(2)
    for name, what in (("logm", "logarithm"), ("sqrtm", "square root")):
        with pytest.raises(ValueError, match=f"{name} is not defined at A.*principal {what}"):
            frechet(name, A, E)
    with pytest.raises(ValueError, match="closed negative real axis"):
        sqrtm_frechet(A, E)
    with pytest.raises(ValueError, match="closed negative real axis"):
        sqrtm_newton(A)
    if np.allclose(A, A.T):
        with pytest.raises(ValueError, match="closed negative real axis"):
            daleckii_krein("log", A, E)
    # complex eigenvalues with negative real part are fine
    rotation = np.array([[-1.0, 1.0], [-1.0, -1.0]])
    assert np.isfinite(frechet("logm", rotation, E)).all()


def test_small_positive_eigenvalues_are_inside_the_domain():
    # eigenvalue 1 next to 1e12 is far above roundoff (1e12 * eps ~ 1e-4): allowed
    Q = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    A = (Q * np.geomspace(1, 1e12, 4)) @ Q.T
    assert sqrtm_newton(A).converged
    assert np.isfinite(sqrtm_frechet(A, np.eye(4))).all()
    with pytest.raises(ValueError, match="closed negative real axis"):
        frechet("sqrtm", (Q * [0.0, 1.0, 2.0, 1e12]) @ Q.T, np.eye(4))


def test_unknown_function_names():
    with pytest.raises(ValueError, match=r"unknown matrix function f='expo'.*expm, logm"):
        frechet("expo", np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match="unknown matrix function"):
        daleckii_krein("gamma", np.eye(2), np.eye(2))


def test_daleckii_krein_needs_a_symmetric_matrix():
    with pytest.raises(ValueError, match=r"daleckii_krein needs a symmetric.*use frechet"):
        daleckii_krein("exp", np.array([[1.0, 2.0], [0.0, 1.0]]), np.eye(2))
    with pytest.raises(TypeError, match="fprime must be"):
        daleckii_krein("exp", np.eye(2), np.eye(2), fprime=1.0)


def test_sqrtm_newton_arguments():
    with pytest.raises(ValueError, match="method must be 'denman-beavers' or 'newton'"):
        sqrtm_newton(np.eye(2), method="halley")
    with pytest.raises(ValueError, match="maxiter must be a positive integer"):
        sqrtm_newton(np.eye(2), maxiter=0)
    with pytest.raises(ValueError, match="tol must be a non-negative number"):
        sqrtm_newton(np.eye(2), tol=-1.0)
    r = sqrtm_newton(4 * np.eye(3), maxiter=1)
    assert r.iterations == 1 and not r.converged
