"""Gradescope: results.json, a readable summary, and the autograder bundle.

Gradescope runs ``setup.sh`` once (as root) when it builds the autograder's
image, then ``run_autograder`` for each submission, which must write
``/autograder/results/results.json``.  The bundle made by
:func:`write_autograder` runs the same grader as ``matdiff grade``, sandbox
included: the submission runs as an unprivileged user, and ``run_autograder``
first makes ``/autograder/source`` (master solution, hidden tests) readable
by root only.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from .grader import Report

__all__ = ["results_json", "summary", "write_autograder", "write_private"]


def results_json(report: Report) -> dict:
    """The Gradescope results of a report (one test per autograded question)."""
    tests = [{
        "name": f"{r.question.title} ({r.question.id})",
        "score": r.score,
        "max_score": r.question.points,
        "status": r.status,
        "output": r.output,
        "visibility": "visible",
    } for r in report.questions]
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 2),
        "output": summary(report),
        "visibility": "visible",
        "tests": tests,
    }


def summary(report: Report) -> str:
    """A readable account of a report: total, each question, what is graded by hand."""
    lines = [f"Problem set {report.pset}: {report.score:g} of {report.max_score:g} points "
             f"from the autograder (graded in {report.seconds:.1f} s)."]
    if report.message:
        lines.append(report.message)
    width = max((len(r.question.title) for r in report.questions), default=0)
    for r in report.questions:
        mark = "ok" if r.status == "passed" else "--"
        lines.append(f"  {mark} {r.question.title:<{width}}  {r.score:g}/{r.question.points:g}")
        if r.status != "passed":
            lines += [f"       {line}" for line in r.output.splitlines()]
    if report.hand_graded:
        hand = ", ".join(f"{q.title} ({q.points:g})" for q in report.hand_graded)
        lines.append(f"Graded by hand, not included above: {hand}.")
    return "\n".join(lines)


def write_private(path, text: str) -> None:
    """Write `text` to `path` atomically, readable by its owner only.

    The file is written beside its destination and renamed over it, so a
    link planted at `path` is replaced, never followed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- the bundle

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Choose a base image with Python 3.11 or newer (Ubuntu 24.04 has 3.12).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else
    "matdiff needs Python 3.11 or newer: choose a newer base image")'
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --no-cache-dir -r "$ROOT/source/requirements.txt"
"$ROOT/venv/bin/pip" install --no-cache-dir "$ROOT/source/matdiff"
# The sandbox user must be able to read the environment (but not the source).
chmod -R o+rX "$ROOT/venv"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission; it writes results/results.json.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{MATDIFF_PYTHON:-$ROOT/venv/bin/python}}"
# Student code runs as an unprivileged user: keep the solution and the hidden
# tests out of its reach.
chmod -R go-rwx "$ROOT/source"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m matdiff.grading.cli grade "$ROOT/submission" --pset {number} \\
    --course "$ROOT/source" --out "$ROOT/results/results.json" {limits}
"""


def _limits_args(limits) -> str:
    if limits is None:
        return ""
    return (f"--cell-timeout {limits.cell_timeout:g} --timeout {limits.total_timeout:g} "
            f"--memory-mb {limits.memory // 2**20}")


def write_autograder(course, number: int, out, *, limits=None) -> Path:
    """Write the Gradescope autograder bundle of problem set `number`.

    Parameters
    ----------
    course : path
        The course repository (with ``solutions/``, ``tests/hidden/``,
        ``lib/matdiff``, ``pyproject.toml`` and ``requirements.txt``).
    number : int
    out : path
        A folder, or a ``.zip`` file (what Gradescope uploads).
    limits : sandbox.Limits, optional
        Limits written into ``run_autograder`` (default: the grader's).

    Returns
    -------
    Path
        `out`.
    """
    from .problemset import ProblemSet

    course, out = Path(course), Path(out)
    ProblemSet.load(course, number)   # refuse to bundle an inconsistent problem set
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bundle"
        source = root / "source"
        (source / "solutions").mkdir(parents=True)
        (source / "tests" / "hidden").mkdir(parents=True)
        shutil.copy(course / "solutions" / f"pset{number}.ipynb", source / "solutions")
        shutil.copy(course / "tests" / "hidden" / f"pset{number}.py",
                    source / "tests" / "hidden")
        package = source / "matdiff"
        package.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(course / name, package / name)
        shutil.copytree(course / "lib", package / "lib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        pins = [line for line in (course / "requirements.txt").read_text().splitlines()
                if line.strip() != "-e ."]
        (source / "requirements.txt").write_text("\n".join(pins) + "\n")
        (source / "config.json").write_text(json.dumps({"pset": number}) + "\n")
        (root / "setup.sh").write_text(SETUP_SH.format())
        (root / "run_autograder").write_text(RUN_AUTOGRADER.format(
            number=number, limits=_limits_args(limits)).replace(" \n", "\n"))
        for script in ("setup.sh", "run_autograder"):
            (root / script).chmod(0o755)
        if out.suffix == ".zip":
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        info = zipfile.ZipInfo(str(path.relative_to(root)))
                        info.external_attr = (stat.S_IFREG | path.stat().st_mode & 0o777) << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        info.date_time = (2026, 1, 1, 0, 0, 0)
                        zf.writestr(info, path.read_bytes())
        else:
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(root, out)
    return out
