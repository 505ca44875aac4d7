"""The book's own copies of MathJax and the widget manager (tools/offline_assets.py).

The browser tests show that the pages work offline; these check the pieces
without a browser: the pins, the configuration, every built page's references,
the extension's error messages, and the Makefile's Chromium step.
"""

import importlib.util
import json
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.errors import ExtensionError

from tests.browser import built_pages
from tests.conftest import ROOT, book_config

# A Sphinx extension in tools/ (not a package), loaded by _config.yml.
_spec = importlib.util.spec_from_file_location("offline_assets",
                                               ROOT / "tools" / "offline_assets.py")
offline_assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(offline_assets)

HTML = ROOT / "_build" / "html"


def test_package_json_pins_exact_versions_and_the_lock_agrees():
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert set(wanted) == {name for name, _, _ in offline_assets.ASSETS.values()}
    for name, pin in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin), f"package.json: {name} {pin!r} is not exact"
    assert offline_assets.locked_versions() == wanted


def test_the_asset_versions_fit_the_book():
    locked = offline_assets.locked_versions()
    assert locked["mathjax"].startswith("3."), "the book configures MathJax 3 (mathjax3_config)"
    # ipywidgets 8 saves widget state that html-manager 1.x renders (0.x is ipywidgets 7).
    assert version("ipywidgets").startswith("8.")
    assert locked["@jupyter-widgets/html-manager"].startswith("1.")


def test_the_configuration_points_at_the_local_copies():
    sphinx = book_config()["sphinx"]
    assert sphinx["local_extensions"] == {"offline_assets": "tools"}
    config = sphinx["config"]
    scripts = [config["mathjax_path"], *config["nb_ipywidgets_js"]]
    for script in scripts:
        assert "://" not in script and script.startswith("offline/"), script
    assert list(config["nb_ipywidgets_js"]) == [
        "offline/requirejs/require.js", "offline/widgets-offline.js",
        "offline/html-manager/embed-amd.js"], "RequireJS, then the book's fixes, then the manager"


@pytest.mark.parametrize("page", [p.relative_to(HTML).as_posix() for p in built_pages(HTML)])
def test_no_built_page_loads_a_script_or_stylesheet_from_the_network(page):
    soup = BeautifulSoup((HTML / page).read_text(), "html.parser")
    remote = [tag.get("src") or tag.get("href")
              for tag in soup.select("script[src], link[rel~=stylesheet][href], img[src]")
              if re.match(r"(https?:)?//", tag.get("src") or tag.get("href"))]
    assert not remote, f"{page} loads {remote}"


def test_every_configured_script_is_in_the_built_book():
    config = book_config()["sphinx"]["config"]
    for script in [config["mathjax_path"], *config["nb_ipywidgets_js"]]:
        assert (HTML / "_static" / script).is_file(), script


def test_copy_assets_copies_what_the_pages_load(tmp_path):
    offline_assets.copy_assets(tmp_path)
    offline = tmp_path / "_static" / "offline"
    assert (offline / "mathjax" / "tex-chtml.js").is_file()
    assert (offline / "mathjax" / "input" / "tex" / "extensions").is_dir()   # loaded on demand
    assert (offline / "html-manager" / "embed-amd.js").is_file()
    assert list((offline / "html-manager").glob("*.woff2")), "the manager's icon fonts"
    assert (offline / "requirejs" / "require.js").is_file()
    assert (offline / "widgets-offline.js").read_text() == (
        ROOT / "tools" / "widgets_offline.js").read_text()
    offline_assets.copy_assets(tmp_path)      # again, over the first copy


def test_copy_assets_says_what_to_do_without_npm_ci(tmp_path):
    with pytest.raises(ExtensionError, match=r"mathjax is not installed .* run `npm ci`"):
        offline_assets.copy_assets(tmp_path / "out", node_modules=tmp_path / "node_modules")


def test_copy_assets_refuses_a_version_other_than_the_lock(tmp_path):
    node_modules = tmp_path / "node_modules"
    for name, wanted in offline_assets.locked_versions().items():
        (node_modules / name).mkdir(parents=True)
        found = "0.0.1" if name == "mathjax" else wanted
        (node_modules / name / "package.json").write_text(json.dumps({"version": found}))
    with pytest.raises(ExtensionError, match=r"mathjax 0\.0\.1 is installed but "
                                             r"package-lock\.json pins 3\."):
        offline_assets.copy_assets(tmp_path / "out", node_modules=node_modules)


def test_node_modules_is_not_committed():
    assert "node_modules/" in (ROOT / ".gitignore").read_text().splitlines()


# ---------------------------------------------------------------- make chromium


def make_chromium(**variables):
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "chromium",
                             *[f"{k}={v}" for k, v in variables.items()]],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def test_make_chromium_accepts_an_installed_browser():
    code, log = make_chromium()
    assert code == 0, log
    assert Path("/usr/bin/chromium").is_file()


def test_make_chromium_names_a_wrong_browser_path():
    code, log = make_chromium(CHROMIUM="/no/such/chromium")
    assert code != 0 and "CHROMIUM=/no/such/chromium is not an executable file" in log
