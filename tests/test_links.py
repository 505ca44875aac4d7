"""Internal links of the built book, and of the sources a Jupyter reader follows.

Sphinx's linkcheck cannot reach the internet here, and it does not check
anchors inside the book anyway.  These tests read every HTML page of
_build/html and follow every link, image, stylesheet and script that stays in
the book: the file must exist and the #anchor must be an id on it.  A broken
cross-reference between lectures shows up as one of those.  Links in the
sources (Markdown cells and pages) must also name files that exist, since
Jupyter follows them directly.  (Unresolved MyST roles such as {ref} already
fail the strict build.)
"""

import urllib.parse
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.browser import built_pages, cell_text, markdown_parser
from tests.conftest import ROOT, book_notebooks, read_notebook, source_of, toc_files

HTML = ROOT / "_build" / "html"
# Where a URL can sit in a page.
URL_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src",
                  "iframe": "src", "source": "src", "video": "src", "audio": "src"}


@cache
def _ids(path):
    soup = BeautifulSoup(Path(path).read_text(), "html.parser")
    return frozenset({tag["id"] for tag in soup.find_all(id=True)}
                     | {tag["name"] for tag in soup.find_all("a", attrs={"name": True})})


def broken_links(page, root):
    """Every link in ``page`` that leaves nothing to land on inside ``root``."""
    page, root = Path(page), Path(root).resolve()
    soup = BeautifulSoup(page.read_text(), "html.parser")
    problems = []
    for tag, attribute in URL_ATTRIBUTES.items():
        for element in soup.find_all(tag, attrs={attribute: True}):
            url = element[attribute].strip()
            parts = urllib.parse.urlsplit(url)
            if parts.scheme or url.startswith("//") or not url:
                continue       # leaves the book (http, mailto, data, javascript)
            target = page if not parts.path else (page.parent / urllib.parse.unquote(
                parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append(f"{url}: points outside the book")
            elif not target.is_file():
                problems.append(f"{url}: no such file")
            elif parts.fragment and target.suffix == ".html" and (
                    urllib.parse.unquote(parts.fragment) not in _ids(target)):
                problems.append(f"{url}: no id {parts.fragment!r} in {target.name}")
    return problems


def markdown_links(text):
    """The targets of the links in Markdown text, as MyST reads them."""
    targets = []
    for token in markdown_parser().parse(text):
        for child in [token, *(token.children or [])]:
            if child.type == "link_open":
                targets.append(child.attrs.get("href", ""))
    return targets


def source_texts():
    """(source file, Markdown text) for every page of the book and every notebook."""
    paths = {source_of(entry) for entry in toc_files()} | set(book_notebooks())
    for path in sorted(paths):
        if path.suffix == ".md":
            yield path, path.read_text()
        else:
            cells = read_notebook(path)["cells"]
            yield path, "\n\n".join(cell_text(c["source"]) for c in cells
                                    if c["cell_type"] == "markdown")


# ---------------------------------------------------------------- the built book


@pytest.fixture(scope="module", autouse=True)
def built_book():
    if not (HTML / "intro.html").exists():
        pytest.fail("the book is not built: run `make book` first (`make test` does)")


def test_every_page_of_the_toc_is_in_the_built_book():
    for entry in toc_files():
        assert (HTML / f"{entry}.html").is_file(), f"{entry} was not built"


@pytest.mark.parametrize("page", [p.relative_to(HTML).as_posix() for p in built_pages(HTML)]
                         if HTML.exists() else [])
def test_every_internal_link_and_anchor_resolves(page):
    problems = broken_links(HTML / page, HTML)
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_lectures_link_to_each_other_through_existing_pages():
    # The previous/next links and the table of contents tie the lectures together.
    lectures = [e for e in toc_files() if e.startswith("lectures/")]
    for entry in lectures:
        soup = BeautifulSoup((HTML / f"{entry}.html").read_text(), "html.parser")
        internal = [a["href"] for a in soup.select("a.reference.internal[href]")]
        assert internal, f"{entry}: no internal links at all"
        for other in lectures:
            if other == entry:
                continue
            name = Path(other).name + ".html"
            assert any(href.split("#")[0].endswith(name) for href in internal), (
                f"{entry} does not link to {other}")


# ---------------------------------------------------------------- the sources


@pytest.mark.parametrize("path, text", list(source_texts()),
                         ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else "")
def test_links_in_the_sources_name_files_that_exist(path, text):
    problems = []
    for url in markdown_links(text):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or url.startswith(("#", "//")) or not parts.path:
            continue
        if not (path.parent / urllib.parse.unquote(parts.path)).exists():
            problems.append(url)
    assert not problems, f"{path.relative_to(ROOT)} links to missing files: {problems}"


# ---------------------------------------------------------------- the checker itself


def test_the_checker_finds_broken_files_and_anchors_beside_a_sound_page(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "img.png").write_bytes(b"png")
    (tmp_path / "sub" / "other.html").write_text('<h1 id="top">Other</h1>')
    sound = ('<a href="sub/other.html#top">ok</a> <a href="#here">ok</a> <p id="here"></p>'
             '<img src="img.png"> <a href="https://example.org/x">external</a>'
             '<a href="mailto:a@b.c">mail</a> <script src="data:text/javascript,1"></script>')
    (tmp_path / "sound.html").write_text(sound)
    assert broken_links(tmp_path / "sound.html", tmp_path) == []

    broken = ('<a href="sub/other.html#nowhere">a</a> <a href="#missing">b</a>'
              '<a href="no-such-page.html">c</a> <img src="gone.png">'
              '<link rel="stylesheet" href="sub/style.css"> <a href="../../etc/passwd">d</a>')
    (tmp_path / "broken.html").write_text(broken)
    problems = broken_links(tmp_path / "broken.html", tmp_path)
    assert len(problems) == 6, problems
    for expected in ["no id 'nowhere'", "no id 'missing'", "no-such-page.html: no such file",
                     "gone.png: no such file", "style.css: no such file", "outside the book"]:
        assert any(expected in p for p in problems), (expected, problems)


def test_the_source_check_finds_a_link_to_a_missing_notebook():
    text = ("See [the next lecture](02-no-such-lecture.ipynb#chain-rule), "
            "[this one](01-derivatives-as-linear-operators.ipynb) and [the web](https://x.org).")
    assert markdown_links(text) == ["02-no-such-lecture.ipynb#chain-rule",
                                    "01-derivatives-as-linear-operators.ipynb",
                                    "https://x.org"]
