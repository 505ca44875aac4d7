"""The book's configuration: settings that make failures loud and links right."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from pybtex.database import parse_file

from tests.conftest import ROOT, book_config, read_notebook, source_of, toc, toc_files

# ---------------------------------------------------------------- requirements


def requirement_lines():
    lines = []
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.split("#")[0].strip()
        if line:
            lines.append(line)
    return lines


def test_every_requirement_is_pinned_exactly():
    for line in requirement_lines():
        if line == "-e .":
            continue
        req = Requirement(line)
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", (
            f"requirements.txt: {line!r} is not pinned with ==")


def test_the_book_stack_is_pinned():
    pinned = {Requirement(l).name.lower() for l in requirement_lines() if l != "-e ."}
    needed = {"jupyter-book", "sphinx", "myst-nb", "numpy", "scipy", "sympy", "matplotlib",
              "ipywidgets", "nbclient", "nbformat", "nbval", "pytest", "hypothesis", "ruff",
              "ipykernel", "sphinxcontrib-bibtex"}
    assert needed <= pinned, f"not pinned: {sorted(needed - pinned)}"


def test_jupyter_book_is_version_1():
    pin = next(Requirement(l) for l in requirement_lines()
               if l != "-e ." and Requirement(l).name == "jupyter-book")
    version = Version(next(iter(pin.specifier)).version)
    assert Version("1.0.4.post1") <= version < Version("2"), (
        "jupyter-book 2 is a different program (MyST-MD); the book needs 1.x")


def test_matdiff_installs_from_the_repository_for_binder():
    assert requirement_lines()[-1] == "-e ."
    # Binder ignores root files when a binder/ folder exists: keep exactly one source.
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert (ROOT / "runtime.txt").read_text().strip().startswith("python-3.")


def test_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "matdiff"
    # Colab installs matdiff into an environment it must not downgrade: no exact pins.
    for dep in project["dependencies"] + project["optional-dependencies"]["notebooks"]:
        assert "==" not in dep, f"pyproject dependency {dep!r} is pinned exactly"


# ---------------------------------------------------------------- _config.yml


def test_execution_cannot_pass_over_a_failing_notebook():
    execute = book_config()["execute"]
    assert execute["execute_notebooks"] in ("cache", "force")
    assert execute["raise_on_error"] is True
    assert execute.get("allow_errors", False) is False
    assert execute["stderr_output"] in ("warn", "error", "severe")


def test_repository_and_launch_buttons():
    config = book_config()
    repo = config["repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"])
    assert repo["branch"] == "main"
    buttons = config["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["colab_url"] == "https://colab.research.google.com"


def test_readme_names_the_configured_repository():
    url = book_config()["repository"]["url"].rstrip("/")
    owner_repo = url.removeprefix("https://github.com/")
    readme = (ROOT / "README.md").read_text()
    mentioned = set(re.findall(r"github\.com/([\w.-]+/[\w.-]+?)(?:\.git|/|\"|\s|$)", readme))
    mentioned |= set(re.findall(r"/gh/([\w.-]+/[\w.-]+)/", readme))
    assert mentioned == {owner_repo}, f"README mentions {mentioned}, _config.yml says {owner_repo}"


def test_mathjax_macros_for_the_notation():
    macros = book_config()["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    assert {"tr", "vec", "R", "diag", "norm", "inner"} <= set(macros)


def test_bibliography_parses_and_every_citation_exists():
    bib = parse_file(ROOT / "references.bib")
    keys = set(bib.entries)
    assert {"bright2025matrix", "petersen2012matrix", "magnus2019matrix",
            "deisenroth2020mathematics", "griewank2008evaluating", "giles2008collected"} <= keys
    cited = set()
    for entry in toc_files():
        path = source_of(entry)
        text = (path.read_text() if path.suffix == ".md" else
                "\n".join("".join(c["source"]) for c in read_notebook(path)["cells"]))
        for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
            cited |= {k.strip() for k in group.split(",")}
    assert cited, "nothing is cited"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


# ---------------------------------------------------------------- _toc.yml


def test_toc_has_the_three_parts_and_its_files_exist():
    captions = [part["caption"] for part in toc()["parts"]]
    assert captions == ["Lectures", "Problem sets", "Appendix"]
    for entry in toc_files():
        source_of(entry)   # raises if missing


def test_every_lecture_is_in_the_toc_and_the_contents_table():
    listed = set(toc_files())
    intro = (ROOT / "intro.md").read_text()
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        entry = f"lectures/{path.stem}"
        assert entry in listed, f"{path.name} is not in _toc.yml"
        assert f"({entry}.ipynb)" in intro, f"{path.name} is not linked from intro.md"


# ---------------------------------------------------------------- the commands


def test_makefile_builds_strictly():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\.SHELLFLAGS := .*-\w*o pipefail", makefile, flags=re.M)
    build = next(line for line in makefile.splitlines() if "jupyter-book build" in line)
    for flag in ("--all", "--warningiserror", "--keep-going"):
        assert flag in build, f"make book must build with {flag}"
    for target in ("book", "test", "serve", "refresh"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"no `make {target}`"


def test_ci_runs_make_test():
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in run and "set -euo pipefail" in run


@pytest.mark.parametrize("command", ["make book", "make test"])
def test_readme_gives_the_two_commands(command):
    assert command in (ROOT / "README.md").read_text()
