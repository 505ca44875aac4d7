"""A catalog of matrix functions with their derivatives, right and wrong.

Each case gives f, its derivative as an operator df(x, dx), its gradient when
f is scalar, a sampler for valid inputs, and the mistakes people make with
it: a wrong derivative together with the diagnosis the checker should give
(None when no single named mistake fits).  Constants (A, B, u, ...) are drawn
once from a fixed seed so that every run checks the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla

_rng = np.random.default_rng(20230101)
n, m, p = 4, 3, 5
A = _rng.standard_normal((n, n))
B = _rng.standard_normal((n, n))
Am = _rng.standard_normal((m, n))          # rectangular constants
Bp = _rng.standard_normal((n, p))
a = _rng.standard_normal(n)
b = _rng.standard_normal(n)
W = _rng.standard_normal((m, n))
Y = _rng.standard_normal((40, n))           # data for least squares / logistic
t = _rng.standard_normal(40)
labels = np.where(_rng.standard_normal(40) > 0, 1.0, -1.0)
inv, det, tr = np.linalg.inv, np.linalg.det, np.trace


def square(rng):
    return rng.standard_normal((n, n))


def well_conditioned(rng):
    return rng.standard_normal((n, n)) + 3 * np.eye(n)


def positive_det(rng):
    """A non-symmetric matrix with positive determinant."""
    X = rng.standard_normal((n, n)) + 2 * np.eye(n)
    return X if det(X) > 0 else X[::-1]


def spd(rng):
    G = rng.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def rect(rng):
    return rng.standard_normal((n, m))


def vector(rng):
    return rng.standard_normal(n)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def sylvester_sqrt_derivative(X, dX):
    # S^2 = X  =>  S dS + dS S = dX, a Sylvester equation for dS.
    S = sla.sqrtm(X).real
    return sla.solve_sylvester(S, S, dX)


@dataclass
class Case:
    name: str
    f: Callable
    df: Callable
    sample: Callable
    grad: Callable | None = None
    # wrong derivatives: (description, df_or_grad, expected mistake or None)
    wrong: list = field(default_factory=list)

    def __repr__(self):
        return self.name


CASES = [
    Case("X^2", lambda X: X @ X, lambda X, dX: dX @ X + X @ dX, square,
         wrong=[("2 X dX, as if matrices commuted", lambda X, dX: 2 * X @ dX, "unknown"),
                ("twice the right answer", lambda X, dX: 2 * (dX @ X + X @ dX), "factor")]),
    Case("X^3", lambda X: X @ X @ X,
         lambda X, dX: dX @ X @ X + X @ dX @ X + X @ X @ dX, square,
         wrong=[("3 X^2 dX", lambda X, dX: 3 * X @ X @ dX, "unknown")]),
    Case("X^-1", inv, lambda X, dX: -inv(X) @ dX @ inv(X), well_conditioned,
         wrong=[("sign lost", lambda X, dX: inv(X) @ dX @ inv(X), "sign"),
                ("-X^-2 dX", lambda X, dX: -inv(X) @ inv(X) @ dX, "unknown")]),
    Case("X^T X", lambda X: X.T @ X, lambda X, dX: dX.T @ X + X.T @ dX, rect,
         wrong=[("2 X^T dX", lambda X, dX: 2 * X.T @ dX, "unknown")]),
    Case("A X B", lambda X: Am @ X @ Bp[:m, :], lambda X, dX: Am @ dX @ Bp[:m, :], rect,
         wrong=[("negated", lambda X, dX: -Am @ dX @ Bp[:m, :], "sign")]),
    Case("X^T (transpose)", lambda X: X.T, lambda X, dX: dX.T, square,
         wrong=[("dX", lambda X, dX: dX, "transpose")]),
    Case("X A with dX^T", lambda X: X @ A, lambda X, dX: dX @ A, square,
         wrong=[("dX^T A", lambda X, dX: dX.T @ A, "transpose")]),
    Case("tr(X)", tr, lambda X, dX: tr(dX), square, grad=lambda X: np.eye(len(X)),
         wrong=[("2 I", lambda X: 2 * np.eye(len(X)), "factor")]),
    Case("tr(A X)", lambda X: tr(A @ X), lambda X, dX: tr(A @ dX), square,
         grad=lambda X: A.T,
         wrong=[("A instead of A^T", lambda X: A, "transpose")]),
    Case("tr(X^T A X)", lambda X: tr(X.T @ A @ X),
         lambda X, dX: tr(dX.T @ A @ X) + tr(X.T @ A @ dX), rect,
         grad=lambda X: (A + A.T) @ X,
         wrong=[("2 A X, right only for symmetric A", lambda X: 2 * A @ X, "unknown")]),
    Case("tr(X^4)", lambda X: tr(np.linalg.matrix_power(X, 4)),
         lambda X, dX: 4 * tr(np.linalg.matrix_power(X, 3) @ dX), square,
         grad=lambda X: 4 * np.linalg.matrix_power(X, 3).T,
         wrong=[("4 X^3 without transpose", lambda X: 4 * np.linalg.matrix_power(X, 3),
                 "transpose")]),
    Case("tr(X^T X X)", lambda X: tr(X.T @ X @ X),
         lambda X, dX: tr(dX.T @ X @ X) + tr(X.T @ dX @ X) + tr(X.T @ X @ dX), square,
         grad=lambda X: X @ X + X @ X.T + X.T @ X,
         wrong=[("3 X^2, right only for symmetric X", lambda X: 3 * X @ X,
                 "symmetric-only")]),
    Case("det X", det, lambda X, dX: det(X) * tr(np.linalg.solve(X, dX)), well_conditioned,
         grad=lambda X: det(X) * inv(X).T,
         wrong=[("det(X) X^-1", lambda X: det(X) * inv(X), "transpose")]),
    Case("log det X", lambda X: np.linalg.slogdet(X)[1],
         lambda X, dX: tr(np.linalg.solve(X, dX)), positive_det,
         grad=lambda X: inv(X).T,
         wrong=[("X^-1", inv, "transpose"), ("-X^-T", lambda X: -inv(X).T, "sign")]),
    Case("log det(X^T X)", lambda X: np.linalg.slogdet(X.T @ X)[1],
         lambda X, dX: 2 * tr(np.linalg.solve(X.T @ X, X.T @ dX)), square,
         grad=lambda X: 2 * inv(X).T,
         wrong=[("X^-T (lost 2)", lambda X: inv(X).T, "factor")]),
    Case("x^T A x", lambda x: x @ A @ x, lambda x, dx: dx @ A @ x + x @ A @ dx, vector,
         grad=lambda x: (A + A.T) @ x,
         wrong=[("2 A x, right only for symmetric A", lambda x: 2 * A @ x, "unknown")]),
    Case("a^T X b", lambda X: a @ X @ b, lambda X, dX: a @ dX @ b, square,
         grad=lambda X: np.outer(a, b),
         wrong=[("b a^T", lambda X: np.outer(b, a), "transpose")]),
    Case("||X||_F^2", lambda X: np.sum(X * X), lambda X, dX: 2 * np.sum(X * dX), rect,
         grad=lambda X: 2 * X,
         wrong=[("X (lost 2)", lambda X: X, "factor"),
                ("2 X^T", lambda X: 2 * X.T, "transpose")]),
    Case("||X||_F", lambda X: np.linalg.norm(X), lambda X, dX: np.sum(X * dX) / np.linalg.norm(X),
         rect, grad=lambda X: X / np.linalg.norm(X),
         wrong=[("X", lambda X: X, "factor")]),
    Case("(x^T x)^4", lambda x: (x @ x) ** 4, lambda x, dx: 8 * (x @ x) ** 3 * (x @ dx), vector,
         grad=lambda x: 8 * (x @ x) ** 3 * x,
         wrong=[("4 (x^T x)^3 x", lambda x: 4 * (x @ x) ** 3 * x, "factor")]),
    Case("cos(0.3 x^T A x)", lambda x: np.cos(0.3 * x @ A @ x),
         lambda x, dx: -np.sin(0.3 * x @ A @ x) * 0.3 * (dx @ A @ x + x @ A @ dx), vector,
         grad=lambda x: -np.sin(0.3 * x @ A @ x) * 0.3 * (A + A.T) @ x,
         wrong=[("sign lost", lambda x: np.sin(0.3 * x @ A @ x) * 0.3 * (A + A.T) @ x,
                 "sign")]),
    Case("exp(X)", sla.expm, lambda X, dX: sla.expm_frechet(X, dX, compute_expm=False),
         lambda rng: 0.5 * square(rng),
         wrong=[("exp(X) dX", lambda X, dX: sla.expm(X) @ dX, "unknown")]),
    Case("sqrt(X), X SPD", lambda X: sla.sqrtm(X).real, sylvester_sqrt_derivative, spd,
         wrong=[("dX / 2", lambda X, dX: dX / 2, "unknown")]),
    Case("sin(X) elementwise", np.sin, lambda X, dX: np.cos(X) * dX, rect,
         wrong=[("-cos(X) * dX", lambda X, dX: -np.cos(X) * dX, "sign")]),
    Case("X o X (Hadamard)", lambda X: X * X, lambda X, dX: 2 * X * dX, rect,
         wrong=[("X * dX", lambda X, dX: X * dX, "factor")]),
    Case("X kron X", lambda X: np.kron(X, X), lambda X, dX: np.kron(dX, X) + np.kron(X, dX),
         lambda rng: rng.standard_normal((2, 2)),
         wrong=[("2 dX kron X", lambda X, dX: 2 * np.kron(dX, X), "unknown")]),
    Case("X^-1 b (solve)", lambda X: np.linalg.solve(X, b),
         lambda X, dX: -np.linalg.solve(X, dX @ np.linalg.solve(X, b)), well_conditioned,
         wrong=[("sign lost", lambda X, dX: np.linalg.solve(X, dX @ np.linalg.solve(X, b)),
                 "sign")]),
    Case("(A + u v^T)^-1 b in u", lambda u: np.linalg.solve(3 * np.eye(n) + np.outer(u, a), b),
         lambda u, du: -np.linalg.solve(3 * np.eye(n) + np.outer(u, a),
                                        np.outer(du, a) @ np.linalg.solve(
                                            3 * np.eye(n) + np.outer(u, a), b)),
         lambda rng: 0.3 * vector(rng),
         wrong=[("half", lambda u, du: -0.5 * np.linalg.solve(
             3 * np.eye(n) + np.outer(u, a), np.outer(du, a) @ np.linalg.solve(
                 3 * np.eye(n) + np.outer(u, a), b)), "factor")]),
    Case("softmax(x)", softmax,
         lambda x, dx: softmax(x) * dx - softmax(x) * (softmax(x) @ dx), vector,
         wrong=[("diag(s) dx only", lambda x, dx: softmax(x) * dx, "unknown")]),
    Case("log-sum-exp(x)", lambda x: np.log(np.sum(np.exp(x))), lambda x, dx: softmax(x) @ dx,
         vector, grad=softmax,
         wrong=[("exp(x), off by the factor sum(exp(x))", np.exp, "factor"),
                ("1 - softmax(x)", lambda x: 1 - softmax(x), "unknown")]),
    Case("tanh(W x) in W", lambda Wv: np.tanh(Wv @ a), lambda Wv, dW: (1 - np.tanh(Wv @ a) ** 2)
         * (dW @ a), lambda rng: 0.5 * rng.standard_normal((m, n)),
         wrong=[("tanh^2 - 1", lambda Wv, dW: (np.tanh(Wv @ a) ** 2 - 1) * (dW @ a), "sign")]),
    Case("least squares ||Y x - t||^2", lambda x: np.sum((Y @ x - t) ** 2),
         lambda x, dx: 2 * (Y @ x - t) @ (Y @ dx), vector, grad=lambda x: 2 * Y.T @ (Y @ x - t),
         wrong=[("Y^T (Y x - t)", lambda x: Y.T @ (Y @ x - t), "factor")]),
    Case("logistic loss", lambda w: np.sum(np.logaddexp(0, -labels * (Y @ w))),
         lambda w, dw: -np.sum(labels * (Y @ dw) / (1 + np.exp(labels * (Y @ w)))), vector,
         grad=lambda w: -Y.T @ (labels / (1 + np.exp(labels * (Y @ w)))),
         wrong=[("sign lost", lambda w: Y.T @ (labels / (1 + np.exp(labels * (Y @ w)))),
                 "sign")]),
    Case("tr(A X^-1 B)", lambda X: tr(A @ inv(X) @ B),
         lambda X, dX: -tr(A @ inv(X) @ dX @ inv(X) @ B),
         well_conditioned, grad=lambda X: -(inv(X) @ B @ A @ inv(X)).T,
         wrong=[("not transposed", lambda X: -(inv(X) @ B @ A @ inv(X)), "transpose")]),
]

SCALAR_CASES = [c for c in CASES if c.grad is not None]
