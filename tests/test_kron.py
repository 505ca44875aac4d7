"""vec, the commutation matrix, operator matrices and the book's Kronecker identities."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import check_derivative, fd_jacobian
from matdiff.kron import commutation_matrix, operator_matrix, sylvester_operator, unvec, vec

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 5)


def test_vec_stacks_columns():
    X = np.array([[1, 2, 3], [4, 5, 6]])
    assert vec(X).tolist() == [1, 4, 2, 5, 3, 6]
    assert unvec(vec(X), X.shape).tolist() == X.tolist()
    assert vec(7.0).tolist() == [7.0]
    assert unvec([1, 2, 3], 3).tolist() == [1, 2, 3]


def test_unvec_rejects_a_wrong_size():
    with pytest.raises(ValueError, match=r"v has 5 entries but shape \(2, 3\) needs 6"):
        unvec(np.arange(5), (2, 3))
    with pytest.raises(TypeError, match="shape must be an int or a tuple of ints"):
        unvec(np.arange(6), (2.0, 3))
    with pytest.raises(ValueError, match="shape must not contain negative sizes"):
        unvec(np.arange(6), (-2, -3))


@settings(max_examples=40, deadline=None)
@given(seed=seeds, m=sizes, n=sizes, p=sizes, q=sizes)
def test_vec_of_a_product_is_a_kronecker_product(seed, m, n, p, q):
    rng = np.random.default_rng(seed)
    A, X, B = (rng.standard_normal(s) for s in [(p, m), (m, n), (n, q)])
    assert np.allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X))
    assert np.allclose(operator_matrix(lambda X: A @ X @ B, (m, n)), np.kron(B.T, A))


@settings(max_examples=40, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_roundtrip_and_inner_product(seed, m, n):
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((2, m, n))
    assert np.array_equal(unvec(vec(X), (m, n)), X)
    assert np.isclose(np.trace(X.T @ Y), vec(X) @ vec(Y))   # <X, Y> = vec(X)^T vec(Y)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_jacobian_of_a_x_plus_x_a(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    expected = np.kron(np.eye(n), A) + np.kron(A.T, np.eye(n))
    assert np.allclose(operator_matrix(lambda X: A @ X + X @ A, (n, n)), expected)
    assert np.allclose(sylvester_operator(A, A), expected)
    # ... and finite differences of the (nonlinear) map X -> X A X see the same structure
    X = rng.standard_normal((n, n))
    J = operator_matrix(lambda dX: dX @ A @ X + X @ A @ dX, (n, n))
    assert np.allclose(J, np.kron((A @ X).T, np.eye(n)) + np.kron(np.eye(n), X @ A))
    assert np.allclose(J, fd_jacobian(lambda X: X @ A @ X, X, method="richardson"), atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_sylvester_operator_rectangular_and_its_spectrum(seed, m, n):
    rng = np.random.default_rng(seed)
    A, B, X = rng.standard_normal((m, m)), rng.standard_normal((n, n)), rng.standard_normal((m, n))
    M = sylvester_operator(A, B)
    assert np.allclose(M @ vec(X), vec(A @ X + X @ B))
    sums = np.add.outer(np.linalg.eigvals(A), np.linalg.eigvals(B)).ravel()
    eigs = np.linalg.eigvals(M)
    # every eigenvalue of M is a sum lambda_i(A) + mu_j(B)
    assert np.all(np.min(np.abs(eigs[:, None] - sums[None, :]), axis=1)
                  < 1e-6 * (1 + np.abs(eigs)))


@settings(max_examples=40, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_commutation_matrix_is_the_transpose(seed, m, n):
    X = np.random.default_rng(seed).standard_normal((m, n))
    K = commutation_matrix(m, n)
    assert np.array_equal(K @ vec(X), vec(X.T))
    # a permutation matrix: 0/1 entries, one 1 in every row and column, K^T K = I
    assert set(np.unique(K)) <= {0.0, 1.0}
    assert np.all(K.sum(axis=0) == 1) and np.all(K.sum(axis=1) == 1)
    assert np.array_equal(K.T @ K, np.eye(m * n))
    assert np.array_equal(K.T, commutation_matrix(n, m))
    assert np.array_equal(operator_matrix(np.transpose, (m, n)), K)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, m=sizes, n=sizes, p=sizes, q=sizes)
def test_commutation_matrix_swaps_kronecker_factors(seed, m, n, p, q):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m, n)), rng.standard_normal((p, q))
    K = commutation_matrix
    assert np.allclose(K(p, m) @ np.kron(A, B) @ K(n, q), np.kron(B, A))
    assert np.allclose(np.kron(A, B), K(m, p) @ np.kron(B, A) @ K(q, n))
    # for vectors the swap needs no permutation on the right: K (a kron b) = b kron a
    a, b = rng.standard_normal(m), rng.standard_normal(p)
    assert np.allclose(K(p, m) @ np.kron(a, b), np.kron(b, a))


@settings(max_examples=30, deadline=None)
@given(seed=seeds, m=sizes, n=sizes)
def test_jacobian_of_x_transpose_x_uses_the_commutation_matrix(seed, m, n):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    # d(X^T X) = dX^T X + X^T dX, so J = (X^T kron I_n) K_{m,n} + I_n kron X^T
    J = np.kron(X.T, np.eye(n)) @ commutation_matrix(m, n) + np.kron(np.eye(n), X.T)
    assert np.allclose(operator_matrix(lambda dX: dX.T @ X + X.T @ dX, (m, n)), J)
    result = check_derivative(lambda X: X.T @ X, lambda X, dX: unvec(J @ vec(dX), (n, n)), X,
                              rng=rng)
    assert result.ok, result


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes)
def test_jacobian_of_the_inverse(seed, n):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n)) + 3 * np.eye(n)
    Xi = np.linalg.inv(X)
    J = operator_matrix(lambda dX: -Xi @ dX @ Xi, (n, n))
    assert np.allclose(J, -np.kron(Xi.T, Xi))
    assert np.allclose(J, fd_jacobian(np.linalg.inv, X, method="richardson"), atol=1e-7)


def test_operator_matrix_shapes_and_dtypes():
    M = operator_matrix(lambda x: np.array([x[0] + x[1], 2 * x[1], -x[0]]), 2)
    assert M.tolist() == [[1, 1], [0, 2], [-1, 0]]
    assert operator_matrix(lambda x: 3 * x, ()).tolist() == [[3.0]]   # scalars
    assert operator_matrix(lambda x: 1j * x, 2).dtype.kind == "c"
    assert operator_matrix(lambda X: X.sum(), (2, 3)).shape == (1, 6)
    assert operator_matrix(lambda X: X.T, (2, 3), out_shape=(3, 2)).shape == (6, 6)


def test_operator_matrix_names_a_wrong_output_shape():
    with pytest.raises(ValueError, match=r"L returned shape \(2, 2\) .* output shape is \(4,\)"):
        operator_matrix(lambda X: X, (2, 2), out_shape=4)
    ragged = lambda x: x[: 1 + int(x[1] != 0)]  # noqa: E731  (a different length per column)
    with pytest.raises(ValueError, match="from its first output"):
        operator_matrix(ragged, 2)
    with pytest.raises(TypeError, match="L must be a callable"):
        operator_matrix(np.eye(2), (2, 2))


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match="m must be a non-negative integer"):
        commutation_matrix(-1, 2)
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        commutation_matrix(2, 1.5)
    with pytest.raises(ValueError, match=r"B must be a square matrix, got shape \(2, 3\)"):
        sylvester_operator(np.eye(2), np.ones((2, 3)))
