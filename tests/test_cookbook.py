"""The cookbook registry: every identity is right, its samples honest, and wrong versions fail."""

import importlib.util
import json
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matdiff import check_derivative, check_gradient
from matdiff.cookbook import (
    GROUPS,
    IDENTITIES,
    Identity,
    IdentityCheck,
    check_identity,
    lookup,
)
from matplotlib.mathtext import MathTextParser

from tests.conftest import ROOT, book_config

NAMES = [entry.name for entry in IDENTITIES]


def test_registry_size_names_and_groups():
    assert len(IDENTITIES) >= 110
    assert len(set(NAMES)) == len(NAMES), [n for n, c in Counter(NAMES).items() if c > 1]
    per_group = Counter(entry.group for entry in IDENTITIES)
    assert set(per_group) == set(GROUPS), set(GROUPS) - set(per_group)
    assert min(per_group.values()) >= 4, per_group
    assert {entry.lecture for entry in IDENTITIES} <= set(range(1, 9))


def test_every_entry_states_its_formula():
    for entry in IDENTITIES:
        assert entry.formula and entry.formula.strip(), f"{entry.name}: no formula"


def test_the_identities_the_lectures_use_are_there():
    for name in ["x^T A x", "tr(X^T X)", "X^2", "X^3", "X^-1", "tr(AX)", "a^T X b", "det X",
                 "log det X", "X^T X", "AXB", "vec(AXB)", "vec(AX + XA)", "vec(X^T)", "||X||_F",
                 "least squares ||Ax - b||^2", "ridge ||Ax - b||^2 + mu ||x||^2",
                 "logistic loss", "softmax cross-entropy in W",
                 "Gaussian log-likelihood in the mean",
                 "Gaussian log-likelihood in the covariance", "lambda_max(A), A symmetric",
                 "exp(X)", "sqrt(X)"]:
        assert lookup(name).name == name


@pytest.mark.parametrize("entry", IDENTITIES, ids=NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_identity_passes_its_check(entry, seed):
    result = check_identity(entry, rng=seed)
    assert result.ok, str(result)
    assert (result.gradient is None) == (entry.grad is None)


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(IDENTITIES) - 1), seed=st.integers(0, 2**32 - 1))
def test_identities_on_random_seeds(index, seed):
    result = check_identity(IDENTITIES[index], rng=seed)
    assert result.ok, str(result)


# ---------------------------------------------------------------- assumptions


def _square(A):
    return A.ndim == 2 and A.shape[0] == A.shape[1]


def _symmetric(A):
    return _square(A) and np.allclose(A, A.T)


def _gaps(values):
    values = np.sort(values)
    return np.min(np.diff(values)) if len(values) > 1 else np.inf


# Every phrase an assumption may use, with the property it promises about the argument.
PROPERTIES = {
    "square": _square,
    "invertible": lambda A: _square(A) and np.linalg.cond(A) < 1e8,
    "symmetric": _symmetric,
    "symmetric positive definite": lambda A: _symmetric(A) and np.linalg.eigvalsh(A)[0] > 0,
    "positive determinant": lambda A: _square(A) and np.linalg.det(A) > 0,
    "symmetric with distinct eigenvalues":
        lambda A: _symmetric(A) and _gaps(np.linalg.eigvalsh(A)) > 1e-3,
    "with real distinct eigenvalues":
        lambda A: _square(A) and np.all(np.abs(np.linalg.eigvals(A).imag) < 1e-9)
        and _gaps(np.linalg.eigvals(A).real) > 1e-3,
    "with eigenvalues in the open right half-plane":
        lambda A: _square(A) and np.all(np.linalg.eigvals(A).real > 0),
    "full column rank":
        lambda A: A.shape[0] > A.shape[1] and np.linalg.matrix_rank(A) == A.shape[1],
    "full row rank":
        lambda A: A.shape[0] < A.shape[1] and np.linalg.matrix_rank(A) == A.shape[0],
    "full rank": lambda A: np.linalg.matrix_rank(A) == min(A.shape),
    "with distinct positive singular values":
        lambda A: np.linalg.svd(A, compute_uv=False)[-1] > 1e-3
        and _gaps(np.linalg.svd(A, compute_uv=False)) > 1e-3,
    "with a simple largest singular value":
        lambda A: np.diff(np.linalg.svd(A, compute_uv=False)[:2])[0] < -1e-3,
    "nonzero": lambda a: np.any(a != 0),
    "with nonzero entries": lambda a: np.all(a != 0),
    "positive": lambda a: np.all(np.asarray(a) > 0),
    "with entries +1 or -1": lambda a: set(np.unique(a)) == {-1.0, 1.0},
    "with entries 0 or 1": lambda a: set(np.unique(a)) <= {0.0, 1.0},
    "with one-hot columns": lambda Y: set(np.unique(Y)) <= {0.0, 1.0}
        and np.all(Y.sum(axis=0) == 1),
    "one-hot": lambda y: y.ndim == 1 and set(np.unique(y)) <= {0.0, 1.0} and y.sum() == 1,
}
IMPLY_SQUARE = {name for name in PROPERTIES if name not in
                {"full column rank", "full row rank", "full rank",
                 "with a simple largest singular value", "with distinct positive singular values",
                 "one-hot",
                 "nonzero", "with nonzero entries", "positive", "with entries +1 or -1",
                 "with entries 0 or 1", "with one-hot columns"}}
IMPLY_SYMMETRIC = {name for name in PROPERTIES if name.startswith("symmetric")}


def stated(entry):
    """{argument: [property, ...]} from the entry's plain-word assumptions."""
    claims = {}
    for assumption in entry.assumptions:
        argument, _, rest = assumption.partition(" ")
        claims.setdefault(argument, []).extend(rest.split(" and "))
    return claims


@pytest.mark.parametrize("entry", IDENTITIES, ids=NAMES)
def test_assumptions_use_known_words_and_name_real_arguments(entry):
    args = entry.sample(np.random.default_rng(0))
    assert entry.wrt in args
    for argument, properties in stated(entry).items():
        assert argument in args, f"{entry.name}: assumption about unknown argument {argument!r}"
        for prop in properties:
            assert prop in PROPERTIES, f"{entry.name}: unknown assumption {prop!r}"


@pytest.mark.parametrize("entry", IDENTITIES, ids=NAMES)
@pytest.mark.parametrize("seed", range(5))
def test_samples_satisfy_the_assumptions_and_nothing_more(entry, seed):
    args = entry.sample(np.random.default_rng(seed))
    claims = stated(entry)
    for argument, value in args.items():
        value = np.asarray(value)
        properties = claims.get(argument, [])
        for prop in properties:
            assert PROPERTIES[prop](value), f"{entry.name}: {argument} is not {prop}"
        if value.ndim != 2:
            continue
        # A matrix is square only if the identity needs it, symmetric only if it says so:
        # square or symmetric samples would hide transposes.
        if not set(properties) & IMPLY_SQUARE:
            assert not _square(value), f"{entry.name}: {argument} need not be square"
        elif not set(properties) & IMPLY_SYMMETRIC:
            assert not _symmetric(value), f"{entry.name}: {argument} need not be symmetric"


# ---------------------------------------------------------------- wrong answers are rejected


def perturbations(entry, args, rng):
    """Wrong versions of the entry's claims: (label, kind, wrong callable) for kind in df/grad."""
    _, df, grad, x = entry.at(args)
    d = rng.standard_normal(np.shape(x))
    yield "2 df", "df", lambda x, dx: 2 * df(x, dx)
    yield "-df", "df", lambda x, dx: -df(x, dx)
    out = np.asarray(df(x, d))
    if out.ndim == 2 and out.shape[0] == out.shape[1] and not np.allclose(out, out.T):
        yield "df^T", "df", lambda x, dx: np.asarray(df(x, dx)).T
    if np.ndim(x) == 2 and _square(x) and not np.allclose(df(x, d), df(x, d.T)):
        yield "df along dx^T", "df", lambda x, dx: df(x, dx.T)
    if grad is not None:
        yield "2 grad", "grad", lambda x: 2 * grad(x)
        yield "-grad", "grad", lambda x: -grad(x)
        g = np.asarray(grad(x))
        if g.ndim == 2 and _square(g) and not np.allclose(g, g.T):
            yield "grad^T", "grad", lambda x: np.asarray(grad(x)).T


@pytest.mark.parametrize("entry", IDENTITIES, ids=NAMES)
def test_wrong_versions_are_rejected(entry):
    rng = np.random.default_rng(11)
    args = entry.sample(rng)
    f, _, _, x = entry.at(args)
    labels = []
    for label, kind, wrong in perturbations(entry, args, rng):
        check = check_derivative if kind == "df" else check_gradient
        result = check(f, wrong, x, rng=rng)
        assert not result.ok, f"{entry.name}: the wrong claim {label!r} passed"
        labels.append(label)
    assert {"2 df", "-df"} <= set(labels)


def test_transposes_are_caught_where_they_matter():
    """The transposed perturbation is tried (and rejected) for a good share of the registry."""
    rng = np.random.default_rng(0)
    transposed = [entry.name for entry in IDENTITIES
                  if any(label in ("df^T", "df along dx^T", "grad^T")
                         for label, _, _ in perturbations(entry, entry.sample(rng), rng))]
    assert len(transposed) >= 20, transposed


# ---------------------------------------------------------------- LaTeX


# MathJax commands that matplotlib's mathtext lacks, with mathtext equivalents for parsing.
MATHJAX_ONLY = {r"\lVert": r"\Vert", r"\rVert": r"\Vert", r"\lvert": "|", r"\rvert": "|",
                r"\Big(": "(", r"\Big)": ")"}
PARSER = MathTextParser("path")


def balanced(text):
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("entry", IDENTITIES, ids=NAMES)
def test_latex_is_valid(entry):
    for latex in filter(None, [entry.formula, entry.latex, entry.grad_latex]):
        assert balanced(latex), f"{entry.name}: unbalanced braces in {latex!r}"
        assert "$" not in latex
        assert latex.count(r"\left") == latex.count(r"\right")
        translated = latex
        for command, replacement in MATHJAX_ONLY.items():
            translated = translated.replace(command, replacement)
        PARSER.parse(f"${translated}$")            # raises ValueError on bad TeX


def test_latex_check_catches_mistakes():
    assert not balanced(r"\frac{a}{b")
    with pytest.raises(ValueError):
        PARSER.parse(r"$\frac{a}$")
    with pytest.raises(ValueError):
        PARSER.parse(r"$\notacommand x$")


# ---------------------------------------------------------------- API


def test_lookup_and_its_error():
    assert lookup("det X").group == "determinants"
    with pytest.raises(KeyError, match=r"no identity named 'log det' .* Did you mean 'log det X'"):
        lookup("log det")


def test_check_identity_result_prints():
    result = check_identity("log det X", rng=0)
    assert isinstance(result, IdentityCheck) and result.ok and bool(result)
    text = str(result)
    assert text.startswith("log det X: ok") and "df:" in text and "grad:" in text
    no_grad = check_identity(lookup("X^2"), rng=0)
    assert no_grad.gradient is None and "grad:" not in str(no_grad)
    with pytest.raises(TypeError, match="identity must be an Identity or a name"):
        check_identity(3)


def test_identity_printing_and_validation():
    entry = lookup("tr(AX)")
    assert repr(entry) == "Identity('tr(AX)', group='traces', lecture=4)"
    assert "gradient: A^\\top" in str(entry) and "assumes: nothing" in str(entry)
    common = dict(latex="x", assumptions=(), f=lambda x: x, wrt="x",
                  sample=lambda rng: {"x": 1.0}, df=lambda a, d: d)
    with pytest.raises(ValueError, match="group must be one of"):
        Identity("bad", "misc", grad_latex=None, lecture=1, **common)
    with pytest.raises(ValueError, match="lecture must be 1 to 8"):
        Identity("bad", "traces", grad_latex=None, lecture=9, **common)
    with pytest.raises(ValueError, match="give grad and grad_latex together"):
        Identity("bad", "traces", grad_latex="1", lecture=1, **common)


def test_at_fixes_the_other_arguments():
    entry = lookup("a^T X b")
    args = entry.sample(np.random.default_rng(3))
    f, df, grad, x = entry.at(args)
    assert x is args["X"]
    assert np.isclose(f(x), args["a"] @ x @ args["b"])
    dX = np.ones_like(x)
    assert np.isclose(df(x, dX), np.sum(grad(x) * dX))


# ---------------------------------------------------------------- the appendix page


def _page_tool():
    path = ROOT / "tools" / "cookbook_page.py"
    spec = importlib.util.spec_from_file_location("cookbook_page", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = ROOT / "appendix" / "cookbook.md"
# Every TeX command the page may use: standard MathJax 3 (base and AMS) plus the book's macros.
STANDARD_TEX = {
    "top", "operatorname", "nabla", "lVert", "rVert", "lvert", "rvert", "frac", "log", "det",
    "sum", "quad", "qquad", "circ", "otimes", "Big", "sqrt", "text", "max", "min", "tanh",
    "sin", "cos", "exp", "mathrm", "mathbf", "mathbb", "times", "int", "infty", "in", "ne",
    "geq", "leq", "cdots", "ldots", "langle", "rangle", "pi", "ell", "lambda", "Lambda",
    "sigma", "Sigma", "mu", "Omega", "alpha", "beta", "gamma", "delta", "eta", ",", " ", "{",
    "}",
}


def test_the_cookbook_page_is_up_to_date():
    assert PAGE.read_text() == _page_tool().page(), (
        "appendix/cookbook.md is out of date with matdiff.cookbook: run `make cookbook` "
        "(python tools/cookbook_page.py) and commit the page")


def test_the_page_shows_every_entry_once_under_its_topic_and_counts_them():
    text = PAGE.read_text()
    assert f"**This cookbook holds {len(IDENTITIES)} identities.**" in text
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    tool = _page_tool()
    assert headings == [tool.HEADINGS[g] for g in GROUPS]
    sections = re.split(r"^## .+$", text, flags=re.M)[1:]
    for group, section in zip(GROUPS, sections):
        names = re.findall(r"^### `(.+)`$", section, flags=re.M)
        assert names == [e.name for e in IDENTITIES if e.group == group]
    for entry in IDENTITIES:
        block = text.split(f"### `{entry.name}`\n", 1)[1].split("\n### ", 1)[0]
        for part in filter(None, [entry.formula, entry.latex, entry.grad_latex]):
            assert part in block, f"{entry.name}: {part!r} is not on the page"
        assert f"Lecture {entry.lecture}" in block
    # Headings must stay distinct, even as lower-case anchors.
    all_headings = re.findall(r"^#+ (.+)$", text, flags=re.M)
    assert len({h.lower() for h in all_headings}) == len(all_headings)


def test_the_page_math_is_balanced_and_uses_known_commands():
    text = PAGE.read_text()
    macros = set(book_config()["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() == "$$" or line.startswith("%"):
            continue
        assert line.replace(r"\$", "").count("$") % 2 == 0, f"line {number}: unbalanced $"
    assert text.count("\n  $$\n") % 2 == 0
    assert "{{" not in text, "{{ starts a MyST substitution"
    math = re.findall(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", text, flags=re.S)
    commands = {c for pair in math for chunk in pair for c in
                re.findall(r"\\([A-Za-z]+|.)", chunk)}
    assert commands <= STANDARD_TEX | macros, commands - STANDARD_TEX - macros
    for chunk in (c for pair in math for c in pair if c):
        assert balanced(chunk), chunk


def test_lecture_links_name_existing_notebooks_and_others_are_plain(tmp_path):
    text = PAGE.read_text()
    for target in re.findall(r"\]\(([^)]+)\)", text):
        assert (PAGE.parent / target).exists(), f"the page links to missing {target}"
    tool = _page_tool()
    (tmp_path / "lectures").mkdir()
    planned = "Lecture 6: Newton's method and optimization (in preparation)"
    assert tool.lecture(6, tmp_path) == planned
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# Lecture 6: Newton\n", "text"]}]}
    (tmp_path / "lectures" / "06-newton.ipynb").write_text(json.dumps(notebook))
    assert tool.lecture(6, tmp_path) == "[Lecture 6: Newton](../lectures/06-newton.ipynb)"


def test_the_page_check_command_reports_staleness(tmp_path, monkeypatch, capsys):
    tool = _page_tool()
    assert tool.main(["--check"]) == 0
    monkeypatch.setattr(tool, "PAGE", tmp_path / "cookbook.md")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    (tmp_path / "cookbook.md").write_text("# stale\n")
    assert tool.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().out
