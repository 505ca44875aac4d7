"""Every notebook runs where students open it: alone (as on Colab), and on Binder.

Colab opens one .ipynb from the repository and nothing else, so a notebook
must not reach for files beside it or in the repository.  Here matdiff's wheel
is built once from a copy of its sources, and a fresh virtual environment gets
it with its notebook extras and a kernel (at the versions the book pins, from
pip's cache).  Every lecture, problem set, solution and appendix notebook is
copied *alone* into an empty folder and run top to bottom there.  Each
notebook's first cell is also run where matdiff is missing, as on Colab: it
must install matdiff (from the wheel, standing in for the repository URL,
which cannot be reached from here) and import it.

Binder builds the repository from what it reads (binder/ if that folder
exists, otherwise requirements.txt and runtime.txt at the root).  A fresh
environment made from exactly those files, in a copy of what a clone holds,
runs every notebook in place.

The two environments are built at once and the notebooks run two at a time;
tests/notebook_envs.py has the machinery.
"""

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tests import notebook_envs as envs
from tests.conftest import ROOT, book_config, read_notebook

NOTEBOOK_FOLDERS = ("lectures", "psets", "solutions", "appendix")


def student_notebooks(root=ROOT):
    """Every notebook a student may open, relative to the repository."""
    return sorted(p.relative_to(root).as_posix() for folder in NOTEBOOK_FOLDERS
                  for p in Path(root, folder).glob("*.ipynb"))


NOTEBOOKS = student_notebooks()


def allowed_errors(notebook):
    """A problem set's student edition has unanswered functions that raise
    NotImplementedError where they are used; nothing else may raise."""
    return ("NotImplementedError",) if notebook.startswith("psets/") else ()
BINDER_FILES = ("requirements.txt", "runtime.txt")
# repo2docker reads these too; this test does not know how to build them.
BINDER_UNSUPPORTED = ("environment.yml", "Pipfile", "Pipfile.lock", "Dockerfile", "postBuild",
                      "apt.txt", "install.R", "Project.toml", "start", "setup.py")


def binder_folder(root=ROOT):
    """Where Binder reads its configuration: binder/ or .binder/ if present, else the root."""
    for name in ("binder", ".binder"):
        if (root / name).is_dir():
            return root / name
    return root


def binder_python(runtime):
    """An interpreter of the version runtime.txt asks for (``python-3.11``)."""
    match = re.fullmatch(r"python-(\d+\.\d+)(\.\d+)?", runtime.read_text().strip())
    assert match, f"{runtime}: expected a line like python-3.11"
    version = match.group(1)
    for candidate in (envs.base_python(), shutil.which(f"python{version}",
                                                        path=envs.clean_env()["PATH"])):
        if candidate and subprocess.run(
                [candidate, "-c", f"import sys; assert '%d.%d' % sys.version_info[:2] == "
                                  f"'{version}'"], capture_output=True).returncode == 0:
            return candidate
    pytest.fail(f"Binder runs Python {version} ({runtime.name}); install python{version} to "
                "test the Binder environment with it")


def alone(notebook, folder):
    """Copy one notebook into an empty folder of its own; return the copy."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    return Path(shutil.copy2(notebook, folder / Path(notebook).name))


def make_colab(folder):
    wheel = envs.build_wheel(folder / "wheel")
    python = envs.create_venv(folder / "venv")
    envs.pip_install(python, f"{wheel}[notebooks]", "ipykernel", "-c", envs.constraints(folder))
    return python, wheel


def make_binder(folder):
    checkout = envs.copy_checkout(folder / "checkout")
    config = binder_folder(checkout)
    python = envs.create_venv(folder / "venv", binder_python(config / "runtime.txt"))
    # repo2docker installs from the repository's root, so `-e .` is the checkout.
    envs.pip_install(python, "-r", config / "requirements.txt", cwd=checkout)
    return python, checkout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("portability")


@pytest.fixture(scope="module")
def setups(workspace):
    """Both environments, built at the same time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {"colab": pool.submit(make_colab, workspace / "colab"),
               "binder": pool.submit(make_binder, workspace / "binder")}


@pytest.fixture(scope="module")
def colab(setups):
    return setups["colab"].result()


@pytest.fixture(scope="module")
def binder(setups):
    return setups["binder"].result()


def in_env(python, code, cwd):
    result = subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True,
                            env=envs.clean_env(python), timeout=300)
    return result.returncode, (result.stdout + result.stderr).strip()


# ---------------------------------------------------------------- Colab: each notebook alone


def test_there_are_notebooks_to_carry_away():
    assert any(n.startswith("lectures/") for n in NOTEBOOKS)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_names_no_file_of_this_machine_or_repository(notebook):
    code = "\n".join("".join(c["source"]) for c in read_notebook(ROOT / notebook)["cells"]
                     if c["cell_type"] == "code")
    assert str(ROOT) not in code, f"{notebook} names a path of this machine"
    assert not re.search(r"sys\.path\.(insert|append)|os\.chdir", code), (
        f"{notebook} changes sys.path or the working folder: it would not run on its own")


@pytest.fixture(scope="module")
def colab_runs(colab, workspace):
    python, _ = colab
    jobs = [{"path": alone(ROOT / nb, workspace / "alone" / Path(nb).with_suffix("")),
             "python": python, "allowed_errors": allowed_errors(nb)} for nb in NOTEBOOKS]
    return dict(zip(NOTEBOOKS, envs.run_notebooks(jobs)))


def test_the_colab_environment_takes_matdiff_from_the_wheel(colab, tmp_path):
    python, wheel = colab
    code, out = in_env(python, "import matdiff, matdiff.widgets, sys; print(matdiff.__file__); "
                               "print(sys.prefix)", cwd=tmp_path)
    assert code == 0, out
    location, prefix = out.splitlines()[-2:]
    assert location.startswith(prefix) and "site-packages" in location, location
    assert not location.startswith(str(ROOT))
    assert wheel.name.startswith("matdiff-")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_alone_with_matdiff_from_the_wheel(colab_runs, notebook):
    run = colab_runs[notebook]
    assert run.ok, (f"{notebook}, copied alone into an empty folder, failed after "
                    f"{run.seconds:.0f} s:\n{run.error}")


@pytest.fixture(scope="module")
def first_cell_runs(colab, colab_runs, workspace):
    """Each notebook's first cell where matdiff is missing; matdiff comes back afterwards."""
    python, wheel = colab
    url = book_config()["repository"]["url"].rstrip("/")
    runs = {}
    for notebook in NOTEBOOKS:
        envs.run([python, "-m", "pip", "uninstall", "--yes", "--quiet", "matdiff"])
        code, _ = in_env(python, "import matdiff", cwd=workspace)
        assert code != 0, "matdiff is still installed: the first cell would not install it"
        nb = nbformat.read(ROOT / notebook, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if f"git+{url}" not in first.source:
            runs[notebook] = envs.Run(notebook, False, 0.0,
                                      f"the first code cell does not install git+{url}")
            continue
        # Colab would fetch the repository; here the wheel built from it stands in.
        first.source = first.source.replace(f"git+{url}", f"file://{wheel}")
        nb.cells = [c for c in nb.cells if c is first or c.cell_type != "code"]
        nb.cells.append(nbformat.v4.new_code_cell(
            "import sys\nassert matdiff.__file__.startswith(sys.prefix), matdiff.__file__"))
        path = workspace / "first-cells" / notebook
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        runs[notebook] = envs.run_notebook(path, python)
    envs.pip_install(python, str(wheel))
    return runs


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_first_cell_installs_matdiff_where_it_is_missing(first_cell_runs, notebook):
    run = first_cell_runs[notebook]
    assert run.ok, f"{notebook}: the first cell did not set up matdiff:\n{run.error}"


# ---------------------------------------------------------------- Binder


def test_binder_reads_only_what_this_test_builds_from():
    folder = binder_folder()
    for name in BINDER_FILES:
        assert (folder / name).is_file(), f"Binder needs {folder.name}/{name}"
    present = [name for name in BINDER_UNSUPPORTED if (folder / name).exists()]
    assert not present, (f"Binder would also read {present}: extend test_portability.py to "
                         "build from them, or remove them")


@pytest.fixture(scope="module")
def binder_runs(binder):
    python, checkout = binder
    jobs = [{"path": checkout / nb, "python": python, "allowed_errors": allowed_errors(nb)}
            for nb in NOTEBOOKS]
    return dict(zip(NOTEBOOKS, envs.run_notebooks(jobs)))


def test_the_binder_environment_takes_matdiff_from_the_checkout(binder, tmp_path):
    python, checkout = binder
    code, out = in_env(python, "import matdiff; print(matdiff.__file__)", cwd=tmp_path)
    assert code == 0, out
    assert out.splitlines()[-1].startswith(str(checkout / "lib" / "matdiff")), out


def test_the_checkout_holds_what_a_clone_holds(binder):
    _, checkout = binder
    assert (checkout / "requirements.txt").is_file()
    for ignored in (".venv", "_build", "node_modules"):
        assert not (checkout / ignored).exists(), f"{ignored} is not in a clone"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_on_binder(binder_runs, notebook):
    run = binder_runs[notebook]
    assert run.ok, f"{notebook} failed in the Binder environment after {run.seconds:.0f} s:\n" \
                   f"{run.error}"


# ---------------------------------------------------------------- the checks themselves


def small_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_reads_a_repository_file_fails_alone_and_runs_in_place(colab, tmp_path):
    python, _ = colab
    repository = tmp_path / "repository"
    (repository / "data").mkdir(parents=True)
    (repository / "data" / "points.csv").write_text("1,2\n3,4\n")
    notebook = small_notebook(repository / "lectures" / "nb.ipynb", "import matdiff",
                              "print(open('../data/points.csv').read())")
    in_place = envs.run_notebook(notebook, python)
    assert in_place.ok, in_place.error                     # control: beside the repository
    run = envs.run_notebook(alone(notebook, tmp_path / "alone"), python)
    assert not run.ok and "points.csv" in run.error


def test_a_notebook_that_imports_an_undeclared_package_fails_in_the_fresh_environment(
        colab, tmp_path):
    python, _ = colab
    notebook = small_notebook(tmp_path / "nb.ipynb", "import matdiff", "import yaml")
    control = envs.run_notebook(notebook, sys.executable)  # the book's .venv has PyYAML
    assert control.ok, control.error
    run = envs.run_notebook(notebook, python)
    assert not run.ok and "yaml" in run.error


def test_a_raising_cell_fails_the_run_unless_tagged(colab, tmp_path):
    python, _ = colab
    tagged = nbformat.v4.new_code_cell("raise ValueError('meant to')")
    tagged.metadata["tags"] = ["raises-exception"]
    nb = nbformat.v4.new_notebook(cells=[tagged, nbformat.v4.new_code_cell("print(1)")])
    nbformat.write(nb, tmp_path / "tagged.ipynb")
    assert envs.run_notebook(tmp_path / "tagged.ipynb", python).ok
    untagged = small_notebook(tmp_path / "untagged.ipynb", "raise ValueError('not meant to')")
    run = envs.run_notebook(untagged, python)
    assert not run.ok and "not meant to" in run.error


def test_a_problem_set_may_leave_answers_unwritten_but_nothing_else(colab, tmp_path):
    python, _ = colab
    unanswered = small_notebook(
        tmp_path / "unanswered.ipynb",
        "def answer(x):\n    raise NotImplementedError('write this')", "answer(1)", "print(2)")
    run = envs.run_notebook(unanswered, python, allowed_errors=("NotImplementedError",))
    assert run.ok, run.error
    assert not envs.run_notebook(unanswered, python).ok      # not allowed elsewhere
    broken = small_notebook(tmp_path / "broken.ipynb", "answer = 1", "print(answr)")
    run = envs.run_notebook(broken, python, allowed_errors=("NotImplementedError",))
    assert not run.ok and "NameError" in run.error
