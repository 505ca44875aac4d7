"""The safeguards themselves: failures must be loud.

A build that passes over a raising notebook, or a notebook test that cannot see
stale outputs, looks exactly like success.  Each test here makes one such
failure on purpose, in a small book or notebook of its own, and checks that the
project's own commands (`make book`, nbval with the project's sanitizer,
`tools/refresh.py`) reject it, next to a control that they accept.
"""

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from tests.conftest import ROOT

PYTHON = sys.executable


def notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A small notebook")] + [
        nbformat.v4.new_code_cell(src) for src in sources]
    return nb


def executed(nb, path):
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------- make book


def small_book(tmp_path, *, cells=("print(1 + 1)",), page="Some text.\n"):
    book = tmp_path / "book"
    book.mkdir()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    # The book's own Sphinx extensions live in the repository, not beside this book.
    extensions = config["sphinx"].get("local_extensions") or {}
    for name, folder in extensions.items():
        extensions[name] = str(ROOT / folder)
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    shutil.copy(ROOT / "references.bib", book / "references.bib")
    (book / "_toc.yml").write_text(yaml.safe_dump(
        {"format": "jb-book", "root": "intro", "chapters": [{"file": "nb"}]}))
    (book / "intro.md").write_text(f"# Intro\n\n{page}")
    nbformat.write(notebook(*cells), book / "nb.ipynb")
    return book


def make_book(book):
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "book",
                             f"BOOK={book}"], capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


def test_control_a_sound_small_book_builds(tmp_path):
    book = small_book(tmp_path)
    code, log = make_book(book)
    assert code == 0, log[-3000:]
    assert "2" in (book / "_build" / "html" / "nb.html").read_text()


def test_a_raising_notebook_fails_make_book(tmp_path):
    code, log = make_book(small_book(tmp_path, cells=("x = 1", "raise ValueError('on purpose')")))
    assert code != 0
    assert "on purpose" in log


def test_a_sphinx_warning_fails_make_book_and_a_rebuild_still_fails(tmp_path):
    book = small_book(tmp_path, page="See {ref}`no-such-label`.\n")
    code, log = make_book(book)
    assert code != 0 and "no-such-label" in log
    # Nothing changed: an incremental build would skip the page and its warning.
    code, log = make_book(book)
    assert code != 0 and "no-such-label" in log


def test_output_on_stderr_fails_make_book(tmp_path):
    code, log = make_book(small_book(tmp_path, cells=(
        "import warnings\nwarnings.warn('a warning the reader would see')",)))
    assert code != 0
    assert "stderr was found in the cell outputs" in log


# ---------------------------------------------------------------- nbval


def nbval(path):
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
         str(ROOT / "tests" / "nbval-sanitize.cfg"), str(path)],
        capture_output=True, text=True, timeout=300, cwd=path.parent)
    return result.returncode, result.stdout + result.stderr


def edit_source(path, index, new_source):
    nb = json.loads(path.read_text())
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code_cells[index]["source"] = new_source
    path.write_text(json.dumps(nb))


def test_nbval_accepts_fresh_outputs_and_rejects_stale_ones(tmp_path):
    path = executed(notebook("x = 0.5", "print(x / 2)"), tmp_path / "nb.ipynb")
    code, log = nbval(path)
    assert code == 0, log
    edit_source(path, 0, "x = 0.6")           # code changed, outputs not refreshed
    code, log = nbval(path)
    assert code != 0 and "0.3" in log


def test_nbval_fails_a_cell_that_now_raises(tmp_path):
    path = executed(notebook("y = 2", "print(y)"), tmp_path / "nb.ipynb")
    edit_source(path, 0, "y = 2\nraise RuntimeError('inserted')")
    code, log = nbval(path)
    assert code != 0 and "inserted" in log


def test_sanitizer_masks_roundoff_but_not_real_numbers(tmp_path):
    path = executed(notebook("print(f'error {3.1e-13:.1e}, value {0.25:.2f}, small {2e-8:.0e}')"),
                    tmp_path / "nb.ipynb")
    edit_source(path, 0, "print(f'error {7.4e-15:.1e}, value {0.25:.2f}, small {2e-8:.0e}')")
    assert nbval(path)[0] == 0, "a different roundoff-level error must not matter"
    edit_source(path, 0, "print(f'error {7.4e-15:.1e}, value {0.26:.2f}, small {2e-8:.0e}')")
    assert nbval(path)[0] != 0, "a changed ordinary number must be caught"
    edit_source(path, 0, "print(f'error {7.4e-15:.1e}, value {0.25:.2f}, small {3e-8:.0e}')")
    assert nbval(path)[0] != 0, "numbers above the roundoff level must be compared"


# ---------------------------------------------------------------- make refresh


def refresh(*paths):
    return subprocess.run([PYTHON, str(ROOT / "tools" / "refresh.py"), *map(str, paths)],
                          capture_output=True, text=True, timeout=300)


def test_refresh_never_overwrites_a_notebook_whose_run_failed(tmp_path):
    path = executed(notebook("print('kept')"), tmp_path / "nb.ipynb")
    edit_source(path, 0, "print('kept')\nraise KeyError('broken')")
    before = path.read_text()
    result = refresh(path)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "broken" in result.stdout
    assert path.read_text() == before


def test_refresh_executes_in_order_and_points_the_install_cell_at_the_repository(tmp_path):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    install = ('try:\n    import matdiff\nexcept ImportError:\n'
               '    %pip install "matdiff[notebooks] @ git+https://github.com/old/place"\n'
               '    import matdiff')
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook(install, "print(matdiff.__name__)"), path)
    result = refresh(path)
    assert result.returncode == 0, result.stdout + result.stderr
    nb = nbformat.read(path, as_version=4)
    assert f"git+{url}" in nb.cells[1].source and "old/place" not in nb.cells[1].source
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]
    assert nb.cells[2].outputs[0]["text"] == "matdiff\n"


@pytest.mark.parametrize("argv", [["no-such.ipynb"]])
def test_refresh_names_a_missing_notebook(argv):
    result = refresh(*argv)
    assert result.returncode != 0 and "no such notebook: no-such.ipynb" in result.stderr
