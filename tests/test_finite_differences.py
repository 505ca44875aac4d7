"""Finite differences: accuracy of each method, shapes, vec convention, stencils."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import METHODS, fd_derivative, fd_gradient, fd_jacobian, stencil_weights

EPS = np.finfo(float).eps


def rel_err(approx, exact):
    approx, exact = np.asarray(approx), np.asarray(exact)
    return np.max(np.abs(approx - exact)) / np.max(np.abs(exact))


# Smooth, well-scaled test functions with known directional derivatives, built
# from a seed: f and its first few derivatives have comparable sizes, the
# setting in which the textbook error estimates (eps^(2/3) for central
# differences, ...) hold.
def smooth_problem(seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "scalar":
        a, b = rng.uniform(-1, 1, size=2)
        x = rng.uniform(-1, 1)
        return (lambda x: np.exp(a * x) * np.sin(b * x + 1),
                lambda x, dx: (a * np.exp(a * x) * np.sin(b * x + 1)
                               + b * np.exp(a * x) * np.cos(b * x + 1)) * dx, x, 1.0)
    if kind == "vector":
        A = rng.standard_normal((3, 4))
        x = rng.standard_normal(4)
        return (lambda x: np.sin(A @ x) + (x @ x) * np.ones(3),
                lambda x, dx: np.cos(A @ x) * (A @ dx) + 2 * (x @ dx) * np.ones(3),
                x, rng.standard_normal(4))
    X = 0.4 * rng.standard_normal((3, 3)) + 2 * np.eye(3)   # well-conditioned
    return (lambda X: X @ X @ X + np.linalg.inv(X),
            lambda X, dX: dX @ X @ X + X @ dX @ X + X @ X @ dX
            - np.linalg.inv(X) @ dX @ np.linalg.inv(X),
            X, rng.standard_normal((3, 3)))


KINDS = ["scalar", "vector", "matrix"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_method_handles_every_shape(method, kind):
    f, df, x, dx = smooth_problem(0, kind)
    approx = fd_derivative(f, x, dx, method=method)
    assert np.shape(approx) == np.shape(f(x))
    tol = {"forward": 1e-6, "backward": 1e-6}.get(method, 1e-8)
    assert rel_err(approx, df(x, dx)) < tol


# The accuracy each method reaches at its default step, on smooth functions:
# forward ~ eps^(1/2), central ~ eps^(2/3), Richardson ~ 1e-12, complex step ~ eps.
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_default_steps_reach_the_expected_accuracy(seed, kind):
    f, df, x, dx = smooth_problem(seed, kind)
    exact = df(x, dx)
    # Relative to the size of the derivative; skip directions where it nearly
    # vanishes (a relative error there measures nothing).
    if np.max(np.abs(exact)) < 0.2 * np.max(np.abs(f(x))) / max(1, np.max(np.abs(x))):
        return
    assert rel_err(fd_derivative(f, x, dx, "forward"), exact) < 200 * EPS**0.5
    assert rel_err(fd_derivative(f, x, dx, "central"), exact) < 200 * EPS ** (2 / 3)
    assert rel_err(fd_derivative(f, x, dx, "richardson"), exact) < 1e-10
    assert rel_err(fd_derivative(f, x, dx, "complex-step"), exact) < 50 * EPS


def test_central_error_is_near_eps_two_thirds_on_a_typical_function():
    # Median over many points: the typical error, not just a bound.
    errors = []
    for seed in range(50):
        f, df, x, dx = smooth_problem(seed, "vector")
        errors.append(rel_err(fd_derivative(f, x, dx), df(x, dx)))
    typical = np.median(errors)
    assert EPS ** (2 / 3) / 100 < typical < 20 * EPS ** (2 / 3)


def test_complex_step_has_no_cancellation_at_tiny_steps():
    f = lambda x: np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)  # noqa: E731 (Squire-Trapp)
    x0 = 1.5
    exact = fd_derivative(f, x0, 1.0, "richardson")
    for h in [1e-8, 1e-20, 1e-100]:
        assert rel_err(fd_derivative(f, x0, 1.0, "complex-step", h=h), exact) < 1e-13
    # while the central difference at a tiny step is destroyed by roundoff
    assert rel_err(fd_derivative(f, x0, 1.0, "central", h=1e-14), exact) > 1e-3


def test_error_vs_step_has_the_predicted_slopes():
    f, df = np.exp, np.exp
    x0 = 0.5
    h = np.array([1e-2, 1e-3])
    for method, slope in [("forward", 1), ("backward", 1), ("central", 2)]:
        e = [rel_err(fd_derivative(f, x0, 1.0, method, h=hi), df(x0)) for hi in h]
        measured = np.log10(e[0] / e[1])
        assert abs(measured - slope) < 0.1, (method, measured)


def test_step_scales_with_x():
    # At x = 1e6 an absolute step of eps^(1/3) would be lost in roundoff.
    f = lambda x: x**2  # noqa: E731
    assert rel_err(fd_derivative(f, 1e6, 1.0), 2e6) < 1e-9
    assert rel_err(fd_derivative(f, 1e-6, 1.0), 2e-6) < 1e-6


def test_richardson_survives_a_nearby_singularity():
    # log(x) at 0.05: the first Richardson step (0.1) would leave the domain.
    assert rel_err(fd_derivative(np.log, 0.05, 1.0, "richardson"), 20.0) < 1e-10
    X = np.array([[1.0, 2.0], [3.0, 4.0]])   # 0.37 from singular
    dX = np.array([[0.3, -1.2], [2.0, 0.5]])
    exact = -np.linalg.inv(X) @ dX @ np.linalg.inv(X)
    assert rel_err(fd_derivative(np.linalg.inv, X, dX, "richardson"), exact) < 1e-10


def test_returns_a_scalar_for_scalar_functions():
    d = fd_derivative(np.sin, 0.3, 1.0)
    assert np.ndim(d) == 0 and isinstance(d, np.floating)


def test_complex_inputs_with_ordinary_differences():
    z = 0.3 + 0.4j
    assert abs(fd_derivative(lambda z: z**3, z, 1.0) - 3 * z**2) < 1e-9


def test_argument_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of"):
        fd_derivative(np.sin, 1.0, 1.0, method="centered")
    with pytest.raises(ValueError, match=r"dx has shape \(2,\) but x has shape \(3,\)"):
        fd_derivative(np.sin, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="x contains nan"):
        fd_derivative(np.sin, np.array([np.nan]), np.ones(1))
    with pytest.raises(ValueError, match="dx is zero"):
        fd_derivative(np.sin, np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="h must be a positive"):
        fd_derivative(np.sin, 1.0, 1.0, h=-1e-3)
    with pytest.raises(TypeError, match="array of numbers"):
        fd_derivative(lambda x: "one", 1.0, 1.0)


def test_f_that_raises_keeps_its_exception_with_a_note():
    def f(x):
        raise KeyError("boom")

    with pytest.raises(KeyError) as info:
        fd_derivative(f, 1.0, 1.0)
    assert any("raised by f(x)" in note for note in info.value.__notes__)


def test_complex_step_explains_functions_that_drop_the_imaginary_part():
    with pytest.raises(ValueError, match="keep the imaginary part"):
        fd_derivative(lambda x: np.abs(x) ** 2, 1.0, 1.0, "complex-step")
    with pytest.raises(ValueError, match="needs real x"):
        fd_derivative(lambda z: z**2, 1j, 1.0, "complex-step")
    with pytest.raises(ValueError, match="real-valued f"):
        fd_derivative(lambda x: 1j * x, 1.0, 1.0, "complex-step")


def test_richardson_reports_a_function_that_is_nowhere_finite():
    with pytest.raises(ValueError, match="not finite near x"):
        fd_derivative(lambda x: np.log(-x), 1.0, 1.0, "richardson")


# ---------------------------------------------------------------- gradients, Jacobians


@pytest.mark.parametrize("method", METHODS)
def test_gradient_of_a_matrix_function_has_the_shape_of_x(method):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 3))
    X = rng.standard_normal((3, 2))
    g = fd_gradient(lambda X: np.trace(X.T @ A @ X), X, method=method)
    assert g.shape == X.shape
    tol = 1e-6 if method in ("forward", "backward") else 1e-8
    assert rel_err(g, (A + A.T) @ X) < tol


def test_gradient_rejects_nonscalar_and_complex_functions():
    with pytest.raises(ValueError, match=r"scalar-valued f.*fd_jacobian"):
        fd_gradient(np.sin, np.ones(3))
    with pytest.raises(ValueError, match="real-valued"):
        fd_gradient(lambda x: 1j * np.sum(x), np.ones(3))


def test_gradient_accepts_size_one_outputs_and_scalars():
    x = np.ones((3, 1))
    assert rel_err(fd_gradient(lambda x: x.T @ x, x), 2 * x) < 1e-9
    assert abs(fd_gradient(np.exp, 0.0) - 1.0) < 1e-9


def test_jacobian_uses_column_major_vec():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    X = rng.standard_normal((3, 4))
    J = fd_jacobian(lambda X: A @ X @ B, X)
    assert J.shape == (10, 12)
    assert rel_err(J, np.kron(B.T, A)) < 1e-9          # vec(AXB) = (B^T kron A) vec(X)


def test_jacobian_of_transpose_is_the_commutation_matrix():
    m, n = 2, 3
    J = fd_jacobian(lambda X: X.T, np.zeros((m, n)))
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[j + n * i, i + m * j] = 1     # vec(X^T) = K vec(X)
    assert np.allclose(J, K, atol=1e-9)


def test_jacobian_rows_are_gradients():
    A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, -1.0]])
    x = np.array([0.2, -0.4])
    J = fd_jacobian(lambda x: np.tanh(A @ x), x)
    for i in range(3):
        assert rel_err(J[i], fd_gradient(lambda x, i=i: np.tanh(A @ x)[i], x)) < 1e-8
    assert J.shape == (3, 2)
    assert fd_jacobian(lambda x: x @ x, x).shape == (1, 2)   # scalar f: one row


def test_jacobian_complex_step_matches_exact():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    J = fd_jacobian(lambda X: X @ X, A, method="complex-step")
    exact = np.kron(A.T, np.eye(2)) + np.kron(np.eye(2), A)  # d(X^2) = dX X + X dX
    assert rel_err(J, exact) < 1e-14


# ---------------------------------------------------------------- stencils


def frac_list(values):
    return [Fraction(v) for v in values]


@pytest.mark.parametrize(("offsets", "order", "weights", "accuracy"), [
    ([0, 1], 1, ["-1", "1"], 1),
    ([-1, 0], 1, ["-1", "1"], 1),
    ([-1, 0, 1], 1, ["-1/2", "0", "1/2"], 2),
    ([-1, 0, 1], 2, ["1", "-2", "1"], 2),
    ([-2, -1, 0, 1, 2], 1, ["1/12", "-2/3", "0", "2/3", "-1/12"], 4),
    ([-2, -1, 0, 1, 2], 2, ["-1/12", "4/3", "-5/2", "4/3", "-1/12"], 4),
    ([0, 1, 2], 1, ["-3/2", "2", "-1/2"], 2),
    ([-2, -1, 0, 1, 2], 4, ["1", "-4", "6", "-4", "1"], 2),
    ([-3, -2, -1, 0, 1, 2, 3], 1, ["-1/60", "3/20", "-3/4", "0", "3/4", "-3/20", "1/60"], 6),
    ([Fraction(-1, 2), Fraction(1, 2)], 1, ["-1", "1"], 2),
])
def test_known_stencils(offsets, order, weights, accuracy):
    s = stencil_weights(offsets, order)
    assert list(s.weights) == frac_list(weights)
    assert all(isinstance(w, Fraction) for w in s.weights)
    assert s.accuracy == accuracy and s.order == order


def test_float_offsets_become_fractions():
    s = stencil_weights([-0.5, 0.5, 1.5], 1)
    assert s.offsets == (Fraction(-1, 2), Fraction(1, 2), Fraction(3, 2))


@settings(max_examples=80, deadline=None)
@given(offsets=st.lists(st.integers(-6, 6), min_size=2, max_size=7, unique=True),
       data=st.data())
def test_stencils_are_exact_on_polynomials_up_to_their_accuracy(offsets, data):
    order = data.draw(st.integers(0, len(offsets) - 1))
    s = stencil_weights(offsets, order)
    if s.accuracy == math.inf:   # f(x) itself: weight 1 at offset 0
        assert order == 0 and 0 in offsets
        assert [w for o, w in zip(s.offsets, s.weights) if w] == [1]
        return
    # sum_k w_k s_k^j equals j!/(j-order)! * 0^(j-order)... i.e. order! at j = order, else 0,
    # for every degree j < order + accuracy, and fails at j = order + accuracy.
    for j in range(order + s.accuracy + 1):
        moment = sum(w * sk**j for sk, w in zip(s.offsets, s.weights))
        expected = math.factorial(order) if j == order else 0
        if j < order + s.accuracy:
            assert moment == expected
        else:
            assert moment != expected
    assert s.accuracy >= len(offsets) - order


@pytest.mark.parametrize(("offsets", "order"), [([-1, 0, 1], 1), ([-2, -1, 0, 1, 2], 1),
                                                ([0, 1, 2, 3], 2), ([-1, 0, 1], 2)])
def test_stencil_error_shrinks_at_its_order(offsets, order):
    s = stencil_weights(offsets, order)
    exact = 1.0  # every derivative of exp at 0
    e1 = abs(s.derivative(np.exp, 0.0, h=0.1) - exact)
    e2 = abs(s.derivative(np.exp, 0.0, h=0.05) - exact)
    assert abs(np.log2(e1 / e2) - s.accuracy) < 0.3


def test_stencil_argument_errors():
    with pytest.raises(ValueError, match="distinct"):
        stencil_weights([0, 1, 1], 1)
    with pytest.raises(ValueError, match="at least 3 distinct offsets"):
        stencil_weights([0, 1], 2)
    with pytest.raises(ValueError, match="non-negative integer"):
        stencil_weights([0, 1], -1)
    with pytest.raises(TypeError, match="offsets must contain numbers"):
        stencil_weights(["a", 1], 1)
    with pytest.raises(ValueError, match="finite"):
        stencil_weights([0.0, float("inf")], 1)


@pytest.mark.parametrize(("method", "calls"), [("forward", 6), ("backward", 6), ("central", 11)])
def test_gradients_and_jacobians_reuse_f_at_x(method, calls):
    count = []

    def f(x):
        count.append(1)
        return np.sum(np.sin(x))

    fd_gradient(f, np.ones(5), method=method)
    assert len(count) == calls          # n + 1 one-sided, 2n + 1 central
    count.clear()
    fd_jacobian(lambda x: np.sin(x) + 0 * f(x), np.ones(5), method=method)
    assert len(count) == calls


def test_gradient_and_jacobian_name_a_bad_method_or_step():
    with pytest.raises(ValueError, match="method must be one of"):
        fd_gradient(np.sum, np.ones(2), method="centred")
    with pytest.raises(ValueError, match="method must be one of"):
        fd_jacobian(np.sin, np.ones(2), method="centred")
    with pytest.raises(ValueError, match="h must be a positive"):
        fd_gradient(np.sum, np.ones(2), h=0.0)
