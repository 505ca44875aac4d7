"""matdiff.eig: every eigen-derivative checked against finite differences, and the errors."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import check_derivative, check_gradient, eig, fd_jacobian
from matdiff.eig import (
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

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 8)


# ---------------------------------------------------------------- matrices


def spread_eigenvalues(rng, n):
    """n eigenvalues, centred, with gaps between 0.5 and 1.5."""
    lam = np.cumsum(0.5 + rng.uniform(size=n))
    return lam - lam.mean()


def orthogonal(rng, n, complex_=False):
    G = rng.standard_normal((n, n))
    if complex_:
        G = G + 1j * rng.standard_normal((n, n))
    return np.linalg.qr(G)[0]


def symmetric(rng, n, complex_=False):
    """A symmetric (Hermitian) matrix with well-separated eigenvalues, exactly symmetric."""
    Q = orthogonal(rng, n, complex_)
    A = (Q * spread_eigenvalues(rng, n)) @ Q.conj().T
    return (A + A.conj().T) / 2


def nonsymmetric(rng, n, kind="real"):
    """A non-symmetric matrix with well-separated eigenvalues and eigenvectors.

    kind: 'real' (real matrix, real eigenvalues), 'pairs' (real matrix with
    complex-conjugate pairs), 'complex' (complex matrix).
    """
    lam = spread_eigenvalues(rng, n)
    if kind == "pairs":
        D = np.diag(lam)
        for i in range(0, n - 1, 2):   # rotate pairs of eigenvalues into the plane
            D[i, i + 1], D[i + 1, i] = 1.0, -1.0
            D[i + 1, i + 1] = D[i, i]
    else:
        D = np.diag(lam.astype(complex) * np.exp(0.5j) if kind == "complex" else lam)
    # Well-conditioned eigenvectors keep the entries of A moderate, so the large
    # first steps of the finite-difference checks do not make eigenvalues collide.
    V = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
    if kind == "complex":
        V = V + 0.3j * rng.standard_normal((n, n)) / np.sqrt(n)
    return np.linalg.solve(V.T, (V @ D).T).T          # V D V^-1


def sym(X):
    return (X + X.conj().T) / 2


def tracked(lam0):
    """X -> the eigenvalue of X closest to lam0: a smooth function near the base point."""
    def f(X):
        w = np.linalg.eigvals(X)
        return w[np.argmin(np.abs(w - lam0))]
    return f


def right_eigenvector(lam0, v0):
    """X -> the unit right eigenvector of X for the eigenvalue near lam0, sign fixed by v0."""
    def f(X):
        w, V = np.linalg.eig(X)
        x = V[:, np.argmin(np.abs(w - lam0))]
        x = x / np.linalg.norm(x)
        overlap = np.vdot(v0, x)
        return x * (overlap.conjugate() / abs(overlap))
    return f


def sorted_eigenvalues(A):
    return np.sort(np.linalg.eigvals(A))


# ---------------------------------------------------------------- docstrings


def test_docstring_examples_run():
    result = doctest.testmod(eig, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


# ---------------------------------------------------------------- eigenvalues, symmetric


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_hellmann_feynman_matches_finite_differences(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    k = int(rng.integers(n))
    r = check_derivative(lambda X: np.linalg.eigvalsh(sym(X))[k],
                         lambda X, dX: eigh_value_derivative(sym(X), sym(dX), k=k), A, rng=rng)
    assert r.ok, r
    every = check_derivative(lambda X: np.linalg.eigvalsh(sym(X)),
                             lambda X, dX: eigh_value_derivative(sym(X), sym(dX)), A, rng=rng)
    assert every.ok, every


@settings(max_examples=15, deadline=None)
@given(seed=seeds, n=sizes)
def test_hellmann_feynman_holds_for_nonsymmetric_perturbations(seed, n):
    # v^T dA v is the change of the eigenvalue of the non-symmetric A + dA too.
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    k = int(rng.integers(n))
    lam0 = np.linalg.eigvalsh(A)[k]
    r = check_derivative(tracked(lam0), lambda X, dX: eigh_value_derivative(A, dX, k=k), A,
                         rng=rng)
    assert r.ok, r


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_eigenvalue_gradient_of_symmetric_matrix(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    k = int(rng.integers(-n, n))
    G = eigh_value_gradient(A, k)
    assert G.shape == A.shape
    np.testing.assert_allclose(G, G.T, atol=1e-15)
    np.testing.assert_allclose(G @ G, G, atol=1e-13)          # a rank-one projector
    assert np.trace(G) == pytest.approx(1)
    r = check_gradient(lambda X: np.linalg.eigvalsh(sym(X))[k],
                       lambda X: eigh_value_gradient(sym(X), k), A, rng=rng)
    assert r.ok, r


def test_gradient_of_the_largest_eigenvalue():
    rng = np.random.default_rng(4)
    A = symmetric(rng, 5)
    V = np.linalg.eigh(A)[1]
    np.testing.assert_allclose(eigh_value_gradient(A, -1), np.outer(V[:, -1], V[:, -1]),
                               atol=1e-14)


@settings(max_examples=15, deadline=None)
@given(seed=seeds, n=sizes)
def test_hermitian_eigenvalues_gradient_and_derivative(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n, complex_=True)
    k = int(rng.integers(n))
    r = check_gradient(lambda X: np.linalg.eigvalsh(sym(X))[k],
                       lambda X: eigh_value_gradient(sym(X), k), A, rng=rng)
    assert r.ok, r
    dA = sym(rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
    d = eigh_value_derivative(A, dA, k=k)
    assert np.isrealobj(d)                            # real for a Hermitian dA
    assert d == pytest.approx(np.vdot(eigh_value_gradient(A, k), dA).real)


def test_operator_form_and_value_form_agree():
    rng = np.random.default_rng(0)
    A, dA = symmetric(rng, 4), rng.standard_normal((4, 4))
    op = eigh_value_derivative(A)
    assert "linear map" in repr(op) and "symmetric" in repr(op)
    np.testing.assert_allclose(op(dA), eigh_value_derivative(A, dA))
    one = eigh_value_derivative(A, k=2)
    assert "lambda_2" in repr(one)
    assert one(dA) == pytest.approx(eigh_value_derivative(A, dA)[2])
    # linear in dA
    dB = rng.standard_normal((4, 4))
    np.testing.assert_allclose(op(2 * dA - 3 * dB), 2 * op(dA) - 3 * op(dB), atol=1e-13)
    # a shift of A by c I moves every eigenvalue by c: derivative along I is 1
    np.testing.assert_allclose(op(np.eye(4)), np.ones(4))


# ---------------------------------------------------------------- eigenvalues, general


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes, kind=st.sampled_from(["real", "pairs", "complex"]))
def test_general_eigenvalue_derivative_matches_finite_differences(seed, n, kind):
    rng = np.random.default_rng(seed)
    A = nonsymmetric(rng, n, kind)
    k = int(rng.integers(n))
    lam0 = sorted_eigenvalues(A)[k]
    r = check_derivative(tracked(lam0), lambda X, dX: eig_value_derivative(A, dX, k=k), A,
                         rng=rng)
    assert r.ok, r
    dA = rng.standard_normal((n, n))
    every = eig_value_derivative(A, dA)
    assert every[k] == pytest.approx(eig_value_derivative(A, dA, k=k), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_general_eigenvalue_gradient_real_case(seed, n):
    rng = np.random.default_rng(seed)
    A = nonsymmetric(rng, n, "real")
    k = int(rng.integers(n))
    G = eig_value_gradient(A, k)
    assert G.shape == A.shape and np.isrealobj(G)
    lam0 = sorted_eigenvalues(A)[k].real
    r = check_gradient(lambda X: tracked(lam0)(X).real, lambda X: eig_value_gradient(X, k), A,
                       rng=rng)
    assert r.ok, r


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(2, 8))
def test_general_eigenvalue_gradient_complex_cases(seed, n):
    rng = np.random.default_rng(seed)
    # real A with complex eigenvalues: Re G and -Im G are the gradients of Re, Im lambda
    A = nonsymmetric(rng, n, "pairs")
    k = int(rng.integers(n))
    lam0 = sorted_eigenvalues(A)[k]
    G = eig_value_gradient(A, k)
    assert check_gradient(lambda X: tracked(lam0)(X).real, lambda X: G.real, A, rng=rng).ok
    assert check_gradient(lambda X: tracked(lam0)(X).imag, lambda X: -G.imag, A, rng=rng).ok
    # complex A: G and 1j G are the gradients of Re and Im lambda (real inner product)
    B = nonsymmetric(rng, n, "complex")
    mu0 = sorted_eigenvalues(B)[k]
    H = eig_value_gradient(B, k)
    assert check_gradient(lambda X: tracked(mu0)(X).real, lambda X: H, B, rng=rng).ok
    assert check_gradient(lambda X: tracked(mu0)(X).imag, lambda X: 1j * H, B, rng=rng).ok
    dB = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    assert np.vdot(H, dB) == pytest.approx(eig_value_derivative(B, dB, k=k))


@settings(max_examples=15, deadline=None)
@given(seed=seeds, n=sizes)
def test_general_formula_reduces_to_hellmann_feynman_for_symmetric_matrices(seed, n):
    rng = np.random.default_rng(seed)
    A, dA = symmetric(rng, n), rng.standard_normal((n, n))
    np.testing.assert_allclose(eig_value_derivative(A, dA), eigh_value_derivative(A, dA),
                               atol=1e-12)
    np.testing.assert_allclose(eig_value_gradient(A, 0), eigh_value_gradient(A, 0),
                               atol=1e-12)


def test_real_eigenvalue_gives_real_derivative_and_complex_gives_complex():
    A = np.array([[1.0, 4.0], [0.0, 3.0]])
    d = eig_value_derivative(A, np.ones((2, 2)))
    assert np.isrealobj(d)
    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])
    assert np.iscomplexobj(eig_value_derivative(rotation, np.ones((2, 2))))
    op = eig_value_derivative(A, k=1)
    assert "y_1^H dA x_1" in repr(op)


# ---------------------------------------------------------------- eigenvectors


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_eigenvector_derivative_matches_finite_differences(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    k = int(rng.integers(n))
    v0 = eigh_vector(A, k)
    r = check_derivative(lambda X: eigh_vector(sym(X), k, reference=v0),
                         lambda X, dX: eigh_vector_derivative(sym(X), sym(dX), k=k,
                                                              reference=v0), A, rng=rng)
    assert r.ok, r
    # a non-symmetric dA moves the right eigenvector of A + dA by the same formula
    lam0 = np.linalg.eigvalsh(A)[k]
    r = check_derivative(right_eigenvector(lam0, v0),
                         lambda X, dX: eigh_vector_derivative(A, dX, k=k, reference=v0), A,
                         rng=rng)
    assert r.ok, r


@settings(max_examples=15, deadline=None)
@given(seed=seeds, n=sizes)
def test_hermitian_eigenvector_derivative(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n, complex_=True)
    k = int(rng.integers(n))
    v0 = eigh_vector(A, k)
    # the phase is held by v^H dv = 0: the derivative of X -> eigh_vector(X, k, reference=v0)
    r = check_derivative(lambda X: eigh_vector(sym(X), k, reference=v0),
                         lambda X, dX: eigh_vector_derivative(A, sym(dX), k=k, reference=v0),
                         A, rng=rng)
    assert r.ok, r


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_eigenvector_normalization_and_sign_conventions(seed, n):
    rng = np.random.default_rng(seed)
    A, dA = symmetric(rng, n), sym(rng.standard_normal((n, n)))
    k = int(rng.integers(n))
    v = eigh_vector(A, k)
    assert np.linalg.norm(v) == pytest.approx(1)
    assert v[np.argmax(np.abs(v))] > 0                       # the default sign
    np.testing.assert_allclose(A @ v, np.linalg.eigvalsh(A)[k] * v, atol=1e-12)
    dv = eigh_vector_derivative(A, dA, k=k)
    assert abs(v @ dv) < 1e-12                               # d(v^T v) = 2 v^T dv = 0
    # flipping the sign of v flips dv
    flipped = eigh_vector_derivative(A, dA, k=k, reference=-v)
    np.testing.assert_allclose(eigh_vector(A, k, reference=-v), -v)
    np.testing.assert_allclose(flipped, -dv, atol=1e-13)
    # shifts by multiples of I change nothing: not of A, not along dA
    np.testing.assert_allclose(eigh_vector_derivative(A + 3 * np.eye(n), dA, k=k), dv,
                               atol=1e-10)
    np.testing.assert_allclose(eigh_vector_derivative(A, dA + 2 * np.eye(n), k=k), dv,
                               atol=1e-10)
    # the sum formula and the pseudo-inverse of (lambda_k I - A) agree
    lam = np.linalg.eigvalsh(A)
    expected = np.linalg.pinv(lam[k] * np.eye(n) - A, rcond=1e-10) @ dA @ v
    np.testing.assert_allclose(dv, expected, atol=1e-10)


def test_eigenvector_operator_form():
    rng = np.random.default_rng(2)
    A, dA = symmetric(rng, 3), rng.standard_normal((3, 3))
    op = eigh_vector_derivative(A, k=1)
    assert "dv_1" in repr(op)
    np.testing.assert_allclose(op(dA), eigh_vector_derivative(A, dA, k=1))


# ---------------------------------------------------------------- adjoint VJP


def g_and_grad(rng, n):
    """A scalar function of a vector, and its gradient."""
    c, d = rng.standard_normal(n), rng.standard_normal(n)
    return (lambda v: c @ v + (d @ v) ** 2,
            lambda v: c + 2 * (d @ v) * d)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_eigenvector_vjp_is_the_gradient(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    k = int(rng.integers(n))
    g, grad_g = g_and_grad(rng, n)
    v0 = eigh_vector(A, k)

    def G(X):
        return eigh_vector_vjp(X, k, grad_g(eigh_vector(X, k, reference=v0)), reference=v0)

    # over all perturbations: g of the right eigenvector of A + dA
    lam0 = np.linalg.eigvalsh(A)[k]
    r = check_gradient(lambda X: g(right_eigenvector(lam0, v0)(X)), lambda X: G(A), A, rng=rng)
    assert r.ok, r
    # over symmetric perturbations: the symmetric part
    r = check_gradient(lambda X: g(eigh_vector(sym(X), k, reference=v0)),
                       lambda X: sym(G(sym(X))), A, rng=rng)
    assert r.ok, r


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes)
def test_vjp_agrees_with_forward_derivative(seed, n):
    rng = np.random.default_rng(seed)
    A, dA = symmetric(rng, n), rng.standard_normal((n, n))
    k = int(rng.integers(n))
    w = rng.standard_normal(n)
    G = eigh_vector_vjp(A, k, w)
    assert np.vdot(G, dA) == pytest.approx(w @ eigh_vector_derivative(A, dA, k=k), abs=1e-11)


def test_vjp_uses_one_linear_solve(monkeypatch):
    rng = np.random.default_rng(1)
    A = symmetric(rng, 6)
    calls = []
    solve = np.linalg.solve
    monkeypatch.setattr(np.linalg, "solve", lambda *a: calls.append(1) or solve(*a))
    eigh_vector_vjp(A, 2, rng.standard_normal(6))
    assert len(calls) == 1


@settings(max_examples=10, deadline=None)
@given(seed=seeds, n=sizes)
def test_hermitian_vjp(seed, n):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n, complex_=True)
    k = int(rng.integers(n))
    w = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    v0 = eigh_vector(A, k)
    G = eigh_vector_vjp(A, k, w, reference=v0)
    # dg = Re <w, dv>, for g(v) = Re <w, v>
    r = check_gradient(lambda X: np.vdot(w, eigh_vector(sym(X), k, reference=v0)).real,
                       lambda X: sym(G), A, rng=rng)
    assert r.ok, r


# ---------------------------------------------------------------- second order


def second_derivative(f, t=3e-3):
    """f''(0) by central second differences at t and t/2, Richardson-extrapolated (error t^4)."""
    def d2(h):
        return (f(h) - 2 * f(0) + f(-h)) / h**2
    return (4 * d2(t / 2) - d2(t)) / 3


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=sizes, symmetric_E=st.booleans())
def test_second_order_coefficients(seed, n, symmetric_E):
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)
    E = rng.standard_normal((n, n))
    E = sym(E) if symmetric_E else E
    k = int(rng.integers(n))
    lam0 = np.linalg.eigvalsh(A)[k]
    c = eigh_value_expansion(A, E, k=k)

    def lam(t):
        return tracked(lam0)(A + t * E).real

    assert c.value == pytest.approx(lam0)
    assert c.first == pytest.approx(eigh_value_derivative(A, E, k=k))
    assert c.second == pytest.approx(second_derivative(lam) / 2, rel=1e-5, abs=1e-7)
    if symmetric_E and n > 1:       # each other eigenvalue pushes lambda_k away
        lam_all, V = np.linalg.eigh(A)
        terms = [(V[:, j] @ E @ V[:, k]) ** 2 / (lam_all[k] - lam_all[j])
                 for j in range(n) if j != k]
        assert c.second == pytest.approx(sum(terms))


def third_order_coefficient(A, E, k):
    """Rayleigh-Schroedinger third-order term of lambda_k(A + t E), symmetric A and E."""
    lam, V = np.linalg.eigh(A)
    C = V.T @ E @ V
    others = [j for j in range(len(lam)) if j != k]
    g = {j: lam[k] - lam[j] for j in others}
    return (sum(C[k, j] * C[j, l] * C[l, k] / (g[j] * g[l]) for j in others for l in others)
            - C[k, k] * sum(C[k, j] ** 2 / g[j] ** 2 for j in others))


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_second_order_remainder_shrinks_like_t_cubed(seed, n):
    # lambda_k(A + t E) is analytic for |t| < rho = gap / (2 |E|) = 1/4 here and stays
    # within |t| |E| of lambda_k, so by Cauchy's estimates the Taylor coefficients obey
    # |c_m| <= rho^(1 - m): the terms beyond t^3 are below 70 t^4 for t <= 4e-3.
    rng = np.random.default_rng(seed)
    A = symmetric(rng, n)                      # gaps >= 0.5
    E = sym(rng.standard_normal((n, n)))
    E /= np.linalg.norm(E, 2)
    k = int(rng.integers(n))
    c = eigh_value_expansion(A, E, k=k)
    c3 = third_order_coefficient(A, E, k)

    def lam(t):
        return np.linalg.eigvalsh(A + t * E)[k]

    roundoff = 1e-13
    for t in (1e-3, 2e-3, 4e-3):
        remainder2 = lam(t) - c.at(t)                    # = c3 t^3 + O(t^4)
        remainder1 = lam(t) - c.value - t * c.first      # = c2 t^2 + O(t^3)
        assert abs(remainder2 - c3 * t**3) <= 70 * t**4 + roundoff
        assert abs(remainder1 - c.second * t**2) <= (abs(c3) + 70 * t) * t**3 + roundoff
    # the remainder shrinks by 8 when t halves (once the t^3 term is visible at all)
    if abs(c3) > 0.5:                           # then the t^4 term moves it by < 12%
        ratio = (lam(2e-3) - c.at(2e-3)) / (lam(1e-3) - c.at(1e-3))
        assert ratio == pytest.approx(8, rel=0.2)


# ---------------------------------------------------------------- 2 x 2


@settings(max_examples=40, deadline=None)
@given(seed=seeds)
def test_2x2_closed_form_and_jacobian(seed):
    rng = np.random.default_rng(seed)
    p, q, r = rng.standard_normal(3)
    q += np.copysign(0.05, q)        # theta = atan2(2q, p - r) / 2 jumps where q = 0 < r - p
    pqr = np.array([p, q, r])
    S = np.array([[p, q], [q, r]])
    e = eigh2x2(S)
    assert e == eigh2x2(pqr)
    assert e.lam1 >= e.lam2
    np.testing.assert_allclose([e.lam2, e.lam1], np.linalg.eigvalsh(S), atol=1e-13)
    Q = np.array([[np.cos(e.theta), -np.sin(e.theta)], [np.sin(e.theta), np.cos(e.theta)]])
    np.testing.assert_allclose(Q @ np.diag([e.lam1, e.lam2]) @ Q.T, S, atol=1e-13)

    J = eigh2x2_jacobian(pqr)
    np.testing.assert_allclose(J, fd_jacobian(lambda x: np.array(eigh2x2(x)), pqr,
                                              method="richardson"), rtol=1e-7, atol=1e-8)
    # the Jacobian determinant: eigenvalue repulsion
    assert np.linalg.det(J) == pytest.approx(-1 / (e.lam1 - e.lam2))
    # its eigenvalue rows are Hellmann-Feynman
    grad = eigh_value_gradient(S, 1)
    np.testing.assert_allclose(J[0], [grad[0, 0], 2 * grad[0, 1], grad[1, 1]], atol=1e-12)


def test_2x2_jacobian_at_a_crossing_is_an_error():
    with pytest.raises(EigenvalueGapError, match="repeated"):
        eigh2x2_jacobian(np.eye(2))
    # close to a crossing the angle's derivative blows up like 1 / (lam1 - lam2)
    J = eigh2x2_jacobian([1.0, 1e-4, 1.0])
    assert np.abs(J[2]).max() == pytest.approx(1 / (2 * 2e-4))


def test_2x2_input_errors():
    with pytest.raises(ValueError, match="S must be symmetric"):
        eigh2x2([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"\(p, q, r\)"):
        eigh2x2(np.ones(4))
    with pytest.raises(ValueError, match="real"):
        eigh2x2(np.array([1.0, 1j, 2.0]))
    with pytest.raises(ValueError, match="nan or inf"):
        eigh2x2([1.0, np.nan, 2.0])


# ---------------------------------------------------------------- errors


ROUTINES = {
    "eigh_value_derivative": lambda A: eigh_value_derivative(A, np.ones_like(A)),
    "eigh_value_gradient": lambda A: eigh_value_gradient(A, 0),
    "eigh_vector": lambda A: eigh_vector(A, 0),
    "eigh_vector_derivative": lambda A: eigh_vector_derivative(A, np.ones_like(A), k=0),
    "eigh_vector_vjp": lambda A: eigh_vector_vjp(A, 0, np.ones(len(A))),
    "eigh_value_expansion": lambda A: eigh_value_expansion(A, np.ones_like(A), k=0),
    "eig_value_derivative": lambda A: eig_value_derivative(A, np.ones_like(A)),
    "eig_value_gradient": lambda A: eig_value_gradient(A, 0),
}
SYMMETRIC_ONLY = [name for name in ROUTINES if name.startswith("eigh")]


@pytest.mark.parametrize("name", ROUTINES)
def test_non_square_and_non_finite_input(name):
    call = ROUTINES[name]
    with pytest.raises(ValueError, match=r"A must be a square matrix.*\(2, 3\)"):
        call(np.ones((2, 3)))
    with pytest.raises(ValueError, match="square"):
        call(np.ones(3))
    with pytest.raises(ValueError, match="A contains nan or inf"):
        call(np.array([[1.0, np.inf], [np.inf, 2.0]]))
    with pytest.raises(TypeError, match="A must be"):
        call(np.array([["a", "b"], ["c", "d"]]))


@pytest.mark.parametrize("name", SYMMETRIC_ONLY)
def test_nonsymmetric_matrix_in_a_symmetric_routine(name):
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    with pytest.raises(ValueError, match=r"needs a symmetric \(A = A\^T\) matrix") as info:
        ROUTINES[name](A)
    assert name in str(info.value)
    assert "(A + A.T.conj()) / 2" in str(info.value)
    if "value_derivative" in name:
        assert "eig_value_derivative" in str(info.value)
    if "value_gradient" in name:
        assert "eig_value_gradient" in str(info.value)


@pytest.mark.parametrize("name", ROUTINES)
def test_repeated_eigenvalue_is_an_error_not_a_number(name):
    with pytest.raises(EigenvalueGapError, match="is repeated") as info:
        ROUTINES[name](np.diag([1.0, 1.0, 3.0]))
    assert "gap_tol" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", ROUTINES)
def test_nearly_repeated_eigenvalue_respects_gap_tol(name):
    A = np.diag([1.0, 1.0 + 1e-10, 3.0])
    with pytest.raises(EigenvalueGapError, match="nearly repeated"):
        ROUTINES[name](A)
    # a well-separated eigenvalue of the same matrix is fine, and so is a lower gap_tol
    assert eigh_value_derivative(A, np.eye(3), k=2) == pytest.approx(1)
    np.testing.assert_allclose(eigh_value_derivative(A, np.eye(3), gap_tol=1e-12), np.ones(3))
    np.testing.assert_allclose(eig_value_derivative(A, np.eye(3), gap_tol=0), np.ones(3))


def test_defective_matrix_is_detected():
    jordan = np.array([[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(DefectiveEigenvalueError, match="defective") as info:
        eig_value_derivative(jordan, np.eye(2))
    assert "sqrt" in str(info.value) and "y^H x" in str(info.value)
    with pytest.raises(DefectiveEigenvalueError):
        eig_value_gradient(np.array([[2.0, 1, 0], [0, 2, 1], [0, 0, 2]]), 1)
    # nearly defective: ill-conditioned but caught by defect_tol, and allowed when lowered
    near = np.array([[1.0, 1.0], [0.0, 1.0 + 1e-3]])
    with pytest.raises(DefectiveEigenvalueError):
        eig_value_derivative(near, np.eye(2), defect_tol=1e-2)
    d = eig_value_derivative(near, np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert np.abs(d).max() > 100          # condition number ~ 1 / (1e-3)


def test_bad_arguments_are_named():
    A = symmetric(np.random.default_rng(0), 3)
    with pytest.raises(ValueError, match=r"dA has shape \(2, 2\) but A has shape \(3, 3\)"):
        eigh_value_derivative(A, np.eye(2))
    with pytest.raises(ValueError, match=r"dA has shape"):
        eigh_value_derivative(A)(np.eye(2))
    with pytest.raises(ValueError, match=r"E has shape"):
        eigh_value_expansion(A, np.eye(2), k=0)
    with pytest.raises(ValueError, match=r"k must be an integer index .* -3 <= k < 3, got 3"):
        eigh_value_gradient(A, 3)
    with pytest.raises(ValueError, match="k must be"):
        eig_value_gradient(A, True)
    with pytest.raises(ValueError, match="k must be"):
        eigh_vector(A, 1.0)
    with pytest.raises(ValueError, match="gap_tol must be a non-negative number"):
        eigh_value_derivative(A, gap_tol=-1)
    with pytest.raises(ValueError, match="defect_tol must be"):
        eig_value_derivative(A, defect_tol=np.nan)
    with pytest.raises(ValueError, match="grad_v must be a vector of length 3"):
        eigh_vector_vjp(A, 0, np.ones(4))
    with pytest.raises(ValueError, match="reference must be a vector of length 3"):
        eigh_vector(A, 0, reference=np.ones(2))
    v = eigh_vector(A, 0)
    w = eigh_vector(A, 1)
    with pytest.raises(ValueError, match="reference is \\(nearly\\) orthogonal"):
        eigh_vector(A, 0, reference=w)
    np.testing.assert_allclose(eigh_vector(A, 0, reference=v + 0.5 * w), v)
