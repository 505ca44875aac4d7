"""The adjoint method against finite differences and forward sensitivities, dense and sparse."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import adjoint, check_gradient, fd_derivative
from matdiff.adjoint import AdjointResult, adjoint_gradient, chain_matrix, chain_matrix_derivative

seeds = st.integers(0, 2**32 - 1)


def stiffnesses(rng, n):
    return rng.uniform(0.5, 2.0, n + 1)


# ---------------------------------------------------------------- the chain example


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 12))
def test_chain_matrix_structure(seed, n):
    rng = np.random.default_rng(seed)
    k = stiffnesses(rng, n)
    A = chain_matrix(k)
    assert np.allclose(A, A.T) and np.all(np.linalg.eigvalsh(A) > 0)
    assert np.allclose(np.diag(A), k[:-1] + k[1:]) and np.allclose(np.diag(A, 1), -k[1:-1])
    assert np.count_nonzero(np.triu(A, 2)) == 0                 # tridiagonal
    assert sp.issparse(chain_matrix(k, sparse=True))
    assert np.array_equal(chain_matrix(k, sparse=True).toarray(), A)
    # linear in k: A(k) = sum_j k_j A(e_j), and the derivative columns are A(e_j) x
    basis = [chain_matrix(e) for e in np.eye(n + 1)]
    assert np.allclose(sum(kj * Aj for kj, Aj in zip(k, basis)), A)
    x = rng.standard_normal(n)
    J = chain_matrix_derivative(x)
    assert J.shape == (n, n + 1)
    assert np.allclose(J, np.stack([Aj @ x for Aj in basis], axis=1))
    assert np.allclose(chain_matrix_derivative(x, sparse=True).toarray(), J)
    # the energy: x^T A x = sum_j k_j (stretch of spring j)^2
    stretch = np.diff(np.concatenate([[0.0], x, [0.0]]))
    assert np.isclose(x @ A @ x, np.sum(k * stretch**2))


def squared_reading(k, b, c, sparse):
    """g(k) = (c^T A(k)^-1 b)^2, the quantity of Problem Set 3."""
    A = chain_matrix(k, sparse=sparse)
    x = sp.linalg.spsolve(A, b) if sparse else np.linalg.solve(A, b)
    return (c @ x) ** 2


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 30), sparse=st.booleans(), as_list=st.booleans())
def test_gradient_of_a_squared_reading(seed, n, sparse, as_list):
    rng = np.random.default_rng(seed)
    k, b, c = stiffnesses(rng, n), rng.standard_normal(n), rng.standard_normal(n)

    def gradient(k):
        dA = ([chain_matrix(e, sparse=sparse) for e in np.eye(n + 1)] if as_list
              else lambda x: chain_matrix_derivative(x, sparse=sparse))
        result = adjoint_gradient(chain_matrix(k, sparse=sparse), b, dA,
                                  g_x=lambda x: 2 * (c @ x) * c)
        assert result.gradient.shape == (n + 1,)
        return result.gradient

    check = check_gradient(lambda k: squared_reading(k, b, c, sparse), gradient, k, rng=rng)
    assert check.ok, check


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(2, 25), m=st.integers(1, 6), sparse=st.booleans())
def test_gradient_of_a_least_squares_misfit_with_loads_and_regularization(seed, n, m, sparse):
    """g = |W x - d|^2 / 2 + alpha |k|^2 / 2, with b(k) depending on k as well."""
    rng = np.random.default_rng(seed)
    W, d = rng.standard_normal((m, n)), rng.standard_normal(m)
    b0, B, alpha = rng.standard_normal(n), rng.standard_normal((n, n + 1)), 0.1

    def b(k):
        return b0 + B @ np.sin(k)             # nonlinear in k: db/dk = B diag(cos k)

    def g(k):
        x = np.linalg.solve(chain_matrix(k), b(k))
        return 0.5 * np.sum((W @ x - d) ** 2) + 0.5 * alpha * k @ k

    def gradient(k):
        return adjoint_gradient(chain_matrix(k, sparse=sparse), b(k),
                                lambda x: chain_matrix_derivative(x, sparse=sparse),
                                B * np.cos(k), g_x=lambda x: W.T @ (W @ x - d),
                                g_p=alpha * k).gradient

    check = check_gradient(g, gradient, stiffnesses(rng, n), rng=rng)
    assert check.ok, check


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(1, 8), P=st.integers(1, 6))
def test_general_dense_parametrization_agrees_with_forward_sensitivities(seed, n, P):
    """A(p) = A0 + sum_k p_k^2 A_k and b(p) = b0 + B p, against dx/dp_k = A^-1 (db_k - dA_k x)."""
    rng = np.random.default_rng(seed)
    A0 = rng.standard_normal((n, n)) + 3 * np.sqrt(n) * np.eye(n)
    Ak = 0.3 * rng.standard_normal((P, n, n))
    b0, B, c = rng.standard_normal(n), rng.standard_normal((n, P)), rng.standard_normal(n)
    p = rng.standard_normal(P)
    A = A0 + np.einsum("k,kij->ij", p**2, Ak)
    dA = 2 * p[:, None, None] * Ak               # an array of shape (P, n, n)
    result = adjoint_gradient(A, b0 + B @ p, dA, B, g_x=lambda x: 2 * (c @ x) * c)
    x = np.linalg.solve(A, b0 + B @ p)
    assert np.allclose(result.x, x)
    assert np.allclose(A.T @ result.adjoint, 2 * (c @ x) * c)
    sensitivities = np.linalg.solve(A, B - np.einsum("kij,j->ik", dA, x))
    assert np.allclose(result.gradient, 2 * (c @ x) * (c @ sensitivities))

    def g(p):
        return (c @ np.linalg.solve(A0 + np.einsum("k,kij->ij", p**2, Ak), b0 + B @ p)) ** 2

    assert check_gradient(g, lambda p: adjoint_gradient(
        A0 + np.einsum("k,kij->ij", p**2, Ak), b0 + B @ p, 2 * p[:, None, None] * Ak, B,
        g_x=lambda x: 2 * (c @ x) * c).gradient, p, rng=rng).ok


def test_parameters_only_in_b_and_a_constant_g_x():
    rng = np.random.default_rng(0)
    A, B, c = rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal((4, 3)), np.ones(4)
    r = adjoint_gradient(A, B @ np.ones(3), None, B, g_x=c)     # g = c^T A^-1 B p
    assert np.allclose(r.gradient, B.T @ np.linalg.solve(A.T, c))


def test_one_factorization_serves_both_solves(monkeypatch):
    calls = {"splu": 0, "lu_factor": 0}

    def counting(name, original):
        def wrapped(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(adjoint.spla, "splu", counting("splu", adjoint.spla.splu))
    monkeypatch.setattr(adjoint.sla, "lu_factor", counting("lu_factor", adjoint.sla.lu_factor))
    k, b = np.linspace(1, 2, 51), np.ones(50)
    for sparse in (True, False):
        adjoint_gradient(chain_matrix(k, sparse=sparse), b, chain_matrix_derivative,
                         g_x=np.ones(50))
    assert calls == {"splu": 1, "lu_factor": 1}


def test_large_sparse_chain():
    n = 5000
    k = 1 + 0.5 * np.sin(np.arange(n + 1))
    b, c = np.ones(n) / n**2, np.zeros(n)        # loads scaled to keep x of order one
    c[n // 2] = 1.0
    r = adjoint_gradient(chain_matrix(k, sparse=True), b,
                         lambda x: chain_matrix_derivative(x, sparse=True),
                         g_x=lambda x: 2 * (c @ x) * c)
    # spot-check components by Richardson-extrapolated differences of the sparse solve
    for j in (0, n // 2, n):
        e = np.eye(1, n + 1, j).ravel()
        fd = fd_derivative(lambda t, e=e: squared_reading(k + t * e, b, c, True), 0.0, 1.0,
                           method="richardson")
        assert np.isclose(r.gradient[j], fd, rtol=1e-7), j


def test_result_prints_compactly():
    r = adjoint_gradient(chain_matrix([1.0, 1.0, 1.0]), [1.0, 1.0], chain_matrix_derivative,
                         g_x=[1.0, 0.0])
    assert isinstance(r, AdjointResult)
    assert repr(r).startswith("AdjointResult(n=2, parameters=3, gradient=[")
    big = adjoint_gradient(chain_matrix(np.ones(101), sparse=True), np.ones(100),
                           chain_matrix_derivative, g_x=np.ones(100))
    assert "..." in repr(big) and len(repr(big)) < 200


# ---------------------------------------------------------------- errors


def test_non_square_and_singular_a_are_named():
    with pytest.raises(ValueError, match=r"A must be a square matrix, got shape \(2, 3\)"):
        adjoint_gradient(np.ones((2, 3)), np.ones(2), None, np.ones((2, 1)), g_x=np.ones(2))
    with pytest.raises(ValueError, match=r"A must be a square matrix, got shape \(2, 3\)"):
        adjoint_gradient(sp.csr_array(np.ones((2, 3))), np.ones(2), None, np.ones((2, 1)),
                         g_x=np.ones(2))
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    nearly = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17]])
    for A in (singular, sp.csc_array(singular), np.zeros((2, 2)), nearly,
              sp.csc_array(np.array([[1.0, 1.0], [1.0, 1.0 + 3e-16]]))):
        with pytest.raises(np.linalg.LinAlgError, match="A is singular to working precision"):
            adjoint_gradient(A, np.ones(2), None, np.ones((2, 1)), g_x=np.ones(2))
    with pytest.raises(ValueError, match="A contains nan"):
        adjoint_gradient(np.array([[np.nan]]), np.ones(1), None, np.ones((1, 1)), g_x=[1.0])
    with pytest.raises(TypeError, match="A must be a real matrix"):
        adjoint_gradient(np.eye(2) * 1j, np.ones(2), None, np.ones((2, 1)), g_x=np.ones(2))


def test_mismatched_shapes_are_named():
    A, b, x_cols = chain_matrix(np.ones(4)), np.ones(3), chain_matrix_derivative
    g_x = np.ones(3)
    with pytest.raises(ValueError, match=r"b has shape \(4,\), expected \(3,\)"):
        adjoint_gradient(A, np.ones(4), x_cols, g_x=g_x)
    with pytest.raises(ValueError, match=r"dA\[1\] has shape \(2, 2\), but A has shape"):
        adjoint_gradient(A, b, [np.eye(3), np.eye(2)], g_x=g_x)
    with pytest.raises(ValueError, match=r"dA\(x\) returned shape \(4, 2\), expected \(n, P\)"):
        adjoint_gradient(A, b, lambda x: np.ones((4, 2)), g_x=g_x)
    with pytest.raises(ValueError, match=r"dA as an array must have shape \(P, n, n\)"):
        adjoint_gradient(A, b, np.eye(3), g_x=g_x)
    with pytest.raises(ValueError, match=r"db has shape \(3, 2\), expected \(n, P\) = \(3, 4\)"):
        adjoint_gradient(A, b, x_cols, np.ones((3, 2)), g_x=g_x)
    with pytest.raises(ValueError, match=r"db has shape \(3,\), expected \(n, P\) = \(3, P\)"):
        adjoint_gradient(A, b, None, np.ones(3), g_x=g_x)
    with pytest.raises(ValueError, match=r"g_x\(x\) has shape \(2,\), expected \(3,\)"):
        adjoint_gradient(A, b, x_cols, g_x=lambda x: np.ones(2))
    with pytest.raises(ValueError, match=r"g_p\(x\) has shape \(3,\), expected \(4,\)"):
        adjoint_gradient(A, b, x_cols, g_x=g_x, g_p=np.ones(3))
    with pytest.raises(ValueError, match="dA and db are both None"):
        adjoint_gradient(A, b, None, g_x=g_x)
    with pytest.raises(ValueError, match="k must be a 1-D array of n \\+ 1 >= 2 stiffnesses"):
        chain_matrix([1.0])
    with pytest.raises(ValueError, match="x must be a 1-D array"):
        chain_matrix_derivative(np.ones((2, 2)))
