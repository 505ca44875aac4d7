"""The notebooks as files: self-sufficient, executed in order, readable in Jupyter and the book.

(nbval re-executes them and compares outputs; these tests check what nbval does not.)
"""

import re

import nbformat
import pytest

from tests.conftest import ROOT, book_config, book_notebooks, lecture_notebooks, read_notebook

NOTEBOOKS = book_notebooks()
LECTURES = lecture_notebooks()
ids = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
lecture_ids = [str(p.relative_to(ROOT)) for p in LECTURES]


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_lectures():
    assert LECTURES, "no lecture notebooks found in lectures/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_is_valid_and_uses_the_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_first_code_cell_imports_or_installs_matdiff_from_the_book_repository(path):
    first = source(code_cells(read_notebook(path))[0])
    url = book_config()["repository"]["url"].rstrip("/")
    assert "import matdiff" in first
    assert re.search(r"except ImportError:\s*\n\s*%pip install", first), (
        f"{path.name}: the first code cell must install matdiff when the import fails "
        "(as on Colab)")
    installs = re.findall(r"git\+(https://[^\s\"'#@]+)", first)
    assert installs == [url], (
        f"{path.name} installs from {installs}, but _config.yml names {url}; "
        "run `make refresh` to rewrite the install cell")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_executed_top_to_bottom_in_one_run(path):
    # make refresh numbers the cells 1, 2, 3, ...; a hand-edited or partly run
    # notebook breaks the sequence.
    counts = [c["execution_count"] for c in code_cells(read_notebook(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; "
        f"run `make refresh NOTEBOOKS={path.relative_to(ROOT)}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_outputs_are_clean(path):
    machine_paths = re.compile(r"(/tmp/|/root/|/home/|/work/|[A-Z]:\\\\Users)")
    for i, cell in enumerate(code_cells(read_notebook(path)), start=1):
        for out in cell.get("outputs", []):
            where = f"{path.name}, code cell {i}"
            assert out["output_type"] != "error", f"{where} stores an error"
            if out["output_type"] == "stream":
                assert out["name"] == "stdout", f"{where} printed to stderr: {out['text'][:200]}"
            text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"\bat 0x[0-9a-f]+", text), f"{where} prints a memory address"
            assert not machine_paths.search(text), f"{where} prints a path of this machine"
            assert not re.search(r"<matplotlib\.", text), (
                f"{where} prints a matplotlib object: end the cell with plt.show()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_cells_do_not_rely_on_a_trailing_semicolon(path):
    # nbval executes cells with store_history=False, and IPython then checks a
    # stale history entry for the ';', so the value is displayed anyway (for
    # example "<matplotlib.legend.Legend at 0x...>") and the stored output no longer
    # matches.  End a figure cell with plt.show() instead.
    for i, cell in enumerate(code_cells(read_notebook(path)), start=1):
        lines = [l for l in source(cell).rstrip().splitlines() if l.strip()]
        if lines and lines[-1].split("#")[0].rstrip().endswith(";"):
            pytest.fail(f"{path.name}, code cell {i} ends with ';': end it with plt.show()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_figures_have_captions_and_alt_text(path):
    for i, cell in enumerate(code_cells(read_notebook(path)), start=1):
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            mystnb = cell["metadata"].get("mystnb", {})
            assert mystnb.get("figure", {}).get("caption"), f"{path.name}, cell {i}: no caption"
            assert mystnb.get("image", {}).get("alt"), f"{path.name}, cell {i}: no alt text"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_displayed_widget_has_saved_state(path):
    # Without saved state a widget silently vanishes from the HTML page.
    nb = read_notebook(path)
    views = [out["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in code_cells(nb) for out in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    state = (nb["metadata"].get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    missing = [v for v in views if v not in state]
    assert not missing, f"{path.name}: widgets {missing} have no saved state; run make refresh"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_math_uses_no_book_only_macros(path):
    # Jupyter and Colab do not read _config.yml, so a macro defined only there
    # shows up as an error in the notebook.  (\vec is standard LaTeX but means an
    # arrow, not the book's vec.)
    macros = book_config()["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    names = "|".join(sorted(macros, key=len, reverse=True))
    pattern = re.compile(r"\\(" + names + r")(?![A-Za-z])")
    for i, cell in enumerate(read_notebook(path)["cells"], start=1):
        if cell["cell_type"] == "markdown":
            found = pattern.findall(source(cell))
            assert not found, (f"{path.name}, cell {i} uses \\{found[0]}, defined only for the "
                               "HTML book; write it out (e.g. \\operatorname{tr})")


# The book shows the problem sets' student editions too (as written, unexecuted).
ON_PAGES = sorted([*NOTEBOOKS, *ROOT.glob("psets/*.ipynb")])


@pytest.mark.parametrize("path", ON_PAGES, ids=[str(p.relative_to(ROOT)) for p in ON_PAGES])
def test_no_dollar_sign_inside_text_in_math(path):
    # MyST's dollarmath ends the math at the first $ it meets, also one nested in
    # \text{... $x$ ...}: the rest of the formula reaches the page as raw TeX.
    pattern = re.compile(r"\\(?:text|mbox|textrm|textit)\{[^{}]*\$")
    for i, cell in enumerate(read_notebook(path)["cells"], start=1):
        if cell["cell_type"] == "markdown":
            found = pattern.search(source(cell))
            assert not found, (f"{path.name}, cell {i}: a $ inside {found.group(0)!r}; "
                               "close the math before the text, or write the symbol "
                               "without $ (\\text{if } x > 0)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_display_math_is_balanced_and_starts_a_block(path):
    # A $$ line that directly continues a paragraph (or a "> text" line of a quote)
    # is not display math in MyST: readers see stray dollar signs.
    for i, cell in enumerate(read_notebook(path)["cells"], start=1):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        assert text.count("$$") % 2 == 0, f"{path.name}, cell {i}: unbalanced $$"
        inside, previous = False, ""
        for line in text.splitlines():
            bare = re.sub(r"^\s*(>\s*)*", "", line)
            if bare.startswith("$$") and bare.count("$$") == 1:
                if not inside:
                    assert not re.sub(r"^\s*(>\s*)*", "", previous).strip(), (
                        f"{path.name}, cell {i}: $$ directly after a line of text; "
                        "leave an empty line (an empty '>' line in a quote) before it")
                inside = not inside
            previous = line


@pytest.mark.parametrize("path", LECTURES, ids=lecture_ids)
def test_lecture_has_the_parts_of_a_lecture(path):
    nb = read_notebook(path)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert nb["cells"][0]["cell_type"] == "markdown" and source(nb["cells"][0]).startswith("# ")
    words = len(re.findall(r"[A-Za-z]+", markdown))
    assert words > 2500, f"{path.name}: {words} words of prose; a lecture is a full reading"
    exercises = re.findall(r"^### Exercise", markdown, flags=re.M)
    assert 3 <= len(exercises) <= 6, f"{path.name}: {len(exercises)} exercises"
    solutions = markdown.count("<details>")
    assert solutions == len(exercises) == markdown.count("</details>"), (
        f"{path.name}: {len(exercises)} exercises but {solutions} hidden solutions")
    assert "<summary>Solution</summary>" in markdown
    assert "frame_slider" in "".join(source(c) for c in code_cells(nb)), (
        f"{path.name}: needs an interactive figure that works on the static page")
    assert any("image/png" in o.get("data", {}) for c in code_cells(nb) for o in c["outputs"])


@pytest.mark.parametrize("path", LECTURES, ids=lecture_ids)
def test_randomness_is_seeded(path):
    code = "\n".join(source(c) for c in code_cells(read_notebook(path)))
    assert "default_rng(" in code
    assert not re.search(r"default_rng\(\s*\)", code), "an unseeded default_rng()"
    assert not re.search(r"np\.random\.(rand|randn|normal|uniform|seed)\(", code), (
        "use a seeded np.random.default_rng, not the global NumPy random state")


@pytest.mark.parametrize("path", LECTURES, ids=lecture_ids)
def test_lecture_file_name_and_title_agree(path):
    # Lectures are numbered in their titles (the book does not number chapters,
    # so a missing lecture cannot shift the others), and exercises by lecture.
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name)
    number = int(path.name[:2])
    nb = read_notebook(path)
    assert source(nb["cells"][0]).startswith(f"# Lecture {number}: ")
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    for label in re.findall(r"^### Exercise (\d+)\.\d+", markdown, flags=re.M):
        assert int(label) == number, f"{path.name}: Exercise {label}.x in Lecture {number}"
