"""Benchmark of matdiff.ad: the cheap-gradient principle, and forward vs reverse mode.

1. For matrix-heavy scalar functions of an n x n matrix at n = 50, 200, 800:
   time(gradient) / time(function), with the gradient by reverse mode
   (ad.grad, forward pass included) and one directional derivative by
   forward mode (ad.jvp).  Reverse-mode theory bounds the ratio by a small
   constant (about 3 to 5 for these operations) independent of n.
2. For a many-inputs/one-output function of x in R^n: the gradient by n
   forward-mode passes (one jvp per coordinate) against one reverse-mode
   pass (one vjp), as n grows.

Writes _build/bench/ad.md and the figures _build/bench/ad-*.png.
"""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

# glibc returns a freed block of more than 128 KiB to the system at once, so every
# n x n temporary (n >= 200) is fresh memory, page-faulted in again, and on this
# virtual machine page faults were most of the time of some gradients (a million
# faults in one run).  Timed with glibc's thresholds fixed high, the ratios measure
# the arithmetic; one run with glibc's defaults is reported beside them.  (glibc
# reads these variables when a process starts: the script runs itself again.)
FIXED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(64 << 20)}
if __name__ == "__main__" and "BENCH_AD_MALLOC" not in os.environ:
    os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]],
              {**os.environ, **FIXED_MALLOC, "BENCH_AD_MALLOC": "fixed"})

import _common  # noqa: E402 - first of the rest: sets the BLAS threads before NumPy
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _functions import SIZES, matrix_functions  # noqa: E402
from matdiff import ad  # noqa: E402

TOPIC = "ad"


def cheap_gradient(figure=True):
    rng = np.random.default_rng(0)
    rows, ratios, small_ms = [], {}, {}
    for n in SIZES:
        for name, (f, x) in matrix_functions(n, rng, ad).items():
            gradient = ad.grad(f)
            dx = rng.standard_normal(x.shape)
            # the three agree (a sanity check, not a test): <grad f, dx> = f'(x)[dx]
            assert np.isclose(np.sum(gradient(x) * dx), ad.jvp(f, x, dx)[1], rtol=1e-6)
            t_f, t_grad, t_jvp = _common.best_times(lambda f=f, x=x: f(x),
                                                    lambda g=gradient, x=x: g(x),
                                                    lambda f=f, x=x, dx=dx: ad.jvp(f, x, dx))
            ratios.setdefault(name, []).append(t_grad / t_f)
            if n == SIZES[0]:
                small_ms[name] = (1e3 * t_f, 1e3 * t_grad)
            rows.append((name, n, f"{1e3 * t_f:.3g}", f"{1e3 * t_grad:.3g}",
                         f"**{t_grad / t_f:.2f}**", f"{t_jvp / t_f:.2f}"))
            print(f"n={n:4d}  {name:46s} grad/f = {t_grad / t_f:5.2f}  "
                  f"jvp/f = {t_jvp / t_f:5.2f}")

    worst = {n: max(r[i] for r in ratios.values()) for i, n in enumerate(SIZES)}
    table = _common.table(["function", "n", "f (ms)", "grad (ms)", "grad / f", "jvp / f"],
                          rows)
    if not figure:
        return table, worst, ratios, small_ms
    fig, ax = plt.subplots(figsize=(9.5, 4.2))
    for name, values in ratios.items():
        ax.plot(SIZES, values, "o-", label=name)
    ax.axhline(5, color="gray", ls="--", lw=1, label="5 times f")
    ax.set(xscale="log", xlabel="n (X is n x n)", ylabel="time(gradient) / time(f)",
           title="Cheap gradient: reverse mode costs a small multiple of f", ylim=(0, None))
    ax.minorticks_off()
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(_common.figure_path(TOPIC, "cheap-gradient"), dpi=120)
    plt.close(fig)
    return table, worst, ratios, small_ms


PEERS_PYTHON = Path(__file__).resolve().parent.parent / ".venv-peers" / "bin" / "python"


def peer_ratios():
    """{engine: {function: {n: ratio}}} from bench/_ad_peers.py, or a reason it is missing."""
    if not PEERS_PYTHON.exists():
        return None, ("the peers' environment `.venv-peers` is missing (`make bench` "
                      "creates it from `bench/requirements-peers.txt`; it did not install)")
    script = Path(__file__).resolve().parent / "_ad_peers.py"
    run = subprocess.run([str(PEERS_PYTHON), str(script)], capture_output=True, text=True,
                         timeout=900)
    if run.returncode != 0:
        return None, f"`bench/_ad_peers.py` failed: {run.stderr.strip().splitlines()[-1:]}"
    return json.loads(run.stdout), None


def side_by_side(ours, peers):
    """Table of grad/f per engine, and the cases where matdiff is > 1.5x a peer's ratio."""
    engines = [e for e in peers if "error" not in peers[e]]
    rows, slower = [], []
    for name, values in ours.items():
        for i, n in enumerate(SIZES):
            row = [name, n, f"{values[i]:.2f}"]
            for engine in engines:
                theirs = peers[engine][name][str(n)]
                row.append(f"{theirs:.2f}")
                if values[i] > 1.5 * theirs:
                    slower.append(f"{name} at n = {n} ({values[i]:.2f} vs {engine} "
                                  f"{theirs:.2f})")
            rows.append(tuple(row))
    missing = [f"{e}: {peers[e]['error']}" for e in peers if "error" in peers[e]]
    table = _common.table(["function", "n", "matdiff.ad", *engines], rows)
    return table, slower, missing


def recorded_operations(f, x):
    """How many primitive operations ad.grad records on its tape for f at x."""
    seen, stack = set(), [f(ad.Node(x))]
    while stack:
        node = stack.pop()
        if isinstance(node, ad.Node) and id(node) not in seen and node.parents:
            seen.add(id(node))
            stack.extend(node.parents)
    return len(seen)


def python_costs(long=200):
    """CPU seconds that ad.grad adds per call and per recorded operation (its pullback
    included), measured where the arithmetic costs almost nothing: chains of 1 and of
    1 + `long` products of a 1 x 1 matrix, whose extra time is a + b * length."""
    x = np.ones((1, 1))
    extra = []
    for length in (1, 1 + long):
        def chain(x, length=length):
            for _ in range(length - 1):
                x = x * 1.0
            return ad.sum(x)

        gradient = ad.grad(chain)
        t_f, t_grad = _common.best_times(lambda chain=chain: chain(x),
                                         lambda gradient=gradient: gradient(x))
        extra.append(t_grad - t_f)
    per_op = (extra[1] - extra[0]) / long
    return extra[0] - per_op, per_op


def overhead_at_small_n(ours_ms, peers):
    """At n = 50: the Python share of matdiff's gradient, and its ratio without it."""
    per_call, per_op = python_costs()
    rng = np.random.default_rng(0)
    rows, without = [], []
    jax = peers.get("JAX (jit)", {}) if peers else {}
    for name, (f, x) in matrix_functions(SIZES[0], rng, ad).items():
        ops = recorded_operations(f, x)
        t_f, t_grad = ours_ms[name]
        python = (per_call + ops * per_op) * 1e3
        jax_ratio = jax.get(name, {}).get(str(SIZES[0]))
        without.append((t_grad - python) / t_f)
        rows.append((name, ops, f"{python:.3f}", f"{100 * python / t_grad:.0f}%",
                     f"{t_grad / t_f:.2f}", f"{(t_grad - python) / t_f:.2f}",
                     "-" if jax_ratio is None else f"{jax_ratio:.2f}"))
    header = ["function (n = 50)", "operations recorded", "Python (ms)",
              "share of grad", "grad / f", "grad / f without it", "JAX (jit)"]
    return per_call, per_op, _common.table(header, rows), (min(without), max(without))


def forward_vs_reverse():
    """Gradient of f(x) = sum(tanh(W2 tanh(W1 x))) by n jvps vs by one vjp."""
    sizes = (10, 30, 100, 300, 1000)
    rng = np.random.default_rng(1)
    rows, times = [], {"f": [], "forward": [], "reverse": []}
    for n in sizes:
        W1, W2 = (rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(2))

        def f(x, W1=W1, W2=W2):
            return ad.sum(ad.tanh(W2 @ ad.tanh(W1 @ x)))

        x = rng.standard_normal(n)
        g_forward = ad.jacobian(f, x, mode="forward")[0]      # n jvps, one per coordinate
        assert np.allclose(g_forward, ad.grad(f)(x), rtol=1e-10, atol=1e-12)
        t_f = _common.best_time(lambda f=f, x=x: f(x), repeat=3)
        t_fwd = _common.best_time(lambda f=f, x=x: ad.jacobian(f, x, mode="forward"), repeat=3)
        t_rev = _common.best_time(lambda f=f, x=x: ad.grad(f)(x), repeat=3)
        for key, t in (("f", t_f), ("forward", t_fwd), ("reverse", t_rev)):
            times[key].append(t)
        rows.append((n, f"{1e3 * t_f:.3g}", f"{1e3 * t_fwd:.3g}", f"{1e3 * t_rev:.3g}",
                     f"{t_fwd / t_rev:.3g}"))
        print(f"n={n:5d}  forward (n jvps) {1e3 * t_fwd:9.3f} ms   reverse (1 vjp) "
              f"{1e3 * t_rev:7.3f} ms")

    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(sizes, times["forward"], "o-", label="forward mode: n jvps")
    ax.loglog(sizes, times["reverse"], "s-", label="reverse mode: one vjp")
    ax.loglog(sizes, times["f"], "^:", color="gray", label="f itself")
    ax.set(xlabel="n (number of inputs)", ylabel="seconds",
           title="Gradient of f: R^n -> R, forward vs reverse mode")
    ax.legend()
    fig.tight_layout()
    fig.savefig(_common.figure_path(TOPIC, "forward-vs-reverse"), dpi=120)
    plt.close(fig)
    return _common.table(["n", "f (ms)", "n jvps (ms)", "one vjp (ms)", "forward / reverse"],
                         rows)


def with_glibc_defaults():
    """Largest grad / f per size, and the page faults, of cheap_gradient() run in a process
    with glibc's default memory thresholds (or the reason it failed)."""
    env = {k: v for k, v in os.environ.items() if k not in FIXED_MALLOC}
    run = subprocess.run([sys.executable, __file__, "--glibc-defaults"], capture_output=True,
                         text=True, timeout=600, env={**env, "BENCH_AD_MALLOC": "defaults"})
    if run.returncode != 0:
        return None, f"the run failed: {run.stderr.strip().splitlines()[-1:]}"
    return json.loads(run.stdout.strip().splitlines()[-1]), None


def page_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main():
    if sys.argv[1:] == ["--glibc-defaults"]:
        faults = page_faults()
        _, worst, _, _ = cheap_gradient(figure=False)   # the figure is the main run's
        print(json.dumps({"worst": worst, "faults": page_faults() - faults}))
        return
    environment = _common.environment()       # before the runs: the load they start under
    faults = page_faults()
    ratio_table, worst, ours, small_ms = cheap_gradient()
    faults = page_faults() - faults
    defaults, defaults_failed = with_glibc_defaults()
    if defaults is None:
        memory_line = f"The comparison run with glibc's defaults did not run: {defaults_failed}."
    else:
        memory_line = (
            f"These times were taken with glibc's memory thresholds fixed high "
            f"({faults} page faults in the whole table).  The same table with glibc's "
            f"defaults, in another process of this run: {defaults['faults']} page faults, "
            f"largest grad / f " + ", ".join(f"{defaults['worst'][str(n)]:.2f} at n = {n}"
                                             for n in SIZES) + ".  The difference is not "
            "the arithmetic: the gradient allocates more n x n temporaries than the "
            "function, and each is fresh memory whose pages the (virtual) machine faults "
            "in again.  glibc's defaults are what a student's Python runs with; how often "
            "a program meets this depends on the sizes it allocates and frees.")
    peers, peers_missing = peer_ratios()
    per_call, per_op, overhead_table, (low, high) = overhead_at_small_n(small_ms, peers)
    modes_table = forward_vs_reverse()
    if peers is None:
        peers_section = f"Not measured in this run: {peers_missing}."
    else:
        peers_table, slower, missing = side_by_side(ours, peers)
        slower_line = ("; ".join(slower) if slower else "none")
        missing_line = (" Peers that did not run: " + "; ".join(missing) + "."
                        if missing else "")
        peers_section = f"""\
The same functions at the same points (`bench/_functions.py`), differentiated by
HIPS autograd (eager, like `matdiff.ad`) and by JAX (compiled with `jax.jit`,
float64, one thread, timed after compilation), in this run, each engine's
time(gradient) / time(function) measured against its own function.{missing_line}

{peers_table}

Where `matdiff.ad`'s ratio is more than 1.5 times a peer's: {slower_line}.

Why, where it happens.  JAX compiles the function and its gradient into one XLA
program each: the gradient program fuses the elementwise work of the forward
and backward passes, and its function times include no Python, so its ratios
measure the arithmetic alone.  An eager engine (matdiff.ad, autograd) pays a few
microseconds of Python per recorded operation on top of the function, a large
part of the cost at n = 50 (measured below); at n = 800 the products dominate and the eager
ratios approach the count of matrix products in the pullbacks.

The Python, measured.  On a 1 x 1 matrix, where the arithmetic costs nothing,
`ad.grad` adds {1e6 * per_call:.1f} us of CPU time per call and {1e6 * per_op:.1f} us per
recorded operation, its pullback included (chains of 1 and of 201 products).
Counting the operations each function records, at n = 50 that is this share of
matdiff's gradient time; without it the ratios are {low:.1f} to {high:.1f}.  The
gap that remains to JAX is fusion: JAX's compiled gradient does the elementwise
work of both passes (squares, tanh and its derivative, the softmax and its
pullback) in a few loops, where NumPy makes one pass over memory and one
temporary array per operation, in the function as in its gradient.

{overhead_table}

For `logdet` the rest is the factorization: JAX reuses the LU factors of the
forward pass for the inverse in the pullback; NumPy does not expose an LU, so
matdiff.ad reuses a Cholesky factor where the matrix is symmetric positive
definite and larger than 64 x 64, and otherwise factors again (see above)."""
    worst_line = ", ".join(f"{worst[n]:.2f} at n = {n}" for n in SIZES)
    _common.write_report(TOPIC, f"""\
## Automatic differentiation (`bench/ad.py`)

{environment} Each time is the best of 5 runs (each at least
{1e3 * _common.RUN_SECONDS:.0f} ms long) of process CPU time (`timeit` with
`time.process_time`), so other programs on the machine change it little; the
function and its gradient are timed in alternation, for every engine
alike, so that a ratio compares runs made under the same load.

### The cheap-gradient principle

Time of the gradient by reverse mode (`ad.grad`, forward pass included) divided
by the time of the function on plain arrays, for scalar functions of an n x n
matrix; the last column is one forward-mode directional derivative (`ad.jvp`).
Largest grad / f: {worst_line}.

{ratio_table}

{memory_line}

![time(gradient) / time(function)](ad-cheap-gradient.png)

Reading the table: at n = 50 the few microseconds of Python per recorded
operation are a visible part of the cost.  `logdet(X^T X + I)` is the hardest
case: NumPy forms `X^T X` with a symmetric rank-k update (half the work of a
general product) and `slogdet` needs one LU factorization, while the gradient
needs the inverse of `M = X^T X + I` and a general product `X (G + G^T)`.
NumPy's `inv` is a second LU factorization and n triangular solves, alone
more than twice the function; so above 64 x 64 a traced `logdet` of a
symmetric positive definite matrix keeps its Cholesky factor `L` and forms
`M^-1 = L^-T L^-1` from it by halves in matrix products (NumPy has no
triangular inverse), which halved the cost of the inverse here.

### Side by side with autograd and JAX

{peers_section}

### Forward vs reverse mode for many inputs and one output

`f(x) = sum(tanh(W2 tanh(W1 x)))` with `x` in R^n: the whole gradient by n
forward-mode passes (`ad.jacobian(f, x, mode="forward")`, one `jvp` per
coordinate) against one reverse-mode pass (`ad.grad`).  Forward mode grows like
n times the cost of f; reverse mode stays a small multiple of f.

{modes_table}

![forward vs reverse mode](ad-forward-vs-reverse.png)
""")


if __name__ == "__main__":
    main()
