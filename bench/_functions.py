"""The benchmark functions of bench/ad.py, shared with bench/_ad_peers.py (NumPy only,
so that the peers' virtual environment can import it without matdiff)."""

import numpy as np

SIZES = (50, 200, 800)


def matrix_functions(n, rng, ops):
    """Scalar functions of an n x n matrix X, each with a point to evaluate at.

    `ops` supplies sum, mean, trace, tanh, solve, logdet and softmax: matdiff.ad
    in bench/ad.py, autograd's or JAX's versions in bench/_ad_peers.py, so that every
    engine differentiates the same functions at the same points.
    """
    A, B, C, K, V = (rng.standard_normal((n, n)) for _ in range(5))
    C_cov = A @ A.T / n                    # a sample covariance
    D, Y = rng.standard_normal((n, n)), rng.standard_normal((1, n))
    w2 = rng.standard_normal((1, n)) / np.sqrt(n)
    eye = np.eye(n)
    X = rng.standard_normal((n, n)) / np.sqrt(n)
    spd = X @ X.T + eye
    return {
        "least squares: sum((AX - B)^2)": (lambda X: ops.sum((A @ X - B) ** 2), X),
        "tr(A X^-1 B), by solve": (lambda X: ops.trace(A @ ops.solve(X, B)), X + 2 * eye),
        "logdet(X^T X + I)": (lambda X: ops.logdet(X.T @ X + eye), X),
        "Gaussian: logdet S + tr(S^-1 C)": (lambda S: ops.logdet(S)
                                           + ops.trace(ops.solve(S, C_cov)), spd),
        "attention sum(C * softmax(X K^T / sqrt n) V)": (
            lambda Q: ops.sum(C * (ops.softmax(Q @ K.T / np.sqrt(n), axis=-1) @ V)), X),
        "MLP: mean((w2 tanh(W D) - y)^2)": (lambda W: ops.mean((w2 @ ops.tanh(W @ D) - Y) ** 2),
                                           X),
    }
