"""The browser checks themselves: each must fail a page broken on purpose.

A browser test that cannot see an untypeset equation, a missing figure, a dead
widget or a wrong launch URL looks exactly like success.  Each test here copies
the built book into a temporary folder, breaks one thing in the copy, and checks
that tests/browser.py reports it, beside a control: the intact copy, which
must report nothing.
"""

import re
import shutil

import pytest
from bs4 import BeautifulSoup

from tests.browser import (
    HTML,
    PHONE,
    PageReport,
    chromium,
    inspect_page,
    new_context,
    open_page,
    overflow_problems,
    page_url,
    require_built_book,
    serve,
    slider_problems,
)
from tests.conftest import lecture_notebooks, toc_files

LECTURE = f"lectures/{lecture_notebooks()[0].stem}"
LANDING = toc_files()[0]


@pytest.fixture(scope="module")
def browser():
    require_built_book()
    with chromium() as running:
        yield running


@pytest.fixture
def book(tmp_path):
    """A private copy of the built book, to break."""
    copy = tmp_path / "html"
    shutil.copytree(HTML, copy)
    return copy


def edit(book, entry, change):
    """Rewrite one page of the copy: ``change(html) -> html``, which must change it."""
    path = book / f"{entry}.html"
    before = path.read_text()
    after = change(before)
    assert after != before, "the deliberate breakage did not change the page"
    path.write_text(after)


def inspect(browser, book, entry, *, viewport=None):
    context = new_context(browser, **({"viewport": viewport} if viewport else {}))
    try:
        with serve(book) as url:
            return inspect_page(context, url, entry)
    finally:
        context.close()


def only(report, kind):
    """The report's problems of ``kind``; every other kind must be clean."""
    others = {k: v for k, v in report.problems.items() if k != kind and v}
    assert not others, f"breaking only {kind} also broke {others}\n{report}"
    return report.problems[kind]


def after_title(html, snippet):
    """Put an HTML snippet right after the page's title, in the article."""
    title = "</h1>"
    start = html.index('<article class="bd-article"')
    at = html.index(title, start) + len(title)
    return html[:at] + snippet + html[at:]


def without_tags(html, selector):
    soup = BeautifulSoup(html, "html.parser")
    found = soup.select(selector)
    for tag in found:
        tag.decompose()
    return str(soup) if found else html


# ---------------------------------------------------------------- control


@pytest.mark.parametrize("entry", [LANDING, LECTURE])
def test_control_the_intact_copy_reports_nothing(browser, book, entry):
    report = inspect(browser, book, entry)
    assert not any(report.problems.values()), str(report)


def test_control_the_sliders_of_the_intact_copy_move_the_figure(browser, book):
    context = new_context(browser)
    try:
        with serve(book) as url:
            report = PageReport(LECTURE)
            page = open_page(context, page_url(url, LECTURE), report)
            assert slider_problems(page) == []
    finally:
        context.close()
    assert not report.problems["load"], str(report)


# ---------------------------------------------------------------- equations


def test_a_page_without_mathjax_leaves_equations_untypeset(browser, book):
    edit(book, LECTURE, lambda html: without_tags(html, 'script[src*="mathjax"]'))
    problems = " ".join(only(inspect(browser, book, LECTURE), "math"))
    assert "display equations were not typeset" in problems
    assert "inline equations were not typeset" in problems


def test_raw_tex_left_in_the_text_is_caught(browser, book):
    # TeX outside the page's math blocks (here an unclosed $$) stays raw.
    edit(book, LECTURE, lambda html: after_title(html, "<p>As shown, $$ a^2 + b^2 holds.</p>"))
    problems = only(inspect(browser, book, LECTURE), "math")
    assert any("raw TeX" in p and "a^2 + b^2" in p for p in problems), problems


def test_a_display_equation_the_source_does_not_have_is_counted(browser, book):
    def repeat_one_equation(html):
        soup = BeautifulSoup(html, "html.parser")
        first = soup.select_one("div.math")
        first.insert_after(BeautifulSoup(str(first), "html.parser"))
        return str(soup)

    edit(book, LECTURE, repeat_one_equation)
    problems = only(inspect(browser, book, LECTURE), "math")
    assert any("but the source has" in p for p in problems), problems


def test_an_equation_lost_from_the_page_is_counted_against_the_source(browser, book):
    def drop_one_equation(html):
        soup = BeautifulSoup(html, "html.parser")
        soup.select_one("div.math").decompose()
        return str(soup)

    edit(book, LECTURE, drop_one_equation)
    problems = only(inspect(browser, book, LECTURE), "math")
    assert any("but the source has" in p for p in problems), problems


def add_to_first_equation(html, tex):
    return re.sub(r'(<div class="math notranslate nohighlight">\s*\\\[)',
                  lambda m: m.group(1) + " " + tex + " ", html, count=1)


def test_an_undefined_macro_is_caught(browser, book):
    edit(book, LECTURE, lambda html: add_to_first_equation(html, r"\nosuchmacro +"))
    problems = only(inspect(browser, book, LECTURE), "math")
    assert any("undefined TeX macro \\nosuchmacro" in p for p in problems), problems


def test_a_tex_error_is_caught(browser, book):
    edit(book, LECTURE, lambda html: add_to_first_equation(html, r"x^1^2 +"))
    problems = only(inspect(browser, book, LECTURE), "math")
    assert any("MathJax error: Double exponent" in p for p in problems), problems


def test_a_cdn_mathjax_is_refused_and_reported(browser, book):
    edit(book, LECTURE, lambda html: re.sub(
        r'src="[^"]*offline/mathjax/tex-chtml\.js[^"]*"',
        'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"', html))
    report = inspect(browser, book, LECTURE)
    assert any("reached for the network" in p and "jsdelivr" in p
               for p in report.problems["load"]), str(report)
    assert report.problems["math"], str(report)


# ---------------------------------------------------------------- figures


def lecture_figure(book):
    soup = BeautifulSoup((book / f"{LECTURE}.html").read_text(), "html.parser")
    return soup.select_one("figure img")["src"]


def test_a_missing_figure_is_caught(browser, book):
    src = lecture_figure(book)
    (book / "lectures" / src).resolve().unlink()
    report = inspect(browser, book, LECTURE)
    assert any("image does not load" in p for p in report.problems["figures"]), str(report)
    # The browser also logs the 404: a missing file is a failed request.
    assert any("404" in p for p in report.problems["load"]), str(report)


def test_a_figure_without_alt_text_or_caption_is_caught(browser, book):
    def undescribe(html):
        soup = BeautifulSoup(html, "html.parser")
        figure = soup.select_one("figure")
        figure.select_one("img")["alt"] = ""
        figure.select_one("figcaption").decompose()
        return str(soup)

    edit(book, LECTURE, undescribe)
    problems = only(inspect(browser, book, LECTURE), "figures")
    assert any("without alt text or caption" in p for p in problems), problems


# ---------------------------------------------------------------- widgets


def test_a_widget_that_does_not_render_is_caught(browser, book):
    edit(book, LECTURE, lambda html: without_tags(html, 'script[src*="embed-amd"]'))
    problems = only(inspect(browser, book, LECTURE), "widgets")
    assert any("did not render" in p for p in problems), problems


def test_a_lecture_whose_widget_state_was_not_saved_is_caught(browser, book):
    edit(book, LECTURE, lambda html: without_tags(
        html, 'script[type="application/vnd.jupyter.widget-view+json"], '
              'script[type="application/vnd.jupyter.widget-state+json"]'))
    problems = only(inspect(browser, book, LECTURE), "widgets")
    assert any("without a widget" in p for p in problems), problems


def test_a_slider_that_no_longer_moves_the_figure_is_caught(browser, book):
    # Link the slider to an attribute the figures do not have: the controls
    # still render and move, but the figure shown no longer follows them.
    def unlink(html):
        return re.sub(r'("target": \["IPY_MODEL_\w+", )"selected_index"\]',
                      r'\1"no_such_attribute"]', html)

    edit(book, LECTURE, unlink)
    context = new_context(browser)
    try:
        with serve(book) as url:
            page = open_page(context, page_url(url, LECTURE), PageReport(LECTURE))
            problems = slider_problems(page)
    finally:
        context.close()
    assert any("did not change" in p for p in problems), problems


# ---------------------------------------------------------------- launch buttons


def test_a_launch_url_to_the_wrong_branch_is_caught(browser, book):
    edit(book, LECTURE, lambda html: html.replace("/blob/main/", "/blob/master/"))
    problems = only(inspect(browser, book, LECTURE), "launch")
    assert any("no colab launch link" in p and "master" in p for p in problems), problems


def test_a_missing_binder_button_is_caught(browser, book):
    edit(book, LECTURE, lambda html: without_tags(html, 'a[href*="mybinder.org"]'))
    problems = only(inspect(browser, book, LECTURE), "launch")
    assert any("no binder launch link" in p for p in problems), problems


# ---------------------------------------------------------------- phone


def test_an_equation_that_overflows_a_phone_screen_is_caught(browser, book):
    def phone_report(entry):
        context = new_context(browser, viewport=PHONE)
        try:
            with serve(book) as url:
                page = open_page(context, page_url(url, entry), PageReport(entry))
                return overflow_problems(page)
        finally:
            context.close()

    assert phone_report(LECTURE) == []          # control: equations scroll in place
    no_scrolling = ("<style>mjx-container, div.math "
                    "{overflow: visible !important; max-width: none !important}</style>")
    edit(book, LECTURE, lambda html: html.replace("</head>", no_scrolling + "</head>", 1))
    problems = phone_report(LECTURE)
    assert any("wider than the column and does not scroll" in p for p in problems), problems
