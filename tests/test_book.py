"""The built book (_build/html, made by `make book`, which `make test` runs first)."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from tests.conftest import ROOT, book_config, lecture_notebooks, toc_files

HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="module", autouse=True)
def built_book():
    if not (HTML / "intro.html").exists():
        pytest.fail("the book is not built: run `make book` first (`make test` does)")


def page(entry):
    return BeautifulSoup((HTML / f"{entry}.html").read_text(), "html.parser")


def test_index_leads_to_the_landing_page():
    assert "intro.html" in (HTML / "index.html").read_text()


@pytest.mark.parametrize("entry", toc_files())
def test_every_toc_entry_has_a_page_without_errors(entry):
    soup = page(entry)
    assert soup.find("h1"), f"{entry}: no title"
    # Error outputs, unresolved roles and raw directives would show in the text.
    assert not soup.select(".output.error, .output.traceback, div.cell_output .traceback")
    text = soup.get_text()
    assert "{cite" not in text and "{ref}" not in text, f"{entry}: an unresolved MyST role"
    # (A docstring may show an exception on purpose; an executed cell may not.)
    outputs = " ".join(div.get_text() for div in soup.select("div.cell_output"))
    assert "Traceback (most recent call last)" not in outputs


@pytest.mark.parametrize("path", lecture_notebooks(), ids=lambda p: p.stem)
def test_lecture_page_shows_outputs_figures_and_widget_state(path):
    entry = f"lectures/{path.stem}"
    soup = page(entry)
    assert len(soup.select("div.cell_output")) >= 10, "executed outputs are missing"
    images = [img for img in soup.select("div.cell_output img")]
    assert images, "no figure in the page"
    for img in images:
        assert (HTML / "lectures" / img["src"]).resolve().exists(), f"missing image {img['src']}"
        assert img.get("alt"), "a figure without alt text"
    assert soup.find_all("figcaption"), "figures have no captions"
    state = soup.find("script", type="application/vnd.jupyter.widget-state+json")
    assert state is not None, "the widget state was not saved into the page"
    models = json.loads(state.string)["state"]
    views = soup.find_all("script", type="application/vnd.jupyter.widget-view+json")
    assert views, "no widget view in the page"
    for view in views:
        assert json.loads(view.string)["model_id"] in models
    assert any(m["model_name"] == "LinkModel" for m in models.values()), (
        "the widget's controls are not linked in the browser")


@pytest.mark.parametrize("path", lecture_notebooks(), ids=lambda p: p.stem)
def test_launch_buttons_point_at_this_notebook(path):
    html = (HTML / "lectures" / f"{path.stem}.html").read_text()
    repo = book_config()["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    notebook = f"lectures/{path.name}"
    assert f"https://colab.research.google.com/github/{repo}/blob/main/{notebook}" in html
    assert f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/{notebook}" in html


def test_mathjax_knows_the_book_macros():
    html = (HTML / "intro.html").read_text()
    config = re.search(r"MathJax = (\{.*?\})\s*</script>", html, flags=re.S)
    assert config, "no MathJax configuration in the page"
    assert '"tr"' in config.group(1) and "operatorname" in config.group(1)


def test_citations_link_to_the_bibliography():
    soup = page("intro")
    cites = [a for a in soup.find_all("a", href=True) if "Bright" in a.get("title", "")]
    assert cites, "the citation of the MIT notes is not a link"
    assert all(a["href"].startswith("appendix/references.html#") for a in cites)
    assert all("Bright" in a.get_text() and "2025" in a.get_text() for a in cites), (
        "citations should read author-year")
    references = page("appendix/references").get_text()
    assert "Matrix Calculus (for Machine Learning and Beyond)" in references


def test_library_reference_is_generated_from_docstrings():
    soup = page("appendix/api")
    for name in ["fd_derivative", "fd_gradient", "fd_jacobian", "stencil_weights",
                 "check_derivative", "check_gradient", "CheckResult", "frame_slider"]:
        assert soup.find(id=re.compile(rf"matdiff\.\w+\.{name}$")), f"{name} is not documented"


def test_notation_table_is_rendered_and_every_row_checked():
    soup = page("appendix/notation")
    table = next(t for t in soup.find_all("table") if "numerator layout" in t.get_text()
                 and "checked" in t.get_text())
    verdicts = [row.find_all("td")[-1].get_text(strip=True) for row in table.find_all("tr")[1:]]
    assert len(verdicts) >= 10 and set(verdicts) == {"yes"}
