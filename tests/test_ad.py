"""matdiff.ad: every rule against finite differences, forward against reverse, the API, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import ad, check_derivative, check_gradient, fd_jacobian

SEEDS = st.integers(0, 2**32 - 1)
SIZES = st.integers(1, 4)


def check_rules(f, x, rng, rtol=1e-6):
    """Forward rule vs finite differences, reverse rule vs finite differences, and the two
    against each other by the dot-product test <w, f'(x)[dx]> = <f'(x)^T[w], dx>."""
    forward = check_derivative(f, lambda x, dx: ad.jvp(f, x, dx)[1], x, rng=rng, rtol=rtol)
    assert forward.ok, f"forward mode: {forward}"

    y = np.asarray(f(x))
    w = rng.standard_normal(y.shape)
    value, pullback = ad.vjp(f, x)
    assert np.shape(value) == y.shape and np.allclose(value, y, rtol=1e-13, atol=0)
    reverse = check_gradient(lambda x: np.sum(w * f(x)), lambda x: ad.vjp(f, x)[1](w), x,
                             rng=rng, rtol=rtol)
    assert reverse.ok, f"reverse mode: {reverse}"

    dx = rng.standard_normal(np.shape(x))
    forward_side = np.sum(w * ad.jvp(f, x, dx)[1])
    reverse_side = np.sum(pullback(w) * dx)
    scale = np.linalg.norm(w) * np.linalg.norm(dx) * max(1.0, np.max(np.abs(y)))
    assert abs(forward_side - reverse_side) <= 1e-10 * scale, (forward_side, reverse_side)


def away_from_zero(rng, shape, low=0.5, high=2.0):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def well_conditioned(rng, n):
    return rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)


# ---------------------------------------------------------------- elementwise rules

UNARY = {
    "negative": (ad.negative, lambda rng, s: rng.standard_normal(s)),
    "exp": (ad.exp, lambda rng, s: rng.standard_normal(s)),
    "log": (ad.log, lambda rng, s: rng.uniform(0.5, 3.0, s)),
    "tanh": (ad.tanh, lambda rng, s: rng.standard_normal(s)),
    "sin": (ad.sin, lambda rng, s: rng.standard_normal(s)),
    "cos": (ad.cos, lambda rng, s: rng.standard_normal(s)),
    "sqrt": (ad.sqrt, lambda rng, s: rng.uniform(0.5, 3.0, s)),
    "abs": (ad.abs, lambda rng, s: away_from_zero(rng, s, 1.0, 2.0)),
}
SHAPES = st.sampled_from(["scalar", "vector", "matrix"])


def shape_of(kind, m, n):
    return {"scalar": (), "vector": (n,), "matrix": (m, n)}[kind]


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15, deadline=None)
@given(seed=SEEDS, m=SIZES, n=SIZES, kind=SHAPES)
def test_unary_rules(name, seed, m, n, kind):
    op, sample = UNARY[name]
    rng = np.random.default_rng(seed)
    check_rules(op, sample(rng, shape_of(kind, m, n)), rng)


# Shapes that broadcast against (m, n), as NumPy allows.
BROADCAST = st.sampled_from([(1, 1), (1, 0), (0, 1), (1, None), (None,), ()])


def broadcast_shape(pattern, m, n):
    """(1, 0) means (m, 1) ... : 1 keeps the axis of length 1, 0 takes the full length."""
    full = (m, n)
    if pattern == (None,):
        return (n,)
    if pattern == (1, None):
        return (1, n)
    return tuple(full[i] if p == 1 else 1 for i, p in enumerate(pattern))


BINARY = {
    "add": (ad.add, np.random.Generator.standard_normal, np.random.Generator.standard_normal),
    "subtract": (ad.subtract, np.random.Generator.standard_normal,
                 np.random.Generator.standard_normal),
    "multiply": (ad.multiply, np.random.Generator.standard_normal,
                 np.random.Generator.standard_normal),
    "divide": (ad.divide, np.random.Generator.standard_normal, away_from_zero),
    "power": (ad.power, lambda rng, s: rng.uniform(0.5, 2.0, s),
              lambda rng, s: rng.uniform(-2.0, 2.0, s)),
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, m=SIZES, n=SIZES, pattern=BROADCAST, swap=st.booleans())
def test_binary_rules_with_broadcasting(name, seed, m, n, pattern, swap):
    op, sample_a, sample_b = BINARY[name]
    rng = np.random.default_rng(seed)
    shape_a, shape_b = (m, n), broadcast_shape(pattern, m, n)
    if swap:
        shape_a, shape_b = shape_b, shape_a
    a, b = sample_a(rng, shape_a), sample_b(rng, shape_b)
    check_rules(lambda a: op(a, b), a, rng)        # each argument alone,
    check_rules(lambda b: op(a, b), b, rng)
    # and both at once (the second kept in [0.5, 1.5]), also broadcast
    check_rules(lambda a: op(a, 1 + 0.5 * ad.tanh(a)), a, rng)
    if a.ndim:
        check_rules(lambda a: op(a, 1 + 0.5 * ad.tanh(ad.sum(a, axis=0))), a, rng)


def test_power_with_a_constant_integer_exponent_and_negative_base():
    rng = np.random.default_rng(0)
    check_rules(lambda x: x**3, rng.standard_normal((2, 3)), rng)
    check_rules(lambda x: 2.0**x, rng.standard_normal(4), rng)


def test_broadcast_cotangents_are_summed_over_the_stretched_axes():
    x = np.array([1.0, 2.0, 3.0])
    ones = np.ones((4, 3))
    assert np.allclose(ad.grad(lambda x: ad.sum(x * ones))(x), [4.0, 4.0, 4.0])
    assert np.allclose(ad.grad(lambda c: ad.sum(c + ones))(np.array([[1.0], [2.0], [3.0],
                                                                      [4.0]])), 3.0)
    assert ad.grad(lambda s: ad.sum(s * ones))(2.0) == 12.0


# ---------------------------------------------------------------- shapes, sums, softmax


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, m=SIZES, n=SIZES, p=SIZES)
def test_shape_rules(seed, m, n, p):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    check_rules(ad.transpose, X, rng)
    check_rules(lambda X: X.T @ X, X, rng)
    check_rules(lambda T: ad.transpose(T, (2, 0, 1)), rng.standard_normal((m, n, p)), rng)
    check_rules(lambda X: ad.reshape(X, (n * m,)), X, rng)
    check_rules(lambda X: X.reshape(n, m), X, rng)
    check_rules(lambda X: X[0], X, rng)
    check_rules(lambda X: X[:, n // 2:], X, rng)
    check_rules(lambda X: X[[0, 0, m - 1]], X, rng)          # repeated rows accumulate
    check_rules(lambda X: X[:, None, :] * X[None, :, :], X, rng)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, m=SIZES, n=SIZES, axis=st.sampled_from([None, 0, 1, -1, (0, 1)]),
       keepdims=st.booleans())
def test_sum_and_mean_rules(seed, m, n, axis, keepdims):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    check_rules(lambda X: ad.sum(X, axis=axis, keepdims=keepdims), X, rng)
    check_rules(lambda X: ad.mean(X, axis=axis, keepdims=keepdims), X, rng)
    check_rules(lambda X: X.sum(axis=axis, keepdims=keepdims), X, rng)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, m=SIZES, n=SIZES, axis=st.sampled_from([0, 1, -1]))
def test_softmax_and_trace_rules(seed, m, n, axis):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    check_rules(lambda X: ad.softmax(X, axis=axis), X, rng)
    check_rules(ad.softmax, rng.standard_normal(n), rng)
    check_rules(ad.trace, X, rng)                             # rectangular: sum of diag


def test_softmax_does_not_overflow():
    z = np.array([1000.0, 1000.0, -1000.0])
    assert np.allclose(ad.softmax(z), [0.5, 0.5, 0.0])
    g = ad.grad(lambda z: ad.softmax(z)[0])(z)
    assert np.all(np.isfinite(g)) and np.allclose(g, [0.25, -0.25, 0.0])


# ---------------------------------------------------------------- matmul and linear algebra

def swap_last_axes(a):
    return a if a.ndim == 1 else ad.transpose(a, (*range(a.ndim - 2), a.ndim - 1, a.ndim - 2))


MATMUL_SHAPES = [
    ((2, 0), (0, 1)),      # (m, k) @ (k, n): indices into (m, k, n, s)
    ((2, 0), (0,)),        # matrix @ vector
    ((0,), (0, 1)),        # vector @ matrix
    ((0,), (0,)),          # vector @ vector
    ((3, 2, 0), (0, 1)),   # a stack of matrices @ one matrix
    ((3, 2, 0), (3, 0, 1)),
    ((2, 0), (3, 0, 1)),
    ((0,), (3, 0, 1)),
]


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, m=SIZES, k=SIZES, n=SIZES, s=st.integers(1, 3),
       shapes=st.sampled_from(MATMUL_SHAPES))
def test_matmul_rules(seed, m, k, n, s, shapes):
    rng = np.random.default_rng(seed)
    dims = (k, n, m, s)
    a = rng.standard_normal(tuple(dims[i] for i in shapes[0]))
    b = rng.standard_normal(tuple(dims[i] for i in shapes[1]))
    check_rules(lambda a: a @ b, a, rng)
    check_rules(lambda b: a @ b, b, rng)
    check_rules(lambda a: a @ swap_last_axes(a), a, rng)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n=SIZES, k=SIZES, vector=st.booleans())
def test_solve_rules(seed, n, k, vector):
    rng = np.random.default_rng(seed)
    A = well_conditioned(rng, n)
    b = rng.standard_normal(n if vector else (n, k))
    check_rules(lambda A: ad.solve(A, b), A, rng)
    check_rules(lambda b: ad.solve(A, b), b, rng)
    check_rules(lambda A: ad.solve(A, ad.tanh(A[:, 0] if vector else A)), A, rng)   # both at once


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n=SIZES)
def test_inverse_and_determinant_rules(seed, n):
    rng = np.random.default_rng(seed)
    A = well_conditioned(rng, n)
    check_rules(ad.inv, A, rng)
    check_rules(ad.det, rng.standard_normal((n, n)), rng)
    check_rules(ad.logdet, A, rng)
    check_rules(ad.logdet, -A if n % 2 else A[::-1], rng)      # det < 0 for odd n: log|det|


@pytest.mark.parametrize("n", [65, 130, 257])
def test_logdet_of_a_large_symmetric_matrix_takes_the_cholesky_path_and_agrees(n):
    # Above 64 x 64 a traced logdet of a symmetric positive definite matrix keeps its
    # Cholesky factor and inverts it by halves (odd sizes split unevenly); a symmetric
    # indefinite matrix falls back to LU.  Both gradients are A^-1.
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    spd = X.T @ X + np.eye(n)
    assert ad._logdet(spd)[1] is not None
    value, gradient = ad.value_and_grad(ad.logdet)(spd)
    assert np.isclose(value, np.linalg.slogdet(spd)[1], rtol=1e-13)
    assert np.allclose(gradient, np.linalg.inv(spd), rtol=1e-10, atol=1e-12)
    indefinite = spd - 2 * np.eye(n) * np.max(np.linalg.eigvalsh(spd)) / 3
    assert ad._logdet(indefinite)[1] is None
    assert np.allclose(ad.grad(ad.logdet)(indefinite), np.linalg.inv(indefinite))
    # d logdet(X^T X + I) / dX = 2 X (X^T X + I)^-1, through gram and the factor
    gradient = ad.grad(lambda X: ad.logdet(X.T @ X + np.eye(n)))(X)
    assert np.allclose(gradient, 2 * X @ np.linalg.inv(spd), rtol=1e-10, atol=1e-12)


def test_linear_algebra_gradients_are_the_textbook_formulas():
    rng = np.random.default_rng(5)
    A = well_conditioned(rng, 4)
    inv = np.linalg.inv(A)
    assert np.allclose(ad.grad(ad.logdet)(A), inv.T)
    assert np.allclose(ad.grad(ad.det)(A), np.linalg.det(A) * inv.T)
    assert np.allclose(ad.grad(lambda X: ad.trace(ad.inv(X)))(A), -(inv @ inv).T)


# ---------------------------------------------------------------- composite functions

rng0 = np.random.default_rng(20230117)
N, D, K = 12, 4, 3
DATA = rng0.standard_normal((N, D))
TARGET = rng0.standard_normal(N)
LABELS = np.where(rng0.standard_normal(N) > 0, 1.0, -1.0)
ONEHOT = np.eye(K)[rng0.integers(0, K, N)].T                # K x N
A4, B4, C4 = (rng0.standard_normal((D, D)) for _ in range(3))
S_COV = DATA.T @ DATA / N
MU = rng0.standard_normal(D)
SIGMA = S_COV + np.eye(D)
W1, B1 = rng0.standard_normal((5, D)), rng0.standard_normal(5)
W2 = rng0.standard_normal((1, 5))
Q, KEYS, V = (rng0.standard_normal((5, D)) for _ in range(3))
C_ATT = rng0.standard_normal((5, D))
X_NMF = rng0.uniform(0, 1, (6, 5))
H_NMF = rng0.uniform(0, 1, (3, 5))
R_PMF = rng0.standard_normal((6, 5))
V_PMF = rng0.standard_normal((5, 2))


def attention(Q, K, V):
    return ad.softmax(Q @ K.T / np.sqrt(Q.shape[-1]), axis=-1) @ V


def mlp_loss(W1):
    hidden = ad.tanh(W1 @ DATA.T + B1[:, None])
    return ad.mean((W2 @ hidden - TARGET) ** 2)


def spd(rng):
    G = rng.standard_normal((D, D))
    return G @ G.T + D * np.eye(D)


COMPOSITES = {
    "least squares": (lambda w: ad.sum((DATA @ w - TARGET) ** 2),
                      lambda rng: rng.standard_normal(D)),
    "ridge": (lambda w: ad.sum((DATA @ w - TARGET) ** 2) + 0.3 * (w @ w),
              lambda rng: rng.standard_normal(D)),
    "logistic regression": (lambda w: ad.sum(ad.log(1 + ad.exp(-LABELS * (DATA @ w)))),
                            lambda rng: rng.standard_normal(D)),
    "softmax cross-entropy": (lambda W: -ad.sum(ONEHOT * ad.log(ad.softmax(W @ DATA.T,
                                                                            axis=0))),
                              lambda rng: rng.standard_normal((K, D))),
    "gaussian log-likelihood in the mean": (
        lambda mu: -0.5 * ad.sum((DATA - mu).T * ad.solve(SIGMA, (DATA - mu).T)),
        lambda rng: rng.standard_normal(D)),
    "gaussian log-likelihood in the covariance": (
        lambda S: -0.5 * N * ad.logdet(S) - 0.5 * N * ad.trace(ad.solve(S, S_COV)), spd),
    "2-layer MLP with tanh": (mlp_loss, lambda rng: rng.standard_normal((5, D))),
    "attention in Q": (lambda Q: ad.sum(C_ATT * attention(Q, KEYS, V)),
                       lambda rng: rng.standard_normal((5, D))),
    "attention in K": (lambda K: ad.sum(C_ATT * attention(Q, K, V)),
                       lambda rng: rng.standard_normal((5, D))),
    "attention in V": (lambda V: ad.sum(C_ATT * attention(Q, KEYS, V)),
                       lambda rng: rng.standard_normal((5, D))),
    "NMF objective in W": (lambda W: ad.sum((X_NMF - W @ H_NMF) ** 2),
                           lambda rng: rng.uniform(0, 1, (6, 3))),
    "PMF MAP objective": (lambda U: ad.sum((R_PMF - U @ V_PMF.T) ** 2)
                          + 0.1 * ad.sum(U**2) + 0.1 * ad.sum(V_PMF**2),
                          lambda rng: rng.standard_normal((6, 2))),
    "tr(A X^-1 B)": (lambda X: ad.trace(A4 @ ad.inv(X) @ B4),
                     lambda rng: well_conditioned(rng, D)),
    "tr(A X^-1 B) by solve": (lambda X: ad.trace(A4 @ ad.solve(X, B4)),
                              lambda rng: well_conditioned(rng, D)),
    "logdet(X^T X + I)": (lambda X: ad.logdet(X.T @ X + np.eye(3)),
                          lambda rng: rng.standard_normal((5, 3))),
    "det(A X)^2": (lambda X: ad.det(A4 @ X) ** 2, lambda rng: rng.standard_normal((D, D))),
    "tr(X^4)": (lambda X: ad.trace(X @ X @ X @ X), lambda rng: rng.standard_normal((D, D))),
    "<C, X^3>": (lambda X: ad.sum(C4 * (X @ X @ X)), lambda rng: rng.standard_normal((D, D))),
    "x^T A x / x^T x": (lambda x: (x @ A4 @ x) / (x @ x), lambda rng: rng.standard_normal(D)),
    "Frobenius norm |A X B|_F": (lambda X: ad.sqrt(ad.sum((A4 @ X @ B4[:, :2]) ** 2)),
                                 lambda rng: rng.standard_normal((D, D))),
    "tr(X^T A X) + sum(sin(X) cos(X))": (
        lambda X: ad.trace(X.T @ A4 @ X) + ad.sum(ad.sin(X) * ad.cos(X)),
        lambda rng: rng.standard_normal((D, 2))),
}


@pytest.mark.parametrize("name", COMPOSITES)
@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_composite_gradients_agree_with_finite_differences(name, seed):
    f, sample = COMPOSITES[name]
    rng = np.random.default_rng(seed)
    x = sample(rng)
    gradient = ad.grad(f)
    result = check_gradient(f, gradient, x, rng=rng, rtol=1e-8)
    assert result.ok and result.rel_error < 1e-8, f"{name}: {result}"
    dx = rng.standard_normal(x.shape)
    assert np.isclose(ad.jvp(f, x, dx)[1], np.sum(gradient(x) * dx), rtol=1e-10, atol=1e-13)


def test_there_are_at_least_fifteen_composite_functions():
    assert len(COMPOSITES) >= 15


# ---------------------------------------------------------------- the API


def test_gradient_has_the_shape_of_x():
    rng = np.random.default_rng(1)
    for x in (rng.standard_normal((3, 2)), rng.standard_normal(4), 1.5, np.array(2.0)):
        g = ad.grad(lambda x: ad.sum(ad.sin(x) ** 2))(x)
        assert np.shape(g) == np.shape(x)
        assert np.allclose(g, np.sin(2 * np.asarray(x)))
        assert np.asarray(g).flags.writeable


def test_argnums_and_dicts_of_parameters():
    rng = np.random.default_rng(2)
    A, x = rng.standard_normal((3, 3)), rng.standard_normal(3)

    def f(A, x):
        return x @ A @ x

    gA, gx = ad.grad(f, argnums=(0, 1))(A, x)
    assert np.allclose(gA, np.outer(x, x)) and np.allclose(gx, (A + A.T) @ x)
    assert np.allclose(ad.grad(f, argnums=1)(A, x), gx)
    assert np.allclose(ad.grad(f, argnums=-1)(A, x), gx)

    params = {"W1": W1, "b1": B1, "W2": W2}

    def loss(p, X, y):
        hidden = ad.tanh(p["W1"] @ X.T + p["b1"].reshape(-1, 1))
        return ad.mean((p["W2"] @ hidden - y) ** 2)

    grads = ad.grad(loss)(params, DATA, TARGET)
    assert set(grads) == set(params)
    for key in params:
        def only(value, key=key):
            return loss({**params, key: value}, DATA, TARGET)
        result = check_gradient(only, lambda v, key=key: ad.grad(loss)({**params, key: v}, DATA,
                                                                     TARGET)[key],
                                params[key], rng=rng, rtol=1e-8)
        assert result.ok, f"{key}: {result}"
        assert np.allclose(grads[key], ad.grad(only)(params[key]))
    # lists and tuples of parameters keep their structure too
    g_list = ad.grad(lambda p: ad.sum(p[0] * p[1]))([A, 2 * A])
    assert isinstance(g_list, list) and np.allclose(g_list[0], 2 * A)


def test_value_and_grad_evaluates_f_once():
    calls = []

    def f(x):
        calls.append(1)
        return ad.sum(ad.exp(x))

    x = np.array([0.0, 1.0])
    value, g = ad.value_and_grad(f)(x)
    assert len(calls) == 1
    assert np.isclose(value, 1 + np.e) and np.allclose(g, np.exp(x))


def test_a_function_that_ignores_x_has_zero_derivatives():
    x = np.ones((2, 3))
    assert np.array_equal(ad.grad(lambda x: 4.0)(x), np.zeros((2, 3)))
    value, tangent = ad.jvp(lambda x: np.ones(2), x, x)
    assert np.array_equal(value, np.ones(2)) and np.array_equal(tangent, np.zeros(2))
    _, pullback = ad.vjp(lambda x: np.ones(2), x)
    assert np.array_equal(pullback(np.ones(2)), np.zeros((2, 3)))


def test_vjp_pullback_can_be_reused_and_jacobians_agree():
    rng = np.random.default_rng(3)
    A = well_conditioned(rng, 3)

    def f(X):
        return ad.solve(X, A) @ ad.tanh(X)

    X = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    J_forward = ad.jacobian(f, X, mode="forward")
    J_reverse = ad.jacobian(f, X, mode="reverse")
    assert J_forward.shape == (9, 9)
    assert np.allclose(J_forward, J_reverse, rtol=1e-12, atol=1e-12)
    assert np.allclose(J_forward, fd_jacobian(f, X, method="richardson"), rtol=1e-8, atol=1e-9)
    # column-major vec, as in the book: vec(A X B) = (B^T kron A) vec(X)
    J = ad.jacobian(lambda X: A @ X @ A.T, X)
    assert np.allclose(J, np.kron(A, A))


def test_dual_numbers_differentiate_an_iteration():
    def babylonian(a, steps=8):
        t = (1 + a) / 2
        for _ in range(steps):
            t = (t + a / t) / 2
        return t

    for a in (0.5, 2.0, 10.0):
        value, slope = ad.jvp(babylonian, a, 1.0)
        assert np.isclose(value, np.sqrt(a)) and np.isclose(slope, 0.5 / np.sqrt(a))
    # arrays: value and tangent ride together
    x = ad.Dual(np.array([1.0, 4.0]), np.array([1.0, 1.0]))
    y = ad.sqrt(x) * x
    assert np.allclose(y.value, [1.0, 8.0]) and np.allclose(y.tangent, [1.5, 3.0])
    # control flow on values is allowed
    assert ad.Dual(2.0, 1.0) > 1.0 and bool(ad.Dual(1.0, 0.0) <= 1.0)


def test_numpy_functions_and_operators_dispatch_to_the_rules():
    rng = np.random.default_rng(4)
    A = well_conditioned(rng, 3)
    x = rng.standard_normal(3)

    def f(x):   # plain NumPy code, with an ndarray on the left of every operator
        y = np.linalg.solve(A, x)
        return np.sum(np.exp(A @ y) * np.tanh(x), axis=0) + np.trace(np.linalg.inv(A)) * x[0]

    result = check_gradient(f, ad.grad(f), x, rng=rng, rtol=1e-8)
    assert result.ok, result
    check_rules(lambda X: np.transpose(np.reshape(X, (3, 1))) + np.mean(X), x, rng)
    assert ad.grad(lambda x: np.shape(x)[0] * np.sum(np.zeros_like(x) + x))(x).tolist() == [3] * 3


def test_a_custom_rule_for_a_new_primitive():
    @ad.primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    ad.defvjp(logsumexp, lambda g, y, x: g * np.exp(x - y))
    rng = np.random.default_rng(6)
    x = rng.standard_normal(5)
    assert check_gradient(logsumexp, ad.grad(logsumexp), x, rng=rng, rtol=1e-8).ok
    big = np.array([1000.0, 1000.0, 0.0])           # exp(1000) overflows; the rule does not
    assert np.allclose(ad.grad(lambda x: 2 * logsumexp(x))(big), [1.0, 1.0, 0.0])
    with pytest.raises(NotImplementedError, match=r"logsumexp has no forward-mode rule.*defjvp"):
        ad.jvp(logsumexp, x, x)
    ad.defjvp(logsumexp, lambda dx, y, x: np.sum(np.exp(x - y) * dx))
    check_rules(logsumexp, x, rng)
    assert ad.PRIMITIVES[f"{__name__}.logsumexp"] is logsumexp
    assert ad.PRIMITIVES["exp"] is ad.exp                    # a user's name never replaces one


def test_a_custom_rule_replaces_an_existing_one_and_can_save_residuals():
    calls = []

    def forward(x):
        calls.append("fwd")
        y = np.tanh(x)
        return y, (y, 1 - y**2)

    @ad.primitive(fwd=forward, name="tanh_saving_slope")
    def my_tanh(x):
        return np.tanh(x)

    ad.defvjp(my_tanh, lambda g, saved, x: -g)                 # wrong on purpose ...
    ad.defvjp(my_tanh, lambda g, saved, x: g * saved[1])       # ... then replaced
    x = np.array([0.3, -1.2])
    assert np.allclose(ad.grad(lambda x: ad.sum(my_tanh(x)))(x), 1 - np.tanh(x) ** 2)
    assert calls == ["fwd"]
    assert np.allclose(my_tanh(x), np.tanh(x)) and calls == ["fwd"]   # plain calls skip fwd


def test_every_built_in_primitive_has_both_rules():
    # (matdiff.ad's own: the docstring examples, run by test_doctests.py in the same
    # process, register primitives of their own with one rule only)
    built_in = {k: op for k, op in ad.PRIMITIVES.items()
                if "." not in k and getattr(ad, k, None) is op}
    expected = {"add", "subtract", "multiply", "divide", "power", "negative", "exp", "log",
                "tanh", "sin", "cos", "sqrt", "abs", "transpose", "reshape", "getitem", "sum",
                "trace", "softmax", "matmul", "gram", "solve", "inv", "det", "logdet"}
    assert expected <= set(built_in)
    for name, op in built_in.items():
        assert op.vjps and op.jvps, name


# ---------------------------------------------------------------- errors that say what to do


def node():
    return ad.Node(np.ones((2, 2)))


def test_unsupported_numpy_operations_name_the_operation():
    with pytest.raises(TypeError, match=r"numpy\.arctan has no derivative rule in matdiff\.ad"):
        ad.grad(lambda x: np.sum(np.arctan(x)))(np.ones(2))
    with pytest.raises(TypeError, match=r"numpy\.linalg\.slogdet .*matdiff\.ad\.logdet"):
        ad.grad(lambda X: np.linalg.slogdet(X)[1])(np.eye(2))
    with pytest.raises(TypeError, match=r"numpy\.add\.reduce"):
        np.add.reduce(node())
    with pytest.raises(TypeError, match="drop its derivative"):
        ad.grad(lambda x: ad.sum(np.asarray(x)))(np.ones(2))
    with pytest.raises(TypeError, match="drop its derivative"):
        float(ad.Node(np.array(1.0)))
    with pytest.raises(TypeError, match=r"in-place.*a = a \+ x"):
        a = np.zeros((2, 2))
        a += node()


def test_shape_mismatches_are_reported_with_both_shapes():
    A, b = np.ones((2, 3)), np.ones(2)
    for left, right in [(ad.Node(A), b), (node(), np.ones(3)), (np.ones((3, 3)), node())]:
        with pytest.raises(ValueError, match=r"matmul \(@\): shapes .* do not match"):
            left @ right
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2,\) do not match: .*3 columns.*2 rows"):
        ad.matmul(A, b)
    with pytest.raises(ValueError, match="at least one axis"):
        ad.matmul(np.ones(2), 2.0)
    with pytest.raises(ValueError, match=r"solve\(A, b\) needs a square matrix, got shape \(2,"):
        ad.solve(A, b)
    with pytest.raises(ValueError, match=r"b must be a vector or matrix with 2 rows.*\(3,\)"):
        ad.solve(ad.Node(np.eye(2)), np.ones(3))
    for op in (ad.inv, ad.det, ad.logdet):
        with pytest.raises(ValueError, match="needs a square matrix"):
            op(ad.Node(np.ones((2, 3))))
    with pytest.raises(ValueError, match="trace needs a matrix"):
        ad.trace(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        ad.grad(lambda A: ad.sum(ad.solve(A, np.ones(2))))(np.ones((2, 2)))


def test_grad_needs_a_scalar_output():
    with pytest.raises(ValueError, match=r"grad needs f to return a scalar.*shape \(3,\).*vjp"):
        ad.grad(lambda x: ad.exp(x))(np.ones(3))
    with pytest.raises(TypeError, match="number or an array of numbers, got tuple"):
        ad.grad(lambda x: (ad.sum(x), 1))(np.ones(3))
    assert ad.grad(lambda x: x.T @ x)(np.ones((3, 1))).shape == (3, 1)    # a 1 x 1 result


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"argnums=2 asks for argument 2.*2 positional"):
        ad.grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        ad.grad(lambda a: a, argnums="a")
    with pytest.raises(TypeError, match="argument 0 is complex"):
        ad.grad(lambda z: ad.sum(z))(np.ones(2) * 1j)
    with pytest.raises(TypeError, match="argument 0 must be a real number or array"):
        ad.grad(lambda z: z)("text")
    with pytest.raises(ValueError, match=r"cotangent g must have the shape of f\(x\), \(2,\)"):
        ad.vjp(lambda x: 2 * x, np.ones(2))[1](np.ones(3))
    with pytest.raises(ValueError, match=r"dx must have the shape of x: x has shape \(2,\)"):
        ad.jvp(lambda x: 2 * x, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="same structure"):
        ad.jvp(lambda p: p["a"], {"a": 1.0}, {"b": 1.0})
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward'"):
        ad.jacobian(lambda x: x, np.ones(2), mode="backward")
    with pytest.raises(TypeError, match=r"wrap the function with matdiff\.ad\.primitive"):
        ad.defvjp(np.exp, lambda g, y, x: g * y)
    with pytest.raises(NotImplementedError, match="no reverse-mode rule for its argument 1"):
        ad.grad(lambda x: ad.sum(ad.reshape(np.ones(4), x)))(np.array([2.0, 2.0]))


def test_modes_do_not_nest_or_mix():
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        ad.jvp(ad.grad(lambda x: ad.sum(x**3)), np.ones(2), np.ones(2))
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        ad.grad(lambda x: ad.jvp(lambda y: ad.sum(y * y), x, x)[1])(np.ones(2))
    with pytest.raises(TypeError, match="cannot be mixed"):
        ad.Dual(1.0, 1.0) + ad.Node(np.array(1.0))


def test_gram_product_is_recorded_once_and_agrees_with_matmul():
    rng = np.random.default_rng(7)
    X, dX = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 3))
    out = ad.Node(X).T @ ad.Node(X)
    assert out.op == "matmul"                  # two different nodes: the general product
    x = ad.Node(X)
    assert (x.T @ x).op == "gram"
    f = lambda X: ad.sum(W * (X.T @ X))        # noqa: E731
    expected = X @ (W + W.T)
    assert np.allclose(ad.grad(f)(X), expected)
    assert check_gradient(lambda X: np.sum(W * (X.T @ X)), ad.grad(f), X)
    assert np.isclose(ad.jvp(f, X, dX)[1], np.sum(expected * dX))


def test_float64_inputs_and_converted_inputs_give_the_same_gradient_over_repeated_calls():
    """_as_input's fast path (a float64 ndarray, used as is) and its fallback (ints, float32:
    converted), and the tape's creation-order sort across repeated calls."""
    def f(x):
        return ad.sum(ad.tanh(x) * x) + ad.trace(ad.reshape(x, (2, 2)) @ ad.reshape(x, (2, 2)))

    x = np.array([1.0, 2.0, -1.0, 0.5])
    g = ad.grad(f)(x)
    for other in (x.astype(np.float32), 2.0 * x.astype(np.float32) / 2):
        assert np.allclose(ad.grad(f)(other), g, rtol=1e-6)
    assert np.array_equal(ad.grad(lambda x: ad.sum(x * x))(np.array([1, 2])), [2.0, 4.0])
    assert np.array_equal(ad.grad(f)(x), g)                  # a second trace, newer nodes
    assert np.isclose(ad.jvp(f, x, np.ones(4))[1], np.sum(g))
    assert np.allclose(ad.jacobian(f, x)[0], g)
