"""time(gradient) / time(function) for HIPS autograd and JAX, on bench/ad.py's functions.

Run by bench/ad.py with the Python of .venv-peers (`make bench` creates it from
bench/requirements-peers.txt), never imported by the project: the peers are
not the project's dependencies.  Prints one JSON object,
{engine: {function name: {n: ratio}}}; an engine that does not import is
reported as {"error": "..."}.

autograd is timed as it is used, eagerly: f on plain arrays, autograd.grad(f).
JAX is timed as it is used, compiled: jax.jit(f) against jax.jit(jax.grad(f)),
in float64, after a first call that compiles.
"""

import json
import os
import sys
import types

import _common  # first: sets the BLAS threads before NumPy

# One thread, as for NumPy; and no constant folding: the functions close over constant
# matrices, and XLA would otherwise multiply them at compile time, outside the timing.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "--xla_disable_hlo_passes=constant_folding")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
from _functions import SIZES, matrix_functions  # the same functions as bench/ad.py


def autograd_engine():
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    ops = types.SimpleNamespace(
        sum=anp.sum, mean=anp.mean, trace=anp.trace, tanh=anp.tanh, solve=anp.linalg.solve,
        logdet=lambda M: anp.linalg.slogdet(M)[1],
        softmax=lambda Z, axis: anp.exp(Z - logsumexp(Z, axis=axis, keepdims=True)))
    return ops, (lambda f: f), autograd.grad, (lambda value: value)


def jax_engine():
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    ops = types.SimpleNamespace(
        sum=jnp.sum, mean=jnp.mean, trace=jnp.trace, tanh=jnp.tanh, solve=jnp.linalg.solve,
        logdet=lambda M: jnp.linalg.slogdet(M)[1], softmax=jax.nn.softmax)
    return ops, jax.jit, (lambda f: jax.jit(jax.grad(f))), (lambda v: v.block_until_ready())


def ratios(engine):
    ops, compile_f, compile_grad, ready = engine()
    rng = np.random.default_rng(0)
    out = {}
    for n in SIZES:
        for name, (f, x) in matrix_functions(n, rng, ops).items():
            f_run, g_run = compile_f(f), compile_grad(f)
            ready(f_run(x)), ready(g_run(x))           # compile (JAX), warm up (both)
            # timed as bench/ad.py times matdiff: interleaved, best of 5
            t_f, t_g = _common.best_times(lambda f_run=f_run, x=x: ready(f_run(x)),
                                          lambda g_run=g_run, x=x: ready(g_run(x)))
            out.setdefault(name, {})[str(n)] = t_g / t_f
    return out


def main():
    report = {}
    for label, engine in (("autograd", autograd_engine), ("JAX (jit)", jax_engine)):
        try:
            report[label] = ratios(engine)
        except ImportError as err:
            report[label] = {"error": f"{type(err).__name__}: {err}"}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
