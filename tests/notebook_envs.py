"""Fresh Python environments like the ones students open notebooks in.

Helpers for tests/test_portability.py: build matdiff's wheel from a copy of
its sources, create virtual environments with pip (reusing pip's cache, so a
warm machine downloads nothing), and run notebooks top to bottom in a kernel
of such an environment, several at once.  Nothing here touches the book's own
.venv, and the kernels see neither the repository nor its .venv.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

CELL_TIMEOUT = 120        # seconds, as the book build allows (_config.yml)
PIP = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]


class SetupFailed(RuntimeError):
    """A command that sets up an environment failed; the message holds its output."""


def run(command, *, cwd=None, timeout=1200):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=clean_env())
    if result.returncode != 0:
        raise SetupFailed(f"{' '.join(map(str, command))} failed "
                                f"(exit {result.returncode}):\n{result.stdout[-3000:]}"
                                f"\n{result.stderr[-3000:]}")
    return result.stdout


def clean_env(python=None):
    """os.environ without the book's .venv, for commands and kernels of another environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "MPLBACKEND")}
    path = [p for p in env.get("PATH", os.defpath).split(os.pathsep)
            if p and not Path(p).resolve().is_relative_to(ROOT)]
    if python is not None:
        path.insert(0, str(Path(python).parent))
    env["PATH"] = os.pathsep.join(path)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def base_python():
    """The interpreter the book's .venv was made from (not the venv's own)."""
    return getattr(sys, "_base_executable", sys.executable)


def constraints(folder):
    """requirements.txt without the line that installs matdiff itself, as a pip constraints
    file: fresh environments get the versions the book is tested with."""
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.split("#")[0].strip() and not line.strip().startswith("-e")]
    path = Path(folder) / "constraints.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def build_wheel(folder):
    """Build matdiff's wheel from a copy of what the package is made of; return its path."""
    folder = Path(folder)
    source = folder / "source"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "lib", source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--wheel-dir", folder / "dist", source])
    (wheel,) = (folder / "dist").glob("matdiff-*.whl")
    return wheel


def create_venv(folder, python=None):
    """A new virtual environment; returns its python."""
    run([python or base_python(), "-m", "venv", folder])
    return Path(folder) / "bin" / "python"


def pip_install(python, *arguments, cwd=None):
    return run([python, *PIP, *arguments], cwd=cwd)


# ---------------------------------------------------------------- running notebooks


@dataclass(frozen=True)
class Run:
    """How one notebook ran: ``ok``, the time it took, and the error if it failed."""

    notebook: str
    ok: bool
    seconds: float
    error: str = ""


def run_notebook(path, python, cwd=None, cells=None, allowed_errors=()):
    """Execute a notebook top to bottom in a kernel of ``python``'s environment.

    The kernel starts in ``cwd`` (default: the notebook's folder) with the
    environment of :func:`clean_env`.  ``cells`` keeps only the first so many
    code cells.  Cells tagged ``raises-exception`` may raise, as in the book;
    so may any cell, with an exception named in ``allowed_errors`` (a problem
    set's unanswered ``NotImplementedError``), and the run goes on.  Never
    raises: the result says what happened.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    path = Path(path)
    cwd = Path(cwd or path.parent)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as specs:
        spec = Path(specs) / "fresh"
        spec.mkdir()
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "fresh environment", "language": "python"}))
        manager = KernelManager(kernel_name="fresh",
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]))
        try:
            nb = nbformat.read(path, as_version=4)
            if cells is not None:
                code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"][:cells]
                nb.cells = nb.cells[:code[-1] + 1] if code else []
            client = NotebookClient(nb, km=manager, timeout=CELL_TIMEOUT,
                                    allow_errors=bool(allowed_errors),
                                    resources={"metadata": {"path": str(cwd)}})
            client.execute(env=clean_env(python))
        except Exception as err:  # a cell raised, timed out, or the kernel died
            return Run(str(path), False, time.perf_counter() - start,
                       f"{type(err).__name__}: {err}"[-4000:])
    seconds = time.perf_counter() - start
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output["ename"] not in allowed_errors:
                return Run(str(path), False, seconds, f"code cell {number} raised "
                           f"{output['ename']}: {output['evalue']}\n{cell.source[:500]}")
    return Run(str(path), True, seconds)


def run_notebooks(jobs, workers=2):
    """Run jobs (keyword arguments of :func:`run_notebook`), ``workers`` at a time;
    return their Runs in order."""
    # spawn, not fork: the test process may hold threads (a browser, a server).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(run_notebook, **job) for job in jobs]
        return [future.result() for future in futures]


def tracked_files(root=ROOT):
    """What a fresh clone would hold: tracked files, and new ones git does not ignore."""
    listing = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True)
    names = sorted({n for n in listing.stdout.decode().split("\0") if n})
    return [name for name in names if (Path(root) / name).is_file()]


def copy_checkout(destination, root=ROOT):
    """Copy the files of a fresh clone of ``root`` into ``destination``."""
    destination = Path(destination)
    for name in tracked_files(root):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(root) / name, target)
    return destination
